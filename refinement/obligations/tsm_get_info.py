"""Obligations of tsm_get_info. COVH TSM_GET_INFO: the info record written to the hypervisor's NC buffer.

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


@obligation(Layers.CANONICAL_SPEC, Operation.TSM_GET_INFO, Kind.SIMULATION)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(canonical step) == spec step")
def tsm_get_info_simulation_canonical_spec(s: CanonState, buf: int, length: int) -> CanonicalSpecSquare:
    """tsm_get_info on the canonical machine is the spec's."""
    return canonical_spec_square(canonical.tsm_get_info(s, buf, length), spec.tsm_get_info(abs_canonical(s), buf, length))


@obligation(Layers.CANONICAL_SPEC, Operation.TSM_GET_INFO, Kind.INVARIANT)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: canonical_local(result))
def tsm_get_info_invariant_canonical(s: CanonState, buf: int, length: int) -> CanonState:
    """tsm_get_info preserves the canonical local invariant."""
    return canonical.tsm_get_info(s, buf, length)[0]


@obligation(Layers.RISCV_CANONICAL, Operation.TSM_GET_INFO, Kind.SIMULATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(RISC-V step) == canonical step")
def tsm_get_info_simulation_riscv_canonical(s: RvState, buf: int, length: int) -> RiscvCanonicalSquare:
    """tsm_get_info on RISC-V is the canonical one."""
    return riscv_canonical_square(rv.tsm_get_info(s, buf, length), canonical.tsm_get_info(abs_riscv(s), buf, length))


@obligation(Layers.RISCV_CANONICAL, Operation.TSM_GET_INFO, Kind.INVARIANT)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: riscv_local(result))
def tsm_get_info_invariant_riscv(s: RvState, buf: int, length: int) -> RvState:
    """tsm_get_info preserves the RISC-V local invariant (PMP layout, PTE bits, hgatp)."""
    return rv.tsm_get_info(s, buf, length)[0]


@obligation(Layers.SPEC, Operation.TSM_GET_INFO, Kind.TOTALITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda result: defined(result[1], SBI_CODES) and spec_invariant(result[0]),
                  "answers a defined SBI code and preserves the spec invariant")
def tsm_get_info_totality(s: SpecState, buf: int, length: int) -> Tuple[SpecState, Result]:
    """tsm_get_info is total and keeps the spec invariant (the record lands in NC)."""
    return spec.tsm_get_info(s, buf, length)


@obligation(Layers.SPEC, Operation.TSM_GET_INFO, Kind.CONFIDENTIALITY)
@icontract.require(lambda s1, s2: running_ok(s1.run_cvm, s1.run_vcpu) and low_equal(s1, s2))
@icontract.ensure(lambda result: low_equal(result[0][0], result[1][0]) and result[0][1] == result[1][1],
                  "the hypervisor still cannot tell them apart, and the answers are the same")
def tsm_get_info_confidentiality(s1: SpecState, s2: SpecState, buf: int, length: int) -> Tuple[Tuple[SpecState, Result], Tuple[SpecState, Result]]:
    """Noninterference: two states differing only in C contents and vCPU registers still
    differ only there after the call, with equal answers."""
    return spec.tsm_get_info(s1, buf, length), spec.tsm_get_info(s2, buf, length)


@obligation(Layers.SPEC, Operation.TSM_GET_INFO, Kind.INTEGRITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda s, result: integrity(s, result, -1), "every CVM's private state is unchanged")
def tsm_get_info_integrity(s: SpecState, buf: int, length: int) -> SpecState:
    """Every CVM keeps its private memory and registers: the record goes to NC only."""
    return spec.tsm_get_info(s, buf, length)[0]


@obligation(Layers.RISCV, Operation.TSM_GET_INFO, Kind.ISOLATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: pmp_configured(result), "PMP is configured for who runs (so riscv/state/isolation confines a running hypervisor)")
def tsm_get_info_isolation(s: RvState, buf: int, length: int) -> RvState:
    """After the step, PMP is configured for who runs: the layout, and the monitor's entry
    granting C exactly while a CVM runs. With `riscv/state/isolation`, a running hypervisor
    reaches every NC page and no C page."""
    return rv.tsm_get_info(s, buf, length)[0]
