"""Obligations of unshare_memory. COVG UNSHARE_MEMORY: a shared guest page is unmapped.

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


@obligation(Layers.CANONICAL_SPEC, Operation.UNSHARE_MEMORY, Kind.SIMULATION)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(canonical step) == spec step")
def unshare_memory_simulation_canonical_spec(s: CanonState, gpa: int, size: int) -> CanonicalSpecSquare:
    """UNSHARE_MEMORY on the canonical machine is the spec's UNSHARE_MEMORY under abstraction."""
    return canonical_spec_square(canonical.unshare_memory(s, gpa, size), spec.unshare_memory(abs_canonical(s), gpa, size))


@obligation(Layers.CANONICAL_SPEC, Operation.UNSHARE_MEMORY, Kind.INVARIANT)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: canonical_local(result))
def unshare_memory_invariant_canonical(s: CanonState, gpa: int, size: int) -> CanonState:
    """UNSHARE_MEMORY preserves the canonical local invariant."""
    return canonical.unshare_memory(s, gpa, size)[0]


@obligation(Layers.RISCV_CANONICAL, Operation.UNSHARE_MEMORY, Kind.SIMULATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(RISC-V step) == canonical step")
def unshare_memory_simulation_riscv_canonical(s: RvState, gpa: int, size: int) -> RiscvCanonicalSquare:
    """UNSHARE_MEMORY on the RISC-V model is the canonical UNSHARE_MEMORY under abstraction."""
    return riscv_canonical_square(rv.unshare_memory(s, gpa, size), canonical.unshare_memory(abs_riscv(s), gpa, size))


@obligation(Layers.RISCV_CANONICAL, Operation.UNSHARE_MEMORY, Kind.INVARIANT)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: riscv_local(result))
def unshare_memory_invariant_riscv(s: RvState, gpa: int, size: int) -> RvState:
    """UNSHARE_MEMORY preserves the RISC-V local invariant (PMP layout, PTE bits, hgatp)."""
    return rv.unshare_memory(s, gpa, size)[0]


@obligation(Layers.SPEC, Operation.UNSHARE_MEMORY, Kind.TOTALITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda result: defined(result[1], SBI_CODES) and spec_invariant(result[0]),
                  "answers a defined SBI code and preserves the spec invariant")
def unshare_memory_totality(s: SpecState, gpa: int, size: int) -> Tuple[SpecState, Result]:
    """UNSHARE_MEMORY is total, answers a defined code and keeps the spec invariant."""
    return spec.unshare_memory(s, gpa, size)


@obligation(Layers.SPEC, Operation.UNSHARE_MEMORY, Kind.CONFIDENTIALITY)
@icontract.require(lambda s1, s2: running_ok(s1.run_cvm, s1.run_vcpu) and low_equal(s1, s2))
@icontract.ensure(lambda result: low_equal(result[0][0], result[1][0]) and result[0][1] == result[1][1],
                  "the hypervisor still cannot tell them apart, and the answers are the same")
def unshare_memory_confidentiality(s1: SpecState, s2: SpecState, gpa: int, size: int) -> Tuple[Tuple[SpecState, Result], Tuple[SpecState, Result]]:
    """Noninterference: two states differing only in C contents and vCPU registers still differ
    only there after the step, with equal answers."""
    return spec.unshare_memory(s1, gpa, size), spec.unshare_memory(s2, gpa, size)


@obligation(Layers.SPEC, Operation.UNSHARE_MEMORY, Kind.INTEGRITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda s, gpa, size, result: integrity(s, result, s.run_cvm), "other CVMs' private state is unchanged")
def unshare_memory_integrity(s: SpecState, gpa: int, size: int) -> SpecState:
    """Every CVM not party to the step keeps its private memory and registers."""
    return spec.unshare_memory(s, gpa, size)[0]


@obligation(Layers.RISCV, Operation.UNSHARE_MEMORY, Kind.ISOLATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: pmp_configured(result), "PMP is configured for who runs (so riscv/state/isolation confines a running hypervisor)")
def unshare_memory_isolation(s: RvState, gpa: int, size: int) -> RvState:
    """After the step, PMP is configured for who runs: the layout, and the monitor's entry
    granting C exactly while a CVM runs. With `riscv/state/isolation`, a running hypervisor
    reaches every NC page and no C page."""
    return rv.unshare_memory(s, gpa, size)[0]

