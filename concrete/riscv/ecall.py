"""The monitor's ecall entry on RISC-V: decode a7/a6/a0..a5 from the caller's live registers,
run the call, and put its (error, value) into the caller's a0/a1.

A hypervisor ecall (cause 9) may name any COVH function or NACL SET_SHMEM; a CVM's (cause 10) any COVG or HSM
function, IPI, RFENCE or SRST. Whatever the registers hold, the answer is a defined SBI code: calls the register
entry does not carry (PROMOTE_TO_TVM and SHARE_MEMORY, whose inputs the model takes decoded)
and unknown calls get INVALID_PARAM, as ACE answers every unknown COVH FID with -3.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Tuple

import concrete.riscv as rv
from abstract import abi
from abstract.domain import HYPERVISOR
from concrete.riscv import sbi
from concrete.riscv.state import RvState

Step = Tuple[RvState, Tuple[int, int]]


def _answer(s: RvState, result: Tuple[int, int], caller_runs: bool) -> Step:
    """Write the result into the caller's a0/a1 if the caller still runs on the hart (a run or
    an exit hands the hart over; the answer then travels with the switch)."""
    if not caller_runs:
        return s, result
    return replace(s, hw=replace(s.hw, regs=sbi.sbi_return(s.hw.regs, *result))), result


def hypervisor_ecall(s: RvState) -> Step:
    if s.run_cvm != HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    eid, fid, args = sbi.call_registers(s.hw.regs)
    call = sbi.decode_call(eid, fid)
    if call == sbi.TSM_GET_INFO:
        s2, result = rv.tsm_get_info(s, args[0], args[1])
    elif call == sbi.DESTROY_TVM:
        s2, result = rv.destroy_tvm(s, args[0])
    elif call == sbi.TVM_VCPU_RUN:
        s2, result = rv.tvm_vcpu_run(s, args[0], args[1])
    elif call == sbi.NACL_SET_SHMEM:
        s2, result = rv.nacl_set_shmem(s, args[0], args[1], args[2])
    else:
        s2, result = s, (abi.INVALID_PARAM, 0)
    return _answer(s2, result, s2.run_cvm == HYPERVISOR)


def guest_ecall(s: RvState) -> Step:
    if s.run_cvm == HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    eid, fid, args = sbi.call_registers(s.hw.regs)
    call = sbi.decode_call(eid, fid)
    if call == sbi.ADD_MMIO_REGION:
        s2, result = rv.add_mmio_region(s, args[0], args[1])
    elif call == sbi.REMOVE_MMIO_REGION:
        s2, result = rv.remove_mmio_region(s, args[0], args[1])
    elif call == sbi.ALLOW_EXT_INTERRUPT:
        s2, result = rv.allow_ext_interrupt(s, args[0])
    elif call == sbi.UNSHARE_MEMORY:
        s2, result = rv.unshare_memory(s, args[0], args[1])
    elif call == sbi.HART_START:
        s2, result = rv.hart_start(s, args[0])
    elif call == sbi.HART_STOP:
        s2, result = rv.hart_stop(s)
    elif call == sbi.HART_SUSPEND:
        s2, result = rv.hart_suspend(s)
    elif call == sbi.HART_STATUS:
        s2, result = rv.hart_status(s, args[0])
    elif call == sbi.SYSTEM_RESET:
        s2, result = rv.system_reset(s)
    elif call == sbi.RETRIEVE_SECRET:
        s2, result = rv.retrieve_secret(s, args[0], args[1])
    elif call == sbi.SEND_IPI:
        s2, result = rv.send_ipi(s, args[0], args[1])
    elif call == sbi.REMOTE_FENCE:
        s2, result = rv.remote_fence(s, fid, args[0], args[1])
    else:
        s2, result = s, (abi.INVALID_PARAM, 0)
    return _answer(s2, result, s2.run_cvm != HYPERVISOR)


