"""The SBI calling convention: a7 = EID, a6 = FID, a0..a5 arguments; a0 = error, a1 = value.

`decode_call` maps any (a7, a6) the hypervisor or a CVM can pass to one of the calls the model
handles or to UNKNOWN, which the monitor answers with INVALID_PARAM (ACE never answers
NOT_SUPPORTED)."""
from __future__ import annotations

from typing import Tuple

from abstract import abi
from abstract.logic import keep, set_at

UNKNOWN = 0
PROMOTE_TO_TVM = 1
DESTROY_TVM = 2
TVM_VCPU_RUN = 3
SHARE_MEMORY = 4
UNSHARE_MEMORY = 5
HART_START = 6
HART_STOP = 7
HART_STATUS = 8
HART_SUSPEND = 9
TSM_GET_INFO = 10
SYSTEM_RESET = 11
ADD_MMIO_REGION = 12
REMOVE_MMIO_REGION = 13
ALLOW_EXT_INTERRUPT = 14
SEND_IPI = 15
REMOTE_FENCE = 16
RETRIEVE_SECRET = 17
NACL_SET_SHMEM = 18

CALLS = {
    (abi.EID_COVH, abi.COVH_TSM_GET_INFO): TSM_GET_INFO,
    (abi.EID_COVH, abi.COVH_PROMOTE_TO_TVM): PROMOTE_TO_TVM,
    (abi.EID_COVH, abi.COVH_DESTROY_TVM): DESTROY_TVM,
    (abi.EID_COVH, abi.COVH_TVM_VCPU_RUN): TVM_VCPU_RUN,
    (abi.EID_NACL, abi.NACL_SET_SHMEM): NACL_SET_SHMEM,
    (abi.EID_COVG, abi.COVG_ADD_MMIO_REGION): ADD_MMIO_REGION,
    (abi.EID_COVG, abi.COVG_REMOVE_MMIO_REGION): REMOVE_MMIO_REGION,
    (abi.EID_COVG, abi.COVG_SHARE_MEMORY): SHARE_MEMORY,
    (abi.EID_COVG, abi.COVG_UNSHARE_MEMORY): UNSHARE_MEMORY,
    (abi.EID_COVG, abi.COVG_ALLOW_EXT_INTERRUPT): ALLOW_EXT_INTERRUPT,
    (abi.EID_COVG, abi.COVG_RETRIEVE_SECRET): RETRIEVE_SECRET,
    (abi.EID_HSM, abi.HSM_HART_START): HART_START,
    (abi.EID_HSM, abi.HSM_HART_STOP): HART_STOP,
    (abi.EID_HSM, abi.HSM_HART_GET_STATUS): HART_STATUS,
    (abi.EID_HSM, abi.HSM_HART_SUSPEND): HART_SUSPEND,
    (abi.EID_SRST, abi.SRST_SYSTEM_RESET): SYSTEM_RESET,
    (abi.EID_IPI, abi.IPI_SEND_IPI): SEND_IPI,
    (abi.EID_RFENCE, abi.RFENCE_FENCE_I): REMOTE_FENCE,
    (abi.EID_RFENCE, abi.RFENCE_SFENCE_VMA): REMOTE_FENCE,
    (abi.EID_RFENCE, abi.RFENCE_SFENCE_VMA_ASID): REMOTE_FENCE,
}


def decode_call(eid: int, fid: int) -> int:
    """The call named by a7 = eid, a6 = fid, or UNKNOWN; compares with constants only. The
    (eid, fid) pairs are distinct, so at most one term is not zero; summing them decodes
    without forking once per known call."""
    return sum(keep(call, (eid == e) & (fid == f)) for (e, f), call in CALLS.items())


def call_registers(regs: Tuple[int, ...]) -> Tuple[int, int, Tuple[int, ...]]:
    """(a7, a6, (a0..a5)) of a register file x1..x31."""
    return regs[abi.A7], regs[abi.A6], regs[abi.A0:abi.A0 + 6]


def sbi_return(regs: Tuple[int, ...], err: int, value: int) -> Tuple[int, ...]:
    """The register file after an SBI call returns (err, value) in a0, a1."""
    return set_at(set_at(regs, abi.A0, err), abi.A1, value)
