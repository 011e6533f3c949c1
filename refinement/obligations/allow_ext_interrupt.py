"""Obligations of allow_ext_interrupt. COVG ALLOW_EXT_INTERRUPT: the calling CVM ORs a mask into its allowed lines.

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


@obligation(Layers.CANONICAL_SPEC, Operation.ALLOW_EXT_INTERRUPT, Kind.SIMULATION)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(canonical step) == spec step")
def allow_ext_interrupt_simulation_canonical_spec(s: CanonState, mask: int) -> CanonicalSpecSquare:
    """allow_ext_interrupt on the canonical machine is the spec's."""
    return canonical_spec_square(canonical.allow_ext_interrupt(s, mask), spec.allow_ext_interrupt(abs_canonical(s), mask))


@obligation(Layers.CANONICAL_SPEC, Operation.ALLOW_EXT_INTERRUPT, Kind.INVARIANT)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: canonical_local(result))
def allow_ext_interrupt_invariant_canonical(s: CanonState, mask: int) -> CanonState:
    """allow_ext_interrupt preserves the canonical local invariant."""
    return canonical.allow_ext_interrupt(s, mask)[0]


@obligation(Layers.RISCV_CANONICAL, Operation.ALLOW_EXT_INTERRUPT, Kind.SIMULATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(RISC-V step) == canonical step")
def allow_ext_interrupt_simulation_riscv_canonical(s: RvState, mask: int) -> RiscvCanonicalSquare:
    """allow_ext_interrupt on RISC-V is the canonical one."""
    return riscv_canonical_square(rv.allow_ext_interrupt(s, mask), canonical.allow_ext_interrupt(abs_riscv(s), mask))


@obligation(Layers.RISCV_CANONICAL, Operation.ALLOW_EXT_INTERRUPT, Kind.INVARIANT)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: riscv_local(result))
def allow_ext_interrupt_invariant_riscv(s: RvState, mask: int) -> RvState:
    """allow_ext_interrupt preserves the RISC-V local invariant (PMP layout, PTE bits, hgatp)."""
    return rv.allow_ext_interrupt(s, mask)[0]


@obligation(Layers.SPEC, Operation.ALLOW_EXT_INTERRUPT, Kind.TOTALITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda result: defined(result[1], SBI_CODES) and spec_invariant(result[0]),
                  "answers a defined SBI code and preserves the spec invariant")
def allow_ext_interrupt_totality(s: SpecState, mask: int) -> Tuple[SpecState, Result]:
    """allow_ext_interrupt is total and keeps the spec invariant (allowed lines stay the caller's)."""
    return spec.allow_ext_interrupt(s, mask)


@obligation(Layers.SPEC, Operation.ALLOW_EXT_INTERRUPT, Kind.CONFIDENTIALITY)
@icontract.require(lambda s1, s2: running_ok(s1.run_cvm, s1.run_vcpu) and low_equal(s1, s2))
@icontract.ensure(lambda result: low_equal(result[0][0], result[1][0]) and result[0][1] == result[1][1],
                  "the hypervisor still cannot tell them apart, and the answers are the same")
def allow_ext_interrupt_confidentiality(s1: SpecState, s2: SpecState, mask: int) -> Tuple[Tuple[SpecState, Result], Tuple[SpecState, Result]]:
    """Noninterference: two states differing only in C contents and vCPU registers still
    differ only there after the call, with equal answers."""
    return spec.allow_ext_interrupt(s1, mask), spec.allow_ext_interrupt(s2, mask)


@obligation(Layers.SPEC, Operation.ALLOW_EXT_INTERRUPT, Kind.INTEGRITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda s, result: integrity(s, result, -1), "every CVM's private state is unchanged")
def allow_ext_interrupt_integrity(s: SpecState, mask: int) -> SpecState:
    """Every CVM, the calling one included, keeps its private memory and registers."""
    return spec.allow_ext_interrupt(s, mask)[0]


@obligation(Layers.RISCV, Operation.ALLOW_EXT_INTERRUPT, Kind.ISOLATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: pmp_configured(result), "PMP is configured for who runs (so riscv/state/isolation confines a running hypervisor)")
def allow_ext_interrupt_isolation(s: RvState, mask: int) -> RvState:
    """After the step, PMP is configured for who runs: the layout, and the monitor's entry
    granting C exactly while a CVM runs. With `riscv/state/isolation`, a running hypervisor
    reaches every NC page and no C page."""
    return rv.allow_ext_interrupt(s, mask)[0]
