"""Obligations of hypervisor_write. The hypervisor's stores to physical memory, through the isolation unit.

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
    ACCESS_CODES, CanonicalSpecSquare, Result, RiscvCanonicalSquare, canonical_spec_square, defined,
    riscv_canonical_square, riscv_sim_ok,
)
from refinement.registry import Kind, Layers, Operation, obligation
from refinement.riscv_to_canonical import abs_riscv, pmp_configured, riscv_local


@obligation(Layers.CANONICAL_SPEC, Operation.HYPERVISOR_WRITE, Kind.SIMULATION)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(canonical step) == spec step")
def hypervisor_write_simulation_canonical_spec(s: CanonState, addr: int, value: int) -> CanonicalSpecSquare:
    """A hypervisor store through the isolation unit changes exactly what the spec allows."""
    return canonical_spec_square(canonical.hypervisor_write(s, addr, value), spec.hypervisor_write(abs_canonical(s), addr, value))


@obligation(Layers.CANONICAL_SPEC, Operation.HYPERVISOR_WRITE, Kind.INVARIANT)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: canonical_local(result))
def hypervisor_write_invariant_canonical(s: CanonState, addr: int, value: int) -> CanonState:
    """A hypervisor store preserves the canonical local invariant."""
    return canonical.hypervisor_write(s, addr, value)[0]


@obligation(Layers.RISCV_CANONICAL, Operation.HYPERVISOR_WRITE, Kind.SIMULATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(RISC-V step) == canonical step")
def hypervisor_write_simulation_riscv_canonical(s: RvState, addr: int, value: int) -> RiscvCanonicalSquare:
    """A hypervisor store through the isolation unit changes exactly what the canonical isolation unit allows."""
    return riscv_canonical_square(rv.hypervisor_write(s, addr, value), canonical.hypervisor_write(abs_riscv(s), addr, value))


@obligation(Layers.RISCV_CANONICAL, Operation.HYPERVISOR_WRITE, Kind.INVARIANT)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: riscv_local(result))
def hypervisor_write_invariant_riscv(s: RvState, addr: int, value: int) -> RvState:
    """A hypervisor store preserves the RISC-V local invariant (PMP layout, PTE bits, hgatp)."""
    return rv.hypervisor_write(s, addr, value)[0]


@obligation(Layers.SPEC, Operation.HYPERVISOR_WRITE, Kind.TOTALITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda result: defined(result[1], ACCESS_CODES) and spec_invariant(result[0]),
                  "answers a defined code and preserves the spec invariant")
def hypervisor_write_totality(s: SpecState, addr: int, value: int) -> Tuple[SpecState, Result]:
    """A hypervisor store is total and keeps the spec invariant."""
    return spec.hypervisor_write(s, addr, value)


@obligation(Layers.SPEC, Operation.HYPERVISOR_WRITE, Kind.CONFIDENTIALITY)
@icontract.require(lambda s1, s2: running_ok(s1.run_cvm, s1.run_vcpu) and low_equal(s1, s2))
@icontract.ensure(lambda result: low_equal(result[0][0], result[1][0]) and result[0][1] == result[1][1],
                  "the hypervisor still cannot tell them apart, and the answers are the same")
def hypervisor_write_confidentiality(s1: SpecState, s2: SpecState, addr: int, value: int) -> Tuple[Tuple[SpecState, Result], Tuple[SpecState, Result]]:
    """Noninterference: two states differing only in C contents and vCPU registers still differ
    only there after the step, with equal answers."""
    return spec.hypervisor_write(s1, addr, value), spec.hypervisor_write(s2, addr, value)


@obligation(Layers.SPEC, Operation.HYPERVISOR_WRITE, Kind.INTEGRITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda s, addr, value, result: integrity(s, result, -1), "other CVMs' private state is unchanged")
def hypervisor_write_integrity(s: SpecState, addr: int, value: int) -> SpecState:
    """Every CVM not party to the step keeps its private memory and registers."""
    return spec.hypervisor_write(s, addr, value)[0]


@obligation(Layers.RISCV, Operation.HYPERVISOR_WRITE, Kind.ISOLATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: pmp_configured(result), "PMP is configured for who runs (so riscv/state/isolation confines a running hypervisor)")
def hypervisor_write_isolation(s: RvState, addr: int, value: int) -> RvState:
    """After the step, PMP is configured for who runs: the layout, and the monitor's entry
    granting C exactly while a CVM runs. With `riscv/state/isolation`, a running hypervisor
    reaches every NC page and no C page."""
    return rv.hypervisor_write(s, addr, value)[0]

