"""The monitor's ecall entries on RISC-V, by the names the trap vector uses: the hypervisor's
(scause 9) and a vCPU's (scause 10). They are the canonical monitor's entries
(`abstract/canonical/monitor/ecall.py`) on the RISC-V primitives: `RiscvMachine.trap_call`
reads x17 (EID), x16 (FID) and x10..x15, `RiscvMachine.hart_answer` writes x10/x11."""
from concrete.riscv import guest_ecall, hypervisor_ecall

__all__ = ["hypervisor_ecall", "guest_ecall"]
