"""The abstract state of the security monitor: memory ownership, CVMs, harts, guest maps.

Physical memory is pages 0..PAGES-1: NC pages first (the hypervisor's), then C pages
(confidential, each with exactly one owner by construction: `owner` is a function).
A guest map entry is Private(C page), Shared(NC page) or unmapped; `page` is 0 when unmapped
so that equal maps have equal representations.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import chain
from typing import Any, Tuple
from abstract.config import C, G, H, K, NC, NCSRS, NFREGS, NIRQ, NREGS, P, PAGE_SIZE, PAGES, R, TABLE_PAGES
from abstract.shapes import (
    EntryFlags, EntryInts, ExitCsrs, Fregs, HartFlags, HartInts, IrqFlags, OtherHarts, Owners, PageData, PendingFlags, RegionInts, Regs,
    SlotFlags, SlotInts, VcpuFregs, VcpuRegs,
)
from abstract import abi
from abstract.logic import all_of, any_of, at_least, first_n, first_run, holds_all, immutable, implies, keep, lnot

from abstract.domain import (  # noqa: F401  (re-exported for the spec's readers)
    CVM_BASE, FREE, HYPERVISOR, POWERED_OFF, STARTED, STOPPED, SUSPENDED, TABLE_BASE, owned_by,
)


@immutable
@dataclass(frozen=True)
class SpecState:
    mem: PageData          # abstract page contents (0 = zeroed)
    owner: Owners          # C owners: FREE, CVM_BASE + slot (a data page) or TABLE_BASE + slot (a table page)
    live: SlotFlags        # slot holds a CVM ...
    ids: SlotInts          # ... with this id (0 for an empty slot)
    hart: HartInts         # lifecycle state of each vCPU
    private: EntryFlags    # guest page g of CVM k (entry k*G+g) is Private(page)
    shared: EntryFlags     # ... is Shared(page)
    page: EntryInts        # physical page of the entry, 0 if unmapped
    run_cvm: int           # HYPERVISOR, or the slot of the CVM running
    run_vcpu: int          # the vCPU running (0 while the hypervisor runs)
    hv_regs: Regs          # the hypervisor's general registers
    vcpu_regs: VcpuRegs    # each vCPU's general registers
    hv_fpu: Fregs          # the hypervisor's floating-point registers
    hv_stage2: int         # the hypervisor's own second-stage translation register (RISC-V hgatp)
    vcpu_fpu: VcpuFregs    # each vCPU's floating-point registers
    exit_gprs: Regs        # what the last exit declassified of the vCPU's registers (others 0)
    exit_csrs: ExitCsrs    # the last exit's trap CSRs, then the vCPU's vsie and vstimecmp and hvip (or 0)
    mmio_base: RegionInts  # MMIO region slot k*R+r of CVM k: guest-physical base ...
    mmio_size: RegionInts  # ... and size in bytes, 0 for a free slot
    irq_allowed: IrqFlags  # external interrupt lines each CVM allows (ALLOW_EXT_INTERRUPT)
    irq_pending: PendingFlags  # lines the hypervisor's hvip raised in each vCPU at its last run, allowed ones only
    vcpu_pc: HartInts      # each vCPU's pc (saved in the monitor while it does not run)
    vcpu_vsie: HartInts    # each vCPU's vsie (interrupts it enables) and vstimecmp (its timer):
    vcpu_vstimecmp: HartInts  # ACE shows both to the hypervisor on every exit
    reply_a: HartInts      # register number (x1..x31) the answer to a vCPU's last exit writes, 0: none
    reply_b: HartInts      # ... a second one (a1 after an SBI call), 0: none
    reply_step: HartInts   # ... and how far its pc then moves (bytes)
    share_req: HartInts    # guest page + 1 of the vCPU's SHARE request awaiting the hypervisor's answer, 0: none
    ipi_pending: HartFlags  # a software interrupt (IPI from a sibling vCPU) is pending
    has_secret: SlotFlags   # attestation at promote released a secret to the CVM
    secret: SlotInts        # ... its value (0 when none)
    huge: SlotFlags         # the hypervisor's tables mapped the CVM's guest pages with one leaf above
                            # the last level (a huge page), which ACE's copy keeps one leaf: SHARE cannot map into it
    nacl_page: int          # first NC page of this hart's NACL shared memory, NACL_NONE when none
    other_harts: OtherHarts  # what physical harts 1..P-1 run: vCPU k*H+h as k*H+h+1, 0: their hypervisor
    hv_hvip: int            # the hypervisor's hvip and stimecmp as its hart holds them: TVM_VCPU_RUN
    hv_stimecmp: int        # passes both into the vCPU (ACE's RunConfidentialHart)
    halted: bool            # the monitor has stopped for good (`failure.halt`); never, while it is correct


def shapes_ok(s: SpecState) -> bool:
    return (
        len(s.mem) == PAGES and len(s.owner) == C and len(s.live) == K and len(s.ids) == K
        and len(s.hart) == K * H and len(s.private) == K * G and len(s.shared) == K * G
        and len(s.page) == K * G and len(s.hv_regs) == NREGS and len(s.vcpu_regs) == K * H
        and all(len(r) == NREGS for r in s.vcpu_regs)
        and len(s.hv_fpu) == NFREGS and len(s.vcpu_fpu) == K * H
        and all(len(r) == NFREGS for r in s.vcpu_fpu)
        and len(s.exit_gprs) == NREGS and len(s.exit_csrs) == NCSRS
        and len(s.mmio_base) == K * R and len(s.mmio_size) == K * R
        and len(s.irq_allowed) == K * NIRQ and len(s.irq_pending) == K * H * NIRQ
        and len(s.vcpu_pc) == K * H and len(s.vcpu_vsie) == K * H and len(s.vcpu_vstimecmp) == K * H
        and len(s.reply_a) == K * H and len(s.reply_b) == K * H
        and len(s.reply_step) == K * H and len(s.share_req) == K * H
        and len(s.ipi_pending) == K * H and len(s.has_secret) == K and len(s.secret) == K
        and len(s.huge) == K
        and len(s.other_harts) == P - 1
    )


def owners_ok(s: SpecState) -> bool:
    """Every C page is free (and zero) or a live CVM's, as a data page or a table page; a live
    CVM has at least TABLE_PAGES table pages (its G-stage tables along its guest's path), one
    fewer under a huge leaf, and beside them those its PROMOTE took for the hypervisor's entries
    off that path; an empty slot none."""
    pages = all_of(
        ((s.owner[p] == FREE) & (s.mem[NC + p] == 0))
        | any_of(owned_by(s.owner[p], k) & s.live[k] for k in range(K))
        for p in range(C)
    )
    # An empty slot has none already by `pages`. A count the solver keeps as one cardinality
    # constraint (`logic.at_least`), not a sum: the spec's page faults took half as long.
    # A huge leaf stands for the last table: counted with them, so the count stays one constraint.
    tables = all_of(implies(s.live[k], at_least(chain((s.owner[p] == TABLE_BASE + k for p in range(C)), (s.huge[k],)),
                                                TABLE_PAGES))
                    for k in range(K))
    return pages & tables


def entry_ok(s: SpecState, i: int) -> bool:
    k = i // G
    priv, sh, pg = s.private[i], s.shared[i], s.page[i]
    return (
        implies(priv, (NC <= pg) & (pg < PAGES) & lnot(sh) & s.live[k])
        & implies(sh, (0 <= pg) & (pg < NC) & s.live[k])
        & implies(lnot(priv | sh), pg == 0)
    )


def maps_ok(s: SpecState) -> bool:
    """Entries are well formed, each private page is its CVM's data page and mapped once, and
    every data page a CVM owns is mapped (the converse, so a leaked page cannot hide; its table
    pages are counted by `owners_ok`)."""
    n = K * G
    owned_by_mapper = all_of(
        implies(s.private[i] & (s.page[i] == NC + p), s.owner[p] == CVM_BASE + i // G)
        for i in range(n) for p in range(C)
    )
    injective = all_of(
        lnot(s.private[i] & s.private[j] & (s.page[i] == s.page[j]))
        for i in range(n) for j in range(i + 1, n)
    )
    owned_mapped = all_of(
        implies(
            s.owner[p] == CVM_BASE + k,
            any_of(s.private[k * G + g] & (s.page[k * G + g] == NC + p) for g in range(G)),
        )
        for p in range(C) for k in range(K)
    )
    return all_of(entry_ok(s, i) for i in range(n)) & owned_by_mapper & injective & owned_mapped


def harts_ok(s: SpecState) -> bool:
    """Harts of an empty slot are powered off; a running vCPU belongs to a live CVM and is started."""
    lifecycle = all_of(
        (s.live[i // H] & (s.hart[i] >= STARTED) & (s.hart[i] <= SUSPENDED))
        | (lnot(s.live[i // H]) & (s.hart[i] == POWERED_OFF))
        for i in range(K * H)
    )
    hv = (s.run_cvm == HYPERVISOR) & (s.run_vcpu == 0)
    guest = any_of(
        (s.run_cvm == k) & (s.run_vcpu == h) & s.live[k] & (s.hart[k * H + h] == STARTED)
        for k in range(K) for h in range(H)
    )
    return lifecycle & (hv | guest) & other_harts_ok(s) & nacl_ok(s)


def nacl_ok(s: SpecState) -> bool:
    """The NACL shared memory, if set up, lies wholly in NC: the monitor writes every exit
    there, so it must never be confidential memory."""
    return (s.nacl_page == abi.NACL_NONE) | ((0 <= s.nacl_page) & (s.nacl_page + abi.NACL_SHMEM_PAGES <= NC))


def running_elsewhere(s: SpecState, i: int) -> bool:
    """vCPU i (= k*H+h) runs on one of the physical harts 1..P-1."""
    return any_of(s.other_harts[q] == i + 1 for q in range(P - 1))


def other_harts_ok(s: SpecState) -> bool:
    """A vCPU runs on at most one physical hart: each other hart runs nothing or a started vCPU
    of a live CVM that this hart does not run, and no two run the same one."""
    def runs_here(i: int) -> bool:
        return (s.run_cvm == i // H) & (s.run_vcpu == i % H)

    each = all_of(
        (s.other_harts[q] == 0) | any_of(
            (s.other_harts[q] == i + 1) & s.live[i // H] & (s.hart[i] == STARTED) & lnot(runs_here(i))
            for i in range(K * H))
        for q in range(P - 1)
    )
    distinct = all_of(
        lnot((s.other_harts[q] != 0) & (s.other_harts[q] == s.other_harts[r]))
        for q in range(P - 1) for r in range(q + 1, P - 1)
    )
    return each & distinct


def regions_ok(s: SpecState) -> bool:
    """A used MMIO slot belongs to a live CVM and is 4 KiB aligned; a free slot is all zero;
    a CVM's regions do not overlap."""
    def used(j: int) -> bool:
        return s.mmio_size[j] > 0

    slots = all_of(
        implies(used(j), s.live[j // R] & (s.mmio_base[j] >= 0) & (s.mmio_base[j] % PAGE_SIZE == 0)
                & (s.mmio_size[j] % PAGE_SIZE == 0))
        & implies(lnot(used(j)), (s.mmio_size[j] == 0) & (s.mmio_base[j] == 0))
        for j in range(K * R)
    )
    disjoint = all_of(
        lnot(used(j) & used(m) & regions_overlap(s.mmio_base[j], s.mmio_size[j], s.mmio_base[m], s.mmio_size[m]))
        for k in range(K) for j in range(k * R, k * R + R) for m in range(j + 1, k * R + R)
    )
    return slots & disjoint


def irqs_ok(s: SpecState) -> bool:
    """Only a live CVM allows lines, a line is pending only where its CVM allows it, and only a
    live CVM's vCPUs have IPIs pending."""
    allowed = all_of(implies(s.irq_allowed[j], s.live[j // NIRQ]) for j in range(K * NIRQ))
    pending = all_of(
        implies(s.irq_pending[i * NIRQ + j], s.irq_allowed[(i // H) * NIRQ + j])
        for i in range(K * H) for j in range(NIRQ)
    )
    ipis = all_of(implies(s.ipi_pending[i], s.live[i // H]) for i in range(K * H))
    return allowed & pending & ipis


def regions_overlap(b1: int, n1: int, b2: int, n2: int) -> bool:
    return (b1 < b2 + n2) & (b2 < b1 + n1)


def spec_invariant(s: SpecState) -> bool:
    """Shapes first (a real fork: the rest indexes by them), then one symbolic conjunction."""
    return shapes_ok(s) and holds_all(SPEC_PARTS, s)


def ids_ok(s: SpecState) -> bool:
    """A live CVM has an id (from 0, as ACE's) no other live CVM has; an empty slot has id 0,
    so a CVM is found by id among the live slots only (`slot_of`)."""
    each = all_of(implies(s.live[k], s.ids[k] >= 0) & implies(lnot(s.live[k]), s.ids[k] == 0) for k in range(K))
    distinct = all_of(lnot(s.live[k] & s.live[j] & (s.ids[k] == s.ids[j])) for k in range(K) for j in range(k + 1, K))
    return each & distinct


def huge_ok(s: SpecState) -> bool:
    """Only a live CVM's guest pages lie under a huge leaf, and each of them stays a private page
    of it: SHARE cannot map into the leaf (ACE's `map_page`), so UNSHARE there finds nothing
    shared, and no page fault has an unmapped page to fill."""
    return all_of(implies(s.huge[k], s.live[k] & all_of(s.private[k * G + g] for g in range(G)))
                  for k in range(K))


def running(s: SpecState) -> bool:
    """The monitor has not halted: a halted monitor takes no step (no row's precondition holds)."""
    return lnot(s.halted)


SPEC_PARTS = (owners_ok, maps_ok, harts_ok, regions_ok, irqs_ok, ids_ok, huge_ok, running)


def slot_of(s: Any, cvm_id: int) -> int:
    """The slot of the live CVM with id `cvm_id`, -1 if there is none (one branch per slot:
    `&` rather than `and`, which would fork twice). Any layer's state: each keeps the CVM table
    (`live`, `ids`) as the spec does, and the RISC-V integrity obligations name the party by it."""
    for k in range(K):
        if s.live[k] & (s.ids[k] == cvm_id):
            return k
    return -1


def next_id(s: SpecState) -> int:
    """A new CVM's id: the largest id of a live CVM plus one, 0 when none is live (the
    reference's `unique_id`). Branch-free, so that promote does not fork once per slot on the
    comparison."""
    largest = -1
    for k in range(K):
        largest = largest + keep(s.ids[k] - largest, s.live[k] & (s.ids[k] > largest))
    return largest + 1


def free_pages(owner: Tuple[int, ...], n: int) -> Tuple[int, ...]:
    """The first n free C pages in index order (owner-table indices), or none if fewer are free
    (`spec/free_pages/allocation` proves that this is what it gives)."""
    enough, found = first_n(tuple(o == FREE for o in owner), n)
    return found if enough else ()


def free_block(owner: Tuple[int, ...], n: int) -> Tuple[bool, ...]:
    """For each C page (owner-table index), whether it lies in the lowest block of n consecutive
    free pages whose first global page is a multiple of n; none does if no such block is free.
    A CVM's 16 KiB root (n = ROOT_PAGES) on its 16 KiB boundary (`spec/free_block/allocation`
    proves that this is what it gives)."""
    return first_run(tuple(o == FREE for o in owner), NC, n)[2]


def spec_initial() -> SpecState:
    """Power-on: no CVMs, every C page free, all memory zero, the hypervisor running."""
    return SpecState(
        mem=(0,) * PAGES,
        owner=(FREE,) * C,
        live=(False,) * K,
        ids=(0,) * K,
        hart=(POWERED_OFF,) * (K * H),
        private=(False,) * (K * G),
        shared=(False,) * (K * G),
        page=(0,) * (K * G),
        run_cvm=HYPERVISOR,
        run_vcpu=0,
        hv_regs=(0,) * NREGS,
        vcpu_regs=((0,) * NREGS,) * (K * H),
        hv_fpu=(0,) * NFREGS,
        hv_stage2=0,
        vcpu_fpu=((0,) * NFREGS,) * (K * H),
        exit_gprs=(0,) * NREGS,
        exit_csrs=(0,) * NCSRS,
        mmio_base=(0,) * (K * R),
        mmio_size=(0,) * (K * R),
        irq_allowed=(False,) * (K * NIRQ),
        irq_pending=(False,) * (K * H * NIRQ),
        vcpu_pc=(0,) * (K * H),
        vcpu_vsie=(0,) * (K * H),
        vcpu_vstimecmp=(0,) * (K * H),
        reply_a=(0,) * (K * H),
        reply_b=(0,) * (K * H),
        reply_step=(0,) * (K * H),
        share_req=(0,) * (K * H),
        ipi_pending=(False,) * (K * H),
        nacl_page=abi.NACL_NONE,
        other_harts=(0,) * (P - 1),
        has_secret=(False,) * K,
        huge=(False,) * K,
        secret=(0,) * K,
        hv_hvip=0,
        hv_stimecmp=0,
        halted=False,
    )
