"""Obligations of guest_page_fault. Guest load/store page faults outside MMIO: a fresh zeroed private page.

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
    ACCESS_CODES, SBI_CODES, CanonicalSpecSquare, Result, RiscvCanonicalSquare, canonical_spec_square, defined,
    riscv_canonical_square, riscv_sim_ok,
)
from refinement.registry import Kind, Layers, Operation, obligation
from refinement.riscv_to_canonical import abs_riscv, pmp_configured, riscv_local


@obligation(Layers.CANONICAL_SPEC, Operation.GUEST_PAGE_FAULT, Kind.SIMULATION)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(canonical step) == spec step")
def guest_page_fault_simulation_canonical_spec(s: CanonState, gpa: int) -> CanonicalSpecSquare:
    """A guest page fault outside MMIO is handled as the spec says, under abstraction."""
    return canonical_spec_square(canonical.guest_page_fault(s, gpa), spec.guest_page_fault(abs_canonical(s), gpa))


@obligation(Layers.CANONICAL_SPEC, Operation.GUEST_PAGE_FAULT, Kind.INVARIANT)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: canonical_local(result))
def guest_page_fault_invariant_canonical(s: CanonState, gpa: int) -> CanonState:
    """A guest page fault preserves the canonical local invariant."""
    return canonical.guest_page_fault(s, gpa)[0]


@obligation(Layers.RISCV_CANONICAL, Operation.GUEST_PAGE_FAULT, Kind.SIMULATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(RISC-V step) == canonical step")
def guest_page_fault_simulation_riscv_canonical(s: RvState, gpa: int) -> RiscvCanonicalSquare:
    """A guest page fault outside MMIO is handled as the canonical monitor says, under abstraction."""
    return riscv_canonical_square(rv.guest_page_fault(s, gpa), canonical.guest_page_fault(abs_riscv(s), gpa))


@obligation(Layers.RISCV_CANONICAL, Operation.GUEST_PAGE_FAULT, Kind.INVARIANT)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: riscv_local(result))
def guest_page_fault_invariant_riscv(s: RvState, gpa: int) -> RvState:
    """A guest page fault preserves the RISC-V local invariant (PMP layout, PTE bits, hgatp)."""
    return rv.guest_page_fault(s, gpa)[0]


@obligation(Layers.SPEC, Operation.GUEST_PAGE_FAULT, Kind.TOTALITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda result: defined(result[1], ACCESS_CODES + SBI_CODES) and spec_invariant(result[0]),
                  "answers a defined code and preserves the spec invariant")
def guest_page_fault_totality(s: SpecState, gpa: int) -> Tuple[SpecState, Result]:
    """A guest page fault is total and keeps the spec invariant."""
    return spec.guest_page_fault(s, gpa)


@obligation(Layers.SPEC, Operation.GUEST_PAGE_FAULT, Kind.CONFIDENTIALITY)
@icontract.require(lambda s1, s2: running_ok(s1.run_cvm, s1.run_vcpu) and low_equal(s1, s2))
@icontract.ensure(lambda result: low_equal(result[0][0], result[1][0]) and result[0][1] == result[1][1],
                  "the hypervisor still cannot tell them apart, and the answers are the same")
def guest_page_fault_confidentiality(s1: SpecState, s2: SpecState, gpa: int) -> Tuple[Tuple[SpecState, Result], Tuple[SpecState, Result]]:
    """Noninterference: two states differing only in C contents and vCPU registers still differ
    only there after the step, with equal answers."""
    return spec.guest_page_fault(s1, gpa), spec.guest_page_fault(s2, gpa)


@obligation(Layers.SPEC, Operation.GUEST_PAGE_FAULT, Kind.INTEGRITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda s, gpa, result: integrity(s, result, s.run_cvm), "other CVMs' private state is unchanged")
def guest_page_fault_integrity(s: SpecState, gpa: int) -> SpecState:
    """Every CVM not party to the step keeps its private memory and registers."""
    return spec.guest_page_fault(s, gpa)[0]


@obligation(Layers.RISCV, Operation.GUEST_PAGE_FAULT, Kind.ISOLATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: pmp_configured(result), "PMP is configured for who runs (so riscv/state/isolation confines a running hypervisor)")
def guest_page_fault_isolation(s: RvState, gpa: int) -> RvState:
    """After the step, PMP is configured for who runs: the layout, and the monitor's entry
    granting C exactly while a CVM runs. With `riscv/state/isolation`, a running hypervisor
    reaches every NC page and no C page."""
    return rv.guest_page_fault(s, gpa)[0]

