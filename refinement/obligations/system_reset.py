"""Obligations of system_reset. SRST from a vCPU: the CVM shuts down, every hart stops, the hypervisor runs.

Both layer pairs (simulation and local-invariant preservation), the spec's totality and
security properties, and noninterference on the RISC-V model itself, in one module so that `crosshair watch` on this file
answers quickly while the call is edited.
"""
from __future__ import annotations

from typing import Tuple

import icontract

import concrete.riscv as rv
from abstract import abi, canonical, spec
from abstract.canonical.state import CanonState
from abstract.spec.security import exit_declassification_equal, integrity, low_equal
from abstract.spec.state import SpecState, spec_invariant
from concrete.riscv.state import RvState
from refinement.canonical_to_spec import abs_canonical, canonical_local, running_ok
from refinement.obligations.common import (
    SBI_CODES, CanonicalSpecSquare, Result, RiscvCanonicalSquare, canonical_spec_square, defined,
    riscv_canonical_square, riscv_sim_ok,
)
from refinement.registry import Kind, Layers, Operation, obligation
from refinement.riscv_to_canonical import (
    abs_riscv, pmp_configured, riscv_declassification_equal, riscv_local, riscv_low_equal, riscv_pair_ok,
)


@obligation(Layers.CANONICAL_SPEC, Operation.SYSTEM_RESET, Kind.SIMULATION)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(canonical step) == spec step")
def system_reset_simulation_canonical_spec(s: CanonState) -> CanonicalSpecSquare:
    """system_reset on the canonical machine is the spec's."""
    return canonical_spec_square(canonical.system_reset(s), spec.system_reset(abs_canonical(s)))


@obligation(Layers.CANONICAL_SPEC, Operation.SYSTEM_RESET, Kind.INVARIANT)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: canonical_local(result))
def system_reset_invariant_canonical(s: CanonState) -> CanonState:
    """system_reset preserves the canonical local invariant."""
    return canonical.system_reset(s)[0]


@obligation(Layers.RISCV_CANONICAL, Operation.SYSTEM_RESET, Kind.SIMULATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(RISC-V step) == canonical step")
def system_reset_simulation_riscv_canonical(s: RvState) -> RiscvCanonicalSquare:
    """system_reset on RISC-V is the canonical one."""
    return riscv_canonical_square(rv.system_reset(s), canonical.system_reset(abs_riscv(s)))


@obligation(Layers.RISCV_CANONICAL, Operation.SYSTEM_RESET, Kind.INVARIANT)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: riscv_local(result))
def system_reset_invariant_riscv(s: RvState) -> RvState:
    """system_reset preserves the RISC-V local invariant (PMP layout, PTE bits, hgatp)."""
    return rv.system_reset(s)[0]


@obligation(Layers.SPEC, Operation.SYSTEM_RESET, Kind.TOTALITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda result: defined(result[1], SBI_CODES) and spec_invariant(result[0]),
                  "answers a defined SBI code and preserves the spec invariant")
def system_reset_totality(s: SpecState) -> Tuple[SpecState, Result]:
    """system_reset is total and keeps the spec invariant (lifecycle rules included)."""
    return spec.system_reset(s)


@obligation(Layers.SPEC, Operation.SYSTEM_RESET, Kind.CONFIDENTIALITY)
@icontract.require(lambda s1, s2: running_ok(s1.run_cvm, s1.run_vcpu) and low_equal(s1, s2)
                   and exit_declassification_equal(s1, s2, abi.CAUSE_ECALL_VS, 0, 0))
@icontract.ensure(lambda result: low_equal(result[0][0], result[1][0]) and result[0][1] == result[1][1],
                  "the hypervisor still cannot tell them apart, and the answers are the same")
def system_reset_confidentiality(s1: SpecState, s2: SpecState) -> Tuple[Tuple[SpecState, Result], Tuple[SpecState, Result]]:
    """Noninterference: two states differing only in C contents and vCPU registers,
    and agreeing on what the hart's exit may show (a forwarded SBI call's a7, a6, a0, a1), still
    differ only there after the call, with equal answers."""
    return spec.system_reset(s1), spec.system_reset(s2)


@obligation(Layers.SPEC, Operation.SYSTEM_RESET, Kind.INTEGRITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda s, result: integrity(s, result, -1), "every CVM's private state is unchanged")
def system_reset_integrity(s: SpecState) -> SpecState:
    """Every CVM, the calling one included, keeps its private memory and registers."""
    return spec.system_reset(s)[0]


@obligation(Layers.RISCV, Operation.SYSTEM_RESET, Kind.ISOLATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: pmp_configured(result), "PMP is configured for who runs (so riscv/state/isolation confines a running hypervisor)")
def system_reset_isolation(s: RvState) -> RvState:
    """After the step, PMP is configured for who runs: the layout, and the monitor's entry
    granting C exactly while a CVM runs. With `riscv/state/isolation`, a running hypervisor
    reaches every NC page and no C page."""
    return rv.system_reset(s)[0]


@obligation(Layers.RISCV, Operation.SYSTEM_RESET, Kind.CONFIDENTIALITY)
@icontract.require(lambda s1, s2: riscv_pair_ok(s1, s2) and riscv_low_equal(s1, s2)
                   and riscv_declassification_equal(s1, s2, abi.CAUSE_ECALL_VS, 0, 0))
@icontract.ensure(lambda result: riscv_low_equal(result[0][0], result[1][0]) and result[0][1] == result[1][1],
                  "the hypervisor still cannot tell them apart, and the answers are the same")
def system_reset_confidentiality_riscv(s1: RvState, s2: RvState) -> Tuple[Tuple[RvState, Result], Tuple[RvState, Result]]:
    """Noninterference on the RISC-V model: the hart leaves showing only what a forwarded SBI
    call shows, whatever else its registers and FPU hold."""
    return rv.system_reset(s1), rv.system_reset(s2)
