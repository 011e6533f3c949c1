"""Canonical monitor: the domain switch into a vCPU and back to the hypervisor."""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Tuple

from abstract import abi
from abstract.domain import STARTED, SUSPENDED, HYPERVISOR
from abstract.config import H, K
from abstract.logic import set_at

Result = Tuple[int, int]


def tvm_vcpu_run(hwp: Any, s: Any, cvm_id: int, vcpu: int) -> Tuple[Any, Result]:
    """Enter vCPU `vcpu` of CVM `cvm_id`: save the hypervisor's hart state, load the vCPU's,
    open confidential memory."""
    if s.run_cvm != HYPERVISOR or not 1 <= cvm_id <= K or not 0 <= vcpu < H:
        return s, (abi.INVALID_PARAM, 0)
    k = cvm_id - 1
    i = k * H + vcpu
    if not s.live[k] or not (s.hart[i] == STARTED or s.hart[i] == SUSPENDED):
        return s, (abi.INVALID_PARAM, 0)
    hw = hwp.isolation_grant(hwp.hart_enter(s.hw, i))
    return replace(s, hart=set_at(s.hart, i, STARTED), run_cvm=k, run_vcpu=vcpu, hw=hw), (abi.SUCCESS, 0)


def vcpu_exit(hwp: Any, s: Any) -> Tuple[Any, Result]:
    """Leave the running vCPU: save its state, close confidential memory, restore the
    hypervisor with TVM_VCPU_RUN's result."""
    if s.run_cvm == HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    i = s.run_cvm * H + s.run_vcpu
    hw = hwp.isolation_revoke(hwp.hart_exit(s.hw, i, abi.SUCCESS, 0))
    return replace(s, run_cvm=HYPERVISOR, run_vcpu=0, hw=hw), (abi.SUCCESS, 0)
