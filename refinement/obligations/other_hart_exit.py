"""Obligations of other_hart_exit. The vCPU on another physical hart exits there: its mark is cleared.

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


@obligation(Layers.CANONICAL_SPEC, Operation.OTHER_HART_EXIT, Kind.SIMULATION)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(canonical step) == spec step")
def other_hart_exit_simulation_canonical_spec(s: CanonState, phys: int) -> CanonicalSpecSquare:
    """other_hart_exit on the canonical machine is the spec's."""
    return canonical_spec_square(canonical.other_hart_exit(s, phys), spec.other_hart_exit(abs_canonical(s), phys))


@obligation(Layers.CANONICAL_SPEC, Operation.OTHER_HART_EXIT, Kind.INVARIANT)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: canonical_local(result))
def other_hart_exit_invariant_canonical(s: CanonState, phys: int) -> CanonState:
    """other_hart_exit preserves the canonical local invariant."""
    return canonical.other_hart_exit(s, phys)[0]


@obligation(Layers.RISCV_CANONICAL, Operation.OTHER_HART_EXIT, Kind.SIMULATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(RISC-V step) == canonical step")
def other_hart_exit_simulation_riscv_canonical(s: RvState, phys: int) -> RiscvCanonicalSquare:
    """other_hart_exit on RISC-V is the canonical one."""
    return riscv_canonical_square(rv.other_hart_exit(s, phys), canonical.other_hart_exit(abs_riscv(s), phys))


@obligation(Layers.RISCV_CANONICAL, Operation.OTHER_HART_EXIT, Kind.INVARIANT)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: riscv_local(result))
def other_hart_exit_invariant_riscv(s: RvState, phys: int) -> RvState:
    """other_hart_exit preserves the RISC-V local invariant (PMP layout, PTE bits, hgatp)."""
    return rv.other_hart_exit(s, phys)[0]


@obligation(Layers.SPEC, Operation.OTHER_HART_EXIT, Kind.TOTALITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda result: defined(result[1], SBI_CODES) and spec_invariant(result[0]),
                  "answers a defined SBI code and preserves the spec invariant")
def other_hart_exit_totality(s: SpecState, phys: int) -> Tuple[SpecState, Result]:
    """other_hart_exit is total and keeps the spec invariant."""
    return spec.other_hart_exit(s, phys)


@obligation(Layers.SPEC, Operation.OTHER_HART_EXIT, Kind.CONFIDENTIALITY)
@icontract.require(lambda s1, s2: running_ok(s1.run_cvm, s1.run_vcpu) and low_equal(s1, s2))
@icontract.ensure(lambda result: low_equal(result[0][0], result[1][0]) and result[0][1] == result[1][1],
                  "the hypervisor still cannot tell them apart, and the answers are the same")
def other_hart_exit_confidentiality(s1: SpecState, s2: SpecState, phys: int) -> Tuple[Tuple[SpecState, Result], Tuple[SpecState, Result]]:
    """Noninterference: two states differing only in C contents and vCPU registers still
    differ only there after the call, with equal answers."""
    return spec.other_hart_exit(s1, phys), spec.other_hart_exit(s2, phys)


@obligation(Layers.SPEC, Operation.OTHER_HART_EXIT, Kind.INTEGRITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda s, result: integrity(s, result, -1), "every CVM's private state is unchanged")
def other_hart_exit_integrity(s: SpecState, phys: int) -> SpecState:
    """Every CVM keeps its private memory and registers: an exit elsewhere only clears a mark."""
    return spec.other_hart_exit(s, phys)[0]


@obligation(Layers.RISCV, Operation.OTHER_HART_EXIT, Kind.ISOLATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: pmp_configured(result), "PMP is configured for who runs (so riscv/state/isolation confines a running hypervisor)")
def other_hart_exit_isolation(s: RvState, phys: int) -> RvState:
    """After the step, PMP is configured for who runs: the layout, and the monitor's entry
    granting C exactly while a CVM runs. With `riscv/state/isolation`, a running hypervisor
    reaches every NC page and no C page."""
    return rv.other_hart_exit(s, phys)[0]
