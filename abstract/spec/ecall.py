"""Spec: the monitor's two SBI entries, from the caller's registers to the call and back.

The hypervisor's ecall (cause 9) and a CVM vCPU's (cause 10) carry the call in a7 (EID) and
a6 (FID) and its arguments in a0..a5 (`abi.decode_call`); the answer (error, value) goes to
the caller's a0/a1 if the caller still runs afterwards (a run or a stop hands the hart over).
Unknown calls are INVALID_PARAM. Inputs the registers do not carry are the entry's arguments:
for PROMOTE_TO_TVM, the VM the hypervisor's hgatp describes (`promote_to_tvm`'s inputs).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Tuple

from abstract import abi
from abstract.config import G, H
from abstract.logic import set_at
from abstract.spec.attestation import retrieve_secret
from abstract.spec.hsm import hart_start, hart_status, hart_stop, hart_suspend, system_reset
from abstract.spec.info import tsm_get_info
from abstract.spec.interrupts import allow_ext_interrupt
from abstract.spec.ipi import remote_fence, send_ipi
from abstract.spec.lifecycle import destroy_tvm, promote_to_tvm
from abstract.spec.memory import share_memory, unshare_memory
from abstract.spec.mmio import add_mmio_region, remove_mmio_region
from abstract.spec.nacl import nacl_set_shmem
from abstract.spec.state import HYPERVISOR, SpecState
from abstract.spec.switch import exit_sbi_request, tvm_vcpu_run

Result = Tuple[int, int]
Step = Tuple[SpecState, Result]


def hypervisor_ecall(s: SpecState, vm: Tuple[int, ...] = (abi.VM_UNMAPPED,) * G, ndigests: int = 0,
                     digests: Tuple[int, ...] = (0,) * abi.ATTEST_DIGESTS, secret: int = 0,
                     mode: int = abi.GSTAGE_SV48X4, huge: bool = False, off: int = abi.VM_UNMAPPED,
                     extra: int = 0, reach: int = 0) -> Step:
    """The hypervisor's ecall: a COVH call, NACL SET_SHMEM or PROBE_FEATURE, a Base probe,
    else INVALID_PARAM. PROMOTE's VM is `vm`, its guest pages under one huge leaf if `huge`,
    with `off` and `extra` for its entries no guest page uses and `reach` the pages its copy
    takes along the guest's path (`promote_to_tvm`)."""
    if s.run_cvm != HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    regs = s.hv_regs
    call, a = abi.decode_call(regs[abi.A7], regs[abi.A6]), regs[abi.A0:abi.A0 + 6]
    if call == abi.CALL_TSM_GET_INFO:
        s2, result = tsm_get_info(s, a[0], a[1])
    elif call == abi.CALL_PROMOTE_TO_TVM:  # a2: the boot hart's entry pc; a0: the device tree's address
        s2, result = promote_to_tvm(s, vm, ndigests, digests, secret, mode, a[2], a[0], huge, off, extra, reach)
    elif call == abi.CALL_DESTROY_TVM:
        s2, result = destroy_tvm(s, a[0])
    elif call == abi.CALL_TVM_VCPU_RUN:
        s2, result = tvm_vcpu_run(s, a[0], a[1])
    elif call == abi.CALL_NACL_SET_SHMEM:
        s2, result = nacl_set_shmem(s, a[0], a[1], a[2])
    elif call == abi.CALL_SBI_BASE:
        s2, result = s, abi.sbi_base(regs[abi.A6], a[0], False)
    elif call == abi.CALL_NACL_PROBE_FEATURE:  # ACE's nacl_probe_feature.rs: no feature
        s2, result = s, (abi.SUCCESS, 0)
    else:
        s2, result = s, (abi.INVALID_PARAM, 0)
    if s2.run_cvm != HYPERVISOR:
        return s2, result
    return replace(s2, hv_regs=abi.sbi_answer(s2.hv_regs, result)), result


def guest_ecall(s: SpecState) -> Step:
    """The running vCPU's ecall: a COVG, HSM, SRST, IPI, RFENCE or Base call, else INVALID_PARAM. A
    call ACE completes with a request to the hypervisor (`abi.REQUEST_ARGS`) leaves with it on
    success, its caller answered (SUCCESS, 0)."""
    if s.run_cvm == HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    i = s.run_cvm * H + s.run_vcpu
    regs = s.vcpu_regs[i]
    call, a = abi.decode_call(regs[abi.A7], regs[abi.A6]), regs[abi.A0:abi.A0 + 6]
    if call == abi.CALL_ADD_MMIO_REGION:
        s2, result = add_mmio_region(s, a[0], a[1])
    elif call == abi.CALL_REMOVE_MMIO_REGION:
        s2, result = remove_mmio_region(s, a[0], a[1])
    elif call == abi.CALL_SHARE_MEMORY:
        s2, result = share_memory(s, a[0], a[1])
    elif call == abi.CALL_UNSHARE_MEMORY:
        s2, result = unshare_memory(s, a[0], a[1])
    elif call == abi.CALL_ALLOW_EXT_INTERRUPT:
        s2, result = allow_ext_interrupt(s, a[0])
    elif call == abi.CALL_RETRIEVE_SECRET:
        s2, result = retrieve_secret(s, a[0], a[1])
    elif call == abi.CALL_HART_START:
        s2, result = hart_start(s, a[0], a[1], a[2])
    elif call == abi.CALL_HART_STOP:
        s2, result = hart_stop(s)
    elif call == abi.CALL_HART_SUSPEND:
        s2, result = hart_suspend(s)
    elif call == abi.CALL_HART_STATUS:
        s2, result = hart_status(s, a[0])
    elif call == abi.CALL_SYSTEM_RESET:
        s2, result = system_reset(s)
    elif call == abi.CALL_SEND_IPI:
        s2, result = send_ipi(s, a[0], a[1])
    elif call == abi.CALL_REMOTE_FENCE:
        s2, result = remote_fence(s, regs[abi.A6], a[0], a[1])
    elif call == abi.CALL_SBI_BASE:
        s2, result = s, abi.sbi_base(regs[abi.A6], a[0], True)
    else:
        s2, result = s, (abi.INVALID_PARAM, 0)
    if s2.run_cvm == HYPERVISOR:
        return s2, result
    answered = replace(s2, vcpu_regs=set_at(s2.vcpu_regs, i, abi.sbi_answer(s2.vcpu_regs[i], result)))
    r0, r1, requests = abi.request_args(call, a[0], a[1])
    if requests & (result[0] == abi.SUCCESS):
        return exit_sbi_request(answered, r0, r1)
    return answered, result
