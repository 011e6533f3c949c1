"""Spec: the HSM extension as a CVM's vCPU calls it on its own CVM's harts.

Start takes a Stopped hart to Started (any other state: ALREADY_AVAILABLE; a hart number out of
range: INVALID_PARAM). Stop and suspend act on the calling hart, which then no longer runs: the
hypervisor gets control back with the monitor's request, which shows the call (a7, a6) and
a0 = a1 = 0, as ACE's `SbiRequest` does, and nothing of the vCPU's other registers.
Status answers the SBI's status value. Start sets the started hart's pc to the start address,
its a0 to its hart number and its a1 to the opaque argument.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Tuple

from abstract import abi
from abstract.config import H
from abstract.domain import STARTED, STOPPED, SUSPENDED
from abstract.logic import lnot, set_at
from abstract.spec.state import HYPERVISOR, SpecState, running_elsewhere
from abstract.spec.switch import exit_sbi_request, shutdown

Result = Tuple[int, int]


def sbi_hart_status(state: int) -> int:
    """The SBI HSM status value of a lifecycle state (Suspended is 4 in the SBI)."""
    return abi.HSM_STATUS_SUSPENDED if state == SUSPENDED else state


def hart_start(s: SpecState, hart: int, start: int, opaque: int) -> Tuple[SpecState, Result]:
    """As ACE's `transition_from_stopped_to_started`: a hart that runs (the caller itself, or on
    another physical hart) is INVALID_PARAM, one not Stopped ALREADY_AVAILABLE; else it is
    Started, to begin at `start` with a0 = its hart number and a1 = `opaque`, and nothing of an
    earlier exit awaits an answer (ACE's stop leaves no resumable operation)."""
    if (s.run_cvm == HYPERVISOR) | lnot((0 <= hart) & (hart < H)):
        return s, (abi.INVALID_PARAM, 0)
    i = s.run_cvm * H + hart
    if (hart == s.run_vcpu) | running_elsewhere(s, i):
        return s, (abi.INVALID_PARAM, 0)
    if s.hart[i] != STOPPED:
        return s, (abi.ALREADY_AVAILABLE, 0)
    regs = abi.with_hart_args(s.vcpu_regs[i], hart, opaque)
    return replace(s, hart=set_at(s.hart, i, STARTED), vcpu_regs=set_at(s.vcpu_regs, i, regs),
                   vcpu_pc=set_at(s.vcpu_pc, i, start), reply_a=set_at(s.reply_a, i, 0),
                   reply_b=set_at(s.reply_b, i, 0), reply_step=set_at(s.reply_step, i, 0),
                   share_req=set_at(s.share_req, i, 0)), (abi.SUCCESS, 0)


def _leave(s: SpecState, state: int) -> Tuple[SpecState, Result]:
    """The calling hart takes `state` and leaves the physical hart with the monitor's request
    (the call, a0 = a1 = 0: ACE's `hart_stop.rs` and `hart_suspend.rs`)."""
    if s.run_cvm == HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    i = s.run_cvm * H + s.run_vcpu
    return exit_sbi_request(replace(s, hart=set_at(s.hart, i, state)), 0, 0)


def hart_stop(s: SpecState) -> Tuple[SpecState, Result]:
    """The calling hart becomes Stopped and leaves the physical hart to the hypervisor."""
    return _leave(s, STOPPED)


def hart_suspend(s: SpecState) -> Tuple[SpecState, Result]:
    """The calling hart becomes Suspended (TVM_VCPU_RUN resumes it) and leaves the hart."""
    return _leave(s, SUSPENDED)


def hart_status(s: SpecState, hart: int) -> Tuple[SpecState, Result]:
    if (s.run_cvm == HYPERVISOR) | lnot((0 <= hart) & (hart < H)):
        return s, (abi.INVALID_PARAM, 0)
    return s, (abi.SUCCESS, sbi_hart_status(s.hart[s.run_cvm * H + hart]))


def system_reset(s: SpecState) -> Tuple[SpecState, Result]:
    """SRST from a vCPU: the CVM shuts down (`switch.shutdown`: the request (SRST, 0, 0, 0), then
    the CVM removed, its id gone)."""
    return shutdown(s)
