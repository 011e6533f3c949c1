"""Canonical monitor: HSM calls of a running vCPU on its own CVM's harts."""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Tuple

from abstract import abi
from abstract.config import H
from abstract.domain import HYPERVISOR, STARTED, STOPPED, SUSPENDED
from abstract.canonical.monitor import physical
from abstract.logic import lnot, set_at
from abstract.canonical.monitor.switch import exit_to_hypervisor, shutdown

Result = Tuple[int, int]


def hart_start(hwp: Any, s: Any, hart: int, start: int, opaque: int) -> Tuple[Any, Result]:
    """A running target (here or on another hart) is INVALID_PARAM, one not Stopped
    ALREADY_AVAILABLE; a Stopped one starts at `start` with a0 = its number, a1 = `opaque`."""
    if (s.run_cvm == HYPERVISOR) | lnot((0 <= hart) & (hart < H)):
        return s, (abi.INVALID_PARAM, 0)
    i = s.run_cvm * H + hart
    if (hart == s.run_vcpu) | physical.running_elsewhere(s, i):
        return s, (abi.INVALID_PARAM, 0)
    if s.hart[i] != STOPPED:
        return s, (abi.ALREADY_AVAILABLE, 0)
    regs = abi.with_hart_args(hwp.hart_saved_regs(s.hw, i), hart, opaque)
    return replace(s, hart=set_at(s.hart, i, STARTED), hw=hwp.hart_resume_at(s.hw, i, regs, start),
                   reply_a=set_at(s.reply_a, i, 0), reply_b=set_at(s.reply_b, i, 0),
                   reply_step=set_at(s.reply_step, i, 0), share_req=set_at(s.share_req, i, 0)), (abi.SUCCESS, 0)


def _leave(hwp: Any, s: Any, state: int) -> Tuple[Any, Result]:
    """The calling hart takes `state` and exits with the monitor's request: the call, a0 = a1 = 0."""
    if s.run_cvm == HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    i = s.run_cvm * H + s.run_vcpu
    return exit_to_hypervisor(hwp, replace(s, hart=set_at(s.hart, i, state)), abi.CAUSE_ECALL_VS, 0, 0, (0, 0))


def hart_stop(hwp: Any, s: Any) -> Tuple[Any, Result]:
    return _leave(hwp, s, STOPPED)


def hart_suspend(hwp: Any, s: Any) -> Tuple[Any, Result]:
    return _leave(hwp, s, SUSPENDED)


def hart_status(hwp: Any, s: Any, hart: int) -> Tuple[Any, Result]:
    if (s.run_cvm == HYPERVISOR) | lnot((0 <= hart) & (hart < H)):
        return s, (abi.INVALID_PARAM, 0)
    state = s.hart[s.run_cvm * H + hart]
    return s, (abi.SUCCESS, abi.HSM_STATUS_SUSPENDED if state == SUSPENDED else state)


def system_reset(hwp: Any, s: Any) -> Tuple[Any, Result]:
    """SRST: the caller's CVM comes off every physical hart, this hart goes back to the
    hypervisor, and the CVM is removed (ACE's `remove_confidential_vm`)."""
    return shutdown(hwp, s)
