"""Obligations of retrieve_secret. COVG RETRIEVE_SECRET: a CVM copies its released secret into one of its private pages.

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


@obligation(Layers.CANONICAL_SPEC, Operation.RETRIEVE_SECRET, Kind.SIMULATION)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(canonical step) == spec step")
def retrieve_secret_simulation_canonical_spec(s: CanonState, gpa: int, size: int) -> CanonicalSpecSquare:
    """retrieve_secret on the canonical machine is the spec's."""
    return canonical_spec_square(canonical.retrieve_secret(s, gpa, size), spec.retrieve_secret(abs_canonical(s), gpa, size))


@obligation(Layers.CANONICAL_SPEC, Operation.RETRIEVE_SECRET, Kind.INVARIANT)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: canonical_local(result))
def retrieve_secret_invariant_canonical(s: CanonState, gpa: int, size: int) -> CanonState:
    """retrieve_secret preserves the canonical local invariant."""
    return canonical.retrieve_secret(s, gpa, size)[0]


@obligation(Layers.RISCV_CANONICAL, Operation.RETRIEVE_SECRET, Kind.SIMULATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(RISC-V step) == canonical step")
def retrieve_secret_simulation_riscv_canonical(s: RvState, gpa: int, size: int) -> RiscvCanonicalSquare:
    """retrieve_secret on RISC-V is the canonical one."""
    return riscv_canonical_square(rv.retrieve_secret(s, gpa, size), canonical.retrieve_secret(abs_riscv(s), gpa, size))


@obligation(Layers.RISCV_CANONICAL, Operation.RETRIEVE_SECRET, Kind.INVARIANT)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: riscv_local(result))
def retrieve_secret_invariant_riscv(s: RvState, gpa: int, size: int) -> RvState:
    """retrieve_secret preserves the RISC-V local invariant (PMP layout, PTE bits, hgatp)."""
    return rv.retrieve_secret(s, gpa, size)[0]


@obligation(Layers.SPEC, Operation.RETRIEVE_SECRET, Kind.TOTALITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda result: defined(result[1], SBI_CODES) and spec_invariant(result[0]),
                  "answers a defined SBI code and preserves the spec invariant")
def retrieve_secret_totality(s: SpecState, gpa: int, size: int) -> Tuple[SpecState, Result]:
    """retrieve_secret is total and keeps the spec invariant (the secret lands in a page the caller owns)."""
    return spec.retrieve_secret(s, gpa, size)


@obligation(Layers.SPEC, Operation.RETRIEVE_SECRET, Kind.CONFIDENTIALITY)
@icontract.require(lambda s1, s2: running_ok(s1.run_cvm, s1.run_vcpu) and low_equal(s1, s2))
@icontract.ensure(lambda result: low_equal(result[0][0], result[1][0]) and result[0][1] == result[1][1],
                  "the hypervisor still cannot tell them apart, and the answers are the same")
def retrieve_secret_confidentiality(s1: SpecState, s2: SpecState, gpa: int, size: int) -> Tuple[Tuple[SpecState, Result], Tuple[SpecState, Result]]:
    """Noninterference: the secret's value is not in the hypervisor's view, so two states that
    differ in it (and in C contents and vCPU state) stay indistinguishable: the secret is
    written only into a private page, never a shared one."""
    return spec.retrieve_secret(s1, gpa, size), spec.retrieve_secret(s2, gpa, size)


@obligation(Layers.SPEC, Operation.RETRIEVE_SECRET, Kind.INTEGRITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda s, result: integrity(s, result, s.run_cvm), "other CVMs' private state is unchanged")
def retrieve_secret_integrity(s: SpecState, gpa: int, size: int) -> SpecState:
    """Every other CVM keeps its private memory and registers: the secret goes to the caller's own page."""
    return spec.retrieve_secret(s, gpa, size)[0]


@obligation(Layers.RISCV, Operation.RETRIEVE_SECRET, Kind.ISOLATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: pmp_configured(result), "PMP is configured for who runs (so riscv/state/isolation confines a running hypervisor)")
def retrieve_secret_isolation(s: RvState, gpa: int, size: int) -> RvState:
    """After the step, PMP is configured for who runs: the layout, and the monitor's entry
    granting C exactly while a CVM runs. With `riscv/state/isolation`, a running hypervisor
    reaches every NC page and no C page."""
    return rv.retrieve_secret(s, gpa, size)[0]
