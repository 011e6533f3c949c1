"""Spec: inter-processor interrupts and remote fences among one CVM's harts (SBI IPI, RFENCE).

A vCPU names harts of its own CVM with an SBI hart mask; the monitor handles both calls itself,
so nothing reaches the hypervisor. An IPI leaves a software interrupt pending on each named
hart (delivered through hvip on its next run, not modelled). No translation cache is modelled,
so a remote fence has no effect on the state: what is specified is which calls are accepted.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Tuple

from abstract import abi
from abstract.logic import any_of, lnot
from abstract.config import H, K
from abstract.spec.state import HYPERVISOR, SpecState

Result = Tuple[int, int]


def send_ipi(s: SpecState, mask: int, base: int) -> Tuple[SpecState, Result]:
    """The running vCPU sends an IPI to the harts of its CVM named by (mask, base). As in ACE no
    mask is refused: bits naming harts the CVM does not have are ignored."""
    if s.run_cvm == HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    targets = abi.hart_mask(mask, base, H)
    pending = tuple(s.ipi_pending[i] | ((i // H == s.run_cvm) & targets[i % H]) for i in range(K * H))
    return replace(s, ipi_pending=pending), (abi.SUCCESS, 0)


def remote_fence(s: SpecState, fid: int, mask: int, base: int) -> Tuple[SpecState, Result]:
    """The running vCPU asks for a remote fence on harts of its CVM: FENCE.I, SFENCE.VMA(.ASID),
    or an HFENCE variant (nothing to fence for a CVM; ACE answers it all the same). Accepted
    whatever the mask names (ACE validates none), INVALID_PARAM for another FID."""
    if (s.run_cvm == HYPERVISOR) | lnot(any_of(fid == f for f in abi.RFENCE_FIDS)):
        return s, (abi.INVALID_PARAM, 0)
    return s, (abi.SUCCESS, 0)
