"""Canonical monitor: PROMOTE_TO_TVM and DESTROY_TVM on the primitives."""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Tuple

from abstract import abi
from abstract.domain import CVM_BASE, STARTED, STOPPED, POWERED_OFF, HYPERVISOR, TABLE_BASE
from abstract.config import C, G, H, K, LEVELS, NC, NIRQ, R, ROOT_PAGES
from abstract.canonical.monitor import cvms, physical
from abstract.logic import keep, lnot, ranks_of, read_at, set_at
from abstract.canonical.monitor.attestation import attest

Result = Tuple[int, int]


def promote_to_tvm(hwp: Any, s: Any, vm: Any, ndigests: int = 0,
                   digests: Tuple[int, ...] = (0,) * abi.ATTEST_DIGESTS, secret: int = 0,
                   mode: int = abi.GSTAGE_SV48X4, entry_pc: int = 0, fdt: int = 0) -> Tuple[Any, Result]:
    """Read the hypervisor's VM as the machine holds it (`hwp.vm_read`: its checks, then guest
    page g's NC page or `abi.VM_UNMAPPED`), copy each mapped page into a fresh confidential page,
    measure the copies and release the payload's secret if they attest, build its second-stage
    translation in fresh table pages (taken first, as ACE's depth-first copy does: a 16 KiB root
    on its boundary, `allocate_run`, then LEVELS - 1 pages; under a huge leaf one fewer, and
    the data one block of G pages on its boundary, `allocate_block`, as ACE copies the leaf
    whole; last, the pages `vm_read` says the entries off the guest's path take) and
    start hart 0 at `entry_pc` with the exit area's registers, a0 = 0 and a1 = `fdt` (the VM's
    translation mode must be Sv48x4 or Sv57x4). An entry refused is answered FAILED if ACE's
    copy, which takes pages as it reads, runs out of them first (`abi.runs_out`: `vm_read` says
    how many it takes before it gets there); a VM that maps no page once all of it is copied."""
    if s.run_cvm != HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    if lnot((mode == abi.GSTAGE_SV48X4) | (mode == abi.GSTAGE_SV57X4)):  # one branch, not two
        return s, (abi.INVALID_PARAM, 0)
    code, src, huge, reach, off_code, extra = hwp.vm_read(vm)
    mapped = abi.vm_mapped(src)
    n = sum(keep(1, m) for m in mapped)
    stopped, empty = code != abi.SUCCESS, (code == abi.SUCCESS) & (n == 0)
    if stopped | empty:
        # ACE's copy stops at the entry it refuses on the guest's path, or copies a path that
        # maps no page and the entries off it and then finds no device tree: FAILED if it ran
        # out of pages before (`reach`, then `extra` off the path; the root's block counts among
        # the free pages), else its refusal. Branch-free, then a path per answer.
        before = reach + keep(extra, empty)
        early = abi.runs_out(before, hwp.allocate_block(s.owner, ROOT_PAGES)[0], hwp.allocate_places(s.owner, before)[0])
        last = keep(abi.INVALID_PARAM, off_code != abi.INVALID_ADDRESS) + keep(abi.INVALID_ADDRESS, off_code == abi.INVALID_ADDRESS)
        answer = keep(abi.FAILED, early) + keep(keep(code, stopped) + keep(last, empty), lnot(early))
        if answer == abi.INVALID_PARAM:
            return s, (answer, 0)
        if answer == abi.FAILED:
            return s, (answer, 0)
        return s, (answer, 0)
    slot = next((k for k in range(K) if not s.live[k]), -1)
    root = hwp.allocate_run(s.owner, ROOT_PAGES)
    held = hwp.claim(s, root, TABLE_BASE + slot)  # the root's block first: the rest from what is left
    path = LEVELS - 1 - keep(1, huge)  # a huge leaf stands where the last table would
    enough, places = hwp.allocate_places(held.owner, path + keep(n, lnot(huge)))  # the lower tables, then the data pages
    held = hwp.claim_places(held, places, 0, path, TABLE_BASE + slot)
    found, block = hwp.allocate_block(held.owner, G)  # a huge leaf's data: one block of its span, after the tables
    data = tuple((q >= path) | (b & huge) for q, b in zip(places, block))
    held = hwp.claim_flagged(held, data, CVM_BASE + slot)
    # Last, as ACE's copy visits them after the guest's subtree: the pages for the entries off
    # the guest's path, the first free ones left.
    room, off_path = hwp.allocate_places(held.owner, extra)
    held = hwp.claim_places(held, off_path, 0, extra, TABLE_BASE + slot)
    # A path that maps pages is copied whole, then the entries off it up to a refusal there:
    # FAILED if the pages above do not fit, else that refusal.
    if len(root) < ROOT_PAGES or lnot(enough) | (huge & lnot(found)) | lnot(room):
        return s, (abi.FAILED, 0)
    if off_code == abi.INVALID_PARAM:  # refused off the path, with the pages to get there
        return s, (off_code, 0)
    if off_code != abi.SUCCESS:
        return s, (off_code, 0)
    if slot < 0:  # the model's K slots, filled once the copy is done (ACE has no such bound)
        return s, (abi.FAILED, 0)
    # Table i below the root is at place i; under a huge leaf the last one is not there (no
    # page has its place).
    there = tuple(lnot(huge) | (i < LEVELS - 2) for i in range(LEVELS - 1))
    tables = root[:1] + tuple(sum(keep(NC + p + 1, (q == i) & there[i]) for p, q in enumerate(places)) - 1
                              for i in range(LEVELS - 1))
    # The r-th mapped guest page's copy is in the page at place path + r, or under a huge leaf
    # the block's r-th page: found by the page's own place, not by comparing a page number with
    # every C page.
    own = ranks_of(mapped)[0]
    inside = ranks_of(block)[0]
    holds = [[mapped[g] & ((q == path + own[g]) | (b & huge & (i == own[g]))) for g in range(G)]
             for q, b, i in zip(places, block, inside)]
    at = tuple(sum(keep(NC + p + 1, holds[p][g]) for p in range(C)) - 1 for g in range(G))  # -1: unmapped
    copies = tuple(keep(read_at(s.mem[:NC], src[g]), mapped[g]) for g in range(G))
    mem = held.mem[:NC] + tuple(m + keep(sum(keep(copies[g], holds[p][g]) for g in range(G)) - m, data[p])
                                for p, m in enumerate(held.mem[NC:]))
    boot = abi.with_hart_args(hwp.exit_area_regs(s.hw), 0, fdt)
    granted = attest(hwp, abi.vm_image(mapped, copies, boot, entry_pc), ndigests, digests)
    s = replace(held, mem=mem)
    cvm_id = cvms.new_id(s)
    return replace(
        s,
        live=set_at(s.live, slot, True), ids=set_at(s.ids, slot, cvm_id),
        hart=s.hart[:slot * H] + (STARTED,) + (STOPPED,) * (H - 1) + s.hart[(slot + 1) * H:],
        reply_a=s.reply_a[:slot * H] + (0,) * H + s.reply_a[(slot + 1) * H:],
        reply_b=s.reply_b[:slot * H] + (0,) * H + s.reply_b[(slot + 1) * H:],
        reply_step=s.reply_step[:slot * H] + (0,) * H + s.reply_step[(slot + 1) * H:],
        share_req=s.share_req[:slot * H] + (0,) * H + s.share_req[(slot + 1) * H:],
        has_secret=set_at(s.has_secret, slot, granted),
        huge=set_at(s.huge, slot, huge),
        secret=set_at(s.secret, slot, keep(secret, granted)),
        hw=hwp.hart_boot(hwp.translation_load(s.hw, slot, cvm_id, guest_backing(at, src), tables, huge), slot, entry_pc, boot),
    ), (abi.SUCCESS, cvm_id)


def guest_backing(copies: Tuple[int, ...], src: Tuple[int, ...]) -> Tuple[int, ...]:
    """The page each of the new CVM's guest pages maps to (-1: none): the confidential copies,
    never the hypervisor's originals `src`."""
    return copies


def destroy_tvm(hwp: Any, s: Any, cvm_id: int) -> Tuple[Any, Result]:
    """Tear down CVM cvm_id: translation removed, every page it owns zeroed and freed, its
    vCPUs' saved state zeroed."""
    if s.run_cvm != HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    k = cvms.find_slot(s, cvm_id)
    if k < 0 or physical.any_vcpu_elsewhere(s, k):
        return s, (abi.INVALID_PARAM, 0)
    return remove_cvm(hwp, s, k), (abi.SUCCESS, 0)


def remove_cvm(hwp: Any, s: Any, k: int) -> Any:
    """Tear CVM slot k down (DESTROY_TVM, and SRST once every hart is back)."""
    s = hwp.release_all(s, k)
    return replace(
        s,
        live=set_at(s.live, k, False), ids=set_at(s.ids, k, 0),
        hart=s.hart[:k * H] + (POWERED_OFF,) * H + s.hart[(k + 1) * H:],
        mmio_base=s.mmio_base[:k * R] + (0,) * R + s.mmio_base[(k + 1) * R:],
        mmio_size=s.mmio_size[:k * R] + (0,) * R + s.mmio_size[(k + 1) * R:],
        irq_allowed=s.irq_allowed[:k * NIRQ] + (False,) * NIRQ + s.irq_allowed[(k + 1) * NIRQ:],
        irq_pending=s.irq_pending[:k * H * NIRQ] + (False,) * (H * NIRQ) + s.irq_pending[(k + 1) * H * NIRQ:],
        ipi_pending=s.ipi_pending[:k * H] + (False,) * H + s.ipi_pending[(k + 1) * H:],
        share_req=s.share_req[:k * H] + (0,) * H + s.share_req[(k + 1) * H:],
        has_secret=set_at(s.has_secret, k, False),
        huge=set_at(s.huge, k, False),
        secret=set_at(s.secret, k, 0),
        hw=hwp.harts_clear(hwp.translation_clear(s.hw, k), k),
    )
