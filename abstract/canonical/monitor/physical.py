"""Canonical monitor: which physical hart runs which vCPU.

The monitor keeps, for each physical hart other than the modelled one, the vCPU it runs
(index + 1, or 0). TVM_VCPU_RUN on any hart refuses a vCPU that runs anywhere: the check in
`running_elsewhere` is what stops one vCPU from running on two harts at once.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Tuple

from abstract import abi
from abstract.canonical.monitor import cvms
from abstract.config import H, P
from abstract.domain import STARTED, SUSPENDED
from abstract.logic import any_of, each, keep, lnot, put_at, read_at, set_at

Result = Tuple[int, int]


def running_elsewhere(s: Any, i: int) -> bool:
    """Does another physical hart run vCPU i (= k*H+h)?"""
    return any_of(s.other_harts[q] == i + 1 for q in range(P - 1))


def other_hart_run(hwp: Any, s: Any, phys: int, cvm_id: int, vcpu: int) -> Tuple[Any, Result]:
    """TVM_VCPU_RUN on physical hart `phys`: mark the vCPU as running there."""
    # `phys` and `vcpu` stay symbolic: `read_at` and `put_at` read and write at them without a
    # fork per position (the spec's `other_hart_run` measures the difference)
    if lnot((1 <= phys) & (phys < P)) or (read_at(s.other_harts, phys - 1) != 0) | (vcpu < 0) | (vcpu >= H):
        return s, (abi.INVALID_PARAM, 0)
    k = cvms.find_slot(s, cvm_id)
    if k < 0:
        return s, (abi.INVALID_PARAM, 0)
    i = k * H + vcpu
    state = read_at(s.hart, i)
    refused = lnot((state == STARTED) | (state == SUSPENDED)) | running_elsewhere(s, i) \
        | ((s.run_cvm == k) & (s.run_vcpu == vcpu))
    if refused:
        return s, (abi.INVALID_PARAM, 0)
    return replace(s, hart=put_at(s.hart, i, STARTED), other_harts=put_at(s.other_harts, phys - 1, i + 1),
                   hw=hwp.hart_tlb_clear(s.hw, phys)), (abi.SUCCESS, 0)


def runs_vcpu(s: Any, phys: int) -> bool:
    """Is `phys` another physical hart, and does it run a vCPU?"""
    return (1 <= phys) & (phys < P) and s.other_harts[phys - 1] != 0


def other_hart_exit(hwp: Any, s: Any, phys: int) -> Tuple[Any, Result]:
    """The vCPU on physical hart `phys` exits to that hart's hypervisor: clear the mark."""
    if lnot(runs_vcpu(s, phys)):
        return s, (abi.INVALID_PARAM, 0)
    return replace(s, other_harts=set_at(s.other_harts, phys - 1, 0), hw=hwp.hart_tlb_clear(s.hw, phys)), \
        (abi.SUCCESS, 0)


def other_hart_interrupt(hwp: Any, s: Any, phys: int) -> Tuple[Any, Result]:
    """The vCPU on physical hart `phys` takes the monitor's IPI: the fences queued for the hart
    run and the vCPU resumes, with no exit (ACE's handle_interrupt with MSIP set)."""
    if lnot(runs_vcpu(s, phys)):
        return s, (abi.INVALID_PARAM, 0)
    return replace(s, hw=hwp.hart_fences_run(s.hw, phys)), (abi.SUCCESS, 0)


def any_vcpu_elsewhere(s: Any, k: int) -> bool:
    """Does another physical hart run a vCPU of CVM slot k?"""
    return any_of(running_elsewhere(s, k * H + h) for h in range(H))


def interrupted(mark: int, k: int, harts: int) -> int:
    """One other hart's mark (vCPU index + 1, or 0) after CVM slot k is reset, with `harts`
    vCPUs per CVM: a vCPU of slot k is interrupted (0), any other mark is kept."""
    i = mark - 1 - k * harts  # the vCPU's number within slot k, if it is one of k's
    return keep(mark, lnot((0 <= i) & (i < harts)))


def taken_off_other_harts(s: Any, k: int) -> Tuple[int, ...]:
    """The other harts' marks with CVM slot k's vCPUs removed (the monitor interrupts them)."""
    return each(interrupted, P - 1, (s.other_harts,), k, H)


def tlb_fill(hwp: Any, s: Any, g: int, phys: int = 0) -> Tuple[Any, Result]:
    """Physical hart `phys` caching a translation while a guest runs there: the canonical
    machine has no TLB, so it does not move (RISC-V's fill is its own `concrete.riscv.tlb_fill`)."""
    return s, (abi.ACCESS_OK, 0)
