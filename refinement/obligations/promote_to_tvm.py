"""Obligations of promote_to_tvm. COVH PROMOTE_TO_TVM: a VM becomes a CVM by copying its pages into confidential memory.

Both layer pairs (simulation and local-invariant preservation) and the spec's totality, in one
module so that `crosshair watch` on this file answers quickly while the operation is edited.
"""
from __future__ import annotations

from typing import Tuple

import icontract

import concrete.riscv as rv
from abstract import canonical, spec
from abstract.canonical.state import CanonState
from abstract.spec.state import SpecState, spec_invariant
from concrete.riscv.state import RvState
from refinement.canonical_to_spec import abs_canonical, canonical_local
from refinement.obligations.common import (
    SBI_CODES, CanonicalSpecSquare, Result, RiscvCanonicalSquare, canonical_spec_square, defined,
    riscv_canonical_square, riscv_sim_ok,
)
from refinement.registry import Kind, Layers, Operation, obligation
from refinement.riscv_to_canonical import abs_riscv, riscv_local


@obligation(Layers.CANONICAL_SPEC, Operation.PROMOTE_TO_TVM, Kind.SIMULATION)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(canonical step) == spec step")
def promote_to_tvm_simulation_canonical_spec(s: CanonState, npages: int, src: Tuple[int, ...]) -> CanonicalSpecSquare:
    """PROMOTE_TO_TVM on the canonical machine is the spec's PROMOTE_TO_TVM under abstraction."""
    return canonical_spec_square(canonical.promote_to_tvm(s, npages, src), spec.promote_to_tvm(abs_canonical(s), npages, src))


@obligation(Layers.CANONICAL_SPEC, Operation.PROMOTE_TO_TVM, Kind.INVARIANT)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: canonical_local(result))
def promote_to_tvm_invariant_canonical(s: CanonState, npages: int, src: Tuple[int, ...]) -> CanonState:
    """PROMOTE_TO_TVM preserves the canonical local invariant."""
    return canonical.promote_to_tvm(s, npages, src)[0]


@obligation(Layers.RISCV_CANONICAL, Operation.PROMOTE_TO_TVM, Kind.SIMULATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(RISC-V step) == canonical step")
def promote_to_tvm_simulation_riscv_canonical(s: RvState, npages: int, src: Tuple[int, ...]) -> RiscvCanonicalSquare:
    """PROMOTE_TO_TVM on the RISC-V model is the canonical PROMOTE_TO_TVM under abstraction."""
    return riscv_canonical_square(rv.promote_to_tvm(s, npages, src), canonical.promote_to_tvm(abs_riscv(s), npages, src))


@obligation(Layers.RISCV_CANONICAL, Operation.PROMOTE_TO_TVM, Kind.INVARIANT)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: riscv_local(result))
def promote_to_tvm_invariant_riscv(s: RvState, npages: int, src: Tuple[int, ...]) -> RvState:
    """PROMOTE_TO_TVM preserves the RISC-V local invariant (PMP layout, PTE bits, hgatp)."""
    return rv.promote_to_tvm(s, npages, src)[0]


@obligation(Layers.SPEC, Operation.PROMOTE_TO_TVM, Kind.TOTALITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda result: defined(result[1], SBI_CODES), "answers a defined SBI code")
@icontract.ensure(lambda result: spec_invariant(result[0]), "preserves the spec invariant")
def promote_to_tvm_totality(s: SpecState, npages: int, src: Tuple[int, ...]) -> Tuple[SpecState, Result]:
    """PROMOTE_TO_TVM is total, answers a defined code and keeps the spec invariant."""
    return spec.promote_to_tvm(s, npages, src)
