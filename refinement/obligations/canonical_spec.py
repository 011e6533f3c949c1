"""Canonical -> spec: for each operation, the commuting square and local-invariant preservation.

Simulation assumes only `canonical_local` (not the spec invariant): a square that commutes on
more states is a stronger theorem, and it keeps the proof small. The spec half of the
representation invariant is carried by simulation plus the spec's own preservation
(`spec/<op>/totality`).
"""
from __future__ import annotations

from typing import Tuple

import icontract

from abstract import canonical, spec
from abstract.canonical.state import CanonHw, CanonState  # noqa: F401  (counterexample reprs)
from abstract.spec.state import SpecState
from refinement.canonical_to_spec import abs_canonical, canonical_local
from refinement.registry import Kind, Layers, Operation, obligation

Result = Tuple[int, int]
Square = Tuple[Tuple[SpecState, Result], Tuple[SpecState, Result]]
PAIR = Layers.CANONICAL_SPEC


def square(low: Tuple[CanonState, Result], up: Tuple[SpecState, Result]) -> Square:
    """(abstraction of the canonical step, spec step): equal when the square commutes."""
    return (abs_canonical(low[0]), low[1]), up


@obligation(PAIR, Operation.PROMOTE_TO_TVM, Kind.SIMULATION)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(canonical step) == spec step")
def promote_to_tvm_simulation(s: CanonState, npages: int, src: Tuple[int, ...]) -> Square:
    """PROMOTE_TO_TVM on the canonical machine is the spec's PROMOTE_TO_TVM under abstraction."""
    return square(canonical.promote_to_tvm(s, npages, src), spec.promote_to_tvm(abs_canonical(s), npages, src))


@obligation(PAIR, Operation.PROMOTE_TO_TVM, Kind.INVARIANT)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: canonical_local(result))
def promote_to_tvm_invariant(s: CanonState, npages: int, src: Tuple[int, ...]) -> CanonState:
    """PROMOTE_TO_TVM preserves the canonical local invariant."""
    return canonical.promote_to_tvm(s, npages, src)[0]


@obligation(PAIR, Operation.DESTROY_TVM, Kind.SIMULATION)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(canonical step) == spec step")
def destroy_tvm_simulation(s: CanonState, cvm_id: int) -> Square:
    """DESTROY_TVM on the canonical machine is the spec's DESTROY_TVM under abstraction."""
    return square(canonical.destroy_tvm(s, cvm_id), spec.destroy_tvm(abs_canonical(s), cvm_id))


@obligation(PAIR, Operation.DESTROY_TVM, Kind.INVARIANT)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: canonical_local(result))
def destroy_tvm_invariant(s: CanonState, cvm_id: int) -> CanonState:
    """DESTROY_TVM preserves the canonical local invariant."""
    return canonical.destroy_tvm(s, cvm_id)[0]


@obligation(PAIR, Operation.TVM_VCPU_RUN, Kind.SIMULATION)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(canonical step) == spec step")
def tvm_vcpu_run_simulation(s: CanonState, cvm_id: int, vcpu: int) -> Square:
    """TVM_VCPU_RUN (hart-state switch and isolation grant) is the spec's TVM_VCPU_RUN."""
    return square(canonical.tvm_vcpu_run(s, cvm_id, vcpu), spec.tvm_vcpu_run(abs_canonical(s), cvm_id, vcpu))


@obligation(PAIR, Operation.TVM_VCPU_RUN, Kind.INVARIANT)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: canonical_local(result))
def tvm_vcpu_run_invariant(s: CanonState, cvm_id: int, vcpu: int) -> CanonState:
    """TVM_VCPU_RUN preserves the canonical local invariant."""
    return canonical.tvm_vcpu_run(s, cvm_id, vcpu)[0]


@obligation(PAIR, Operation.VCPU_EXIT, Kind.SIMULATION)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(canonical step) == spec step")
def vcpu_exit_simulation(s: CanonState) -> Square:
    """The exit to the hypervisor (state saved, C closed, registers restored) is the spec's exit."""
    return square(canonical.vcpu_exit(s), spec.vcpu_exit(abs_canonical(s)))


@obligation(PAIR, Operation.VCPU_EXIT, Kind.INVARIANT)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: canonical_local(result))
def vcpu_exit_invariant(s: CanonState) -> CanonState:
    """The exit to the hypervisor preserves the canonical local invariant."""
    return canonical.vcpu_exit(s)[0]


@obligation(PAIR, Operation.SHARE_MEMORY, Kind.SIMULATION)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(canonical step) == spec step")
def share_memory_simulation(s: CanonState, gpa: int, size: int, hv_err: int, hv_addr: int) -> Square:
    """SHARE_MEMORY on the canonical machine is the spec's SHARE_MEMORY under abstraction."""
    return square(
        canonical.share_memory(s, gpa, size, hv_err, hv_addr),
        spec.share_memory(abs_canonical(s), gpa, size, hv_err, hv_addr),
    )


@obligation(PAIR, Operation.SHARE_MEMORY, Kind.INVARIANT)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: canonical_local(result))
def share_memory_invariant(s: CanonState, gpa: int, size: int, hv_err: int, hv_addr: int) -> CanonState:
    """SHARE_MEMORY preserves the canonical local invariant."""
    return canonical.share_memory(s, gpa, size, hv_err, hv_addr)[0]


@obligation(PAIR, Operation.UNSHARE_MEMORY, Kind.SIMULATION)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(canonical step) == spec step")
def unshare_memory_simulation(s: CanonState, gpa: int, size: int) -> Square:
    """UNSHARE_MEMORY on the canonical machine is the spec's UNSHARE_MEMORY under abstraction."""
    return square(canonical.unshare_memory(s, gpa, size), spec.unshare_memory(abs_canonical(s), gpa, size))


@obligation(PAIR, Operation.UNSHARE_MEMORY, Kind.INVARIANT)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: canonical_local(result))
def unshare_memory_invariant(s: CanonState, gpa: int, size: int) -> CanonState:
    """UNSHARE_MEMORY preserves the canonical local invariant."""
    return canonical.unshare_memory(s, gpa, size)[0]


@obligation(PAIR, Operation.GUEST_PAGE_FAULT, Kind.SIMULATION)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(canonical step) == spec step")
def guest_page_fault_simulation(s: CanonState, gpa: int) -> Square:
    """A guest page fault outside MMIO is handled as the spec says, under abstraction."""
    return square(canonical.guest_page_fault(s, gpa), spec.guest_page_fault(abs_canonical(s), gpa))


@obligation(PAIR, Operation.GUEST_PAGE_FAULT, Kind.INVARIANT)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: canonical_local(result))
def guest_page_fault_invariant(s: CanonState, gpa: int) -> CanonState:
    """A guest page fault preserves the canonical local invariant."""
    return canonical.guest_page_fault(s, gpa)[0]


@obligation(PAIR, Operation.HYPERVISOR_READ, Kind.SIMULATION)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(canonical step) == spec step")
def hypervisor_read_simulation(s: CanonState, addr: int) -> Square:
    """A hypervisor load through the isolation unit sees exactly what the spec allows."""
    return square(canonical.hypervisor_read(s, addr), spec.hypervisor_read(abs_canonical(s), addr))


@obligation(PAIR, Operation.HYPERVISOR_READ, Kind.INVARIANT)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: canonical_local(result))
def hypervisor_read_invariant(s: CanonState, addr: int) -> CanonState:
    """A hypervisor load preserves the canonical local invariant."""
    return canonical.hypervisor_read(s, addr)[0]


@obligation(PAIR, Operation.HYPERVISOR_WRITE, Kind.SIMULATION)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(canonical step) == spec step")
def hypervisor_write_simulation(s: CanonState, addr: int, value: int) -> Square:
    """A hypervisor store through the isolation unit changes exactly what the spec allows."""
    return square(canonical.hypervisor_write(s, addr, value), spec.hypervisor_write(abs_canonical(s), addr, value))


@obligation(PAIR, Operation.HYPERVISOR_WRITE, Kind.INVARIANT)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda result: canonical_local(result))
def hypervisor_write_invariant(s: CanonState, addr: int, value: int) -> CanonState:
    """A hypervisor store preserves the canonical local invariant."""
    return canonical.hypervisor_write(s, addr, value)[0]
