"""Canonical monitor: the two SBI entries, decoded by the processor (`trap_call`) and answered
into the caller's live registers (`hart_answer`) when the caller still runs afterwards."""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Tuple

from abstract import abi
from abstract.domain import HYPERVISOR
from abstract.canonical.monitor import attestation, hsm, info, interrupts, ipi, lifecycle, memory, mmio, nacl, switch

Result = Tuple[int, int]


def _answered(hwp: Any, s: Any, result: Result) -> Tuple[Any, Result]:
    return replace(s, hw=hwp.hart_answer(s.hw, result[0], result[1])), result


def hypervisor_ecall(hwp: Any, s: Any, vm: Any, ndigests: int = 0,
                     digests: Tuple[int, ...] = (0,) * abi.ATTEST_DIGESTS, secret: int = 0,
                     mode: int = abi.GSTAGE_SV48X4) -> Tuple[Any, Result]:
    """The hypervisor's ecall: a COVH call, NACL SET_SHMEM or PROBE_FEATURE, a Base probe,
    else INVALID_PARAM. `vm` is the VM PROMOTE reads, as the machine holds it (`hwp.vm_read`)."""
    if s.run_cvm != HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    regs = hwp.hart_regs(s.hw)
    call, a = hwp.trap_call(regs)
    if call == abi.CALL_TSM_GET_INFO:
        s2, result = info.tsm_get_info(hwp, s, a[0], a[1])
    elif call == abi.CALL_PROMOTE_TO_TVM:
        s2, result = lifecycle.promote_to_tvm(hwp, s, vm, ndigests, digests, secret, mode, a[2], a[0])
    elif call == abi.CALL_DESTROY_TVM:
        s2, result = lifecycle.destroy_tvm(hwp, s, a[0])
    elif call == abi.CALL_TVM_VCPU_RUN:
        s2, result = switch.tvm_vcpu_run(hwp, s, a[0], a[1])
    elif call == abi.CALL_NACL_SET_SHMEM:
        s2, result = nacl.nacl_set_shmem(hwp, s, a[0], a[1], a[2])
    elif call == abi.CALL_SBI_BASE:
        s2, result = s, abi.sbi_base(regs[abi.A6], a[0], False)
    elif call == abi.CALL_NACL_PROBE_FEATURE:
        s2, result = s, (abi.SUCCESS, 0)
    else:
        s2, result = s, (abi.INVALID_PARAM, 0)
    if s2.run_cvm != HYPERVISOR:
        return s2, result
    return _answered(hwp, s2, result)


def guest_ecall(hwp: Any, s: Any) -> Tuple[Any, Result]:
    """The running vCPU's ecall: a COVG, HSM, SRST, IPI, RFENCE or Base call, else INVALID_PARAM."""
    if s.run_cvm == HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    regs = hwp.hart_regs(s.hw)
    call, a = hwp.trap_call(regs)
    if call == abi.CALL_ADD_MMIO_REGION:
        s2, result = mmio.add_mmio_region(hwp, s, a[0], a[1])
    elif call == abi.CALL_REMOVE_MMIO_REGION:
        s2, result = mmio.remove_mmio_region(hwp, s, a[0], a[1])
    elif call == abi.CALL_SHARE_MEMORY:
        s2, result = memory.share_memory(hwp, s, a[0], a[1])
    elif call == abi.CALL_UNSHARE_MEMORY:
        s2, result = memory.unshare_memory(hwp, s, a[0], a[1])
    elif call == abi.CALL_ALLOW_EXT_INTERRUPT:
        s2, result = interrupts.allow_ext_interrupt(hwp, s, a[0])
    elif call == abi.CALL_RETRIEVE_SECRET:
        s2, result = attestation.retrieve_secret(hwp, s, a[0], a[1])
    elif call == abi.CALL_HART_START:
        s2, result = hsm.hart_start(hwp, s, a[0], a[1], a[2])
    elif call == abi.CALL_HART_STOP:
        s2, result = hsm.hart_stop(hwp, s)
    elif call == abi.CALL_HART_SUSPEND:
        s2, result = hsm.hart_suspend(hwp, s)
    elif call == abi.CALL_HART_STATUS:
        s2, result = hsm.hart_status(hwp, s, a[0])
    elif call == abi.CALL_SYSTEM_RESET:
        s2, result = hsm.system_reset(hwp, s)
    elif call == abi.CALL_SEND_IPI:
        s2, result = ipi.send_ipi(hwp, s, a[0], a[1])
    elif call == abi.CALL_REMOTE_FENCE:
        s2, result = ipi.remote_fence(hwp, s, regs[abi.A6], a[0], a[1])
    elif call == abi.CALL_SBI_BASE:
        s2, result = s, abi.sbi_base(regs[abi.A6], a[0], True)
    else:
        s2, result = s, (abi.INVALID_PARAM, 0)
    if s2.run_cvm == HYPERVISOR:
        return s2, result
    answered, _ = _answered(hwp, s2, result)
    r0, r1, requests = abi.request_args(call, a[0], a[1])
    if requests & (result[0] == abi.SUCCESS):  # ACE's `SbiRequest` exit (abi.REQUEST_ARGS)
        return switch.exit_to_hypervisor(hwp, answered, abi.CAUSE_ECALL_VS, 0, 0, (r0, r1))
    return answered, result
