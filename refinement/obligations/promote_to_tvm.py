"""Obligations of promote_to_tvm. COVH PROMOTE_TO_TVM: a VM becomes a CVM by copying its pages into confidential memory; the copies are measured and the attestation payload's secret released only if every digest matches.

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
from abstract.shapes import Digests
from concrete.riscv.state import RvState
from refinement.canonical_to_spec import abs_canonical, canonical_local, running_ok
from refinement.obligations.common import (
    SBI_CODES, CanonicalSpecSquare, Result, RiscvCanonicalSquare, canonical_spec_square, defined,
    riscv_canonical_square, riscv_sim_ok,
)
from refinement.registry import Kind, Layers, Operation, obligation
from refinement.riscv_to_canonical import abs_riscv, pmp_configured, riscv_local


@obligation(Layers.CANONICAL_SPEC, Operation.PROMOTE_TO_TVM, Kind.SIMULATION)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(canonical step) == spec step")
def promote_to_tvm_simulation_canonical_spec(s: CanonState, npages: int, src: Tuple[int, ...], ndigests: int, digests: Digests, secret: int, mode: int, entry_pc: int) -> CanonicalSpecSquare:
    """PROMOTE_TO_TVM on the canonical machine is the spec's PROMOTE_TO_TVM under abstraction."""
    return canonical_spec_square(canonical.promote_to_tvm(s, npages, src, ndigests, digests, secret, mode, entry_pc), spec.promote_to_tvm(abs_canonical(s), npages, src, ndigests, digests, secret, mode, entry_pc))


@obligation(Layers.CANONICAL_SPEC, Operation.PROMOTE_TO_TVM, Kind.INVARIANT)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: canonical_local(result))
def promote_to_tvm_invariant_canonical(s: CanonState, npages: int, src: Tuple[int, ...], ndigests: int, digests: Digests, secret: int, mode: int, entry_pc: int) -> CanonState:
    """PROMOTE_TO_TVM preserves the canonical local invariant."""
    return canonical.promote_to_tvm(s, npages, src, ndigests, digests, secret, mode, entry_pc)[0]


@obligation(Layers.RISCV_CANONICAL, Operation.PROMOTE_TO_TVM, Kind.SIMULATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(RISC-V step) == canonical step")
def promote_to_tvm_simulation_riscv_canonical(s: RvState, npages: int, src: Tuple[int, ...], ndigests: int, digests: Digests, secret: int, mode: int, entry_pc: int) -> RiscvCanonicalSquare:
    """PROMOTE_TO_TVM on the RISC-V model is the canonical PROMOTE_TO_TVM under abstraction."""
    return riscv_canonical_square(rv.promote_to_tvm(s, npages, src, ndigests, digests, secret, mode, entry_pc), canonical.promote_to_tvm(abs_riscv(s), npages, src, ndigests, digests, secret, mode, entry_pc))


@obligation(Layers.RISCV_CANONICAL, Operation.PROMOTE_TO_TVM, Kind.INVARIANT)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: riscv_local(result))
def promote_to_tvm_invariant_riscv(s: RvState, npages: int, src: Tuple[int, ...], ndigests: int, digests: Digests, secret: int, mode: int, entry_pc: int) -> RvState:
    """PROMOTE_TO_TVM preserves the RISC-V local invariant (PMP layout, PTE bits, hgatp)."""
    return rv.promote_to_tvm(s, npages, src, ndigests, digests, secret, mode, entry_pc)[0]


@obligation(Layers.SPEC, Operation.PROMOTE_TO_TVM, Kind.TOTALITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda result: defined(result[1], SBI_CODES) and spec_invariant(result[0]),
                  "answers a defined SBI code and preserves the spec invariant")
def promote_to_tvm_totality(s: SpecState, npages: int, src: Tuple[int, ...], ndigests: int, digests: Digests, secret: int, mode: int, entry_pc: int) -> Tuple[SpecState, Result]:
    """PROMOTE_TO_TVM is total, answers a defined code and keeps the spec invariant."""
    return spec.promote_to_tvm(s, npages, src, ndigests, digests, secret, mode, entry_pc)


@obligation(Layers.SPEC, Operation.PROMOTE_TO_TVM, Kind.CONFIDENTIALITY)
@icontract.require(lambda s1, s2: running_ok(s1.run_cvm, s1.run_vcpu) and low_equal(s1, s2))
@icontract.ensure(lambda result: low_equal(result[0][0], result[1][0]) and result[0][1] == result[1][1],
                  "the hypervisor still cannot tell them apart, and the answers are the same")
def promote_to_tvm_confidentiality(s1: SpecState, s2: SpecState, npages: int, src: Tuple[int, ...], ndigests: int, digests: Digests, secret: int, mode: int, entry_pc: int) -> Tuple[Tuple[SpecState, Result], Tuple[SpecState, Result]]:
    """Noninterference: two states differing only in C contents and vCPU registers still differ
    only there after the step, with equal answers."""
    return spec.promote_to_tvm(s1, npages, src, ndigests, digests, secret, mode, entry_pc), spec.promote_to_tvm(s2, npages, src, ndigests, digests, secret, mode, entry_pc)


@obligation(Layers.SPEC, Operation.PROMOTE_TO_TVM, Kind.INTEGRITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda s, npages, src, ndigests, digests, secret, result: integrity(s, result, -1), "other CVMs' private state is unchanged")
def promote_to_tvm_integrity(s: SpecState, npages: int, src: Tuple[int, ...], ndigests: int, digests: Digests, secret: int, mode: int, entry_pc: int) -> SpecState:
    """Every CVM not party to the step keeps its private memory and registers."""
    return spec.promote_to_tvm(s, npages, src, ndigests, digests, secret, mode, entry_pc)[0]


@obligation(Layers.RISCV, Operation.PROMOTE_TO_TVM, Kind.ISOLATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: pmp_configured(result), "PMP is configured for who runs (so riscv/state/isolation confines a running hypervisor)")
def promote_to_tvm_isolation(s: RvState, npages: int, src: Tuple[int, ...], ndigests: int, digests: Digests, secret: int, mode: int, entry_pc: int) -> RvState:
    """After the step, PMP is configured for who runs: the layout, and the monitor's entry
    granting C exactly while a CVM runs. With `riscv/state/isolation`, a running hypervisor
    reaches every NC page and no C page."""
    return rv.promote_to_tvm(s, npages, src, ndigests, digests, secret, mode, entry_pc)[0]

