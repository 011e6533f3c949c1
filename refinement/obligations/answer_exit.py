"""Obligations of answer_exit. COVH TVM_VCPU_RUN's first half: the vCPU takes the hypervisor's
answer to its last exit from the exit area (a0/a1 after an SBI call, rd after an MMIO load, the
pc past the trapped instruction). The second half is in `tvm_vcpu_run.py`.

Both layer pairs (simulation and local-invariant preservation) and the spec's totality, in one
module so that `crosshair watch` on this file answers quickly while the operation is edited.
"""
from __future__ import annotations

from typing import Tuple

import icontract

import concrete.riscv as rv
from abstract import canonical, spec
from abstract.canonical.state import CanonState
from abstract.spec.security import answer_only, integrity, low_equal
from abstract.spec.state import SpecState, slot_of, spec_invariant
from concrete.riscv.state import RvState
from refinement.canonical_to_spec import abs_canonical, canonical_local, running_ok
from refinement.obligations.common import (
    SBI_CODES, CanonicalSpecSquare, Result, RiscvCanonicalSquare, canonical_spec_square, defined,
    riscv_canonical_square, riscv_sim_ok,
)
from refinement.registry import Kind, Layers, Operation, obligation
from refinement.riscv_to_canonical import abs_riscv, pmp_configured, riscv_local


@obligation(Layers.CANONICAL_SPEC, Operation.ANSWER_EXIT, Kind.SIMULATION)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(canonical step) == spec step")
def answer_exit_simulation_canonical_spec(s: CanonState, cvm_id: int, vcpu: int) -> CanonicalSpecSquare:
    """Delivering the answer on the canonical machine is the spec's `respond`."""
    return canonical_spec_square(canonical.answer_exit(s, cvm_id, vcpu), spec.answer_exit(abs_canonical(s), cvm_id, vcpu))


@obligation(Layers.CANONICAL_SPEC, Operation.ANSWER_EXIT, Kind.INVARIANT)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: canonical_local(result))
def answer_exit_invariant_canonical(s: CanonState, cvm_id: int, vcpu: int) -> CanonState:
    """Delivering the answer preserves the canonical local invariant."""
    return canonical.answer_exit(s, cvm_id, vcpu)[0]


@obligation(Layers.RISCV_CANONICAL, Operation.ANSWER_EXIT, Kind.SIMULATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(RISC-V step) == canonical step")
def answer_exit_simulation_riscv_canonical(s: RvState, cvm_id: int, vcpu: int) -> RiscvCanonicalSquare:
    """Delivering the answer from the NACL GPR slots into the saved vCPU state and mepc is the canonical delivery."""
    return riscv_canonical_square(rv.answer_exit(s, cvm_id, vcpu), canonical.answer_exit(abs_riscv(s), cvm_id, vcpu))


@obligation(Layers.RISCV_CANONICAL, Operation.ANSWER_EXIT, Kind.INVARIANT)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: riscv_local(result))
def answer_exit_invariant_riscv(s: RvState, cvm_id: int, vcpu: int) -> RvState:
    """Delivering the answer preserves the RISC-V local invariant (PMP layout, PTE bits, hgatp)."""
    return rv.answer_exit(s, cvm_id, vcpu)[0]


@obligation(Layers.SPEC, Operation.ANSWER_EXIT, Kind.TOTALITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda result: defined(result[1], SBI_CODES) and spec_invariant(result[0]),
                  "answers a defined SBI code and preserves the spec invariant")
def answer_exit_totality(s: SpecState, cvm_id: int, vcpu: int) -> Tuple[SpecState, Result]:
    """Delivering the answer is total, answers a defined code and keeps the spec invariant."""
    return spec.answer_exit(s, cvm_id, vcpu)


@obligation(Layers.SPEC, Operation.ANSWER_EXIT, Kind.CONFIDENTIALITY)
@icontract.require(lambda s1, s2: running_ok(s1.run_cvm, s1.run_vcpu) and low_equal(s1, s2))
@icontract.ensure(lambda result: low_equal(result[0][0], result[1][0]) and result[0][1] == result[1][1],
                  "the hypervisor still cannot tell them apart, and the answers are the same")
def answer_exit_confidentiality(s1: SpecState, s2: SpecState, cvm_id: int, vcpu: int) -> Tuple[Tuple[SpecState, Result], Tuple[SpecState, Result]]:
    """Noninterference: two states differing only in C contents and vCPU registers still differ
    only there after the step, with equal answers."""
    return spec.answer_exit(s1, cvm_id, vcpu), spec.answer_exit(s2, cvm_id, vcpu)


@obligation(Layers.SPEC, Operation.ANSWER_EXIT, Kind.INTEGRITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda s, cvm_id, vcpu, result: integrity(s, result, slot_of(s, cvm_id)), "other CVMs' private state is unchanged")
@icontract.ensure(lambda s, cvm_id, vcpu, result: answer_only(s, result, slot_of(s, cvm_id), vcpu),
                  "the resumed CVM changes only by the hypervisor's answer")
def answer_exit_integrity(s: SpecState, cvm_id: int, vcpu: int) -> SpecState:
    """Every other CVM keeps its private memory and registers; the resumed vCPU's registers
    change only where the hypervisor's answer may write (a0/a1 after an SBI call, the load's
    destination after an MMIO load), and nothing else of its CVM changes."""
    return spec.answer_exit(s, cvm_id, vcpu)[0]


@obligation(Layers.RISCV, Operation.ANSWER_EXIT, Kind.ISOLATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: pmp_configured(result), "PMP is configured for who runs (so riscv/state/isolation confines a running hypervisor)")
def answer_exit_isolation(s: RvState, cvm_id: int, vcpu: int) -> RvState:
    """After the step, PMP is configured for who runs: the layout, and the monitor's entry
    granting C exactly while a CVM runs. With `riscv/state/isolation`, a running hypervisor
    reaches every NC page and no C page."""
    return rv.answer_exit(s, cvm_id, vcpu)[0]

