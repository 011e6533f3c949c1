"""Obligations of hart_start. HSM hart_start: a Stopped hart of the caller's CVM becomes Started.

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


@obligation(Layers.CANONICAL_SPEC, Operation.HART_START, Kind.SIMULATION)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(canonical step) == spec step")
def hart_start_simulation_canonical_spec(s: CanonState, hart: int) -> CanonicalSpecSquare:
    """hart_start on the canonical machine is the spec's."""
    return canonical_spec_square(canonical.hart_start(s, hart), spec.hart_start(abs_canonical(s), hart))


@obligation(Layers.CANONICAL_SPEC, Operation.HART_START, Kind.INVARIANT)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: canonical_local(result))
def hart_start_invariant_canonical(s: CanonState, hart: int) -> CanonState:
    """hart_start preserves the canonical local invariant."""
    return canonical.hart_start(s, hart)[0]


@obligation(Layers.RISCV_CANONICAL, Operation.HART_START, Kind.SIMULATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(RISC-V step) == canonical step")
def hart_start_simulation_riscv_canonical(s: RvState, hart: int) -> RiscvCanonicalSquare:
    """hart_start on RISC-V is the canonical one."""
    return riscv_canonical_square(rv.hart_start(s, hart), canonical.hart_start(abs_riscv(s), hart))


@obligation(Layers.RISCV_CANONICAL, Operation.HART_START, Kind.INVARIANT)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: riscv_local(result))
def hart_start_invariant_riscv(s: RvState, hart: int) -> RvState:
    """hart_start preserves the RISC-V local invariant (PMP layout, PTE bits, hgatp)."""
    return rv.hart_start(s, hart)[0]


@obligation(Layers.SPEC, Operation.HART_START, Kind.TOTALITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda result: defined(result[1], SBI_CODES) and spec_invariant(result[0]),
                  "answers a defined SBI code and preserves the spec invariant")
def hart_start_totality(s: SpecState, hart: int) -> Tuple[SpecState, Result]:
    """hart_start is total and keeps the spec invariant (lifecycle rules included)."""
    return spec.hart_start(s, hart)


@obligation(Layers.SPEC, Operation.HART_START, Kind.CONFIDENTIALITY)
@icontract.require(lambda s1, s2: running_ok(s1.run_cvm, s1.run_vcpu) and low_equal(s1, s2))
@icontract.ensure(lambda result: low_equal(result[0][0], result[1][0]) and result[0][1] == result[1][1],
                  "the hypervisor still cannot tell them apart, and the answers are the same")
def hart_start_confidentiality(s1: SpecState, s2: SpecState, hart: int) -> Tuple[Tuple[SpecState, Result], Tuple[SpecState, Result]]:
    """Noninterference: two states differing only in C contents and vCPU registers still
    differ only there after the call, with equal answers."""
    return spec.hart_start(s1, hart), spec.hart_start(s2, hart)


@obligation(Layers.SPEC, Operation.HART_START, Kind.INTEGRITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda s, result: integrity(s, result, -1), "every CVM's private state is unchanged")
def hart_start_integrity(s: SpecState, hart: int) -> SpecState:
    """Every CVM, the calling one included, keeps its private memory and registers."""
    return spec.hart_start(s, hart)[0]


@obligation(Layers.RISCV, Operation.HART_START, Kind.ISOLATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: pmp_configured(result), "PMP is configured for who runs (so riscv/state/isolation confines a running hypervisor)")
def hart_start_isolation(s: RvState, hart: int) -> RvState:
    """After the step, PMP is configured for who runs: the layout, and the monitor's entry
    granting C exactly while a CVM runs. With `riscv/state/isolation`, a running hypervisor
    reaches every NC page and no C page."""
    return rv.hart_start(s, hart)[0]
