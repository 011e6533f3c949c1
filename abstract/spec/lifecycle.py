"""Spec: creating and destroying confidential VMs (COVH PROMOTE_TO_TVM, DESTROY_TVM)."""
from __future__ import annotations

from dataclasses import replace
from typing import Tuple

from abstract import abi
from abstract.config import C, G, H, K, LEVELS, NC, NFREGS, NIRQ, NREGS, R, ROOT_PAGES
from abstract.logic import all_of, any_of, each, keep, lnot, ranks_of, read_at, set_at
from abstract.spec.physical import cvm_runs_elsewhere
from abstract.spec.attestation import released
from abstract.spec.state import (
    CVM_BASE, FREE, HYPERVISOR, POWERED_OFF, STARTED, STOPPED, TABLE_BASE, SpecState, free_block, next_id, owned_by,
    slot_of,
)

Result = Tuple[int, int]


def _free_slot(s: SpecState) -> int:
    for k in range(K):
        if not s.live[k]:
            return k
    return -1


def promote_to_tvm(s: SpecState, vm: Tuple[int, ...], ndigests: int = 0,
                   digests: Tuple[int, ...] = (0,) * abi.ATTEST_DIGESTS, secret: int = 0,
                   mode: int = abi.GSTAGE_SV48X4, entry_pc: int = 0, fdt: int = 0,
                   huge: bool = False, off: int = abi.VM_UNMAPPED, extra: int = 0,
                   reach: int = 0) -> Tuple[SpecState, Result]:
    """Create a CVM from the hypervisor's VM, whose guest page g lives in NC page vm[g] or is not
    mapped (`abi.VM_UNMAPPED`): each mapped page is *copied* into a fresh confidential page
    (aliases become two copies), in guest order, hart 0 starts, the others are stopped, no vCPU
    awaits an answer. The VM's translation mode (hgatp.MODE) must be Sv48x4 or Sv57x4, else
    INVALID_PARAM; a malformed map or a page outside NC is refused as `abi.vm_refused` says; a VM
    that maps no page is INVALID_PARAM (ACE finds no device tree in it). Its G-stage tables take
    fresh pages first (ACE allocates its root, then each table, before the leaves' pages): the
    16 KiB root a free block of ROOT_PAGES on its boundary, then LEVELS - 1 free pages, all owned
    by the CVM as table pages; no room for them all fails. vCPU 0 boots at
    `entry_pc` with the registers the hypervisor left in the exit area, a0 = 0 (its number) and
    a1 = `fdt` (ACE's `from_vm_hart`: the device tree's address), the others at 0 with none. The
    copies are measured with the map and the boot registers and pc (`abi.vm_image`): `secret` is
    released to the CVM only if the payload's `ndigests` digests all match
    (`attestation.released`); a failed attestation still promotes. `huge`: the hypervisor's tables
    map the guest's pages with one leaf above the last level, which the CVM records (its SHARE
    cannot map into it); such a leaf maps every guest page, so a VM with an unmapped page has
    none. The CVM's copy of the leaf stands where its last table would: it takes one table page
    fewer, and its data is one free block of G pages on its boundary (`free_block`), guest page
    g at the block's g-th page. `off` and `extra`: what ACE's copy finds in the hypervisor's
    entries no guest page uses (a mark as the map's: VM_MALFORMED, or a page outside NC, is
    refused after every guest page, as ACE visits those entries last) and the pages it takes
    for them (`abi.off_path_pages`), which the CVM owns as table pages, taken last as ACE takes
    them: the first free pages left once the tables and the data have theirs. ACE takes pages
    as it reads the tables, so it answers FAILED where it runs out of them before the entry it
    refuses (`abi.runs_out`): `reach` is the pages its copy takes along the guest's path before
    a refusal there, or in all if there is none (the tables decide it: a bad root takes none, a
    bad entry lower down the root and the tables above it); `extra` counts the pages off the path
    up to a refusal there. A VM that maps no page is refused once all of it is copied. Returns the
    new CVM id."""
    if s.run_cvm != HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    if (mode != abi.GSTAGE_SV48X4) & (mode != abi.GSTAGE_SV57X4):
        return s, (abi.INVALID_PARAM, 0)
    code, off_code = abi.vm_refused(vm), abi.vm_refused((off,))  # the guest's entries, then the others
    mapped = abi.vm_mapped(vm)
    n = sum(keep(1, m) for m in mapped)
    root = free_block(s.owner, ROOT_PAGES)
    rest = tuple((o == FREE) & lnot(r) for o, r in zip(s.owner, root))
    rank, free = ranks_of(rest)
    more, reach = abi.off_path_pages(extra), keep(reach, reach > 0)
    stopped, empty = code != abi.SUCCESS, (code == abi.SUCCESS) & (n == 0)
    if stopped | empty:
        # ACE's copy stops at the entry it refuses on the guest's path, or copies a path that
        # maps no page and the entries off it and then finds no device tree: FAILED if it ran
        # out of pages before (`reach`, then `more` off the path), else its refusal. Branch-free,
        # then a path per answer.
        before = reach + keep(more, empty)
        early = abi.runs_out(before, any_of(root), free >= before - ROOT_PAGES)
        last = keep(abi.INVALID_ADDRESS, off_code == abi.INVALID_ADDRESS) + keep(abi.INVALID_PARAM, off_code != abi.INVALID_ADDRESS)
        answer = keep(abi.FAILED, early) + keep(keep(code, stopped) + keep(last, empty), lnot(early))
        if answer == abi.INVALID_PARAM:
            return s, (answer, 0)
        if answer == abi.FAILED:
            return s, (answer, 0)
        return s, (answer, 0)
    k = _free_slot(s)
    hg = huge & all_of(mapped)  # a leaf maps every page of its span
    # Which pages it takes, as flags over the C pages, in ACE's depth-first order: the root's
    # block, then the first free pages besides it (by rank among them, as `free_pages` picks),
    # the tables before the data, and the pages for the entries off the guest's path last, the
    # first free ones left (ACE visits entry 0 first at every level, so the guest's subtree is
    # copied before any other). Flags and ranks rather than page numbers written with
    # `put_at`: with 14 C pages the page numbers' arithmetic took this step's integrity past its
    # time limit. Under a huge leaf the last table is not needed (the leaf stands in its place)
    # and the data is one block of G pages on its boundary, taken after the tables (ACE's leaf
    # is one page of its span).
    path = LEVELS - 1 - keep(1, hg)
    table = tuple(r | (f & (q < path)) for r, f, q in zip(root, rest, rank))
    block = free_block(tuple(o + keep(TABLE_BASE - o, t) for o, t in zip(s.owner, table)), G)
    data = tuple((f & (q >= path) & (q < path + n) & lnot(hg)) | (b & hg) for f, q, b in zip(rest, rank, block))
    left = tuple(f & lnot(t) & lnot(d) for f, t, d in zip(rest, table, data))
    lrank, lfree = ranks_of(left)
    off_path = tuple(f & (q < more) for f, q in zip(left, lrank))
    # A path that maps pages is copied whole, then the entries off it up to a refusal there:
    # FAILED if the pages above do not fit, else that refusal.
    if lnot(any_of(root)) | (lnot(hg) & (free < path + n)) | (hg & lnot(any_of(block))) | (lfree < more):
        return s, (abi.FAILED, 0)
    if off_code == abi.INVALID_PARAM:  # refused off the path, with the pages to get there
        return s, (off_code, 0)
    if off_code != abi.SUCCESS:
        return s, (off_code, 0)
    if k < 0:  # the model's K slots, filled once the copy is done (ACE has no such bound)
        return s, (abi.FAILED, 0)
    # The r-th mapped guest page's copy is in the r-th data page.
    slot = ranks_of(mapped)[0]
    drank = ranks_of(data)[0]
    holds = [[data[p] & mapped[g] & (drank[p] == slot[g]) for g in range(G)] for p in range(C)]
    at = tuple(sum(keep(NC + p, holds[p][g]) for p in range(C)) for g in range(G))
    copies = tuple(keep(read_at(s.mem[:NC], vm[g]), mapped[g]) for g in range(G))
    owner = tuple(o + keep(TABLE_BASE + k - o, t | x) + keep(CVM_BASE + k - o, d)
                  for o, t, x, d in zip(s.owner, table, off_path, data))
    mem = s.mem[:NC] + tuple(m + keep(sum(keep(copies[g], holds[p][g]) for g in range(G)) - m, data[p])
                             for p, m in enumerate(s.mem[NC:]))
    boot = abi.with_hart_args(s.exit_gprs, 0, fdt)
    granted = released(abi.vm_image(mapped, copies, boot, entry_pc), ndigests, digests)
    base = k * G
    new_id = next_id(s)
    return replace(
        s,
        owner=owner, mem=mem,
        live=s.live[:k] + (True,) + s.live[k + 1:], ids=set_at(s.ids, k, new_id),
        hart=s.hart[:k * H] + (STARTED,) + (STOPPED,) * (H - 1) + s.hart[(k + 1) * H:],
        private=s.private[:base] + mapped + s.private[base + G:],
        shared=s.shared[:base] + (False,) * G + s.shared[base + G:],
        page=s.page[:base] + tuple(keep(p, m) for p, m in zip(at, mapped)) + s.page[base + G:],
        reply_a=s.reply_a[:k * H] + (0,) * H + s.reply_a[(k + 1) * H:],
        reply_b=s.reply_b[:k * H] + (0,) * H + s.reply_b[(k + 1) * H:],
        reply_step=s.reply_step[:k * H] + (0,) * H + s.reply_step[(k + 1) * H:],
        share_req=s.share_req[:k * H] + (0,) * H + s.share_req[(k + 1) * H:],
        vcpu_pc=s.vcpu_pc[:k * H] + (entry_pc,) + (0,) * (H - 1) + s.vcpu_pc[(k + 1) * H:],
        vcpu_regs=s.vcpu_regs[:k * H] + (boot,) + s.vcpu_regs[k * H + 1:],
        has_secret=set_at(s.has_secret, k, granted),
        huge=set_at(s.huge, k, hg),
        secret=set_at(s.secret, k, keep(secret, granted)),
    ), (abi.SUCCESS, new_id)


def page_after_destroy(owner: int, data: int, k: int) -> Tuple[int, int]:
    """A C page (owner, contents) after CVM slot k is destroyed: if the CVM owned it (a data
    page or a table page), it is free and zero; otherwise it is as it was."""
    owned = owned_by(owner, k)
    return keep(FREE, owned) + keep(owner, lnot(owned)), keep(data, lnot(owned))


def memory_after_destroy(s: SpecState, k: int) -> Tuple[Tuple[int, ...], Tuple[int, ...]]:
    """The owners and the memory once CVM slot k is destroyed: `page_after_destroy` on every C page."""
    freed = each(page_after_destroy, C, (s.owner, s.mem[NC:]), k)
    return tuple(o for o, _ in freed), s.mem[:NC] + tuple(d for _, d in freed)


def destroy_tvm(s: SpecState, cvm_id: int) -> Tuple[SpecState, Result]:
    """Destroy CVM `cvm_id` (none of its vCPUs may run on any hart): every page it owns is zeroed and freed, its maps, harts and MMIO
    regions, allowed lines and pending interrupts go, and its vCPUs' registers, FPU and pcs are
    zeroed (a CVM later promoted into the slot must not start with them)."""
    if s.run_cvm != HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    k = slot_of(s, cvm_id)
    if k < 0 or cvm_runs_elsewhere(s, k):
        return s, (abi.INVALID_PARAM, 0)
    return remove_cvm(s, k), (abi.SUCCESS, 0)


def remove_cvm(s: SpecState, k: int) -> SpecState:
    """CVM slot k is gone: its pages zeroed and freed, its slot, maps, harts, regions, lines,
    pending requests and secret cleared, its vCPUs' saved state zeroed. DESTROY_TVM does it, and
    so does SRST (ACE's `remove_confidential_vm` once every hart is back)."""
    owner, mem = memory_after_destroy(s, k)
    base = k * G
    return replace(
        s,
        owner=owner,
        mem=mem,
        live=s.live[:k] + (False,) + s.live[k + 1:], ids=set_at(s.ids, k, 0),
        hart=s.hart[:k * H] + (POWERED_OFF,) * H + s.hart[(k + 1) * H:],
        private=s.private[:base] + (False,) * G + s.private[base + G:],
        shared=s.shared[:base] + (False,) * G + s.shared[base + G:],
        page=s.page[:base] + (0,) * G + s.page[base + G:],
        mmio_base=s.mmio_base[:k * R] + (0,) * R + s.mmio_base[(k + 1) * R:],
        mmio_size=s.mmio_size[:k * R] + (0,) * R + s.mmio_size[(k + 1) * R:],
        irq_allowed=s.irq_allowed[:k * NIRQ] + (False,) * NIRQ + s.irq_allowed[(k + 1) * NIRQ:],
        irq_pending=s.irq_pending[:k * H * NIRQ] + (False,) * (H * NIRQ) + s.irq_pending[(k + 1) * H * NIRQ:],
        ipi_pending=s.ipi_pending[:k * H] + (False,) * H + s.ipi_pending[(k + 1) * H:],
        share_req=s.share_req[:k * H] + (0,) * H + s.share_req[(k + 1) * H:],
        has_secret=set_at(s.has_secret, k, False),
        huge=set_at(s.huge, k, False),
        secret=set_at(s.secret, k, 0),
        vcpu_regs=s.vcpu_regs[:k * H] + ((0,) * NREGS,) * H + s.vcpu_regs[(k + 1) * H:],
        vcpu_fpu=s.vcpu_fpu[:k * H] + ((0,) * NFREGS,) * H + s.vcpu_fpu[(k + 1) * H:],
        vcpu_pc=s.vcpu_pc[:k * H] + (0,) * H + s.vcpu_pc[(k + 1) * H:],
        vcpu_vsie=s.vcpu_vsie[:k * H] + (0,) * H + s.vcpu_vsie[(k + 1) * H:],
        vcpu_vstimecmp=s.vcpu_vstimecmp[:k * H] + (0,) * H + s.vcpu_vstimecmp[(k + 1) * H:],
    )
