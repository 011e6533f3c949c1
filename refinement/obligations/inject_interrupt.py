"""Obligations of inject_interrupt. The hypervisor injects an external interrupt; only lines the CVM allows get through.

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


@obligation(Layers.CANONICAL_SPEC, Operation.INJECT_INTERRUPT, Kind.SIMULATION)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(canonical step) == spec step")
def inject_interrupt_simulation_canonical_spec(s: CanonState, cvm_id: int, vcpu: int, line: int) -> CanonicalSpecSquare:
    """inject_interrupt on the canonical machine is the spec's."""
    return canonical_spec_square(canonical.inject_interrupt(s, cvm_id, vcpu, line), spec.inject_interrupt(abs_canonical(s), cvm_id, vcpu, line))


@obligation(Layers.CANONICAL_SPEC, Operation.INJECT_INTERRUPT, Kind.INVARIANT)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: canonical_local(result))
def inject_interrupt_invariant_canonical(s: CanonState, cvm_id: int, vcpu: int, line: int) -> CanonState:
    """inject_interrupt preserves the canonical local invariant."""
    return canonical.inject_interrupt(s, cvm_id, vcpu, line)[0]


@obligation(Layers.RISCV_CANONICAL, Operation.INJECT_INTERRUPT, Kind.SIMULATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(RISC-V step) == canonical step")
def inject_interrupt_simulation_riscv_canonical(s: RvState, cvm_id: int, vcpu: int, line: int) -> RiscvCanonicalSquare:
    """inject_interrupt on RISC-V is the canonical one."""
    return riscv_canonical_square(rv.inject_interrupt(s, cvm_id, vcpu, line), canonical.inject_interrupt(abs_riscv(s), cvm_id, vcpu, line))


@obligation(Layers.RISCV_CANONICAL, Operation.INJECT_INTERRUPT, Kind.INVARIANT)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: riscv_local(result))
def inject_interrupt_invariant_riscv(s: RvState, cvm_id: int, vcpu: int, line: int) -> RvState:
    """inject_interrupt preserves the RISC-V local invariant (PMP layout, PTE bits, hgatp)."""
    return rv.inject_interrupt(s, cvm_id, vcpu, line)[0]


@obligation(Layers.SPEC, Operation.INJECT_INTERRUPT, Kind.TOTALITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda result: defined(result[1], SBI_CODES) and spec_invariant(result[0]),
                  "answers a defined SBI code and preserves the spec invariant")
def inject_interrupt_totality(s: SpecState, cvm_id: int, vcpu: int, line: int) -> Tuple[SpecState, Result]:
    """inject_interrupt is total and keeps the spec invariant (only allowed lines become pending)."""
    return spec.inject_interrupt(s, cvm_id, vcpu, line)


@obligation(Layers.SPEC, Operation.INJECT_INTERRUPT, Kind.CONFIDENTIALITY)
@icontract.require(lambda s1, s2: running_ok(s1.run_cvm, s1.run_vcpu) and low_equal(s1, s2))
@icontract.ensure(lambda result: low_equal(result[0][0], result[1][0]) and result[0][1] == result[1][1],
                  "the hypervisor still cannot tell them apart, and the answers are the same")
def inject_interrupt_confidentiality(s1: SpecState, s2: SpecState, cvm_id: int, vcpu: int, line: int) -> Tuple[Tuple[SpecState, Result], Tuple[SpecState, Result]]:
    """Noninterference: two states differing only in C contents and vCPU registers still
    differ only there after the call, with equal answers."""
    return spec.inject_interrupt(s1, cvm_id, vcpu, line), spec.inject_interrupt(s2, cvm_id, vcpu, line)


@obligation(Layers.SPEC, Operation.INJECT_INTERRUPT, Kind.INTEGRITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda s, result: integrity(s, result, -1), "every CVM's private state is unchanged")
def inject_interrupt_integrity(s: SpecState, cvm_id: int, vcpu: int, line: int) -> SpecState:
    """Every CVM keeps its private memory and registers: an injection only marks a line pending."""
    return spec.inject_interrupt(s, cvm_id, vcpu, line)[0]


@obligation(Layers.RISCV, Operation.INJECT_INTERRUPT, Kind.ISOLATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: pmp_configured(result), "PMP is configured for who runs (so riscv/state/isolation confines a running hypervisor)")
def inject_interrupt_isolation(s: RvState, cvm_id: int, vcpu: int, line: int) -> RvState:
    """After the step, PMP is configured for who runs: the layout, and the monitor's entry
    granting C exactly while a CVM runs. With `riscv/state/isolation`, a running hypervisor
    reaches every NC page and no C page."""
    return rv.inject_interrupt(s, cvm_id, vcpu, line)[0]
