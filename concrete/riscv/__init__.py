"""The RISC-V model: the canonical monitor on RISC-V primitives (PMP, hgatp/G-stage, GPRs)."""
from __future__ import annotations

from dataclasses import replace
from typing import Tuple

from abstract.abi import ACCESS_OK, ATTEST_DIGESTS, GSTAGE_SV48X4, SUCCESS
from abstract.config import G, H, P
from abstract.domain import HYPERVISOR
from abstract.logic import read_at
from abstract.canonical.monitor import (
    attestation, failure, hsm, info, interrupts, ipi, lifecycle, memory, mmio, nacl, physical, switch,
)
from abstract.canonical.monitor import ecall as monitor_ecall  # not `ecall`: concrete.riscv.ecall is a submodule
from concrete.riscv import hv_tables
from concrete.riscv.machine import RISCV, RiscvMachine
from concrete.riscv.state import RvHw, RvState

Result = Tuple[int, int]
Step = Tuple[RvState, Result]


def promote_to_tvm(s: RvState, vm: hv_tables.Vm, ndigests: int = 0,
                   digests: Tuple[int, ...] = (0,) * ATTEST_DIGESTS, secret: int = 0,
                   mode: int = GSTAGE_SV48X4, entry_pc: int = 0, fdt: int = 0,
                   off_code: int = SUCCESS, off_pages: int = 0) -> Step:
    """PROMOTE of the VM whose G-stage tables `vm` holds (`hv_tables`): the entries its guest
    pages use, then ACE's copy's code and pages for the others (`pagetable.off_path`)."""
    return lifecycle.promote_to_tvm(RISCV, s, (vm, off_code, off_pages), ndigests, digests, secret, mode, entry_pc, fdt)


NO_ENTRIES = (False,) * hv_tables.ENTRIES


def hypervisor_ecall(s: RvState, root: int = 0, v: Tuple[bool, ...] = NO_ENTRIES, rwx: Tuple[bool, ...] = NO_ENTRIES,
                     ppn: Tuple[int, ...] = (0,) * hv_tables.ENTRIES, ndigests: int = 0,
                     digests: Tuple[int, ...] = (0,) * ATTEST_DIGESTS, secret: int = 0,
                     mode: int = GSTAGE_SV48X4, off_code: int = SUCCESS, off_pages: int = 0) -> Step:
    """The hypervisor's ecall (scause 9): x17/x16 decoded by `sbi.decode`, the answer in its a0/a1.
    PROMOTE reads the VM's G-stage tables: the root and the entries its guest pages use, then
    what ACE's copy finds in the others, its code and the pages it takes (`pagetable.off_path`)."""
    return monitor_ecall.hypervisor_ecall(RISCV, s, ((root, v, rwx, ppn), off_code, off_pages), ndigests, digests, secret, mode)


def guest_ecall(s: RvState) -> Step:
    """A vCPU's ecall (scause 10) handled in the monitor: decoded from its live x17/x16."""
    return monitor_ecall.guest_ecall(RISCV, s)


def retrieve_secret(s: RvState, gpa: int, size: int) -> Step:
    return attestation.retrieve_secret(RISCV, s, gpa, size)


def other_hart_run(s: RvState, phys: int, cvm_id: int, vcpu: int) -> Step:
    return physical.other_hart_run(RISCV, s, phys, cvm_id, vcpu)


def other_hart_exit(s: RvState, phys: int) -> Step:
    return physical.other_hart_exit(RISCV, s, phys)


def other_hart_interrupt(s: RvState, phys: int) -> Step:
    return physical.other_hart_interrupt(RISCV, s, phys)


def nacl_set_shmem(s: RvState, lo: int, hi: int, flags: int) -> Step:
    return nacl.nacl_set_shmem(RISCV, s, lo, hi, flags)


def destroy_tvm(s: RvState, cvm_id: int) -> Step:
    return lifecycle.destroy_tvm(RISCV, s, cvm_id)


def tvm_vcpu_run(s: RvState, cvm_id: int, vcpu: int) -> Step:
    return switch.tvm_vcpu_run(RISCV, s, cvm_id, vcpu)


def answer_exit(s: RvState, cvm_id: int, vcpu: int) -> Step:
    return switch.answer_exit(RISCV, s, cvm_id, vcpu)


def enter_vcpu(s: RvState, cvm_id: int, vcpu: int) -> Step:
    return switch.enter_vcpu(RISCV, s, cvm_id, vcpu)


def vcpu_exit(s: RvState, cause: int, addr: int, instr: int, gva: int = 0) -> Step:
    return switch.vcpu_exit(RISCV, s, cause, addr, instr, gva)


def send_ipi(s: RvState, mask: int, base: int) -> Step:
    return ipi.send_ipi(RISCV, s, mask, base)


def remote_fence(s: RvState, fid: int, mask: int, base: int) -> Step:
    return ipi.remote_fence(RISCV, s, fid, mask, base)


def nacl_write(s: RvState, slot: int, value: int) -> Step:
    return switch.nacl_write(RISCV, s, slot, value)


def exit_mmio_load(s: RvState, addr: int, instr: int, gva: int = 0) -> Step:
    return switch.exit_mmio_load(RISCV, s, addr, instr, gva)


def exit_mmio_store(s: RvState, addr: int, instr: int, gva: int = 0) -> Step:
    return switch.exit_mmio_store(RISCV, s, addr, instr, gva)


def exit_interrupt(s: RvState, cause: int) -> Step:
    return switch.exit_interrupt(RISCV, s, cause)


def share_memory(s: RvState, gpa: int, size: int) -> Step:
    return memory.share_memory(RISCV, s, gpa, size)


def unshare_memory(s: RvState, gpa: int, size: int) -> Step:
    return memory.unshare_memory(RISCV, s, gpa, size)


def guest_page_fault(s: RvState, gpa: int) -> Step:
    return memory.guest_page_fault(RISCV, s, gpa)


def guest_load(s: RvState, g: int, reg: int) -> Step:
    return memory.guest_load(RISCV, s, g, reg)


def guest_store(s: RvState, g: int, reg: int) -> Step:
    return memory.guest_store(RISCV, s, g, reg)


def hypervisor_read(s: RvState, addr: int) -> Step:
    return memory.hypervisor_read(RISCV, s, addr)


def hypervisor_write(s: RvState, addr: int, value: int) -> Step:
    return memory.hypervisor_write(RISCV, s, addr, value)


def hart_start(s: RvState, hart: int, start: int = 0, opaque: int = 0) -> Step:
    return hsm.hart_start(RISCV, s, hart, start, opaque)


def hart_stop(s: RvState) -> Step:
    return hsm.hart_stop(RISCV, s)


def hart_suspend(s: RvState) -> Step:
    return hsm.hart_suspend(RISCV, s)


def hart_status(s: RvState, hart: int) -> Step:
    return hsm.hart_status(RISCV, s, hart)


def system_reset(s: RvState) -> Step:
    return hsm.system_reset(RISCV, s)


def tsm_get_info(s: RvState, buf: int, length: int) -> Step:
    return info.tsm_get_info(RISCV, s, buf, length)


def wfi(s: RvState, instr: int) -> Step:
    return switch.wfi(RISCV, s, instr)


def add_mmio_region(s: RvState, base: int, length: int) -> Step:
    return mmio.add_mmio_region(RISCV, s, base, length)


def remove_mmio_region(s: RvState, base: int, length: int) -> Step:
    return mmio.remove_mmio_region(RISCV, s, base, length)


def guest_load_fault(s: RvState, gpa: int, instr: int, gva: int = 0) -> Step:
    return mmio.guest_load_fault(RISCV, s, gpa, instr, gva)


def guest_store_fault(s: RvState, gpa: int, instr: int, gva: int = 0) -> Step:
    return mmio.guest_store_fault(RISCV, s, gpa, instr, gva)


def halt(s: RvState) -> RvState:
    """The failure mode, ACE's panic handler: no row reaches it (`monitor/failure.py`)."""
    return failure.halt(RISCV, s)


def allow_ext_interrupt(s: RvState, mask: int) -> Step:
    return interrupts.allow_ext_interrupt(RISCV, s, mask)


def tlb_fill(s: RvState, g: int, phys: int = 0) -> Step:
    """Hardware, not the monitor: the vCPU running on physical hart `phys` (0, the modelled
    hart, or another) touches guest page g, and the G-stage walk caches its leaf in that hart's
    TLB. Nothing is cached on a hart that runs its hypervisor or for a page outside guest
    memory. A TLB entry the monitor fails to fence is what fault 9 leaves."""
    if not ((0 <= g) & (g < G) & (0 <= phys) & (phys < P)):
        return s, (ACCESS_OK, 0)
    if phys == 0:
        if s.run_cvm == HYPERVISOR:
            return s, (ACCESS_OK, 0)
        return replace(s, hw=RISCV.tlb_fill(s.hw, s.run_cvm * G + g)), (ACCESS_OK, 0)
    mark = read_at(s.other_harts, phys - 1)  # vCPU index + 1, or 0
    if mark == 0:
        return s, (ACCESS_OK, 0)
    return replace(s, hw=RISCV.other_tlb_fill(s.hw, phys, (mark - 1) // H, g)), (ACCESS_OK, 0)


__all__ = [
    "hypervisor_ecall", "guest_ecall",
    "RISCV", "RiscvMachine", "RvHw", "RvState",
    "promote_to_tvm", "destroy_tvm", "tvm_vcpu_run", "answer_exit", "enter_vcpu", "vcpu_exit", "exit_mmio_load", "exit_mmio_store",
    "exit_interrupt", "share_memory",
    "unshare_memory", "guest_page_fault", "hypervisor_read", "hypervisor_write",
    "hart_start", "hart_stop", "hart_suspend", "hart_status", "system_reset", "tsm_get_info", "wfi",
    "add_mmio_region", "remove_mmio_region", "guest_load_fault", "guest_store_fault",
    "allow_ext_interrupt", "nacl_write", "send_ipi", "remote_fence", "retrieve_secret",
    "tlb_fill", "other_hart_run", "other_hart_exit", "other_hart_interrupt", "nacl_set_shmem",
]
