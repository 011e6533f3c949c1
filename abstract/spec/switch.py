"""Spec: the domain switch (COVH TVM_VCPU_RUN and the exit back to the hypervisor).

The exit is where CVM data may cross to the hypervisor. `declassified` is the reference's
declassification table, and nothing else of a vCPU's state ever reaches the hypervisor's view.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Tuple

from abstract import abi
from abstract.config import H, K, NIRQ, NREGS
from abstract.logic import keep, lnot, put_at, read_at, set_at
from abstract.spec.lifecycle import remove_cvm
from abstract.spec.memory import share_complete
from abstract.spec.physical import off_other_harts
from abstract.spec.state import HYPERVISOR, STARTED, SUSPENDED, SpecState, running_elsewhere, slot_of

Result = Tuple[int, int]


def tvm_vcpu_run(s: SpecState, cvm_id: int, vcpu: int) -> Tuple[SpecState, Result]:
    """COVH TVM_VCPU_RUN: vCPU `vcpu` of CVM `cvm_id` takes the hypervisor's answer to its last
    exit (`answer_exit`), then runs (`enter_vcpu`). The two halves have their own obligations;
    squares, invariants and noninterference each compose, so together they cover the call.
    Whether the vCPU may run is decided once: the answer changes nothing that decides it."""
    k = runnable_slot(s, cvm_id, vcpu)
    if k < 0:
        return s, (abi.INVALID_PARAM, 0)
    return entered(answered(s, k, vcpu), k, vcpu)


def runnable_slot(s: SpecState, cvm_id: int, vcpu: int) -> int:
    """The slot of CVM `cvm_id` if the hypervisor runs and the CVM exists with vCPU `vcpu`
    started or suspended and not running on another physical hart; else -1."""
    if (s.run_cvm != HYPERVISOR) | lnot((0 <= vcpu) & (vcpu < H)):
        return -1
    k = slot_of(s, cvm_id)
    if k < 0:
        return -1
    i = k * H + vcpu
    return k if ((s.hart[i] == STARTED) | (s.hart[i] == SUSPENDED)) & lnot(running_elsewhere(s, i)) else -1


def enter_vcpu(s: SpecState, cvm_id: int, vcpu: int) -> Tuple[SpecState, Result]:
    """Run vCPU `vcpu` of CVM `cvm_id`: unknown ids and harts neither started nor suspended
    give INVALID_PARAM; a suspended hart resumes as started. No register crosses; the
    hypervisor's hvip and stimecmp do (`run_inputs`)."""
    k = runnable_slot(s, cvm_id, vcpu)
    if k < 0:
        return s, (abi.INVALID_PARAM, 0)
    return entered(s, k, vcpu)


def entered(s: SpecState, k: int, vcpu: int) -> Tuple[SpecState, Result]:
    """`enter_vcpu` once CVM slot k's vCPU `vcpu` is known to be runnable."""
    s = run_inputs(s, k, k * H + vcpu)
    return replace(s, hart=set_at(s.hart, k * H + vcpu, STARTED), run_cvm=k, run_vcpu=vcpu), (abi.SUCCESS, 0)


def run_inputs(s: SpecState, k: int, i: int) -> SpecState:
    """What crosses into vCPU i of CVM slot k as it runs (ACE's declassify_to_confidential_hart):
    its pending external interrupts become the lines the hypervisor's hvip raises among those the
    CVM allowed, and its timer the hypervisor's stimecmp plus `abi.RUN_TIMER_DELAY`."""
    wanted = tuple(abi.hvip_line(s.hv_hvip, j) & s.irq_allowed[k * NIRQ + j] for j in range(NIRQ))

    def pending(e: int) -> bool:
        mine = e // NIRQ == i
        return (s.irq_pending[e] & lnot(mine)) | (wanted[e % NIRQ] & mine)
    return replace(s, irq_pending=tuple(pending(e) for e in range(K * H * NIRQ)),
                   vcpu_vstimecmp=put_at(s.vcpu_vstimecmp, i, s.hv_stimecmp + abi.RUN_TIMER_DELAY))


def answer_exit(s: SpecState, cvm_id: int, vcpu: int) -> Tuple[SpecState, Result]:
    """TVM_VCPU_RUN's first half: a runnable vCPU receives the answer to its last exit
    (`respond`) and, if it awaits the answer to a SHARE request, the request completes
    (`share_complete`) with its result in the vCPU's a0/a1; anything else is INVALID_PARAM and
    changes nothing."""
    k = runnable_slot(s, cvm_id, vcpu)
    if k < 0:
        return s, (abi.INVALID_PARAM, 0)
    return answered(s, k, vcpu), (abi.SUCCESS, 0)


def answered(s: SpecState, k: int, vcpu: int) -> SpecState:
    """The state once `answer_exit` delivered the answer to CVM slot k's runnable vCPU `vcpu`."""
    i = k * H + vcpu
    s = respond(s, i)
    if abi.requested_page(read_at(s.share_req, i)) >= 0:  # ACE's SharePage: its completion answers the vCPU
        s, shared = share_complete(s, k, i)
        s = replace(s, vcpu_regs=set_at(s.vcpu_regs, i, abi.sbi_answer(s.vcpu_regs[i], shared)))
    return s


def reply_slots(kind: int, instr: int) -> Tuple[int, int, int]:
    """What may cross back after an exit of `kind` (the reference's "hypervisor to CVM" row), as
    (register, second register, pc step); register numbers x1..x31, 0 for none:
    - the monitor's SBI request: no register, the pc past the ecall (a suspended hart resumes
      as its suspend call asked instead: `respond`; stop and SRST end the run);
    - MMIO load: the load's destination rd (x0: none), the pc past the instruction (2 or 4);
    - MMIO store: no register, the pc past the instruction;
    - interrupt: nothing (no instruction was interrupted; WFI does not exit: `wfi`).
    Fixed at the exit, so the answer itself is two plain register writes."""
    if kind == abi.EXIT_SBI:
        return 0, 0, abi.ECALL_LENGTH
    if kind == abi.EXIT_MMIO_LOAD:
        return abi.load_dest(instr), 0, abi.instr_length(instr)
    if kind == abi.EXIT_MMIO_STORE:
        return 0, 0, abi.instr_length(instr)
    return 0, 0, 0


def respond(s: SpecState, i: int) -> SpecState:
    """vCPU i receives the hypervisor's answer to its last exit, read from the exit area where
    the hypervisor left it (`nacl_write`): only the registers `reply_slots` named at the exit
    take the area's values, the pc moves on, and the exit counts as answered (nothing named).
    A suspended vCPU instead resumes as ACE's `ResumeHart` has it (`hart_resume.rs`): at the
    address its suspend call gave in a1, with a1 the call's opaque a2; nothing of the
    hypervisor's crosses."""
    a, b = s.reply_a[i], s.reply_b[i]
    own = s.vcpu_regs[i]
    if s.hart[i] == SUSPENDED:
        regs, pc = set_at(own, abi.A1, own[abi.A2]), own[abi.A1]
    else:
        regs = tuple(r + keep(x - r, (j + 1 == a) | (j + 1 == b)) for j, (r, x) in enumerate(zip(own, s.exit_gprs)))
        pc = s.vcpu_pc[i] + s.reply_step[i]
    return replace(
        s, vcpu_regs=set_at(s.vcpu_regs, i, regs), vcpu_pc=set_at(s.vcpu_pc, i, pc),
        reply_a=set_at(s.reply_a, i, 0), reply_b=set_at(s.reply_b, i, 0), reply_step=set_at(s.reply_step, i, 0),
    )


def nacl_write(s: SpecState, slot: int, value: int) -> Tuple[SpecState, Result]:
    """The hypervisor writes GPR slot `slot` (x1..x31 at 0..30) of the exit area it shares with
    the monitor (NACL), where it leaves its answer to the last exit. It is the hypervisor's own
    memory: no vCPU state changes until `tvm_vcpu_run` reads the answer."""
    if (s.run_cvm != HYPERVISOR) | lnot((0 <= slot) & (slot < NREGS)):
        return s, (abi.ACCESS_FAULT, 0)
    return replace(s, exit_gprs=put_at(s.exit_gprs, slot, value)), (abi.ACCESS_OK, 0)


def declassified(regs: Tuple[int, ...], cause: int, addr: int, instr: int,
                 gva: int = 0) -> Tuple[Tuple[int, ...], Tuple[int, ...]]:
    """(registers, CSRs) an exit for `cause` shows the hypervisor of a vCPU with registers `regs`:
    - an ecall (cause 10): a7, a6, a0 and a1; a2..a5 and all else zero; the cause (only the
      monitor's own SBI request exits so, with its a0 and a1: `exit_sbi_request`);
    - MMIO load: no register; the cause, the guest virtual address `gva`, the guest physical
      address >> 2 and the instruction;
    - MMIO store: the one source register of the instruction; the same CSRs;
    - interrupt: no register; that it is an interrupt, not which (WFI does not exit: `wfi`).
    The CSRs are `abi.trap_csrs`'s."""
    kind = abi.exit_kind(cause)
    csrs = abi.trap_csrs(kind, cause, addr, instr, gva)
    if kind == abi.EXIT_SBI:
        return tuple(regs[j] if j in abi.SBI_FORWARDED else 0 for j in range(NREGS)), csrs
    if kind == abi.EXIT_MMIO_STORE:
        src = abi.store_source(instr)  # x0 reads as zero, and x1..x31 sit at index 0..30
        return tuple(keep(regs[j], j == src - 1) for j in range(NREGS)), csrs
    return (0,) * NREGS, csrs


def exit_to_hypervisor(s: SpecState, gprs: Tuple[int, ...], csrs: Tuple[int, ...]) -> Tuple[SpecState, Result]:
    """The running vCPU exits, showing the hypervisor `gprs`, the trap CSRs `csrs` and, as ACE
    does on every exit (`expose_enabled_interrupts.rs`), its vsie and vstimecmp with hvip 0; the
    hypervisor's registers come back as it left them except a0/a1, which carry TVM_VCPU_RUN's
    result (success, 0). The vCPU now awaits the answer to this exit (`reply_slots`)."""
    regs = set_at(set_at(s.hv_regs, abi.A0, abi.SUCCESS), abi.A1, 0)
    i = s.run_cvm * H + s.run_vcpu
    a, b, step = reply_slots(abi.exit_kind(csrs[0]), csrs[abi.HTINST])
    shown = csrs + (s.vcpu_vsie[i], s.vcpu_vstimecmp[i], 0)  # every exit: vsie, vstimecmp, hvip = 0
    return replace(
        s, run_cvm=HYPERVISOR, run_vcpu=0, hv_regs=regs, exit_gprs=gprs, exit_csrs=shown,
        reply_a=set_at(s.reply_a, i, a), reply_b=set_at(s.reply_b, i, b), reply_step=set_at(s.reply_step, i, step),
    ), (abi.SUCCESS, 0)


def running_regs(s: SpecState) -> Tuple[int, ...]:
    return s.vcpu_regs[s.run_cvm * H + s.run_vcpu]


def exit_sbi_request(s: SpecState, arg0: int, arg1: int) -> Tuple[SpecState, Result]:
    """The running vCPU's call leaves as the monitor's own SBI request to the hypervisor (ACE's
    `SbiRequest`): the call's a7 and a6, with a0 and a1 the monitor's `arg0` and `arg1`, not the
    vCPU's registers."""
    if s.run_cvm == HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    gprs, csrs = declassified(running_regs(s), abi.CAUSE_ECALL_VS, 0, 0)
    return exit_to_hypervisor(s, abi.sbi_answer(gprs, (arg0, arg1)), csrs)


def shutdown(s: SpecState) -> Tuple[SpecState, Result]:
    """The running vCPU's CVM shuts down (ACE's `ShutdownRequest`, for SRST and for any trap the
    monitor does not handle): it comes off the other physical harts, the hypervisor gets this
    hart back with the request (SRST, SYSTEM_RESET, 0, 0), whatever the vCPU's a7/a6 held, and,
    every hart being back, the CVM is removed as DESTROY_TVM would (`remove_confidential_vm`)."""
    if s.run_cvm == HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    k = s.run_cvm
    gprs, csrs = declassified(running_regs(s), abi.CAUSE_ECALL_VS, 0, 0)
    request = abi.sbi_request(gprs, abi.EID_SRST, abi.SRST_SYSTEM_RESET, 0, 0)
    s, result = exit_to_hypervisor(replace(s, other_harts=off_other_harts(s, k)), request, csrs)
    return remove_cvm(s, k), result


def exit_mmio_load(s: SpecState, addr: int, instr: int, gva: int = 0) -> Tuple[SpecState, Result]:
    """A guest load fault in an MMIO region is forwarded as an MMIO load request (cause 21).
    `gva` is the guest virtual address the vCPU used (mtval): the model has no VS-stage tables,
    so it is an input of the trap, and ACE shows it to the hypervisor."""
    if s.run_cvm == HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    return exit_to_hypervisor(s, *declassified(running_regs(s), abi.CAUSE_LOAD_GUEST_PAGE_FAULT, addr, instr, gva))


def exit_mmio_store(s: SpecState, addr: int, instr: int, gva: int = 0) -> Tuple[SpecState, Result]:
    """A guest store fault in an MMIO region is forwarded as an MMIO store request (cause 23)."""
    if s.run_cvm == HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    return exit_to_hypervisor(s, *declassified(running_regs(s), abi.CAUSE_STORE_GUEST_PAGE_FAULT, addr, instr, gva))


def exit_interrupt(s: SpecState, cause: int) -> Tuple[SpecState, Result]:
    """An interrupt for the hypervisor exits the vCPU; `cause` (top bit set) is all it shows.
    A cause without the interrupt bit is not an interrupt: INVALID_PARAM, no change."""
    if (s.run_cvm == HYPERVISOR) | (cause < abi.INTERRUPT):
        return s, (abi.INVALID_PARAM, 0)
    return exit_to_hypervisor(s, *declassified(running_regs(s), cause, 0, 0))


def wfi(s: SpecState, instr: int) -> Tuple[SpecState, Result]:
    """The vCPU trapped on a virtual instruction (cause 22; `instr` is mtval, the instruction).
    As in ACE (`virtual_instructions`), the monitor handles WFI: the vCPU goes on past it, with
    no exit, so the hypervisor learns nothing. Its live pc is not modelled while it runs, so no
    field changes. Any other virtual instruction the model treats alike; ACE panics on it, which
    wipes every CVM (the finding ace-panic-on-virtual-instruction)."""
    if s.run_cvm == HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    return s, (abi.SUCCESS, 0)


def vcpu_exit(s: SpecState, cause: int, addr: int, instr: int, gva: int = 0) -> Tuple[SpecState, Result]:
    """The running vCPU traps with `cause` (guest physical address `addr`, instruction `instr`,
    guest virtual address `gva`): the exit of that kind; for a trap the monitor does not know,
    the CVM's shutdown (ACE's `route_trap_from_confidential_hart`); an ecall is not this entry's
    (`guest_ecall` answers it): INVALID_PARAM, no change."""
    kind = abi.exit_kind(cause)
    # No ecall exits here: every ecall of a vCPU goes to `guest_ecall`, which answers it, or
    # leaves with the monitor's own request (`exit_sbi_request`); ACE forwards none.
    if kind == abi.EXIT_MMIO_LOAD:
        return exit_mmio_load(s, addr, instr, gva)
    if kind == abi.EXIT_MMIO_STORE:
        return exit_mmio_store(s, addr, instr, gva)
    if kind == abi.EXIT_INTERRUPT:
        return exit_interrupt(s, cause)
    if kind == abi.EXIT_WFI:
        return wfi(s, addr)
    if kind == abi.EXIT_NONE:  # a trap the monitor does not handle: ACE shuts the CVM down
        return shutdown(s)
    return s, (abi.INVALID_PARAM, 0)
