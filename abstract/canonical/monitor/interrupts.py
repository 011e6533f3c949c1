"""Canonical monitor: the allowed-interrupt table (TVM_VCPU_RUN filters the hypervisor's hvip by it)."""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Tuple

from abstract import abi
from abstract.config import K, NIRQ
from abstract.domain import HYPERVISOR

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
