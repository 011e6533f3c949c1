"""Obligations of nacl_write. The hypervisor writes its answer to an exit into the NACL exit area.

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


@obligation(Layers.CANONICAL_SPEC, Operation.NACL_WRITE, Kind.SIMULATION)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(canonical step) == spec step")
def nacl_write_simulation_canonical_spec(s: CanonState, slot: int, value: int) -> CanonicalSpecSquare:
    """A hypervisor write into the exit area on the canonical machine is the spec's NACL write under abstraction."""
    return canonical_spec_square(canonical.nacl_write(s, slot, value), spec.nacl_write(abs_canonical(s), slot, value))


@obligation(Layers.CANONICAL_SPEC, Operation.NACL_WRITE, Kind.INVARIANT)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: canonical_local(result))
def nacl_write_invariant_canonical(s: CanonState, slot: int, value: int) -> CanonState:
    """A write into the exit area preserves the canonical local invariant."""
    return canonical.nacl_write(s, slot, value)[0]


@obligation(Layers.RISCV_CANONICAL, Operation.NACL_WRITE, Kind.SIMULATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(RISC-V step) == canonical step")
def nacl_write_simulation_riscv_canonical(s: RvState, slot: int, value: int) -> RiscvCanonicalSquare:
    """A store into the NACL shared memory's GPR slots is the canonical exit-area write under abstraction."""
    return riscv_canonical_square(rv.nacl_write(s, slot, value), canonical.nacl_write(abs_riscv(s), slot, value))


@obligation(Layers.RISCV_CANONICAL, Operation.NACL_WRITE, Kind.INVARIANT)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: riscv_local(result))
def nacl_write_invariant_riscv(s: RvState, slot: int, value: int) -> RvState:
    """A store into the NACL GPR slots preserves the RISC-V local invariant (PMP layout, PTE bits, hgatp)."""
    return rv.nacl_write(s, slot, value)[0]


@obligation(Layers.SPEC, Operation.NACL_WRITE, Kind.TOTALITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda result: defined(result[1], ACCESS_CODES) and spec_invariant(result[0]),
                  "answers a defined code and preserves the spec invariant")
def nacl_write_totality(s: SpecState, slot: int, value: int) -> Tuple[SpecState, Result]:
    """A write into the exit area is total and keeps the spec invariant."""
    return spec.nacl_write(s, slot, value)


@obligation(Layers.SPEC, Operation.NACL_WRITE, Kind.CONFIDENTIALITY)
@icontract.require(lambda s1, s2: running_ok(s1.run_cvm, s1.run_vcpu) and low_equal(s1, s2))
@icontract.ensure(lambda result: low_equal(result[0][0], result[1][0]) and result[0][1] == result[1][1],
                  "the hypervisor still cannot tell them apart, and the answers are the same")
def nacl_write_confidentiality(s1: SpecState, s2: SpecState, slot: int, value: int) -> Tuple[Tuple[SpecState, Result], Tuple[SpecState, Result]]:
    """Noninterference: two states differing only in C contents and vCPU registers still differ
    only there after the step, with equal answers."""
    return spec.nacl_write(s1, slot, value), spec.nacl_write(s2, slot, value)


@obligation(Layers.SPEC, Operation.NACL_WRITE, Kind.INTEGRITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda s, slot, value, result: integrity(s, result, -1), "other CVMs' private state is unchanged")
def nacl_write_integrity(s: SpecState, slot: int, value: int) -> SpecState:
    """Every CVM not party to the step keeps its private memory and registers."""
    return spec.nacl_write(s, slot, value)[0]


@obligation(Layers.RISCV, Operation.NACL_WRITE, Kind.ISOLATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: pmp_configured(result), "PMP is configured for who runs (so riscv/state/isolation confines a running hypervisor)")
def nacl_write_isolation(s: RvState, slot: int, value: int) -> RvState:
    """After the step, PMP is configured for who runs: the layout, and the monitor's entry
    granting C exactly while a CVM runs. With `riscv/state/isolation`, a running hypervisor
    reaches every NC page and no C page."""
    return rv.nacl_write(s, slot, value)[0]

