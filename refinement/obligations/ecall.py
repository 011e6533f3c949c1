"""Decoding robustness: whatever the hypervisor or a CVM leaves in a7, a6 and a0..a5, the
RISC-V ecall entry answers a defined SBI code and keeps both local invariants.

The register files are part of the symbolic state, so every value of every register is
covered; the spec half of the invariant is carried, as for every operation, by the decoded
call's own simulation and totality obligations.
"""
from __future__ import annotations

import icontract

from concrete.riscv import ecall
from concrete.riscv.state import RvState
from refinement.canonical_to_spec import canonical_local
from refinement.obligations.common import SBI_CODES, riscv_sim_ok
from refinement.registry import Kind, Layers, obligation
from refinement.riscv_to_canonical import abs_riscv, riscv_local


@obligation(Layers.RISCV, "hypervisor_ecall", Kind.DECODING)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: result[1][0] in SBI_CODES, "answers a defined SBI code")
@icontract.ensure(lambda result: riscv_local(result[0]) and canonical_local(abs_riscv(result[0])),
                  "both local invariants hold afterwards")
def hypervisor_ecall_decoding(s: RvState) -> tuple:
    """Every register file the hypervisor can pass decodes to a COVH call or to INVALID_PARAM,
    and the monitor's invariants hold afterwards."""
    return ecall.hypervisor_ecall(s)


@obligation(Layers.RISCV, "guest_ecall", Kind.DECODING)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: result[1][0] in SBI_CODES, "answers a defined SBI code")
@icontract.ensure(lambda result: riscv_local(result[0]) and canonical_local(abs_riscv(result[0])),
                  "both local invariants hold afterwards")
def guest_ecall_decoding(s: RvState) -> tuple:
    """Every register file a CVM's vCPU can pass decodes to a COVG or HSM call or to
    INVALID_PARAM, and the monitor's invariants hold afterwards."""
    return ecall.guest_ecall(s)
