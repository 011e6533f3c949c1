"""Spec: the domain switch (COVH TVM_VCPU_RUN and the exit back to the hypervisor)."""
from __future__ import annotations

from dataclasses import replace
from typing import Tuple

from abstract import abi
from abstract.config import H, K
from abstract.logic import set_at
from abstract.spec.state import HYPERVISOR, STARTED, SUSPENDED, SpecState

Result = Tuple[int, int]


def tvm_vcpu_run(s: SpecState, cvm_id: int, vcpu: int) -> Tuple[SpecState, Result]:
    """Run vCPU `vcpu` of CVM `cvm_id`: unknown ids and harts neither started nor suspended
    give INVALID_PARAM; a suspended hart resumes as started. Registers cross nothing."""
    if s.run_cvm != HYPERVISOR or not 1 <= cvm_id <= K or not 0 <= vcpu < H:
        return s, (abi.INVALID_PARAM, 0)
    k = cvm_id - 1
    i = k * H + vcpu
    if not s.live[k] or not (s.hart[i] == STARTED or s.hart[i] == SUSPENDED):
        return s, (abi.INVALID_PARAM, 0)
    return replace(s, hart=set_at(s.hart, i, STARTED), run_cvm=k, run_vcpu=vcpu), (abi.SUCCESS, 0)


def vcpu_exit(s: SpecState) -> Tuple[SpecState, Result]:
    """The running vCPU exits to the hypervisor, whose registers come back as it left them
    except a0/a1, which carry TVM_VCPU_RUN's result (success, 0)."""
    if s.run_cvm == HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    regs = set_at(set_at(s.hv_regs, abi.A0, abi.SUCCESS), abi.A1, 0)
    return replace(s, run_cvm=HYPERVISOR, run_vcpu=0, hv_regs=regs), (abi.SUCCESS, 0)
