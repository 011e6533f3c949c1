"""Canonical monitor: the allowed-interrupt table and the filter on injection."""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Tuple

from abstract import abi
from abstract.config import H, K, NIRQ
from abstract.domain import HYPERVISOR
from abstract.canonical.monitor import cvms
from abstract.logic import flag_put, lnot

Result = Tuple[int, int]


def allow_ext_interrupt(hwp: Any, s: Any, mask: int) -> Tuple[Any, Result]:
    if s.run_cvm == HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    base = s.run_cvm * NIRQ
    wanted = tuple((mask // (1 << line)) % 2 == 1 for line in range(NIRQ))
    allowed = tuple(
        s.irq_allowed[j] | ((base <= j) & (j < base + NIRQ) & wanted[j % NIRQ]) for j in range(K * NIRQ)
    )
    return replace(s, irq_allowed=allowed), (abi.SUCCESS, 0)


def inject_interrupt(hwp: Any, s: Any, cvm_id: int, vcpu: int, line: int) -> Tuple[Any, Result]:
    """Filter by the CVM's allowed set before anything reaches the vCPU."""
    if (s.run_cvm != HYPERVISOR) | lnot((0 <= vcpu) & (vcpu < H) & (0 <= line) & (line < NIRQ)):
        return s, (abi.INVALID_PARAM, 0)
    k = cvms.find_slot(s, cvm_id)
    if k < 0 or lnot(s.irq_allowed[k * NIRQ + line]):
        return s, (abi.INVALID_PARAM, 0)
    return replace(s, irq_pending=flag_put(s.irq_pending, (k * H + vcpu) * NIRQ + line, True)), (abi.SUCCESS, 0)
