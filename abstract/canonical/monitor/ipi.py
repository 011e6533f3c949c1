"""Canonical monitor: IPIs and remote fences among the calling CVM's harts, handled in the
monitor. An IPI marks the named harts; a remote fence has nothing to flush in a model without
translation caches, so it only answers."""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Tuple

from abstract import abi
from abstract.logic import any_of, lnot
from abstract.config import H, K
from abstract.domain import HYPERVISOR

Result = Tuple[int, int]


def send_ipi(hwp: Any, s: Any, mask: int, base: int) -> Tuple[Any, Result]:
    if s.run_cvm == HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    targets = abi.hart_mask(mask, base, H)  # no mask is refused, as in ACE
    first = s.run_cvm * H
    pending = tuple(
        s.ipi_pending[i] | ((first <= i) & (i < first + H) & targets[i % H]) for i in range(K * H)
    )
    return replace(s, ipi_pending=pending), (abi.SUCCESS, 0)


def remote_fence(hwp: Any, s: Any, fid: int, mask: int, base: int) -> Tuple[Any, Result]:
    known = any_of(fid == f for f in abi.RFENCE_FIDS)  # HFENCE too: as ACE, SUCCESS with nothing to do
    if (s.run_cvm == HYPERVISOR) | lnot(known):
        return s, (abi.INVALID_PARAM, 0)
    return s, (abi.SUCCESS, 0)  # the mask is not checked, as in ACE
