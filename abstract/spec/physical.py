"""Spec: the physical harts other than the modelled one (1..P-1), which run vCPUs too.

Only *where* each vCPU runs is modelled there: TVM_VCPU_RUN from the hypervisor on another
hart marks the vCPU as running on that hart, and its exit clears the mark. The other harts'
registers, PMP and exits are theirs and not modelled. What matters across harts is the
reference's rule that a vCPU runs on at most one physical hart at a time (seeded fault 8), and
that a CVM with a vCPU running anywhere cannot be destroyed.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Tuple

from abstract import abi
from abstract.config import H, P
from abstract.domain import STARTED, SUSPENDED
from abstract.logic import any_of, each, keep, lnot, put_at, read_at, set_at
from abstract.spec.state import SpecState, running_elsewhere, slot_of

Result = Tuple[int, int]


def other_hart_run(s: SpecState, phys: int, cvm_id: int, vcpu: int) -> Tuple[SpecState, Result]:
    """TVM_VCPU_RUN from the hypervisor on physical hart `phys`, which runs no vCPU: the same
    checks as on this hart, and a vCPU that runs anywhere (here or on another hart) is refused
    with INVALID_PARAM. A suspended vCPU resumes as started."""
    # `phys` and `vcpu` stay symbolic: `read_at` and `put_at` read and write at them without a
    # fork per position (measured: at 2 CVMs, 3 vCPUs each and 3 physical harts, 262 paths for the spec's
    # obligations with indexing, 92 with these)
    if lnot((1 <= phys) & (phys < P)) or read_at(s.other_harts, phys - 1) != 0:
        return s, (abi.INVALID_PARAM, 0)
    k = slot_of(s, cvm_id)
    if (k < 0) | (vcpu < 0) | (vcpu >= H):  # `|`, not `or`: one branch instead of several
        return s, (abi.INVALID_PARAM, 0)
    i = k * H + vcpu
    state = read_at(s.hart, i)
    may_run = (state == STARTED) | (state == SUSPENDED)
    runs = ((s.run_cvm == k) & (s.run_vcpu == vcpu)) | running_elsewhere(s, i)
    if lnot(may_run) | runs:
        return s, (abi.INVALID_PARAM, 0)
    return replace(s, hart=put_at(s.hart, i, STARTED), other_harts=put_at(s.other_harts, phys - 1, i + 1)), \
        (abi.SUCCESS, 0)


def runs_vcpu(s: SpecState, phys: int) -> bool:
    """Is `phys` another physical hart, and does it run a vCPU?"""
    return (1 <= phys) & (phys < P) and s.other_harts[phys - 1] != 0


def other_hart_exit(s: SpecState, phys: int) -> Tuple[SpecState, Result]:
    """The vCPU on physical hart `phys` exits to that hart's hypervisor; a hart running no vCPU
    (or no such hart) gives INVALID_PARAM."""
    if lnot(runs_vcpu(s, phys)):
        return s, (abi.INVALID_PARAM, 0)
    return replace(s, other_harts=set_at(s.other_harts, phys - 1, 0)), (abi.SUCCESS, 0)


def other_hart_interrupt(s: SpecState, phys: int) -> Tuple[SpecState, Result]:
    """The vCPU on physical hart `phys` takes the monitor's IPI, which resumes it without an
    exit (ACE runs the hart's queued remote commands there): nothing the spec describes
    changes; a hart running no vCPU (or no such hart) gives INVALID_PARAM."""
    if lnot(runs_vcpu(s, phys)):
        return s, (abi.INVALID_PARAM, 0)
    return s, (abi.SUCCESS, 0)


def mark_after_reset(mark: int, k: int, harts: int) -> int:
    """What another physical hart runs (vCPU index + 1, or 0) after CVM slot k shuts down, with
    `harts` vCPUs per CVM: nothing if it ran one of k's vCPUs (k*harts+1 .. k*harts+harts),
    else the same as before."""
    mine = (k * harts < mark) & (mark <= (k + 1) * harts)
    return keep(mark, lnot(mine))


def off_other_harts(s: SpecState, k: int) -> Tuple[int, ...]:
    """The other physical harts once CVM slot k's vCPUs are taken off them."""
    return each(mark_after_reset, P - 1, (s.other_harts,), k, H)


def cvm_runs_elsewhere(s: SpecState, k: int) -> bool:
    """Some vCPU of CVM slot k runs on another physical hart."""
    return any_of(running_elsewhere(s, k * H + h) for h in range(H))


def tlb_fill(s: SpecState, g: int, phys: int = 0) -> Tuple[SpecState, Tuple[int, int]]:
    """Physical hart `phys` caching a translation while a guest runs there: the spec has no
    TLB, so nothing it describes changes (a stutter step; the RISC-V model's TLBs may reach
    nothing but the current leaves, and NC pages a queued fence will drop)."""
    return s, (abi.ACCESS_OK, 0)
