"""RISC-V -> canonical: for each operation, the commuting square and local-invariant preservation.

The RISC-V model runs the same monitor code as the canonical layer on RISC-V primitives, so these
obligations prove that PMP, hgatp/G-stage PTEs and the register switch implement the canonical
isolation unit, second-stage translation and hart-state switch inside every monitor step.
Simulation assumes the two local invariants (RISC-V and canonical), nothing of the spec.
"""
from __future__ import annotations

from typing import Tuple

import icontract

import concrete.riscv as rv
from abstract import canonical
from abstract.canonical.state import CanonHw, CanonState  # noqa: F401  (counterexample reprs)
from concrete.riscv.state import RvHw, RvState  # noqa: F401
from refinement.canonical_to_spec import canonical_local
from refinement.registry import Kind, Layers, Operation, obligation
from refinement.riscv_to_canonical import abs_riscv, riscv_local

Result = Tuple[int, int]
Square = Tuple[Tuple[CanonState, Result], Tuple[CanonState, Result]]
PAIR = Layers.RISCV_CANONICAL


def riscv_sim_ok(s: RvState) -> bool:
    """What every RISC-V obligation assumes: both local invariants, of the state and of its
    abstraction (the canonical half is preserved by the canonical->spec obligations)."""
    return riscv_local(s) and canonical_local(abs_riscv(s))


def square(low: Tuple[RvState, Result], up: Tuple[CanonState, Result]) -> Square:
    """(abstraction of the RISC-V step, canonical step): equal when the square commutes."""
    return (abs_riscv(low[0]), low[1]), up


@obligation(PAIR, Operation.PROMOTE_TO_TVM, Kind.SIMULATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(RISC-V step) == canonical step")
def promote_to_tvm_simulation(s: RvState, npages: int, src: Tuple[int, ...]) -> Square:
    """PROMOTE_TO_TVM on the RISC-V model is the canonical PROMOTE_TO_TVM under abstraction."""
    return square(rv.promote_to_tvm(s, npages, src), canonical.promote_to_tvm(abs_riscv(s), npages, src))


@obligation(PAIR, Operation.PROMOTE_TO_TVM, Kind.INVARIANT)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: riscv_local(result))
def promote_to_tvm_invariant(s: RvState, npages: int, src: Tuple[int, ...]) -> RvState:
    """PROMOTE_TO_TVM preserves the RISC-V local invariant (PMP layout, PTE bits, hgatp)."""
    return rv.promote_to_tvm(s, npages, src)[0]


@obligation(PAIR, Operation.DESTROY_TVM, Kind.SIMULATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(RISC-V step) == canonical step")
def destroy_tvm_simulation(s: RvState, cvm_id: int) -> Square:
    """DESTROY_TVM on the RISC-V model is the canonical DESTROY_TVM under abstraction."""
    return square(rv.destroy_tvm(s, cvm_id), canonical.destroy_tvm(abs_riscv(s), cvm_id))


@obligation(PAIR, Operation.DESTROY_TVM, Kind.INVARIANT)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: riscv_local(result))
def destroy_tvm_invariant(s: RvState, cvm_id: int) -> RvState:
    """DESTROY_TVM preserves the RISC-V local invariant (PMP layout, PTE bits, hgatp)."""
    return rv.destroy_tvm(s, cvm_id)[0]


@obligation(PAIR, Operation.TVM_VCPU_RUN, Kind.SIMULATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(RISC-V step) == canonical step")
def tvm_vcpu_run_simulation(s: RvState, cvm_id: int, vcpu: int) -> Square:
    """TVM_VCPU_RUN (hart-state switch and isolation grant) is the canonical TVM_VCPU_RUN."""
    return square(rv.tvm_vcpu_run(s, cvm_id, vcpu), canonical.tvm_vcpu_run(abs_riscv(s), cvm_id, vcpu))


@obligation(PAIR, Operation.TVM_VCPU_RUN, Kind.INVARIANT)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: riscv_local(result))
def tvm_vcpu_run_invariant(s: RvState, cvm_id: int, vcpu: int) -> RvState:
    """TVM_VCPU_RUN preserves the RISC-V local invariant (PMP layout, PTE bits, hgatp)."""
    return rv.tvm_vcpu_run(s, cvm_id, vcpu)[0]


@obligation(PAIR, Operation.VCPU_EXIT, Kind.SIMULATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(RISC-V step) == canonical step")
def vcpu_exit_simulation(s: RvState) -> Square:
    """The exit to the hypervisor (state saved, C closed, registers restored) is the canonical exit."""
    return square(rv.vcpu_exit(s), canonical.vcpu_exit(abs_riscv(s)))


@obligation(PAIR, Operation.VCPU_EXIT, Kind.INVARIANT)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: riscv_local(result))
def vcpu_exit_invariant(s: RvState) -> RvState:
    """The exit to the hypervisor preserves the RISC-V local invariant (PMP layout, PTE bits, hgatp)."""
    return rv.vcpu_exit(s)[0]


@obligation(PAIR, Operation.SHARE_MEMORY, Kind.SIMULATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(RISC-V step) == canonical step")
def share_memory_simulation(s: RvState, gpa: int, size: int, hv_err: int, hv_addr: int) -> Square:
    """SHARE_MEMORY on the RISC-V model is the canonical SHARE_MEMORY under abstraction."""
    return square(
        rv.share_memory(s, gpa, size, hv_err, hv_addr),
        canonical.share_memory(abs_riscv(s), gpa, size, hv_err, hv_addr),
    )


@obligation(PAIR, Operation.SHARE_MEMORY, Kind.INVARIANT)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: riscv_local(result))
def share_memory_invariant(s: RvState, gpa: int, size: int, hv_err: int, hv_addr: int) -> RvState:
    """SHARE_MEMORY preserves the RISC-V local invariant (PMP layout, PTE bits, hgatp)."""
    return rv.share_memory(s, gpa, size, hv_err, hv_addr)[0]


@obligation(PAIR, Operation.UNSHARE_MEMORY, Kind.SIMULATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(RISC-V step) == canonical step")
def unshare_memory_simulation(s: RvState, gpa: int, size: int) -> Square:
    """UNSHARE_MEMORY on the RISC-V model is the canonical UNSHARE_MEMORY under abstraction."""
    return square(rv.unshare_memory(s, gpa, size), canonical.unshare_memory(abs_riscv(s), gpa, size))


@obligation(PAIR, Operation.UNSHARE_MEMORY, Kind.INVARIANT)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: riscv_local(result))
def unshare_memory_invariant(s: RvState, gpa: int, size: int) -> RvState:
    """UNSHARE_MEMORY preserves the RISC-V local invariant (PMP layout, PTE bits, hgatp)."""
    return rv.unshare_memory(s, gpa, size)[0]


@obligation(PAIR, Operation.GUEST_PAGE_FAULT, Kind.SIMULATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(RISC-V step) == canonical step")
def guest_page_fault_simulation(s: RvState, gpa: int) -> Square:
    """A guest page fault outside MMIO is handled as the canonical monitor says, under abstraction."""
    return square(rv.guest_page_fault(s, gpa), canonical.guest_page_fault(abs_riscv(s), gpa))


@obligation(PAIR, Operation.GUEST_PAGE_FAULT, Kind.INVARIANT)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: riscv_local(result))
def guest_page_fault_invariant(s: RvState, gpa: int) -> RvState:
    """A guest page fault preserves the RISC-V local invariant (PMP layout, PTE bits, hgatp)."""
    return rv.guest_page_fault(s, gpa)[0]


@obligation(PAIR, Operation.HYPERVISOR_READ, Kind.SIMULATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(RISC-V step) == canonical step")
def hypervisor_read_simulation(s: RvState, addr: int) -> Square:
    """A hypervisor load through the isolation unit sees exactly what the canonical isolation unit allows."""
    return square(rv.hypervisor_read(s, addr), canonical.hypervisor_read(abs_riscv(s), addr))


@obligation(PAIR, Operation.HYPERVISOR_READ, Kind.INVARIANT)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: riscv_local(result))
def hypervisor_read_invariant(s: RvState, addr: int) -> RvState:
    """A hypervisor load preserves the RISC-V local invariant (PMP layout, PTE bits, hgatp)."""
    return rv.hypervisor_read(s, addr)[0]


@obligation(PAIR, Operation.HYPERVISOR_WRITE, Kind.SIMULATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(RISC-V step) == canonical step")
def hypervisor_write_simulation(s: RvState, addr: int, value: int) -> Square:
    """A hypervisor store through the isolation unit changes exactly what the canonical isolation unit allows."""
    return square(rv.hypervisor_write(s, addr, value), canonical.hypervisor_write(abs_riscv(s), addr, value))


@obligation(PAIR, Operation.HYPERVISOR_WRITE, Kind.INVARIANT)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: riscv_local(result))
def hypervisor_write_invariant(s: RvState, addr: int, value: int) -> RvState:
    """A hypervisor store preserves the RISC-V local invariant (PMP layout, PTE bits, hgatp)."""
    return rv.hypervisor_write(s, addr, value)[0]
