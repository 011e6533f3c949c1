"""RISC-V hardware state of one physical hart and the monitor's per-CVM translation state."""
from __future__ import annotations

from dataclasses import dataclass
from abstract.logic import immutable
from typing import Tuple

from abstract.shapes import (
    EntryFlags, EntryInts, Fregs, HartFlags, HartInts, IrqFlags, OtherFences, OtherHarts, OtherTlbFlags, OtherTlbInts, Owners,
    PageData, PendingFlags, RegionInts, Regs, SlotFlags, SlotInts, VcpuFregs, VcpuRegs,
)
from abstract.config import K, LEVELS
from concrete.riscv.cvm_tables import CHAIN, LEAF_FIELDS, NO_TABLE
from concrete.riscv.pmp import ENTRIES

PmpInts = Tuple[(int,) * ENTRIES]
PmpFlags = Tuple[(bool,) * ENTRIES]
ChainFlags = Tuple[(bool,) * (K * CHAIN)]
ChainInts = Tuple[(int,) * (K * CHAIN)]
TableInts = Tuple[(int,) * (K * LEVELS)]


@immutable
@dataclass(frozen=True)
class RvHw:
    # PMP, 16 entries, decoded pmpcfg fields and pmpaddr (byte address >> 2).
    pmp_mode: PmpInts
    pmp_r: PmpFlags
    pmp_w: PmpFlags
    pmp_x: PmpFlags
    pmp_addr: PmpInts
    # The hgatp word the monitor keeps for each CVM slot (K), the hart's hgatp CSR (the
    # hypervisor's own while it runs: it writes it at will), and the hypervisor's value that the
    # monitor saves while a CVM runs.
    hgatp: SlotInts
    hgatp_csr: int
    hv_hgatp: int
    # The CVMs' G-stage tables in their table pages (`cvm_tables`): the page of slot k's table
    # j at k * LEVELS + j, leaf k * G + g of slot k's guest page g, one tuple per field, and
    # the entry 0 of slot k's table j above the last at k * (LEVELS - 1) + j: a pointer, or in
    # the table above the last a huge leaf (R, W or X set: ptr_rwx[k]).
    pt_table: TableInts
    pt_v: EntryFlags
    pt_r: EntryFlags
    pt_w: EntryFlags
    pt_x: EntryFlags
    pt_u: EntryFlags
    pt_a: EntryFlags
    pt_d: EntryFlags
    pt_ppn: EntryInts
    ptr_v: ChainFlags
    ptr_rwx: SlotFlags
    ptr_ppn: ChainInts
    # The G-stage TLB, tagged by VMID: entry k * G + g caches CVM k's translation of guest
    # page g (hardware fills it as the guest runs; hfence.gvma empties a VMID's entries).
    tlb_v: EntryFlags
    tlb_ppn: EntryInts
    # The other physical harts' G-stage TLBs, entry (k * (P-1) + p-1) * G + g for hart p, and
    # the fences of a CVM's VMID queued for them (ACE's remote commands: the monitor that changes
    # a CVM's tables fences its own hart, queues the fence for the others and sends an IPI; a
    # hart runs what is queued for it when it next switches, and nobody waits).
    other_tlb_v: OtherTlbFlags
    other_tlb_ppn: OtherTlbInts
    other_fence: OtherFences
    # General registers x1..x31 of the hart, and the copies the monitor keeps.
    regs: Regs
    hv_saved: Regs
    vcpu_saved: VcpuRegs
    # Floating-point registers f0..f31 of the hart, and the copies the monitor keeps.
    fregs: Fregs
    hv_fregs: Fregs
    vcpu_fregs: VcpuFregs
    # What the last exit showed the hypervisor: the GPR image in the NACL shared memory, and
    # the hypervisor's trap CSRs as the monitor set them (scause, stval = faulting guest
    # address, htinst = trapped instruction).
    nacl_gprs: Regs
    exit_scause: int
    exit_stval: int
    exit_htval: int
    exit_htinst: int
    # What every exit shows in the NACL CSR area (ACE's expose_enabled_interrupts.rs).
    exit_vsie: int
    exit_vstimecmp: int
    exit_hvip: int
    # Each vCPU's saved pc (mepc at its last trap, advanced when its exit is answered).
    vcpu_mepc: HartInts
    # Each vCPU's vsie and vstimecmp, saved by the monitor (its VS-level interrupt state).
    vcpu_vsie: HartInts
    vcpu_vstimecmp: HartInts


@immutable
@dataclass(frozen=True)
class RvState:
    mem: PageData
    owner: Owners
    live: SlotFlags
    ids: SlotInts
    hart: HartInts
    run_cvm: int
    run_vcpu: int
    mmio_base: RegionInts
    mmio_size: RegionInts
    irq_allowed: IrqFlags
    irq_pending: PendingFlags   # each vCPU's hvip lines, set on TVM_VCPU_RUN (ACE keeps them with its hart state)
    reply_a: HartInts           # register number the answer to a vCPU's last exit writes, 0: none
    reply_b: HartInts           # ... a second one, 0: none
    reply_step: HartInts        # ... and how far its mepc then moves
    share_req: HartInts         # guest page + 1 of a SHARE request awaiting its answer (ACE's SharePage), 0: none
    ipi_pending: HartFlags      # pending IPIs; written to hvip.VSSIP on entry (not modelled)
    has_secret: SlotFlags       # attestation released a secret to the CVM
    secret: SlotInts            # ... its value
    huge: SlotFlags             # its guest pages lie under one huge leaf (the entry above its last
                                # table, `cvm_tables`: entry_kinds_ok ties the two)
    nacl_page: int              # first page of this hart's NACL shared memory, NACL_NONE: none
    other_harts: OtherHarts     # the vCPU (index + 1) each other physical hart runs, 0: none
    hv_hvip: int                # the hypervisor hart's hvip and stimecmp (ACE's HypervisorHart)
    hv_stimecmp: int
    halted: bool                # the monitor has stopped for good (ACE's panic handler)
    hw: RvHw


def riscv_initial() -> RvState:
    """Boot: firmware's all-memory entry 15 (base from entry 14), the monitor's entries 0-1
    covering C with no permission, every hgatp Bare, every table entry clear, the hypervisor running."""
    from abstract.canonical.state import initial_monitor_data
    from abstract.config import G, H, K, NFREGS, NREGS, P
    from concrete.riscv import pmp

    mode = [pmp.OFF] * ENTRIES
    addr = [0] * ENTRIES
    mode[pmp.MONITOR_TOR] = mode[pmp.FIRMWARE_ALL] = pmp.TOR
    addr[pmp.MONITOR_BASE] = pmp.C_START >> 2
    addr[pmp.MONITOR_TOR] = addr[pmp.FIRMWARE_ALL] = pmp.C_END >> 2
    perm = tuple(i == pmp.FIRMWARE_ALL for i in range(ENTRIES))
    no = (False,) * (K * G)
    zero_regs = (0,) * NREGS
    return RvState(
        **initial_monitor_data(),
        hw=RvHw(
            pmp_mode=tuple(mode), pmp_r=perm, pmp_w=perm, pmp_x=perm, pmp_addr=tuple(addr),
            hgatp=(0,) * K, hgatp_csr=0, hv_hgatp=0,
            pt_table=(NO_TABLE,) * (K * LEVELS), **{f: no for f in LEAF_FIELDS}, pt_ppn=(0,) * (K * G), ptr_v=(False,) * (K * CHAIN), ptr_rwx=(False,) * K,
            ptr_ppn=(0,) * (K * CHAIN), tlb_v=no, tlb_ppn=(0,) * (K * G),
            other_tlb_v=(False,) * (K * (P - 1) * G), other_tlb_ppn=(0,) * (K * (P - 1) * G),
            other_fence=(False,) * (K * (P - 1)),
            regs=zero_regs, hv_saved=zero_regs, vcpu_saved=(zero_regs,) * (K * H),
            fregs=(0,) * NFREGS, hv_fregs=(0,) * NFREGS, vcpu_fregs=((0,) * NFREGS,) * (K * H),
            nacl_gprs=zero_regs, exit_scause=0, exit_stval=0, exit_htval=0, exit_htinst=0,
            exit_vsie=0, exit_vstimecmp=0, exit_hvip=0, vcpu_mepc=(0,) * (K * H),
            vcpu_vsie=(0,) * (K * H), vcpu_vstimecmp=(0,) * (K * H),
        ),
    )
