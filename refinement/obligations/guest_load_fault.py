"""Obligations of guest_load_fault. A guest load page fault: an MMIO load request inside a region, else page-fault handling.

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
from abstract.spec.mmio import in_mmio_region
from abstract.spec.security import integrity, low_equal
from abstract.spec.state import SpecState, spec_invariant
from concrete.riscv.state import RvState
from refinement.canonical_to_spec import abs_canonical, canonical_local, running_ok
from refinement.obligations.common import (
    ACCESS_CODES, SBI_CODES, CanonicalSpecSquare, Result, RiscvCanonicalSquare, canonical_spec_square, defined,
    riscv_canonical_square, riscv_sim_ok,
)
from refinement.registry import Kind, Layers, Operation, obligation
from refinement.riscv_to_canonical import (
    abs_riscv, pmp_configured, riscv_local,
)


@obligation(Layers.CANONICAL_SPEC, Operation.GUEST_LOAD_FAULT, Kind.SIMULATION)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(canonical step) == spec step")
def guest_load_fault_simulation_canonical_spec(s: CanonState, gpa: int, instr: int) -> CanonicalSpecSquare:
    """guest_load_fault on the canonical machine is the spec's."""
    return canonical_spec_square(canonical.guest_load_fault(s, gpa, instr), spec.guest_load_fault(abs_canonical(s), gpa, instr))


@obligation(Layers.CANONICAL_SPEC, Operation.GUEST_LOAD_FAULT, Kind.INVARIANT)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: canonical_local(result))
def guest_load_fault_invariant_canonical(s: CanonState, gpa: int, instr: int) -> CanonState:
    """guest_load_fault preserves the canonical local invariant."""
    return canonical.guest_load_fault(s, gpa, instr)[0]


@obligation(Layers.RISCV_CANONICAL, Operation.GUEST_LOAD_FAULT, Kind.SIMULATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(RISC-V step) == canonical step")
def guest_load_fault_simulation_riscv_canonical(s: RvState, gpa: int, instr: int) -> RiscvCanonicalSquare:
    """guest_load_fault on RISC-V is the canonical one."""
    return riscv_canonical_square(rv.guest_load_fault(s, gpa, instr), canonical.guest_load_fault(abs_riscv(s), gpa, instr))


@obligation(Layers.RISCV_CANONICAL, Operation.GUEST_LOAD_FAULT, Kind.INVARIANT)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: riscv_local(result))
def guest_load_fault_invariant_riscv(s: RvState, gpa: int, instr: int) -> RvState:
    """guest_load_fault preserves the RISC-V local invariant (PMP layout, PTE bits, hgatp)."""
    return rv.guest_load_fault(s, gpa, instr)[0]


@obligation(Layers.SPEC, Operation.GUEST_LOAD_FAULT, Kind.TOTALITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda result: defined(result[1], ACCESS_CODES + SBI_CODES) and spec_invariant(result[0]),
                  "answers a defined code and preserves the spec invariant")
def guest_load_fault_totality(s: SpecState, gpa: int, instr: int) -> Tuple[SpecState, Result]:
    """guest_load_fault is total and keeps the spec invariant (a region hit is an MMIO exit, the last byte included)."""
    return spec.guest_load_fault(s, gpa, instr)


@obligation(Layers.SPEC, Operation.GUEST_LOAD_FAULT, Kind.CONFIDENTIALITY)
@icontract.require(lambda s1, s2: running_ok(s1.run_cvm, s1.run_vcpu) and low_equal(s1, s2))
@icontract.ensure(lambda result: result[0] == result[1], "low-equal states take the same branch")
def guest_load_fault_confidentiality(s1: SpecState, s2: SpecState, gpa: int, instr: int) -> Tuple[bool, bool]:
    """Noninterference by composition: the fault is `exit_mmio_load` inside an MMIO region and
    `guest_page_fault` outside, each proven noninterfering by its own confidentiality obligation
    (the MMIO request with exactly its declassification); here, two states the hypervisor cannot
    tell apart take the same branch, because the region table is part of its view. Proving the
    composed step directly took 140 s of the 90 s budget, so it is split here."""
    return in_mmio_region(s1, gpa), in_mmio_region(s2, gpa)


@obligation(Layers.SPEC, Operation.GUEST_LOAD_FAULT, Kind.INTEGRITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda s, gpa, instr, result: integrity(s, result, s.run_cvm), "other CVMs' private state is unchanged")
def guest_load_fault_integrity(s: SpecState, gpa: int, instr: int) -> SpecState:
    """Every CVM but the faulting one keeps its private memory and registers (the faulting one
    may only gain a fresh zeroed page, which simulation and totality pin down)."""
    return spec.guest_load_fault(s, gpa, instr)[0]


@obligation(Layers.RISCV, Operation.GUEST_LOAD_FAULT, Kind.ISOLATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: pmp_configured(result), "PMP is configured for who runs (so riscv/state/isolation confines a running hypervisor)")
def guest_load_fault_isolation(s: RvState, gpa: int, instr: int) -> RvState:
    """After the step, PMP is configured for who runs: the layout, and the monitor's entry
    granting C exactly while a CVM runs. With `riscv/state/isolation`, a running hypervisor
    reaches every NC page and no C page."""
    return rv.guest_load_fault(s, gpa, instr)[0]
