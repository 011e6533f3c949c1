"""Spec: every operation is total on states satisfying the spec invariant, answers a defined
code, and preserves the invariant (isolation: single ownership, no NC page mapped private,
shared pages in NC, freed pages zero)."""
from __future__ import annotations

from typing import Tuple

import icontract

from abstract import abi, spec
from abstract.spec.state import SpecState, spec_invariant
from refinement.registry import Kind, Layers, Operation, obligation

Result = Tuple[int, int]
SBI_CODES = (abi.SUCCESS, abi.FAILED, abi.INVALID_PARAM, abi.INVALID_ADDRESS, abi.ALREADY_AVAILABLE)
ACCESS_CODES = (abi.ACCESS_OK, abi.ACCESS_FAULT)
SPEC = Layers.SPEC


def defined(result: Result, codes: Tuple[int, ...]) -> bool:
    return result[0] in codes


@obligation(SPEC, Operation.PROMOTE_TO_TVM, Kind.TOTALITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda result: defined(result[1], SBI_CODES), "answers a defined SBI code")
@icontract.ensure(lambda result: spec_invariant(result[0]), "preserves the spec invariant")
def promote_to_tvm_totality(s: SpecState, npages: int, src: Tuple[int, ...]) -> Tuple[SpecState, Result]:
    """PROMOTE_TO_TVM is total, answers a defined code and keeps the spec invariant."""
    return spec.promote_to_tvm(s, npages, src)


@obligation(SPEC, Operation.DESTROY_TVM, Kind.TOTALITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda result: defined(result[1], SBI_CODES), "answers a defined SBI code")
@icontract.ensure(lambda result: spec_invariant(result[0]), "preserves the spec invariant")
def destroy_tvm_totality(s: SpecState, cvm_id: int) -> Tuple[SpecState, Result]:
    """DESTROY_TVM is total, answers a defined code and keeps the spec invariant."""
    return spec.destroy_tvm(s, cvm_id)


@obligation(SPEC, Operation.TVM_VCPU_RUN, Kind.TOTALITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda result: defined(result[1], SBI_CODES), "answers a defined SBI code")
@icontract.ensure(lambda result: spec_invariant(result[0]), "preserves the spec invariant")
def tvm_vcpu_run_totality(s: SpecState, cvm_id: int, vcpu: int) -> Tuple[SpecState, Result]:
    """TVM_VCPU_RUN is total, answers a defined code and keeps the spec invariant."""
    return spec.tvm_vcpu_run(s, cvm_id, vcpu)


@obligation(SPEC, Operation.VCPU_EXIT, Kind.TOTALITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda result: defined(result[1], SBI_CODES), "answers a defined SBI code")
@icontract.ensure(lambda result: spec_invariant(result[0]), "preserves the spec invariant")
def vcpu_exit_totality(s: SpecState) -> Tuple[SpecState, Result]:
    """The exit to the hypervisor is total and keeps the spec invariant."""
    return spec.vcpu_exit(s)


@obligation(SPEC, Operation.SHARE_MEMORY, Kind.TOTALITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda result: defined(result[1], SBI_CODES), "answers a defined SBI code")
@icontract.ensure(lambda result: spec_invariant(result[0]), "preserves the spec invariant")
def share_memory_totality(s: SpecState, gpa: int, size: int, hv_err: int, hv_addr: int) -> Tuple[SpecState, Result]:
    """SHARE_MEMORY is total, answers a defined code and keeps the spec invariant."""
    return spec.share_memory(s, gpa, size, hv_err, hv_addr)


@obligation(SPEC, Operation.UNSHARE_MEMORY, Kind.TOTALITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda result: defined(result[1], SBI_CODES), "answers a defined SBI code")
@icontract.ensure(lambda result: spec_invariant(result[0]), "preserves the spec invariant")
def unshare_memory_totality(s: SpecState, gpa: int, size: int) -> Tuple[SpecState, Result]:
    """UNSHARE_MEMORY is total, answers a defined code and keeps the spec invariant."""
    return spec.unshare_memory(s, gpa, size)


@obligation(SPEC, Operation.GUEST_PAGE_FAULT, Kind.TOTALITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda result: defined(result[1], ACCESS_CODES + SBI_CODES), "answers a defined code")
@icontract.ensure(lambda result: spec_invariant(result[0]), "preserves the spec invariant")
def guest_page_fault_totality(s: SpecState, gpa: int) -> Tuple[SpecState, Result]:
    """A guest page fault is total and keeps the spec invariant."""
    return spec.guest_page_fault(s, gpa)


@obligation(SPEC, Operation.HYPERVISOR_READ, Kind.TOTALITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda result: defined(result[1], ACCESS_CODES), "answers a defined code")
@icontract.ensure(lambda result: spec_invariant(result[0]), "preserves the spec invariant")
def hypervisor_read_totality(s: SpecState, addr: int) -> Tuple[SpecState, Result]:
    """A hypervisor load is total and keeps the spec invariant."""
    return spec.hypervisor_read(s, addr)


@obligation(SPEC, Operation.HYPERVISOR_WRITE, Kind.TOTALITY)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda result: defined(result[1], ACCESS_CODES), "answers a defined code")
@icontract.ensure(lambda result: spec_invariant(result[0]), "preserves the spec invariant")
def hypervisor_write_totality(s: SpecState, addr: int, value: int) -> Tuple[SpecState, Result]:
    """A hypervisor store is total and keeps the spec invariant."""
    return spec.hypervisor_write(s, addr, value)
