"""The abstract specification of the security monitor (pure, total functions over SpecState)."""
from abstract.spec import failure  # noqa: F401  (the failure mode: no row reaches it)
from abstract.spec.hsm import hart_start, hart_status, hart_stop, hart_suspend, system_reset
from abstract.spec.info import tsm_get_info
from abstract.spec.attestation import retrieve_secret
from abstract.spec.interrupts import allow_ext_interrupt
from abstract.spec.ipi import remote_fence, send_ipi
from abstract.spec.mmio import add_mmio_region, guest_load_fault, guest_store_fault, remove_mmio_region
from abstract.spec.lifecycle import destroy_tvm, promote_to_tvm
from abstract.spec.memory import (
    guest_load, guest_page_fault, guest_store, hypervisor_read, hypervisor_write, share_memory, unshare_memory,
)
from abstract.spec.nacl import nacl_set_shmem
from abstract.spec.physical import other_hart_exit, other_hart_interrupt, other_hart_run, tlb_fill
from abstract.spec.ecall import guest_ecall, hypervisor_ecall
from abstract.spec.state import SpecState, spec_initial, spec_invariant
from abstract.spec.switch import (
    answer_exit, enter_vcpu, exit_interrupt, exit_mmio_load, exit_mmio_store, nacl_write, wfi,
    tvm_vcpu_run, vcpu_exit,
)

__all__ = [
    "tlb_fill", "hypervisor_ecall", "guest_ecall",
    "SpecState", "spec_initial", "spec_invariant",
    "promote_to_tvm", "destroy_tvm", "tvm_vcpu_run", "answer_exit", "enter_vcpu", "vcpu_exit", "exit_mmio_load", "exit_mmio_store",
    "exit_interrupt",
    "share_memory", "unshare_memory", "guest_page_fault", "hypervisor_read", "hypervisor_write",
    "hart_start", "hart_stop", "hart_suspend", "hart_status", "system_reset", "tsm_get_info", "wfi",
    "add_mmio_region", "remove_mmio_region", "guest_load_fault", "guest_store_fault",
    "allow_ext_interrupt", "nacl_write", "send_ipi", "remote_fence", "retrieve_secret",
    "other_hart_run", "other_hart_exit", "other_hart_interrupt", "nacl_set_shmem", "guest_load", "guest_store",
]
