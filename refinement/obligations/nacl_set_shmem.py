"""Obligations of nacl_set_shmem. SBI NACL SET_SHMEM: the hypervisor names its shared memory, wholly in NC.

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


@obligation(Layers.CANONICAL_SPEC, Operation.NACL_SET_SHMEM, Kind.SIMULATION)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(canonical step) == spec step")
def nacl_set_shmem_simulation_canonical_spec(s: CanonState, lo: int, hi: int, flags: int) -> CanonicalSpecSquare:
    """nacl_set_shmem on the canonical machine is the spec's."""
    return canonical_spec_square(canonical.nacl_set_shmem(s, lo, hi, flags), spec.nacl_set_shmem(abs_canonical(s), lo, hi, flags))


@obligation(Layers.CANONICAL_SPEC, Operation.NACL_SET_SHMEM, Kind.INVARIANT)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: canonical_local(result))
def nacl_set_shmem_invariant_canonical(s: CanonState, lo: int, hi: int, flags: int) -> CanonState:
    """nacl_set_shmem preserves the canonical local invariant."""
    return canonical.nacl_set_shmem(s, lo, hi, flags)[0]


@obligation(Layers.RISCV_CANONICAL, Operation.NACL_SET_SHMEM, Kind.SIMULATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(RISC-V step) == canonical step")
def nacl_set_shmem_simulation_riscv_canonical(s: RvState, lo: int, hi: int, flags: int) -> RiscvCanonicalSquare:
    """nacl_set_shmem on RISC-V is the canonical one."""
    return riscv_canonical_square(rv.nacl_set_shmem(s, lo, hi, flags), canonical.nacl_set_shmem(abs_riscv(s), lo, hi, flags))


@obligation(Layers.RISCV_CANONICAL, Operation.NACL_SET_SHMEM, Kind.INVARIANT)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: riscv_local(result))
def nacl_set_shmem_invariant_riscv(s: RvState, lo: int, hi: int, flags: int) -> RvState:
    """nacl_set_shmem preserves the RISC-V local invariant (PMP layout, PTE bits, hgatp)."""
    return rv.nacl_set_shmem(s, lo, hi, flags)[0]


@obligation(Layers.SPEC, Operation.NACL_SET_SHMEM, Kind.TOTALITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda result: defined(result[1], SBI_CODES) and spec_invariant(result[0]),
                  "answers a defined SBI code and preserves the spec invariant")
def nacl_set_shmem_totality(s: SpecState, lo: int, hi: int, flags: int) -> Tuple[SpecState, Result]:
    """nacl_set_shmem is total and keeps the spec invariant (the shared memory lies wholly in NC)."""
    return spec.nacl_set_shmem(s, lo, hi, flags)


@obligation(Layers.SPEC, Operation.NACL_SET_SHMEM, Kind.CONFIDENTIALITY)
@icontract.require(lambda s1, s2: running_ok(s1.run_cvm, s1.run_vcpu) and low_equal(s1, s2))
@icontract.ensure(lambda result: low_equal(result[0][0], result[1][0]) and result[0][1] == result[1][1],
                  "the hypervisor still cannot tell them apart, and the answers are the same")
def nacl_set_shmem_confidentiality(s1: SpecState, s2: SpecState, lo: int, hi: int, flags: int) -> Tuple[Tuple[SpecState, Result], Tuple[SpecState, Result]]:
    """Noninterference: two states differing only in C contents and vCPU registers still
    differ only there after the call, with equal answers."""
    return spec.nacl_set_shmem(s1, lo, hi, flags), spec.nacl_set_shmem(s2, lo, hi, flags)


@obligation(Layers.SPEC, Operation.NACL_SET_SHMEM, Kind.INTEGRITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda s, result: integrity(s, result, -1), "every CVM's private state is unchanged")
def nacl_set_shmem_integrity(s: SpecState, lo: int, hi: int, flags: int) -> SpecState:
    """Every CVM keeps its private memory and registers: the set-up only records a page number."""
    return spec.nacl_set_shmem(s, lo, hi, flags)[0]


@obligation(Layers.RISCV, Operation.NACL_SET_SHMEM, Kind.ISOLATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: pmp_configured(result), "PMP is configured for who runs (so riscv/state/isolation confines a running hypervisor)")
def nacl_set_shmem_isolation(s: RvState, lo: int, hi: int, flags: int) -> RvState:
    """After the step, PMP is configured for who runs: the layout, and the monitor's entry
    granting C exactly while a CVM runs. With `riscv/state/isolation`, a running hypervisor
    reaches every NC page and no C page."""
    return rv.nacl_set_shmem(s, lo, hi, flags)[0]
