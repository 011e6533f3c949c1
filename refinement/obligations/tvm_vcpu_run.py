"""Obligations of tvm_vcpu_run. COVH TVM_VCPU_RUN's second half: the domain switch into a vCPU
(`enter_vcpu`). The first half, delivering the answer to the vCPU's last exit, has its own
obligations in `answer_exit.py`; every layer defines TVM_VCPU_RUN as the two in sequence, and
each kind of obligation composes (squares, invariants, low-equality, integrity).

Both layer pairs (simulation and local-invariant preservation) and the spec's totality, in one
module so that `crosshair watch` on this file answers quickly while the operation is edited.
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
from refinement.riscv_to_canonical import abs_riscv, pmp_configured, riscv_local


@obligation(Layers.CANONICAL_SPEC, Operation.TVM_VCPU_RUN, Kind.SIMULATION)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(canonical step) == spec step")
def tvm_vcpu_run_simulation_canonical_spec(s: CanonState, cvm_id: int, vcpu: int) -> CanonicalSpecSquare:
    """Entering a vCPU (hart-state switch and isolation grant) is the spec's entry."""
    return canonical_spec_square(canonical.enter_vcpu(s, cvm_id, vcpu), spec.enter_vcpu(abs_canonical(s), cvm_id, vcpu))


@obligation(Layers.CANONICAL_SPEC, Operation.TVM_VCPU_RUN, Kind.INVARIANT)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: canonical_local(result))
def tvm_vcpu_run_invariant_canonical(s: CanonState, cvm_id: int, vcpu: int) -> CanonState:
    """Entering a vCPU preserves the canonical local invariant."""
    return canonical.enter_vcpu(s, cvm_id, vcpu)[0]


@obligation(Layers.RISCV_CANONICAL, Operation.TVM_VCPU_RUN, Kind.SIMULATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(RISC-V step) == canonical step")
def tvm_vcpu_run_simulation_riscv_canonical(s: RvState, cvm_id: int, vcpu: int) -> RiscvCanonicalSquare:
    """Entering a vCPU (hart-state switch, PMP grant) is the canonical entry."""
    return riscv_canonical_square(rv.enter_vcpu(s, cvm_id, vcpu), canonical.enter_vcpu(abs_riscv(s), cvm_id, vcpu))


@obligation(Layers.RISCV_CANONICAL, Operation.TVM_VCPU_RUN, Kind.INVARIANT)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: riscv_local(result))
def tvm_vcpu_run_invariant_riscv(s: RvState, cvm_id: int, vcpu: int) -> RvState:
    """Entering a vCPU preserves the RISC-V local invariant (PMP layout, PTE bits, hgatp)."""
    return rv.enter_vcpu(s, cvm_id, vcpu)[0]


@obligation(Layers.SPEC, Operation.TVM_VCPU_RUN, Kind.TOTALITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda result: defined(result[1], SBI_CODES) and spec_invariant(result[0]),
                  "answers a defined SBI code and preserves the spec invariant")
def tvm_vcpu_run_totality(s: SpecState, cvm_id: int, vcpu: int) -> Tuple[SpecState, Result]:
    """Entering a vCPU is total, answers a defined code and keeps the spec invariant."""
    return spec.enter_vcpu(s, cvm_id, vcpu)


@obligation(Layers.SPEC, Operation.TVM_VCPU_RUN, Kind.CONFIDENTIALITY)
@icontract.require(lambda s1, s2: running_ok(s1.run_cvm, s1.run_vcpu) and low_equal(s1, s2))
@icontract.ensure(lambda result: low_equal(result[0][0], result[1][0]) and result[0][1] == result[1][1],
                  "the hypervisor still cannot tell them apart, and the answers are the same")
def tvm_vcpu_run_confidentiality(s1: SpecState, s2: SpecState, cvm_id: int, vcpu: int) -> Tuple[Tuple[SpecState, Result], Tuple[SpecState, Result]]:
    """Noninterference: two states differing only in C contents and vCPU registers still differ
    only there after the step, with equal answers."""
    return spec.enter_vcpu(s1, cvm_id, vcpu), spec.enter_vcpu(s2, cvm_id, vcpu)


@obligation(Layers.SPEC, Operation.TVM_VCPU_RUN, Kind.INTEGRITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda s, cvm_id, vcpu, result: integrity(s, result, -1), "every CVM's private state is unchanged")
def tvm_vcpu_run_integrity(s: SpecState, cvm_id: int, vcpu: int) -> SpecState:
    """Entering a vCPU changes no CVM's private memory or registers."""
    return spec.enter_vcpu(s, cvm_id, vcpu)[0]


@obligation(Layers.RISCV, Operation.TVM_VCPU_RUN, Kind.ISOLATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: pmp_configured(result), "PMP is configured for who runs (so riscv/state/isolation confines a running hypervisor)")
def tvm_vcpu_run_isolation(s: RvState, cvm_id: int, vcpu: int) -> RvState:
    """After the step, PMP is configured for who runs: the layout, and the monitor's entry
    granting C exactly while a CVM runs. With `riscv/state/isolation`, a running hypervisor
    reaches every NC page and no C page."""
    return rv.enter_vcpu(s, cvm_id, vcpu)[0]

