"""Canonical monitor: the domain switch into a vCPU and back to the hypervisor."""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Optional, Tuple

from abstract import abi
from abstract.domain import STARTED, SUSPENDED, HYPERVISOR
from abstract.config import H, NIRQ, NREGS
from abstract.logic import keep, lnot, read_at, set_at
from abstract.canonical.monitor import cvms, lifecycle, memory, physical

Result = Tuple[int, int]


def tvm_vcpu_run(hwp: Any, s: Any, cvm_id: int, vcpu: int) -> Tuple[Any, Result]:
    """COVH TVM_VCPU_RUN: deliver the answer to the vCPU's last exit, then enter it. Whether the
    vCPU may run is decided once: delivering the answer changes none of what that reads (the
    CVM table, the vCPUs' states, who runs where), and deciding it again cost every path a
    solver query per slot and per condition."""
    k = _runnable_slot(s, cvm_id, vcpu)
    if k < 0:
        return s, (abi.INVALID_PARAM, 0)
    return entered(hwp, answered(hwp, s, k, vcpu), k, vcpu)


def _runnable_slot(s: Any, cvm_id: int, vcpu: int) -> int:
    """The CVM's slot k if the call may run its vCPU `vcpu` (index k * H + vcpu), else -1."""
    if (s.run_cvm != HYPERVISOR) | lnot((0 <= vcpu) & (vcpu < H)):
        return -1
    k = cvms.find_slot(s, cvm_id)
    if k < 0:
        return -1
    i = k * H + vcpu
    may_run = (s.hart[i] == STARTED) | (s.hart[i] == SUSPENDED)
    if lnot(may_run) | physical.running_elsewhere(s, i):  # never one vCPU on two harts at once
        return -1
    return k


def enter_vcpu(hwp: Any, s: Any, cvm_id: int, vcpu: int) -> Tuple[Any, Result]:
    """Enter vCPU `vcpu` of CVM `cvm_id`: save the hypervisor's hart state, load the vCPU's,
    open confidential memory."""
    k = _runnable_slot(s, cvm_id, vcpu)
    if k < 0:
        return s, (abi.INVALID_PARAM, 0)
    return entered(hwp, s, k, vcpu)


def entered(hwp: Any, s: Any, k: int, vcpu: int) -> Tuple[Any, Result]:
    """`enter_vcpu` once CVM slot k's vCPU `vcpu` is known to be runnable."""
    i = k * H + vcpu
    hw = hwp.isolation_grant(hwp.hart_timer_in(hwp.hart_enter(s.hw, i), i, s.hv_stimecmp + abi.RUN_TIMER_DELAY))
    lines = tuple(abi.hvip_line(s.hv_hvip, j) & s.irq_allowed[k * NIRQ + j] for j in range(NIRQ))
    pending = s.irq_pending[:i * NIRQ] + lines + s.irq_pending[(i + 1) * NIRQ:]
    return replace(s, hart=set_at(s.hart, i, STARTED), run_cvm=k, run_vcpu=vcpu, irq_pending=pending,
                   hw=hw), (abi.SUCCESS, 0)


def answer_exit(hwp: Any, s: Any, cvm_id: int, vcpu: int) -> Tuple[Any, Result]:
    """Copy the hypervisor's answer to the vCPU's last exit from the exit area into the
    registers that exit named, complete its pending SHARE request if it has one, move its saved
    pc on, and mark the exit answered; a suspended vCPU resumes where its suspend call asked,
    with nothing of the hypervisor's."""
    k = _runnable_slot(s, cvm_id, vcpu)
    if k < 0:
        return s, (abi.INVALID_PARAM, 0)
    return answered(hwp, s, k, vcpu), (abi.SUCCESS, 0)


def answered(hwp: Any, s: Any, k: int, vcpu: int) -> Any:
    """The state once `answer_exit` delivered the answer to CVM slot k's runnable vCPU `vcpu`."""
    i = k * H + vcpu
    a, b = s.reply_a[i], s.reply_b[i]
    saved, area = hwp.hart_saved_regs(s.hw, i), hwp.exit_area_regs(s.hw)
    shared = None
    if abi.requested_page(read_at(s.share_req, i)) >= 0:  # ACE's SharePage: the completion's result is the answer
        s, shared = memory.share_complete(hwp, s, k, i, area[abi.A0], area[abi.A1])

    def with_share(regs: Tuple[int, ...]) -> Tuple[int, ...]:
        return regs if shared is None else abi.sbi_answer(regs, shared)
    if s.hart[i] == SUSPENDED:  # ACE's ResumeHart: at the suspend call's a1, with a1 its a2
        hw = hwp.hart_resume_at(s.hw, i, with_share(set_at(saved, abi.A1, saved[abi.A2])), saved[abi.A1])
    else:
        named = tuple((j + 1 == a) | (j + 1 == b) for j in range(NREGS))  # x1..x31 sit at 0..30
        regs = tuple(saved[j] + keep(area[j] - saved[j], named[j]) for j in range(NREGS))
        hw = hwp.hart_resume(s.hw, i, with_share(regs), s.reply_step[i])
    return replace(s, hw=hw, reply_a=set_at(s.reply_a, i, 0), reply_b=set_at(s.reply_b, i, 0),
                   reply_step=set_at(s.reply_step, i, 0))


def reply_for(hwp: Any, kind: int, instr: int) -> Tuple[int, int, int]:
    """(register, second register, pc step) the answer to an exit of `kind` will fill: the
    trapped load's destination after an MMIO load, nothing after the monitor's own SBI request
    (ACE's `ResumableOperation` for HSM suspend takes nothing from the hypervisor); the pc past
    the ecall or trapped access."""
    if kind == abi.EXIT_SBI:
        return 0, 0, abi.ECALL_LENGTH
    if kind == abi.EXIT_MMIO_LOAD:
        return hwp.trap_load_dest(instr), 0, hwp.trap_instr_length(instr)
    if kind == abi.EXIT_MMIO_STORE:
        return 0, 0, hwp.trap_instr_length(instr)
    return 0, 0, 0


def nacl_write(hwp: Any, s: Any, slot: int, value: int) -> Tuple[Any, Result]:
    """The hypervisor writes a register slot of the shared exit area (its answer to an exit)."""
    if (s.run_cvm != HYPERVISOR) | lnot((0 <= slot) & (slot < NREGS)):
        return s, (abi.ACCESS_FAULT, 0)
    return replace(s, hw=hwp.exit_area_write(s.hw, slot, value)), (abi.ACCESS_OK, 0)


def shown_registers(hwp: Any, kind: int, instr: int) -> Tuple[bool, ...]:
    """Which of x1..x31 an exit of `kind` may show the hypervisor."""
    if kind == abi.EXIT_SBI:
        return tuple(j in abi.SBI_FORWARDED for j in range(NREGS))
    if kind == abi.EXIT_MMIO_STORE:
        src = hwp.trap_store_source(instr)
        return tuple(j == src - 1 for j in range(NREGS))
    return (False,) * NREGS


def exit_record(hwp: Any, hw: Any, cause: int, addr: int, instr: int,
                gva: int = 0) -> Tuple[Tuple[int, ...], Tuple[int, ...]]:
    """(registers, CSRs) the exit publishes: the shown registers' values, zero elsewhere."""
    kind = hwp.trap_kind(cause)
    shown = shown_registers(hwp, kind, instr)
    live = hwp.hart_regs(hw)
    gprs = tuple(keep(live[j], shown[j]) for j in range(NREGS))
    return gprs, abi.trap_csrs(kind, cause, addr, instr, gva)


def exit_to_hypervisor(hwp: Any, s: Any, cause: int, addr: int, instr: int,
                       request: Optional[Tuple[int, int]] = None, gva: int = 0,
                       call: Optional[Tuple[int, int]] = None) -> Tuple[Any, Result]:
    """Leave the running vCPU on a trap that exits: publish the declassified record, save the
    vCPU's state, restore the hypervisor's with TVM_VCPU_RUN's result, close confidential memory.
    A call the monitor turns into its own SBI request publishes `request` as a0 and a1, not the
    vCPU's registers, and (eid, fid) `call` as a7 and a6 when the request is not the vCPU's call."""
    i = s.run_cvm * H + s.run_vcpu
    gprs, csrs = exit_record(hwp, s.hw, cause, addr, instr, gva)
    csrs = csrs + hwp.hart_vs_interrupts(s.hw, i) + (0,)  # every exit, as ACE: vsie, vstimecmp, hvip = 0
    if call is not None:
        gprs = abi.sbi_request(gprs, call[0], call[1], *request)
    elif request is not None:
        gprs = abi.sbi_answer(gprs, request)
    hw = hwp.exit_publish(s.hw, gprs, csrs)
    hw = hwp.isolation_revoke(hwp.hart_exit(hw, i, abi.SUCCESS, 0))
    a, b, step = reply_for(hwp, hwp.trap_kind(cause), instr)
    return replace(s, run_cvm=HYPERVISOR, run_vcpu=0, hw=hw, reply_a=set_at(s.reply_a, i, a),
                   reply_b=set_at(s.reply_b, i, b), reply_step=set_at(s.reply_step, i, step)), (abi.SUCCESS, 0)


def shutdown(hwp: Any, s: Any) -> Tuple[Any, Result]:
    """ACE's ShutdownRequest (SRST, or a trap the monitor does not handle): the CVM comes off
    every physical hart, this hart goes back to the hypervisor with (SRST, SYSTEM_RESET, 0, 0)
    in place of the vCPU's a7/a6/a0/a1, and the CVM is removed (`remove_confidential_vm`)."""
    if s.run_cvm == HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    k = s.run_cvm
    s = replace(s, other_harts=physical.taken_off_other_harts(s, k))
    s, result = exit_to_hypervisor(hwp, s, abi.CAUSE_ECALL_VS, 0, 0, (0, 0), call=(abi.EID_SRST, abi.SRST_SYSTEM_RESET))
    return lifecycle.remove_cvm(hwp, s, k), result


def exit_mmio_load(hwp: Any, s: Any, addr: int, instr: int, gva: int = 0) -> Tuple[Any, Result]:
    if s.run_cvm == HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    return exit_to_hypervisor(hwp, s, abi.CAUSE_LOAD_GUEST_PAGE_FAULT, addr, instr, gva=gva)


def exit_mmio_store(hwp: Any, s: Any, addr: int, instr: int, gva: int = 0) -> Tuple[Any, Result]:
    if s.run_cvm == HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    return exit_to_hypervisor(hwp, s, abi.CAUSE_STORE_GUEST_PAGE_FAULT, addr, instr, gva=gva)


def exit_interrupt(hwp: Any, s: Any, cause: int) -> Tuple[Any, Result]:
    if (s.run_cvm == HYPERVISOR) | (hwp.trap_kind(cause) != abi.EXIT_INTERRUPT):
        return s, (abi.INVALID_PARAM, 0)
    return exit_to_hypervisor(hwp, s, cause, 0, 0)


def wfi(hwp: Any, s: Any, instr: int) -> Tuple[Any, Result]:
    """A virtual instruction (`instr`, from mtval) is handled here, as ACE handles WFI: the vCPU
    goes on past it, with no exit. No instruction a CVM executes stops the monitor."""
    if s.run_cvm == HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    return s, (abi.SUCCESS, 0)


def vcpu_exit(hwp: Any, s: Any, cause: int, addr: int, instr: int, gva: int = 0) -> Tuple[Any, Result]:
    """Dispatch a trap by its decoded kind; a trap handled inside the monitor is not an exit."""
    kind = hwp.trap_kind(cause)
    if kind == abi.EXIT_MMIO_LOAD:  # an ecall is never forwarded: `guest_ecall` handles it
        return exit_mmio_load(hwp, s, addr, instr, gva)
    if kind == abi.EXIT_MMIO_STORE:
        return exit_mmio_store(hwp, s, addr, instr, gva)
    if kind == abi.EXIT_INTERRUPT:
        return exit_interrupt(hwp, s, cause)
    if kind == abi.EXIT_WFI:
        return wfi(hwp, s, addr)
    if kind == abi.EXIT_NONE:  # a trap the monitor does not handle: ACE shuts the CVM down
        return shutdown(hwp, s)
    return s, (abi.INVALID_PARAM, 0)
