"""The canonical machine: the monitor's own data plus a processor's hardware state.

`Machine` fields other than `hw` are the monitor's software state (the confidential-page
allocator's owner table, the CVM table) and physical memory; they mean the same as in the
spec. `CanonHw` is the processor-agnostic hardware of the canonical architecture.
"""
from __future__ import annotations

from dataclasses import dataclass
from abstract.logic import immutable

from abstract.config import C, G, H, K, NCSRS, NFREGS, NIRQ, NREGS, P, PAGES, R
from abstract.abi import NACL_NONE
from abstract.domain import FREE, HYPERVISOR, POWERED_OFF
from abstract.shapes import (
    EntryFlags, EntryInts, ExitCsrs, Fregs, HartFlags, HartInts, IrqFlags, OtherHarts, Owners, PageData, PendingFlags, RegionInts, Regs,
    SlotFlags, SlotInts, VcpuFregs, VcpuRegs,
)


@immutable
@dataclass(frozen=True)
class CanonHw:
    iso_open: bool          # the isolation unit lets the running domain reach C memory
    t_valid: EntryFlags     # second-stage entry k*G+g is mapped
    t_exec: EntryFlags      # ... is executable
    t_page: EntryInts       # ... host-physical page, 0 if unmapped
    regs: Regs              # the physical hart's live general registers
    hv_saved: Regs          # the hypervisor's registers, saved while a CVM runs
    vcpu_saved: VcpuRegs    # each vCPU's saved registers
    fregs: Fregs            # the physical hart's live floating-point registers
    hv_fregs: Fregs         # the hypervisor's, saved while a CVM runs
    vcpu_fregs: VcpuFregs   # each vCPU's saved floating-point registers
    hv_stage2: int          # the hypervisor's second-stage translation register: no monitor step changes it
    x_gprs: Regs            # the exit area shared with the hypervisor: declassified registers
    x_csrs: ExitCsrs        # ... and its trap CSRs, the vCPU's vsie and vstimecmp, hvip
    vcpu_pc: HartInts       # each vCPU's saved pc
    vcpu_vsie: HartInts     # each vCPU's vsie and vstimecmp (spec vcpu_vsie, vcpu_vstimecmp)
    vcpu_vstimecmp: HartInts


@immutable
@dataclass(frozen=True)
class CanonState:
    mem: PageData
    owner: Owners
    live: SlotFlags
    ids: SlotInts           # each slot's CVM id, 0 when empty
    hart: HartInts
    run_cvm: int
    run_vcpu: int
    mmio_base: RegionInts
    mmio_size: RegionInts
    irq_allowed: IrqFlags
    irq_pending: PendingFlags
    reply_a: HartInts       # register number the answer to a vCPU's last exit writes, 0: none
    reply_b: HartInts       # ... a second one, 0: none
    reply_step: HartInts    # ... and how far its pc then moves
    share_req: HartInts     # guest page + 1 of a SHARE request awaiting its answer (ACE's SharePage), 0: none
    ipi_pending: HartFlags  # a software interrupt from a sibling vCPU is pending
    has_secret: SlotFlags   # attestation released a secret to the CVM
    secret: SlotInts        # ... its value
    huge: SlotFlags         # its guest pages lie under one huge leaf of the hypervisor's tables: SHARE cannot map into it
    nacl_page: int          # first page of this hart's NACL shared memory, NACL_NONE: none
    other_harts: OtherHarts  # the vCPU (index + 1) each other physical hart runs, 0: none
    hv_hvip: int            # the hypervisor's hvip and stimecmp, kept with its hart's state
    hv_stimecmp: int
    halted: bool            # the monitor has stopped for good (`monitor.failure.halt`)
    hw: CanonHw


def canon_hw_shapes_ok(hw: CanonHw) -> bool:
    n = K * G
    return (
        len(hw.t_valid) == n and len(hw.t_exec) == n and len(hw.t_page) == n
        and len(hw.regs) == NREGS and len(hw.hv_saved) == NREGS
        and len(hw.fregs) == NFREGS and len(hw.hv_fregs) == NFREGS and len(hw.vcpu_fregs) == K * H
        and all(len(r) == NFREGS for r in hw.vcpu_fregs)
        and len(hw.x_gprs) == NREGS and len(hw.x_csrs) == NCSRS and len(hw.vcpu_pc) == K * H
        and len(hw.vcpu_vsie) == K * H and len(hw.vcpu_vstimecmp) == K * H
    )


def initial_monitor_data() -> dict:
    """The monitor's data at power-on, the same on every processor: no CVMs, every C page
    free, all memory zero, the hypervisor running."""
    return dict(
        mem=(0,) * PAGES,
        owner=(FREE,) * C,
        live=(False,) * K,
        ids=(0,) * K,
        hart=(POWERED_OFF,) * (K * H),
        run_cvm=HYPERVISOR,
        run_vcpu=0,
        mmio_base=(0,) * (K * R),
        mmio_size=(0,) * (K * R),
        irq_allowed=(False,) * (K * NIRQ),
        irq_pending=(False,) * (K * H * NIRQ),
        reply_a=(0,) * (K * H),
        reply_b=(0,) * (K * H),
        reply_step=(0,) * (K * H),
        share_req=(0,) * (K * H),
        ipi_pending=(False,) * (K * H),
        nacl_page=NACL_NONE,
        other_harts=(0,) * (P - 1),
        has_secret=(False,) * K,
        huge=(False,) * K,
        secret=(0,) * K,
        hv_hvip=0,
        hv_stimecmp=0,
        halted=False,
    )


def canonical_initial() -> CanonState:
    """Power-on: the monitor's initial data, C closed, no translation, registers zero."""
    zero_regs, zero_fregs = (0,) * NREGS, (0,) * NFREGS
    return CanonState(
        **initial_monitor_data(),
        hw=CanonHw(
            iso_open=False, t_valid=(False,) * (K * G), t_exec=(False,) * (K * G),
            t_page=(0,) * (K * G), regs=zero_regs, hv_saved=zero_regs,
            vcpu_saved=(zero_regs,) * (K * H),
            fregs=zero_fregs, hv_fregs=zero_fregs, vcpu_fregs=(zero_fregs,) * (K * H), hv_stage2=0,
            x_gprs=zero_regs, x_csrs=(0,) * NCSRS, vcpu_pc=(0,) * (K * H),
            vcpu_vsie=(0,) * (K * H), vcpu_vstimecmp=(0,) * (K * H),
        ),
    )
