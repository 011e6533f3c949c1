"""The SBI calling convention: a7 = EID, a6 = FID, a0..a5 arguments; a0 = error, a1 = value.

`decode_call` maps any (a7, a6) the hypervisor or a CVM can pass to one of the calls the model
handles or to UNKNOWN, which the monitor answers with INVALID_PARAM (ACE never answers
NOT_SUPPORTED)."""
from __future__ import annotations

from typing import Tuple

from abstract import abi
from abstract.logic import set_at

# The call numbers and the (EID, FID) table are the ABI's (abstract/abi.py); the RISC-V model
# reads them out of the caller's x17/x16 here.
from abstract.abi import (  # noqa: E402,F401  (re-exported: the encoding obligations name them)
    CALL_ADD_MMIO_REGION as ADD_MMIO_REGION, CALL_ALLOW_EXT_INTERRUPT as ALLOW_EXT_INTERRUPT,
    CALL_DESTROY_TVM as DESTROY_TVM, CALL_HART_START as HART_START, CALL_HART_STATUS as HART_STATUS,
    CALL_HART_STOP as HART_STOP, CALL_HART_SUSPEND as HART_SUSPEND, CALL_NACL_SET_SHMEM as NACL_SET_SHMEM,
    CALL_PROMOTE_TO_TVM as PROMOTE_TO_TVM, CALL_REMOTE_FENCE as REMOTE_FENCE,
    CALL_REMOVE_MMIO_REGION as REMOVE_MMIO_REGION, CALL_RETRIEVE_SECRET as RETRIEVE_SECRET,
    CALL_SEND_IPI as SEND_IPI, CALL_SHARE_MEMORY as SHARE_MEMORY, CALL_SYSTEM_RESET as SYSTEM_RESET,
    CALL_TSM_GET_INFO as TSM_GET_INFO, CALL_TVM_VCPU_RUN as TVM_VCPU_RUN, CALLS, UNKNOWN, decode_call,
)


def decode(regs: Tuple[int, ...]) -> Tuple[int, Tuple[int, ...]]:
    """(call, (a0..a5)) of the caller's register file: x17 and x16 name the call."""
    eid, fid, args = call_registers(regs)
    return decode_call(eid, fid), args


def call_registers(regs: Tuple[int, ...]) -> Tuple[int, int, Tuple[int, ...]]:
    """(a7, a6, (a0..a5)) of a register file x1..x31."""
    return regs[abi.A7], regs[abi.A6], regs[abi.A0:abi.A0 + 6]


def sbi_return(regs: Tuple[int, ...], err: int, value: int) -> Tuple[int, ...]:
    """The register file after an SBI call returns (err, value) in a0, a1."""
    return set_at(set_at(regs, abi.A0, err), abi.A1, value)
