"""Obligations of other_hart_run. TVM_VCPU_RUN on another physical hart: the vCPU is marked as running there.

Both layer pairs (simulation and local-invariant preservation), the spec's totality and
security properties, in one module so that `crosshair watch` on this file
answers quickly while the call is edited.
"""
from __future__ import annotations

from typing import Tuple

import icontract

import concrete.riscv as rv
from abstract import canonical, spec
from abstract.canonical.state import CanonState
from abstract.spec.security import integrity, low_equal
from abstract.spec.state import SpecState, spec_invariant
from concrete.riscv.state import RvState
from refinement.canonical_to_spec import abs_canonical, canonical_local, running_ok
from refinement.obligations.common import (
    SBI_CODES, CanonicalSpecSquare, Result, RiscvCanonicalSquare, canonical_spec_square, defined,
    riscv_canonical_square, riscv_sim_ok,
)
from refinement.registry import Kind, Layers, Operation, obligation
from refinement.riscv_to_canonical import (
    abs_riscv, pmp_configured, riscv_local,
)


@obligation(Layers.CANONICAL_SPEC, Operation.OTHER_HART_RUN, Kind.SIMULATION)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(canonical step) == spec step")
def other_hart_run_simulation_canonical_spec(s: CanonState, phys: int, cvm_id: int, vcpu: int) -> CanonicalSpecSquare:
    """other_hart_run on the canonical machine is the spec's."""
    return canonical_spec_square(canonical.other_hart_run(s, phys, cvm_id, vcpu), spec.other_hart_run(abs_canonical(s), phys, cvm_id, vcpu))


@obligation(Layers.CANONICAL_SPEC, Operation.OTHER_HART_RUN, Kind.INVARIANT)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: canonical_local(result))
def other_hart_run_invariant_canonical(s: CanonState, phys: int, cvm_id: int, vcpu: int) -> CanonState:
    """other_hart_run preserves the canonical local invariant."""
    return canonical.other_hart_run(s, phys, cvm_id, vcpu)[0]


@obligation(Layers.RISCV_CANONICAL, Operation.OTHER_HART_RUN, Kind.SIMULATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(RISC-V step) == canonical step")
def other_hart_run_simulation_riscv_canonical(s: RvState, phys: int, cvm_id: int, vcpu: int) -> RiscvCanonicalSquare:
    """other_hart_run on RISC-V is the canonical one."""
    return riscv_canonical_square(rv.other_hart_run(s, phys, cvm_id, vcpu), canonical.other_hart_run(abs_riscv(s), phys, cvm_id, vcpu))


@obligation(Layers.RISCV_CANONICAL, Operation.OTHER_HART_RUN, Kind.INVARIANT)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: riscv_local(result))
def other_hart_run_invariant_riscv(s: RvState, phys: int, cvm_id: int, vcpu: int) -> RvState:
    """other_hart_run preserves the RISC-V local invariant (PMP layout, PTE bits, hgatp)."""
    return rv.other_hart_run(s, phys, cvm_id, vcpu)[0]


@obligation(Layers.SPEC, Operation.OTHER_HART_RUN, Kind.TOTALITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda result: defined(result[1], SBI_CODES) and spec_invariant(result[0]),
                  "answers a defined SBI code and preserves the spec invariant")
def other_hart_run_totality(s: SpecState, phys: int, cvm_id: int, vcpu: int) -> Tuple[SpecState, Result]:
    """other_hart_run is total and keeps the spec invariant (no vCPU runs on two physical harts)."""
    return spec.other_hart_run(s, phys, cvm_id, vcpu)


@obligation(Layers.SPEC, Operation.OTHER_HART_RUN, Kind.CONFIDENTIALITY)
@icontract.require(lambda s1, s2: running_ok(s1.run_cvm, s1.run_vcpu) and low_equal(s1, s2))
@icontract.ensure(lambda result: low_equal(result[0][0], result[1][0]) and result[0][1] == result[1][1],
                  "the hypervisor still cannot tell them apart, and the answers are the same")
def other_hart_run_confidentiality(s1: SpecState, s2: SpecState, phys: int, cvm_id: int, vcpu: int) -> Tuple[Tuple[SpecState, Result], Tuple[SpecState, Result]]:
    """Noninterference: two states differing only in C contents and vCPU registers still
    differ only there after the call, with equal answers."""
    return spec.other_hart_run(s1, phys, cvm_id, vcpu), spec.other_hart_run(s2, phys, cvm_id, vcpu)


@obligation(Layers.SPEC, Operation.OTHER_HART_RUN, Kind.INTEGRITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda s, result: integrity(s, result, -1), "every CVM's private state is unchanged")
def other_hart_run_integrity(s: SpecState, phys: int, cvm_id: int, vcpu: int) -> SpecState:
    """Every CVM keeps its private memory and registers: running a vCPU elsewhere only marks it."""
    return spec.other_hart_run(s, phys, cvm_id, vcpu)[0]


@obligation(Layers.RISCV, Operation.OTHER_HART_RUN, Kind.ISOLATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: pmp_configured(result), "PMP is configured for who runs (so riscv/state/isolation confines a running hypervisor)")
def other_hart_run_isolation(s: RvState, phys: int, cvm_id: int, vcpu: int) -> RvState:
    """After the step, PMP is configured for who runs: the layout, and the monitor's entry
    granting C exactly while a CVM runs. With `riscv/state/isolation`, a running hypervisor
    reaches every NC page and no C page."""
    return rv.other_hart_run(s, phys, cvm_id, vcpu)[0]
