"""Obligations of vcpu_exit. The exit from a vCPU back to the hypervisor.

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
from refinement.riscv_to_canonical import abs_riscv, hypervisor_confined, riscv_local


@obligation(Layers.CANONICAL_SPEC, Operation.VCPU_EXIT, Kind.SIMULATION)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(canonical step) == spec step")
def vcpu_exit_simulation_canonical_spec(s: CanonState) -> CanonicalSpecSquare:
    """The exit to the hypervisor (state saved, C closed, registers restored) is the spec's exit."""
    return canonical_spec_square(canonical.vcpu_exit(s), spec.vcpu_exit(abs_canonical(s)))


@obligation(Layers.CANONICAL_SPEC, Operation.VCPU_EXIT, Kind.INVARIANT)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: canonical_local(result))
def vcpu_exit_invariant_canonical(s: CanonState) -> CanonState:
    """The exit to the hypervisor preserves the canonical local invariant."""
    return canonical.vcpu_exit(s)[0]


@obligation(Layers.RISCV_CANONICAL, Operation.VCPU_EXIT, Kind.SIMULATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(RISC-V step) == canonical step")
def vcpu_exit_simulation_riscv_canonical(s: RvState) -> RiscvCanonicalSquare:
    """The exit to the hypervisor (state saved, C closed, registers restored) is the canonical exit."""
    return riscv_canonical_square(rv.vcpu_exit(s), canonical.vcpu_exit(abs_riscv(s)))


@obligation(Layers.RISCV_CANONICAL, Operation.VCPU_EXIT, Kind.INVARIANT)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: riscv_local(result))
def vcpu_exit_invariant_riscv(s: RvState) -> RvState:
    """The exit to the hypervisor preserves the RISC-V local invariant (PMP layout, PTE bits, hgatp)."""
    return rv.vcpu_exit(s)[0]


@obligation(Layers.SPEC, Operation.VCPU_EXIT, Kind.TOTALITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda result: defined(result[1], SBI_CODES), "answers a defined SBI code")
@icontract.ensure(lambda result: spec_invariant(result[0]), "preserves the spec invariant")
def vcpu_exit_totality(s: SpecState) -> Tuple[SpecState, Result]:
    """The exit to the hypervisor is total and keeps the spec invariant."""
    return spec.vcpu_exit(s)


@obligation(Layers.SPEC, Operation.VCPU_EXIT, Kind.CONFIDENTIALITY)
@icontract.require(lambda s1, s2: running_ok(s1.run_cvm, s1.run_vcpu) and low_equal(s1, s2))
@icontract.ensure(lambda result: low_equal(result[0][0], result[1][0]), "the hypervisor still cannot tell them apart")
@icontract.ensure(lambda result: result[0][1] == result[1][1], "the answers are the same")
def vcpu_exit_confidentiality(s1: SpecState, s2: SpecState) -> Tuple[Tuple[SpecState, Result], Tuple[SpecState, Result]]:
    """Noninterference: two states differing only in C contents and vCPU registers still differ
    only there after the step, with equal answers."""
    return spec.vcpu_exit(s1), spec.vcpu_exit(s2)


@obligation(Layers.SPEC, Operation.VCPU_EXIT, Kind.INTEGRITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda s, result: integrity(s, result, -1), "other CVMs' private state is unchanged")
def vcpu_exit_integrity(s: SpecState) -> SpecState:
    """Every CVM not party to the step keeps its private memory and registers."""
    return spec.vcpu_exit(s)[0]


@obligation(Layers.RISCV, Operation.VCPU_EXIT, Kind.ISOLATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: hypervisor_confined(result), "a running hypervisor reaches NC and never C")
def vcpu_exit_isolation(s: RvState) -> RvState:
    """After the step, if the hypervisor runs, the PMP as configured lets it reach every NC page
    and no C page."""
    return rv.vcpu_exit(s)[0]

