"""Obligations of exit_wfi. A WFI (virtual instruction, cause 22) yields the hart to the hypervisor.

Both layer pairs (simulation and local-invariant preservation), the spec's totality and
security properties, and noninterference on the RISC-V model itself, in one module so that
`crosshair watch` on this file answers quickly while the exit is edited.
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

_ = abi  # the cause constants appear in preconditions


@obligation(Layers.CANONICAL_SPEC, Operation.EXIT_WFI, Kind.SIMULATION)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(canonical step) == spec step")
def exit_wfi_simulation_canonical_spec(s: CanonState) -> CanonicalSpecSquare:
    """The WFI exit (declassified record, state saved, C closed) is the spec's."""
    return canonical_spec_square(canonical.exit_wfi(s), spec.exit_wfi(abs_canonical(s)))


@obligation(Layers.CANONICAL_SPEC, Operation.EXIT_WFI, Kind.INVARIANT)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: canonical_local(result))
def exit_wfi_invariant_canonical(s: CanonState) -> CanonState:
    """The WFI exit preserves the canonical local invariant."""
    return canonical.exit_wfi(s)[0]


@obligation(Layers.RISCV_CANONICAL, Operation.EXIT_WFI, Kind.SIMULATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(RISC-V step) == canonical step")
def exit_wfi_simulation_riscv_canonical(s: RvState) -> RiscvCanonicalSquare:
    """The WFI exit on RISC-V (NACL GPR image, scause/stval/htinst, GPR and FPU switch, PMP) is the
    canonical one."""
    return riscv_canonical_square(rv.exit_wfi(s), canonical.exit_wfi(abs_riscv(s)))


@obligation(Layers.RISCV_CANONICAL, Operation.EXIT_WFI, Kind.INVARIANT)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: riscv_local(result))
def exit_wfi_invariant_riscv(s: RvState) -> RvState:
    """The WFI exit preserves the RISC-V local invariant (PMP layout, PTE bits, hgatp)."""
    return rv.exit_wfi(s)[0]


@obligation(Layers.SPEC, Operation.EXIT_WFI, Kind.TOTALITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda result: defined(result[1], SBI_CODES) and spec_invariant(result[0]),
                  "answers a defined SBI code and preserves the spec invariant")
def exit_wfi_totality(s: SpecState) -> Tuple[SpecState, Result]:
    """The WFI exit is total and keeps the spec invariant."""
    return spec.exit_wfi(s)


@obligation(Layers.SPEC, Operation.EXIT_WFI, Kind.CONFIDENTIALITY)
@icontract.require(lambda s1, s2: running_ok(s1.run_cvm, s1.run_vcpu) and low_equal(s1, s2)
                   and exit_declassification_equal(s1, s2, abi.CAUSE_VIRTUAL_INSTRUCTION, 0, 0))
@icontract.ensure(lambda result: low_equal(result[0][0], result[1][0]) and result[0][1] == result[1][1],
                  "the hypervisor still cannot tell them apart, and the answers are the same")
def exit_wfi_confidentiality(s1: SpecState, s2: SpecState) -> Tuple[Tuple[SpecState, Result], Tuple[SpecState, Result]]:
    """Noninterference with declassification: two states differing only in C contents and vCPU
    registers, and agreeing on what this exit may show (the cause only), still differ only there."""
    return spec.exit_wfi(s1), spec.exit_wfi(s2)


@obligation(Layers.SPEC, Operation.EXIT_WFI, Kind.INTEGRITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda s, result: integrity(s, result, -1), "every CVM's private state is unchanged")
def exit_wfi_integrity(s: SpecState) -> SpecState:
    """Every CVM, the exiting one included, keeps its private memory and registers."""
    return spec.exit_wfi(s)[0]


@obligation(Layers.RISCV, Operation.EXIT_WFI, Kind.ISOLATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: pmp_configured(result), "PMP is configured for who runs (so riscv/state/isolation confines a running hypervisor)")
def exit_wfi_isolation(s: RvState) -> RvState:
    """After the exit, PMP is configured for the hypervisor: the layout, and the monitor's entry
    closed. With `riscv/state/isolation`, the hypervisor reaches every NC page and no C page."""
    return rv.exit_wfi(s)[0]


@obligation(Layers.RISCV, Operation.EXIT_WFI, Kind.CONFIDENTIALITY)
@icontract.require(lambda s1, s2: riscv_pair_ok(s1, s2) and riscv_low_equal(s1, s2)
                   and riscv_declassification_equal(s1, s2, abi.CAUSE_VIRTUAL_INSTRUCTION, 0, 0))
@icontract.ensure(lambda result: riscv_low_equal(result[0][0], result[1][0]) and result[0][1] == result[1][1],
                  "the hypervisor still cannot tell them apart, and the answers are the same")
def exit_wfi_confidentiality_riscv(s1: RvState, s2: RvState) -> Tuple[Tuple[RvState, Result], Tuple[RvState, Result]]:
    """Noninterference on the RISC-V model itself: two machines the hypervisor cannot tell apart
    (GPRs, FPU, NACL area, trap CSRs, tables), agreeing on what the exit may show, stay
    indistinguishable after it, whatever else their vCPUs' registers and FPUs hold."""
    return rv.exit_wfi(s1), rv.exit_wfi(s2)
