"""Obligations of remote_fence. SBI RFENCE: a vCPU asks for fences on harts of its own CVM (no translation cache is modelled).

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


@obligation(Layers.CANONICAL_SPEC, Operation.REMOTE_FENCE, Kind.SIMULATION)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(canonical step) == spec step")
def remote_fence_simulation_canonical_spec(s: CanonState, fid: int, mask: int, base: int) -> CanonicalSpecSquare:
    """remote_fence on the canonical machine is the spec's."""
    return canonical_spec_square(canonical.remote_fence(s, fid, mask, base), spec.remote_fence(abs_canonical(s), fid, mask, base))


@obligation(Layers.CANONICAL_SPEC, Operation.REMOTE_FENCE, Kind.INVARIANT)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: canonical_local(result))
def remote_fence_invariant_canonical(s: CanonState, fid: int, mask: int, base: int) -> CanonState:
    """remote_fence preserves the canonical local invariant."""
    return canonical.remote_fence(s, fid, mask, base)[0]


@obligation(Layers.RISCV_CANONICAL, Operation.REMOTE_FENCE, Kind.SIMULATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(RISC-V step) == canonical step")
def remote_fence_simulation_riscv_canonical(s: RvState, fid: int, mask: int, base: int) -> RiscvCanonicalSquare:
    """remote_fence on RISC-V is the canonical one."""
    return riscv_canonical_square(rv.remote_fence(s, fid, mask, base), canonical.remote_fence(abs_riscv(s), fid, mask, base))


@obligation(Layers.RISCV_CANONICAL, Operation.REMOTE_FENCE, Kind.INVARIANT)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: riscv_local(result))
def remote_fence_invariant_riscv(s: RvState, fid: int, mask: int, base: int) -> RvState:
    """remote_fence preserves the RISC-V local invariant (PMP layout, PTE bits, hgatp)."""
    return rv.remote_fence(s, fid, mask, base)[0]


@obligation(Layers.SPEC, Operation.REMOTE_FENCE, Kind.TOTALITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda result: defined(result[1], SBI_CODES) and spec_invariant(result[0]),
                  "answers a defined SBI code and preserves the spec invariant")
def remote_fence_totality(s: SpecState, fid: int, mask: int, base: int) -> Tuple[SpecState, Result]:
    """remote_fence is total and keeps the spec invariant (the state is unchanged)."""
    return spec.remote_fence(s, fid, mask, base)


@obligation(Layers.SPEC, Operation.REMOTE_FENCE, Kind.CONFIDENTIALITY)
@icontract.require(lambda s1, s2: running_ok(s1.run_cvm, s1.run_vcpu) and low_equal(s1, s2))
@icontract.ensure(lambda result: low_equal(result[0][0], result[1][0]) and result[0][1] == result[1][1],
                  "the hypervisor still cannot tell them apart, and the answers are the same")
def remote_fence_confidentiality(s1: SpecState, s2: SpecState, fid: int, mask: int, base: int) -> Tuple[Tuple[SpecState, Result], Tuple[SpecState, Result]]:
    """Noninterference: two states differing only in C contents and vCPU registers still
    differ only there after the call, with equal answers."""
    return spec.remote_fence(s1, fid, mask, base), spec.remote_fence(s2, fid, mask, base)


@obligation(Layers.SPEC, Operation.REMOTE_FENCE, Kind.INTEGRITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda s, result: integrity(s, result, -1), "every CVM's private state is unchanged")
def remote_fence_integrity(s: SpecState, fid: int, mask: int, base: int) -> SpecState:
    """Every CVM, the calling one included, keeps its private memory and registers."""
    return spec.remote_fence(s, fid, mask, base)[0]


@obligation(Layers.RISCV, Operation.REMOTE_FENCE, Kind.ISOLATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: pmp_configured(result), "PMP is configured for who runs (so riscv/state/isolation confines a running hypervisor)")
def remote_fence_isolation(s: RvState, fid: int, mask: int, base: int) -> RvState:
    """After the step, PMP is configured for who runs: the layout, and the monitor's entry
    granting C exactly while a CVM runs. With `riscv/state/isolation`, a running hypervisor
    reaches every NC page and no C page."""
    return rv.remote_fence(s, fid, mask, base)[0]
