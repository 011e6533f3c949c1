"""The monitor written once, against the hardware primitives.

Each operation takes the processor's primitives `hwp` and a machine state `s` (any frozen
dataclass with the monitor fields mem, owner, live, hart, run_cvm, run_vcpu and a hardware
state `hw` that `hwp` understands). The canonical layer runs it on `CanonicalHardware`; a
processor layer runs the very same code on its own primitives, so proving that processor's
primitives refine the canonical ones carries the monitor's correctness over.
"""
from abstract.canonical.monitor.hsm import hart_start, hart_status, hart_stop, hart_suspend, system_reset
from abstract.canonical.monitor.info import tsm_get_info
from abstract.canonical.monitor.interrupts import allow_ext_interrupt
from abstract.canonical.monitor.mmio import (
    add_mmio_region, guest_load_fault, guest_store_fault, remove_mmio_region,
)
from abstract.canonical.monitor.lifecycle import destroy_tvm, promote_to_tvm
from abstract.canonical.monitor.memory import (
    guest_page_fault, hypervisor_read, hypervisor_write, share_memory, unshare_memory,
)
from abstract.canonical.monitor.switch import (
    exit_interrupt, exit_mmio_load, exit_mmio_store, tvm_vcpu_run, vcpu_exit, wfi,
)

__all__ = [
    "promote_to_tvm", "destroy_tvm", "tvm_vcpu_run", "vcpu_exit", "exit_mmio_load", "exit_mmio_store",
    "exit_interrupt", "share_memory",
    "unshare_memory", "guest_page_fault", "hypervisor_read", "hypervisor_write",
    "hart_start", "hart_stop", "hart_suspend", "hart_status", "system_reset", "tsm_get_info", "wfi",
    "add_mmio_region", "remove_mmio_region", "guest_load_fault", "guest_store_fault",
    "allow_ext_interrupt",
]
