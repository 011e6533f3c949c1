"""The canonical architecture: the monitor on the processor-agnostic primitives.

The operations below are the generic monitor (`monitor/`) run on the canonical reference
hardware (`hardware.py`)."""
from __future__ import annotations

from typing import Tuple

from abstract.abi import ATTEST_DIGESTS, GSTAGE_SV48X4, VM_UNMAPPED
from abstract.config import G
from abstract.canonical.monitor import (
    attestation, ecall, failure, hsm, info, interrupts, ipi, lifecycle, memory, mmio, nacl, physical, switch,
)
from abstract.canonical.hardware import CANONICAL, CanonicalHardware
from abstract.canonical.primitives import Primitives
from abstract.canonical.state import CanonHw, CanonState

Result = Tuple[int, int]
Step = Tuple[CanonState, Result]


def promote_to_tvm(s: CanonState, vm: Tuple[int, ...], ndigests: int = 0,
                   digests: Tuple[int, ...] = (0,) * ATTEST_DIGESTS, secret: int = 0,
                   mode: int = GSTAGE_SV48X4, entry_pc: int = 0, fdt: int = 0, huge: bool = False,
                   off: int = VM_UNMAPPED, extra: int = 0, reach: int = 0) -> Step:
    return lifecycle.promote_to_tvm(CANONICAL, s, (vm, huge, off, extra, reach), ndigests, digests, secret, mode, entry_pc,
                                    fdt)


def hypervisor_ecall(s: CanonState, vm: Tuple[int, ...] = (VM_UNMAPPED,) * G, ndigests: int = 0,
                     digests: Tuple[int, ...] = (0,) * ATTEST_DIGESTS, secret: int = 0,
                     mode: int = GSTAGE_SV48X4, huge: bool = False, off: int = VM_UNMAPPED, extra: int = 0,
                     reach: int = 0) -> Step:
    """The hypervisor's ecall; PROMOTE's VM is `vm`, under one huge leaf if `huge`, with `off`
    and `extra` for its entries no guest page uses and `reach` the pages its copy takes along
    the guest's path (this machine receives them decoded: `CanonicalMachine.vm_read`)."""
    return ecall.hypervisor_ecall(CANONICAL, s, (vm, huge, off, extra, reach), ndigests, digests, secret, mode)


def guest_ecall(s: CanonState) -> Step:
    return ecall.guest_ecall(CANONICAL, s)


def tlb_fill(s: CanonState, g: int, phys: int = 0) -> Step:
    return physical.tlb_fill(CANONICAL, s, g, phys)


def retrieve_secret(s: CanonState, gpa: int, size: int) -> Step:
    return attestation.retrieve_secret(CANONICAL, s, gpa, size)


def other_hart_run(s: CanonState, phys: int, cvm_id: int, vcpu: int) -> Step:
    return physical.other_hart_run(CANONICAL, s, phys, cvm_id, vcpu)


def other_hart_exit(s: CanonState, phys: int) -> Step:
    return physical.other_hart_exit(CANONICAL, s, phys)


def other_hart_interrupt(s: CanonState, phys: int) -> Step:
    return physical.other_hart_interrupt(CANONICAL, s, phys)


def nacl_set_shmem(s: CanonState, lo: int, hi: int, flags: int) -> Step:
    return nacl.nacl_set_shmem(CANONICAL, s, lo, hi, flags)


def destroy_tvm(s: CanonState, cvm_id: int) -> Step:
    return lifecycle.destroy_tvm(CANONICAL, s, cvm_id)


def tvm_vcpu_run(s: CanonState, cvm_id: int, vcpu: int) -> Step:
    return switch.tvm_vcpu_run(CANONICAL, s, cvm_id, vcpu)


def answer_exit(s: CanonState, cvm_id: int, vcpu: int) -> Step:
    return switch.answer_exit(CANONICAL, s, cvm_id, vcpu)


def enter_vcpu(s: CanonState, cvm_id: int, vcpu: int) -> Step:
    return switch.enter_vcpu(CANONICAL, s, cvm_id, vcpu)


def vcpu_exit(s: CanonState, cause: int, addr: int, instr: int, gva: int = 0) -> Step:
    return switch.vcpu_exit(CANONICAL, s, cause, addr, instr, gva)


def send_ipi(s: CanonState, mask: int, base: int) -> Step:
    return ipi.send_ipi(CANONICAL, s, mask, base)


def remote_fence(s: CanonState, fid: int, mask: int, base: int) -> Step:
    return ipi.remote_fence(CANONICAL, s, fid, mask, base)


def nacl_write(s: CanonState, slot: int, value: int) -> Step:
    return switch.nacl_write(CANONICAL, s, slot, value)


def exit_mmio_load(s: CanonState, addr: int, instr: int, gva: int = 0) -> Step:
    return switch.exit_mmio_load(CANONICAL, s, addr, instr, gva)


def exit_mmio_store(s: CanonState, addr: int, instr: int, gva: int = 0) -> Step:
    return switch.exit_mmio_store(CANONICAL, s, addr, instr, gva)


def exit_interrupt(s: CanonState, cause: int) -> Step:
    return switch.exit_interrupt(CANONICAL, s, cause)


def share_memory(s: CanonState, gpa: int, size: int) -> Step:
    return memory.share_memory(CANONICAL, s, gpa, size)


def unshare_memory(s: CanonState, gpa: int, size: int) -> Step:
    return memory.unshare_memory(CANONICAL, s, gpa, size)


def guest_page_fault(s: CanonState, gpa: int) -> Step:
    return memory.guest_page_fault(CANONICAL, s, gpa)


def guest_load(s: CanonState, g: int, reg: int) -> Step:
    return memory.guest_load(CANONICAL, s, g, reg)


def guest_store(s: CanonState, g: int, reg: int) -> Step:
    return memory.guest_store(CANONICAL, s, g, reg)


def hypervisor_read(s: CanonState, addr: int) -> Step:
    return memory.hypervisor_read(CANONICAL, s, addr)


def hypervisor_write(s: CanonState, addr: int, value: int) -> Step:
    return memory.hypervisor_write(CANONICAL, s, addr, value)


def hart_start(s: CanonState, hart: int, start: int = 0, opaque: int = 0) -> Step:
    return hsm.hart_start(CANONICAL, s, hart, start, opaque)


def hart_stop(s: CanonState) -> Step:
    return hsm.hart_stop(CANONICAL, s)


def hart_suspend(s: CanonState) -> Step:
    return hsm.hart_suspend(CANONICAL, s)


def hart_status(s: CanonState, hart: int) -> Step:
    return hsm.hart_status(CANONICAL, s, hart)


def system_reset(s: CanonState) -> Step:
    return hsm.system_reset(CANONICAL, s)


def tsm_get_info(s: CanonState, buf: int, length: int) -> Step:
    return info.tsm_get_info(CANONICAL, s, buf, length)


def wfi(s: CanonState, instr: int) -> Step:
    return switch.wfi(CANONICAL, s, instr)


def add_mmio_region(s: CanonState, base: int, length: int) -> Step:
    return mmio.add_mmio_region(CANONICAL, s, base, length)


def remove_mmio_region(s: CanonState, base: int, length: int) -> Step:
    return mmio.remove_mmio_region(CANONICAL, s, base, length)


def guest_load_fault(s: CanonState, gpa: int, instr: int, gva: int = 0) -> Step:
    return mmio.guest_load_fault(CANONICAL, s, gpa, instr, gva)


def guest_store_fault(s: CanonState, gpa: int, instr: int, gva: int = 0) -> Step:
    return mmio.guest_store_fault(CANONICAL, s, gpa, instr, gva)


def halt(s: CanonState) -> CanonState:
    """The failure mode: no row reaches it (`monitor/failure.py`)."""
    return failure.halt(CANONICAL, s)


def allow_ext_interrupt(s: CanonState, mask: int) -> Step:
    return interrupts.allow_ext_interrupt(CANONICAL, s, mask)


__all__ = [
    "tlb_fill",
    "hypervisor_ecall", "guest_ecall",
    "CANONICAL", "CanonicalHardware", "CanonHw", "CanonState", "Primitives",
    "promote_to_tvm", "destroy_tvm", "tvm_vcpu_run", "answer_exit", "enter_vcpu", "vcpu_exit", "exit_mmio_load", "exit_mmio_store",
    "exit_interrupt", "share_memory",
    "unshare_memory", "guest_page_fault", "hypervisor_read", "hypervisor_write",
    "hart_start", "hart_stop", "hart_suspend", "hart_status", "system_reset", "tsm_get_info", "wfi",
    "add_mmio_region", "remove_mmio_region", "guest_load_fault", "guest_store_fault",
    "allow_ext_interrupt", "nacl_write", "send_ipi", "remote_fence", "retrieve_secret",
    "other_hart_run", "other_hart_exit", "other_hart_interrupt", "nacl_set_shmem", "guest_load", "guest_store",
]
