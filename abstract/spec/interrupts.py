"""Spec: external interrupts. A CVM allows lines (COVG ALLOW_EXT_INTERRUPT ORs a mask into its
allowed set); TVM_VCPU_RUN raises in the vCPU the lines of the hypervisor's hvip that the CVM
allowed (`switch.run_inputs`). Lines 0..NIRQ-1 of the 64-bit masks are modelled."""
from __future__ import annotations

from dataclasses import replace
from typing import Tuple

from abstract import abi
from abstract.config import K, NIRQ
from abstract.spec.state import HYPERVISOR, SpecState

Result = Tuple[int, int]


def mask_bit(mask: int, j: int) -> bool:
    """Bit j of a register value (j concrete: division by a constant, no bit-vectors)."""
    return (mask // (1 << j)) % 2 == 1


def allow_ext_interrupt(s: SpecState, mask: int) -> Tuple[SpecState, Result]:
    """The calling CVM allows every line whose bit is set in `mask`, keeping those it allowed."""
    if s.run_cvm == HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    allowed = tuple(
        s.irq_allowed[j] | ((j // NIRQ == s.run_cvm) & mask_bit(mask, j % NIRQ)) for j in range(K * NIRQ)
    )
    return replace(s, irq_allowed=allowed), (abi.SUCCESS, 0)
