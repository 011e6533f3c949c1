"""Per-level lemmas of the G-stage walk and of ACE's copy of the hypervisor's tables, with the
level and the table size free, and the whole copy at the configured number of levels
(`concrete/riscv/pagetable.py`).

A level is described by scalars only: whether it is the last (`bottom`), how many guest pages a
leaf there maps (`span`: W^(level-1) for tables of W entries), and where the guest page lies in
the entry's span (`offset`). So each lemma holds for Sv48x4's 4 levels, Sv57x4's 5 and any
table width at once. The whole copy (`pt_copy`) is proven at `levels` (2 by default, 2 to 5),
from tables of `pt_width(levels)` entries per page in the NC pages, into a free run of up to
PT_FREE C pages.
Not yet run by any step: the PROMOTE row reads only the entries its guest pages use
(`hv_tables.read_vm`) and takes what the copy finds off their path as inputs (`off_path`). The
copy's answer is compared with the row's at any depth and free run through the copy's parts
(`pt_copy_then`, `pt_copy_run`, `pt_summary_path`, `pt_path_copy`), and whole at 2 levels
(`pt_copy_summary`); what it maps at any depth along the guest's path (`pt_promote_path`), and whole
at 2 levels (`pt_promote_copy`). The tables are
entries of NC pages only, so a table read from C cannot be expressed: that the copy never reads
one rests on its checks (the per-level lemma for pointers, a test for a root spanning into C).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, List, Tuple

import icontract

from abstract import abi
from abstract.config import G, NC, SIZES
from abstract.logic import all_of, implies, keep, lnot, read_at, same
from abstract.shapes import bools, ints
from concrete.riscv import hv_tables, pagetable
from concrete.riscv.gstage import PTE_R, PTE_V, PTE_W, PTE_X
from concrete.riscv.pagetable import CORRUPT, DESCEND, LEAF, MAPPED, NOT_MAPPED, POINTER, ROOT_PAGES, UNMAPPED
from refinement.registry import Kind, Layers, Method, obligation

# ACE's constants (`core/architecture/riscv/mmu/specification.rs`), written apart from the model's.
ACE_VALID, ACE_TYPE_MASK = 1 << 0, (1 << 0) | (1 << 1) | (1 << 2) | (1 << 3)


def ace_deserialize(flags: int) -> int:
    """ACE's `PageTableEntry::deserialize` on a flag byte, in ACE's constants: the decoding both
    of the model's readings of a hypervisor's entry are checked against."""
    return NOT_MAPPED if flags & ACE_TYPE_MASK == 0 else POINTER if flags & ACE_TYPE_MASK == ACE_VALID else LEAF


def all_flag_bytes() -> Iterator[Tuple[int]]:
    """The finite domain of a PTE's flag byte."""
    return ((b,) for b in range(256))


@obligation(Layers.RISCV, "pt_entry", Kind.ENCODING, Method.ENUMERATION, domain="all_flag_bytes")
@icontract.ensure(lambda flags, result: result == ace_deserialize(flags),
                  "ACE's deserialize: type bits 0 unmapped, V alone a pointer, anything else a leaf")
def pt_entry_decoding(flags: int) -> int:
    """Every flag byte of a hypervisor's table entry decodes as ACE's PageTableEntry::deserialize does (a format lemma: no step runs this code yet)."""
    return pagetable.entry_kind(flags)


@obligation(Layers.RISCV, "hv_entry", Kind.ENCODING, Method.ENUMERATION, domain="all_flag_bytes")
@icontract.ensure(lambda flags, result: result == ace_deserialize(flags),
                  "ACE's deserialize: type bits 0 unmapped, V alone a pointer, anything else a leaf")
def hv_entry_decoding(flags: int) -> int:
    """PROMOTE's reading of a hypervisor's entry from its V bit and whether any of R, W, X is set (`hv_tables.ace_kind`, which the monitor's reading and the row's lift share, so no simulation can see it) is ACE's PageTableEntry::deserialize on every flag byte."""
    return hv_tables.ace_kind(flags & PTE_V != 0, flags & (PTE_R | PTE_W | PTE_X) != 0)


def _level(kind: int, span: int, offset: int, nc: int, fresh: int) -> bool:
    """A decoded entry at a level whose leaves map `span` >= 1 pages, a guest page inside the
    span, memory with NC pages, and fresh C pages acquired from page `fresh` on."""
    return (0 <= kind) & (kind <= LEAF) & (1 <= span) & (0 <= offset) & (offset < span) & (1 <= nc) & (nc <= fresh)


def _accepted(result: Tuple) -> bool:
    return result[0]


@obligation(Layers.RISCV, "pt_walk_level", Kind.ENTRY)
@icontract.require(lambda kind, ppn, bottom, span, offset, nc, fresh: _level(kind, span, offset, nc, fresh))
@icontract.ensure(lambda kind, ppn, bottom, span, nc, result:
                  implies(_accepted(result), implies(kind != NOT_MAPPED, (0 <= ppn) & (ppn < nc))
                          & implies(kind == POINTER, lnot(bottom)) & implies(kind == LEAF, ppn + span <= nc)),
                  "accepted only if what the entry leads to lies in NC, and no pointer at the last level")
@icontract.ensure(lambda kind, ppn, bottom, nc, result:
                  implies(lnot(_accepted(result)), (result[4] == abi.INVALID_PARAM) == ((kind == POINTER) & bottom & (0 <= ppn) & (ppn < nc))
                          & ((result[4] == abi.INVALID_PARAM) | (result[4] == abi.INVALID_ADDRESS) | (result[4] == abi.SUCCESS))),
                  "refused with ACE's codes: PageTableCorrupted (INVALID_PARAM) for a pointer at the last level, else INVALID_ADDRESS")
@icontract.ensure(lambda result: implies(_accepted(result), result[1][0] == result[2][0]),
                  "the copied entry steps as the source entry: same outcome")
@icontract.ensure(lambda result: implies(_accepted(result), result[1][0] != CORRUPT),
                  "an accepted table has no pointer at its last level")
@icontract.ensure(lambda nc, fresh, result: implies(_accepted(result) & (result[1][0] == DESCEND),
                                                    (0 <= result[1][1]) & (result[1][1] < nc) & (result[2][1] == fresh)),
                  "a pointer: read from an NC table, copied into the fresh page")
@icontract.ensure(lambda offset, nc, fresh, result: implies(_accepted(result) & (result[1][0] == MAPPED),
                                                            (0 <= result[1][1]) & (result[1][1] < nc)
                                                            & (result[2][1] == fresh + offset) & (offset < result[3])),
                  "a leaf: its page read from NC, the copy the same page of the fresh run acquired for it")
def walk_level_copied(kind: int, ppn: int, bottom: bool, span: int, offset: int, nc: int, fresh: int) -> Tuple:
    """One level of the walk, at any level and table width: an entry ACE's copy accepts leads the walk on the copied table exactly as on the hypervisor's (down to the next table, to the same place in a leaf's span, or to nothing), reading only NC and landing only in the fresh C pages acquired for it; a pointer at the last level, or anything leading outside NC, is refused with ACE's code (a lemma about code no step runs yet)."""
    err, need = pagetable.copy_entry(kind, ppn, bottom, span, nc)
    accepted = (err == abi.SUCCESS) & ((kind != LEAF) | pagetable.leaf_in_nc(ppn, need, nc))
    ck, cp = pagetable.copied_entry(kind, fresh)
    return accepted, pagetable.walk_level(kind, ppn, bottom, offset), pagetable.walk_level(ck, cp, bottom, offset), need, err


def pt_width(levels: int) -> int:
    """Entries per table page in the whole-copy proofs. At 2 levels, 2: a root of 8 entries over
    4 pages, a level-2 leaf spanning 2 pages, slots and pages both in the index arithmetic. Deeper,
    1: the tree is as deep as Sv48x4's or Sv57x4's but one entry wide below a 4-entry root, so
    the copy stays exhaustive (at 3 levels and width 2 the translation obligation does not
    finish). Wider tables at every depth are the per-level lemma's (`pt_walk_level`)."""
    return 2 if levels <= 2 else 1


# The whole copy, at the configured depth: the hypervisor's tables in the NC pages (PT_WIDTH
# entries per page), and a free run of PT_FREE C pages after them for the copy to take from.
PT_LEVELS = SIZES.levels
PT_WIDTH = pt_width(PT_LEVELS)
PT_FREE = 8
SrcInts = ints(NC * PT_WIDTH)
PtMemory = ints(NC + PT_FREE)


@dataclass(frozen=True)
class WalkInput:
    """What the whole walk reads: the hypervisor's tables in the NC pages, the root's page, and
    a guest page (the state of the walk's lift, `riscv/pt_walk/lift`)."""
    kinds: SrcInts
    ppns: SrcInts
    root: int
    g: int


def _decoded(kinds: Tuple[int, ...]) -> bool:
    """Every entry is one of ACE's three decoded kinds."""
    return all_of((0 <= k) & (k <= LEAF) for k in kinds)


@dataclass(frozen=True)
class CopyInput:
    """What the whole copy reads: the hypervisor's tables in the NC pages, the root's page, and
    the free run it takes pages from (the state of the copy's lift, `riscv/pt_copy_run/lift`)."""
    kinds: SrcInts
    ppns: SrcInts
    root: int
    free: int


def copy_input_ok(t: CopyInput) -> bool:
    return _decoded(t.kinds) & (0 <= t.free) & (t.free <= PT_FREE)


def answered(code: int, pages: int) -> Tuple[int, int]:
    """A copy's answer as it is read: its code, and the pages it took unless it ran out of them
    (a copy that ran out stops wherever it ran out)."""
    return code, keep(pages, code != abi.FAILED)


def walk_input_ok(t: WalkInput) -> bool:
    return _decoded(t.kinds) & (0 <= t.g) \
        & (t.g < pagetable.guest_pages(PT_LEVELS, PT_WIDTH))


def address_digits(g: int, levels: int, width: int) -> Tuple[int, ...]:
    """Guest page g's table indices, the last level's first, as the guest-physical address lays
    them out: one digit of `width` per level below the root, and what is left for the root
    (which spans ROOT_PAGES pages, so its digit runs to ROOT_PAGES * width)."""
    digits = []
    for _ in range(levels - 1):
        digits.append(g % width)
        g = g // width
    return tuple(digits) + (g,)


def chain_entries() -> Iterator[Tuple[int]]:
    """The finite domain of the entries above the last level that PROMOTE's row reads."""
    return ((j,) for j in range(hv_tables.CHAIN))


def pages_under(j: int) -> int:
    """Guest pages whose address puts them under entry 0 of the table at level `levels - j` and
    of every table above it (each of their digits from that level up is 0), counted over every
    address a tree of the model's width translates below the root's first `width` entries."""
    level, w = PT_LEVELS - j, hv_tables.WIDTH
    return sum(all(d == 0 for d in address_digits(g, PT_LEVELS, w)[level - 1:]) for g in range(w ** PT_LEVELS))


@obligation(Layers.RISCV, "pt_leaf_span", Kind.ENCODING, Method.ENUMERATION, domain="chain_entries")
@icontract.ensure(lambda j, result: result == pages_under(j), "the pages under the entry, counted by their digits")
def leaf_span_counts_the_pages_under_it(j: int) -> int:
    """The span PROMOTE's row checks for a huge leaf in each entry it reads above the last level (`hv_tables.leaf_span`, which the monitor's reading and the row's lift share, so no simulation can see it) is the number of guest pages whose address lies under that entry, counted from the address's digits at the model's table width."""
    return hv_tables.leaf_span(j)


def walk_by_digits(t: WalkInput) -> Tuple[int, int]:
    """The walk written as the per-level step recursed on the address's digits: at each level
    the entry the digit selects (slot digit % W of page digit // W of the table), `walk_level`
    on it, down while it says DESCEND. Independent of `pagetable.walk`'s index arithmetic."""
    digits = address_digits(t.g, PT_LEVELS, PT_WIDTH)
    tables, page = pagetable.Tables(t.kinds, t.ppns, PT_WIDTH), t.root
    for level in range(PT_LEVELS, 0, -1):
        d = digits[level - 1]
        kind, ppn = tables.entry(page + d // PT_WIDTH, d % PT_WIDTH)
        below = t.g % pagetable.span_of(level, PT_WIDTH)  # the guest page's place in a leaf here
        outcome, page = pagetable.walk_level(kind, ppn, level == 1, below)
        if outcome != DESCEND:
            return outcome, page
    return UNMAPPED, 0  # not reached: the last level never says DESCEND


def _source(kinds: Tuple[int, ...], mem: Tuple[int, ...], capacity: int) -> bool:
    """Decoded entries (ACE's three kinds) in NC, and a free run of C pages from NC on, whatever
    they hold (ACE zeroes a page it frees; nothing here relies on it)."""
    return _decoded(kinds) & (0 <= capacity) & (capacity <= PT_FREE)


def _kept_outside(mem: Tuple[int, ...], out: pagetable.Copy) -> bool:
    """NC is only read; no C page past the ones taken changes; an error leaves memory as it was."""
    return same(out.mem[:NC], mem[:NC]) & all_of(implies(c >= NC + out.used, out.mem[c] == mem[c])
                                                 for c in range(NC, NC + PT_FREE)) \
        & implies(out.error != abi.SUCCESS, same(out.mem, mem) & (out.used == 0))


def _holds_origins(mem: Tuple[int, ...], out: pagetable.Copy) -> bool:
    """Every C page with an origin holds that NC page's data (what `pt_copy/simulation` relies on
    when it follows a translation by page numbers)."""
    return all_of(implies(o >= 0, (o < NC) & (out.mem[NC + i] == read_at(mem, o))) for i, o in enumerate(out.origin))


def _copy_points_into_taken_pages(out: pagetable.Copy) -> bool:
    """Every entry of the copied tables that maps anything leads into the pages the copy took:
    no copied table shares a page with the hypervisor, reachable from the root or not."""
    return all_of(implies(k != NOT_MAPPED, (NC <= p) & (p < NC + out.used)) for k, p in zip(out.tables.kind, out.tables.ppn))


@obligation(Layers.RISCV, "pt_copy", Kind.ISOLATION)
@icontract.require(lambda kinds, ppns, mem, root, capacity: _source(kinds, mem, capacity))
@icontract.ensure(lambda capacity, result: (0 <= result.used) & (result.used <= capacity), "only pages of the free run")
@icontract.ensure(lambda mem, result: _kept_outside(mem, result),
                  "NC only read, no C page beyond those taken written, nothing kept on an error")
@icontract.ensure(lambda mem, result: _holds_origins(mem, result),
                  "a C page the copy records as holding an NC page's data holds it")
@icontract.ensure(lambda result: _copy_points_into_taken_pages(result),
                  "every mapped entry of the copied tables leads into the pages the copy took")
def copy_confined(kinds: SrcInts, ppns: SrcInts, mem: PtMemory, root: int, capacity: int) -> pagetable.Copy:
    """Whatever tables the hypervisor points PROMOTE at (malformed, cyclic, into C, a pointer at the last level), ACE's copy takes only pages of the free run, writes no other C page, only reads NC, leaves no copied entry leading outside the pages it took, and on an error gives back all it took (a lemma about code no step runs yet)."""
    return pagetable.copy_tables(pagetable.Tables(kinds, ppns, PT_WIDTH), mem, NC, root, PT_LEVELS, NC, capacity)


def tree_need(src: pagetable.Tables, root: int) -> Tuple[bool, int]:
    """What the hypervisor's tree rooted at NC page `root` asks of a copy, read level by level
    from the root, apart from the copy's event list: whether an entry the copy reaches is bad
    (leads outside NC, a pointer at the last level, a leaf whose span leaves NC, or the root
    itself outside NC), and how many C pages a whole copy takes (the root's ROOT_PAGES, a page
    per table below, a leaf's span), counting every reached entry that starts in NC."""
    def table(page: int, level: int) -> Tuple[bool, int]:
        bad, need = False, pagetable.entries_at(level, PT_LEVELS, PT_WIDTH) // PT_WIDTH
        span = pagetable.span_of(level, PT_WIDTH)
        for j in range(pagetable.entries_at(level, PT_LEVELS, PT_WIDTH)):
            kind, ppn = src.entry(page + j // PT_WIDTH, j % PT_WIDTH)
            inside = (0 <= ppn) & (ppn < NC)
            pointer, leaf = inside & (kind == POINTER), inside & (kind == LEAF)
            bad = bad | ((kind != NOT_MAPPED) & lnot(inside)) | (leaf & (ppn + span > NC))
            need = need + keep(span, leaf)
            if level == 1:
                bad = bad | pointer
            else:
                below_bad, below_need = table(ppn, level - 1)
                bad, need = bad | (pointer & below_bad), need + keep(below_need, pointer)
        return bad, need
    bad, need = table(root, PT_LEVELS)
    return bad | (root < 0) | (root + ROOT_PAGES > NC), need


def _takes_what_the_tree_needs(kinds: Tuple[int, ...], ppns: Tuple[int, ...], root: int, capacity: int,
                               out: pagetable.Copy) -> bool:
    """The copy succeeds exactly when no reached entry is bad and the tree's pages fit, and then
    takes exactly those pages; FAILED only when they do not fit; an address or table error
    only for a bad entry."""
    bad, need = tree_need(pagetable.Tables(kinds, ppns, PT_WIDTH), root)
    ok = out.error == abi.SUCCESS
    return (ok == (lnot(bad) & (need <= capacity))) & implies(ok, out.used == need) \
        & implies(out.error == abi.FAILED, need > capacity) \
        & implies(lnot(ok) & (out.error != abi.FAILED), bad)


@obligation(Layers.RISCV, "pt_copy", Kind.ALLOCATION)
@icontract.require(lambda kinds, ppns, mem, root, capacity: _source(kinds, mem, capacity))
@icontract.ensure(lambda kinds, ppns, root, capacity, result: _takes_what_the_tree_needs(kinds, ppns, root, capacity, result),
                  "the copy succeeds exactly when no reached entry is bad and the tree's pages fit, taking exactly those; it fails FAILED only when they do not fit, with an address or table code only for a bad entry")
def copy_takes_what_the_tree_needs(kinds: SrcInts, ppns: SrcInts, mem: PtMemory, root: int, capacity: int) -> pagetable.Copy:
    """ACE's copy succeeds exactly when every entry it reaches is good and the tree's pages fit in the free run, and then takes exactly the pages the tree needs (the root's four, one per table below, each leaf's span); it answers FAILED only when they do not fit, and an address or table error only for a bad entry it reaches (a lemma about code no step runs yet)."""
    return pagetable.copy_tables(pagetable.Tables(kinds, ppns, PT_WIDTH), mem, NC, root, PT_LEVELS, NC, capacity)


def _taken_copy_of(out: pagetable.Copy, page: int, source: int) -> bool:
    """C page `page` is one the copy took, recorded as the copy of NC page `source`."""
    return (NC <= page) & (page < NC + out.used) & (read_at(out.origin, page - NC) == source)


def _walks_agree(kinds: Tuple[int, ...], ppns: Tuple[int, ...], root: int, out: pagetable.Copy) -> bool:
    """Every guest page the copy translates as the hypervisor's tables did: same outcome, and a
    page found is a page of NC there and a taken C page here recorded as that NC page's copy
    (that it holds the data is `pt_copy/isolation`'s)."""
    src = pagetable.Tables(kinds, ppns, PT_WIDTH)
    for g in range(pagetable.guest_pages(PT_LEVELS, PT_WIDTH)):
        (s_out, s_page), (c_out, c_page) = pagetable.walk(src, root, PT_LEVELS, g), \
            pagetable.walk(out.tables, out.root, PT_LEVELS, g)
        found = (0 <= s_page) & (s_page < NC) & _taken_copy_of(out, c_page, s_page)
        # A branch per guest page, on purpose: the solver decides one page's walk at a time
        # instead of one query over the whole tree (which took 30 s to 45 s at 2 levels).
        if not ((s_out == c_out) & implies(s_out == MAPPED, found)):
            return False
    return True


def _failed_or_walks_agree(kinds: Tuple[int, ...], ppns: Tuple[int, ...], root: int, out: pagetable.Copy) -> bool:
    """A failed copy, or one whose walks agree. A branch on the copy's success first: a failed
    copy's path then ends without walking, and a successful one ends on a decided answer rather
    than one more query over the whole copy (which was half of this obligation's time)."""
    if out.error != abi.SUCCESS:
        return True
    return _walks_agree(kinds, ppns, root, out)


@obligation(Layers.RISCV, "pt_copy", Kind.SIMULATION)
@icontract.require(lambda kinds, ppns, mem, root: _source(kinds, mem, PT_FREE))
@icontract.ensure(lambda kinds, ppns, root, result: _failed_or_walks_agree(kinds, ppns, root, result),
                  "a copy that succeeds translates every guest page as the hypervisor's tables, into fresh pages copied from theirs")
def copy_translates(kinds: SrcInts, ppns: SrcInts, mem: PtMemory, root: int) -> pagetable.Copy:
    """A copy that succeeds walks every guest page as the hypervisor's tables do, each page found a fresh C page recorded as the NC page's copy (pt_copy/isolation: holding its data), none shared with the hypervisor (a lemma about code no step runs yet). The whole free run is offered: a smaller one only makes more copies fail, and a copy that succeeds takes the same pages from any run it fits in (pages come in order)."""
    return pagetable.copy_tables(pagetable.Tables(kinds, ppns, PT_WIDTH), mem, NC, root, PT_LEVELS, NC, PT_FREE)


# PROMOTE's row reads the hypervisor's tables as the entries its guest pages use (`hv_tables`):
# entry 0 of each table above the last, the last table's first G. Held in NC pages as tables
# `BRIDGE_WIDTH` entries wide, guest pages 0..G-1 all lie under the root's entry 0, as under
# RISC-V's 512, so the whole-tree walk (`pagetable.walk`) reads exactly those entries.
BRIDGE_WIDTH = hv_tables.WIDTH
BridgeInts = ints(NC * BRIDGE_WIDTH)


def path_entries(kinds: Tuple[int, ...], ppns: Tuple[int, ...], root: int) -> hv_tables.Vm:
    """What the row reads of tables held in NC pages: entry 0 of the root, then of the table each
    pointer names, then that last table's first G, each as V and whether R, W or X is set (the
    decoding back is `riscv/hv_entry/encoding`'s)."""
    tables, page, v, rwx, ppn = pagetable.Tables(kinds, ppns, BRIDGE_WIDTH), root, [], [], []
    for i, slot in enumerate([0] * hv_tables.CHAIN + list(range(G))):
        kind, p = tables.entry(page, slot)
        v.append(kind != NOT_MAPPED)
        rwx.append(kind == LEAF)
        ppn.append(p)
        page = p if i < hv_tables.CHAIN else page
    return root, tuple(v), tuple(rwx), tuple(ppn)


def _held(v: Tuple[bool, ...], rwx: Tuple[bool, ...]) -> Tuple[bool, ...]:
    """Which of PROMOTE's tables are reached, the root's first: a table below is reached only if
    every entry above it on the way is a pointer (a leaf's page holds data, not a table)."""
    held = [True]
    for j in range(hv_tables.CHAIN):
        held.append(held[-1] & (hv_tables.ace_kind(v[j], rwx[j]) == POINTER))
    return tuple(held)


def _in_nc(kinds: Tuple[int, ...], ppns: Tuple[int, ...], root: int) -> bool:
    """Tables whose addresses all lie in NC: the 16 KiB root, every entry's, and the whole span of
    a huge leaf on the guest's path (where ACE checks an address before anything else, the walk
    and the reading agree by construction; the walk sees only the guest's pages of a span, the
    rest is `pt_promote_copy`'s)."""
    _, v, rwx, ppn = path_entries(kinds, ppns, root)
    held = _held(v, rwx)
    spans = all_of(implies(held[j] & (hv_tables.ace_kind(v[j], rwx[j]) == LEAF), ppn[j] + hv_tables.leaf_span(j) <= NC)
                   for j in range(hv_tables.CHAIN))
    return (0 <= root) & (root + ROOT_PAGES <= NC) & all_of((0 <= p) & (p < NC) for p in ppns) & spans


def _reads_as_walked(kinds: Tuple[int, ...], ppns: Tuple[int, ...], root: int, result: Tuple[int, ...]) -> bool:
    """Each guest page reads as the whole-tree walk of the tables finds it, in the VM's marks:
    the page found, VM_MALFORMED, VM_UNMAPPED."""
    tables, agree = pagetable.Tables(kinds, ppns, BRIDGE_WIDTH), True
    for g in range(G):
        outcome, page = pagetable.walk(tables, root, PT_LEVELS, g)
        walked = keep(page, outcome == MAPPED) + keep(abi.VM_MALFORMED, outcome == CORRUPT) \
            + keep(abi.VM_UNMAPPED, outcome == UNMAPPED)
        agree = agree & (result[g] == walked)
    return agree


@obligation(Layers.RISCV, "pt_hv_reading", Kind.SIMULATION)
@icontract.require(lambda kinds, ppns, root: _decoded(kinds) & _in_nc(kinds, ppns, root))
@icontract.ensure(lambda kinds, ppns, root, result: _reads_as_walked(kinds, ppns, root, result),
                  "each guest page reads as the whole-tree walk of the tables in memory finds it")
def hv_reading_walks(kinds: BridgeInts, ppns: BridgeInts, root: int) -> Tuple[int, ...]:
    """PROMOTE's reading of the hypervisor's tables (`hv_tables.vm_of`, which the monitor's reading, as the row's lift hands it on, is proven equal to: `riscv/pt_read_vm/simulation`), of the entries along the guest's path in any tables the NC pages hold (cyclic, overlapping the root, a table on a leaf's page), is the whole-tree walk (`pagetable.walk`, `levels` levels from the 16 KiB root) of those tables, wherever their addresses lie in NC: the reading's depth, its digits and its decoding are the walk's."""
    return hv_tables.vm_of(path_entries(kinds, ppns, root))


@obligation(Layers.RISCV, "pt_path_pages", Kind.SIMULATION)
@icontract.ensure(lambda root, v, rwx, ppn, result: result == hv_tables.path_pages((root, v, rwx, ppn)),
                  "the reading's count is the walk's")
def path_pages_are_the_walks(root: int, v: bools(hv_tables.ENTRIES), rwx: bools(hv_tables.ENTRIES),
                             ppn: ints(hv_tables.ENTRIES)) -> int:
    """On every table the hypervisor can write, the pages PROMOTE's reading counts as ACE's copy takes them along the guest's path before a refusal there, or in all (`hv_tables.read_vm`, which the row's answer and its lift both use), are the count said apart by the walk of the path (`hv_tables.path_pages`): the root's four once its first page is in NC, a table per pointer followed, a leaf's span once its first page is in NC, a page per guest leaf, up to the first address outside NC, the root's end, a huge leaf's span or a pointer at the last level. Split from `riscv->canonical/promote_to_tvm/simulation`, where comparing the two counts there took that square at three CVMs from 80 s to 130 s of CrossHair time."""
    return hv_tables.read_vm((root, v, rwx, ppn))[3]


def _read_as_walked(vm: hv_tables.Vm, result: Tuple) -> bool:
    """The map the reading hands the monitor is read as the walk's map would be: the same
    answer, and where it accepts the VM, the same pages and the same huge leaf."""
    walked = abi.vm_decoded(hv_tables.vm_of(vm), hv_tables.leaf_above_last(vm), result[3])
    return (result[0] == walked[0]) & ((result[0] != abi.SUCCESS) | same(result, walked))


@obligation(Layers.RISCV, "pt_read_vm", Kind.SIMULATION)
@icontract.ensure(lambda root, v, rwx, ppn, result: _read_as_walked((root, v, rwx, ppn), result),
                  "the reading's map is read as the walk's: its answer, and if it accepts, its pages and huge leaf")
def read_vm_is_the_walk(root: int, v: bools(hv_tables.ENTRIES), rwx: bools(hv_tables.ENTRIES),
                        ppn: ints(hv_tables.ENTRIES)) -> Tuple:
    """On every table the hypervisor can write, the VM PROMOTE's reading hands the monitor (`hv_tables.as_map` of `hv_tables.read_vm`, which the RISC-V machine and the row's lift both give it, the machine with the reading's own code, which the square compares with the map's) is read by a machine above (`abi.vm_decoded`, the canonical machine's reading of its input) as the VM the walk of each guest page describes (`hv_tables.vm_of`, whether a huge leaf maps it `hv_tables.leaf_above_last`): the same answer, ACE's code for the first entry it refuses in its order, and where it accepts the VM the same guest pages and huge leaf (where it refuses, PROMOTE reads nothing else). `riscv/pt_hv_reading/simulation` proves that walk the whole-tree walk of the tables in NC. Split from `riscv->canonical/promote_to_tvm/simulation`, where comparing the two readings on every path took that square at three CVMs to 68 s of its 90 s (7 s without)."""
    return abi.vm_decoded(*hv_tables.as_map(hv_tables.read_vm((root, v, rwx, ppn))))


# PROMOTE's row reads the entries its guest pages use and takes its own pages (`hv_tables.read_vm`),
# with what ACE's copy finds off that path as two inputs (`pagetable.off_path`); ACE runs the
# whole-tree copy (`pagetable.copy_tables`). What the copy maps is compared with the row's reading
# on any tables the NC pages hold, BRIDGE_WIDTH entries wide, from a free run of up to BRIDGE_FREE
# pages: the largest tree with no entry off the guest's path (the 16 KiB root, a table per level
# below, and G leaves or one huge leaf's span), so trees off the path are covered as far as they
# fit beside it. The copy's answer is compared part by part (`pt_copy_then`, `pt_copy_run`,
# `pt_path_copy`, below), from any free run: the two sides share the parts off the path as terms,
# and the run's size is one scalar of the lemma. Its run compared whole with the row's answer at
# this width (`pt_off_path`, removed) was one solver query of about 30 s at a free run of 8 pages
# (2 s at 4 pages, 11 s at 7): under CI's load it came back unknown.
BRIDGE_FREE = ROOT_PAGES + max(hv_tables.CHAIN + G, BRIDGE_WIDTH ** hv_tables.CHAIN)
# Stated at 2 levels, the default, only: at 3 it is proven in 69 s of CrossHair time, one solver
# check of 19 s (2026-12-07), beyond the margin, and at Sv48x4's 4 the tree G wide unrolls to 637
# steps; from 3 levels on NC's pages cannot hold a 16 KiB root and two tables beside it, so such
# copies succeed there only through a huge leaf. Depth is `pt_hv_reading`'s (the row against the
# walk), `pt_copy`'s (the copy against the walk), `pt_path_copy`'s (the copy's answer against the
# row's) and `pt_promote_path`'s (what the copy maps along the guest's path).
BRIDGE_LEVELS = (2,)


def _pages_before_data(huge: bool) -> int:
    """The pages the row takes before its data: the 16 KiB root and a table per level below,
    but for the last under a huge leaf (ACE's copy takes them first, depth first)."""
    return ROOT_PAGES + hv_tables.CHAIN - keep(1, huge)


def _copy_as_read(kinds: Tuple[int, ...], ppns: Tuple[int, ...], root: int, out: pagetable.Copy) -> bool:
    """A copy that succeeds translates each guest page to a fresh page recorded as the copy of
    the NC page the row maps it to, or leaves it unmapped as the row does; and that page is the
    one the row's allocator gives it in a free run: after the 16 KiB root and the path's tables,
    in guest order (under a huge leaf, the g-th page of its block). So the pages the copy takes
    for the entries off the guest's path come after the data, where the row takes them."""
    if out.error != abi.SUCCESS:
        return True
    _, pages, huge, _ = hv_tables.read_vm(path_entries(kinds, ppns, root))
    place = NC + _pages_before_data(huge)  # under a huge leaf every page is mapped
    for g in range(G):
        outcome, found = pagetable.walk(out.tables, out.root, PT_LEVELS, g)
        mapped = pages[g] != abi.VM_UNMAPPED
        if not ((outcome == MAPPED) == mapped) & implies(mapped, _taken_copy_of(out, found, pages[g]) & (found == place)):
            return False
        place = place + keep(1, mapped)
    return True


@obligation(Layers.RISCV, "pt_promote_copy", Kind.SIMULATION, levels=BRIDGE_LEVELS)
@icontract.require(lambda kinds, capacity: _decoded(kinds) & (0 <= capacity) & (capacity <= BRIDGE_FREE))
@icontract.ensure(lambda kinds, ppns, root, result: _copy_as_read(kinds, ppns, root, result),
                  "a copy that succeeds translates each guest page as the row maps it, in the row's order")
def promote_reading_is_the_copy(kinds: BridgeInts, ppns: BridgeInts, root: int, capacity: int) -> pagetable.Copy:
    """On any tables the hypervisor's NC pages hold (malformed, cyclic, overlapping, pointing into C), ACE's whole-tree copy (`pagetable.copy_tables`) that succeeds maps each guest page to a fresh page recorded as the copy of the NC page PROMOTE's row reads for it (`hv_tables.read_vm` of the entries along the guest's path), the page after the root, the path's tables and the guest's earlier mapped pages (so the pages off the path come after the data, where the row takes them), and leaves the row's unmapped pages unmapped; what it answers is `pt_path_copy`'s with `pt_copy_then` and `pt_copy_run`."""
    return pagetable.copy_tables(pagetable.Tables(kinds, ppns, BRIDGE_WIDTH), (0,) * (NC + BRIDGE_FREE), NC, root,
                                 PT_LEVELS, NC, capacity)


# The copy along the guest's path alone, the entries off it stand-ins (`_stand_ins`): the
# 16 KiB root, a table per level below, and G leaves or one huge leaf's span (which lies in NC),
# and NC pages more for the parts off the path.
PATH_FREE = ROOT_PAGES + hv_tables.CHAIN + G + NC


@obligation(Layers.RISCV, "pt_promote_path", Kind.SIMULATION)
@icontract.require(lambda kinds, capacity, off_code, off_pages:
                   _decoded(kinds) & (0 <= capacity) & (capacity <= PATH_FREE) & _codes(off_code, off_pages))
@icontract.ensure(lambda kinds, ppns, root, result: _copy_as_read(kinds, ppns, root, result[0]),
                  "a copy that succeeds translates each guest page as the row maps it, in the row's order")
@icontract.ensure(lambda kinds, ppns, root, result: _asked_as_off_path_asks(kinds, ppns, root, result[1]),
                  "the parts off the path stand for off_entries of the path's tables, at their levels")
def path_copy_maps_as_read(kinds: BridgeInts, ppns: BridgeInts, root: int, capacity: int,
                           off_code: ints(PT_LEVELS), off_pages: ints(PT_LEVELS)) -> Tuple:
    """At any depth, on any tables the hypervisor's NC pages hold, at the row's width: ACE's copy (`pagetable.copy_tables`), with each path table's entries off the guest's path run as one part that takes its pages or refuses and writes nothing (a stand-in, asked for the very tables `pagetable.off_path` folds, at their levels), that succeeds maps each guest page to a fresh page recorded as the copy of the NC page PROMOTE's row reads for it, the page after the root, the path's tables and the guest's earlier mapped pages, and leaves the row's unmapped pages unmapped: `riscv/pt_promote_copy/simulation` at every depth, but for what the entries off the path write, which lands only on their own tables' slots past the path's and on pages taken after the data (docs/design-notes.md, "What the copy maps, at every depth"; checked whole at 2 levels by `pt_promote_copy`, and by `tests/test_pagetable.py` at 2 to 4)."""
    given, asked = _stand_ins(tuple(zip(off_code, off_pages)))
    out = pagetable.copy_tables(pagetable.Tables(kinds, ppns, BRIDGE_WIDTH), (0,) * (NC + PATH_FREE), NC, root,
                                PT_LEVELS, NC, capacity, guest=G, off=given)
    return out, tuple(asked)


def row_part(vm: hv_tables.Vm, off_code: int, off_pages: int) -> Tuple[int, int]:
    """What PROMOTE's row answers from its reading of the guest's path (`hv_tables.read_vm`)
    and the two inputs for the entries off it (`hv_tables.read_off_path`), as a part of the copy
    (`pagetable.taking` gives its answer from a free run), the device tree aside: the code of
    the first refusal, the guest's entries' first and then the entries off the path; and the
    pages taken up to it: before a refusal on the path, or along a path that maps no page,
    the reading's count; along one that maps a page, the row's own (its root, its tables and
    its data), then the pages off the path."""
    code, pages, huge, reach = hv_tables.read_vm(vm)
    off, taken = hv_tables.read_off_path(off_code, off_pages)
    mapped = sum(keep(1, p != abi.VM_UNMAPPED) for p in pages)
    accepted = code == abi.SUCCESS
    own = accepted & (mapped > 0)
    need = keep(reach, lnot(own)) + keep(_pages_before_data(huge) + mapped, own) + keep(taken, accepted)
    return code + keep(off, accepted), need


def _answers_as(out: Tuple[int, int], part: Tuple[int, int], free: int) -> bool:
    """The copy's (code, pages taken) from a free run of `free` pages is the part's: FAILED
    exactly when the part's pages do not fit, else its code and its pages."""
    short = free < part[1]
    return (out[0] == keep(abi.FAILED, short) + keep(part[0], lnot(short))) & (short | (out[1] == part[1]))


def _row_on(kinds: Tuple[int, ...], ppns: Tuple[int, ...], root: int) -> Tuple[int, int]:
    """What the row answers (`row_part`) on tables held in NC pages: its reading of the guest's
    path and `off_path`'s two inputs for the other entries."""
    src = pagetable.Tables(kinds, ppns, BRIDGE_WIDTH)
    return row_part(path_entries(kinds, ppns, root), *pagetable.off_path(src, root, PT_LEVELS, NC, G))


@obligation(Layers.RISCV, "pt_copy_summary", Kind.SIMULATION, levels=BRIDGE_LEVELS)
@icontract.require(lambda kinds: _decoded(kinds))
@icontract.ensure(lambda kinds, ppns, root, result:
                  same(result, _row_on(kinds, ppns, root)),
                  "the whole-tree copy, as one part, is the row's reading and off_path's inputs")
def copy_summary_is_read(kinds: BridgeInts, ppns: BridgeInts, root: int) -> Tuple[int, int]:
    """On any tables the hypervisor's NC pages hold, ACE's whole-tree copy as one part (`pagetable.copy_summary`: its code from a free run large enough and the pages it takes up to its first refusal, from which `pagetable.taking` gives its answer from any free run) is what PROMOTE's row answers from its reading of the guest's path and `off_path`'s two inputs for the other entries. Stated whole at 2 levels; at any depth it is `riscv/pt_path_copy/simulation` (the same part regrouped along the path) with `riscv/pt_copy_then/entry`."""
    return pagetable.copy_summary(pagetable.Tables(kinds, ppns, BRIDGE_WIDTH), root, PT_LEVELS, NC, G)


def _codes(codes: Tuple[int, ...], pages: Tuple[int, ...]) -> bool:
    """Parts as the copy's checks give them: a code of ACE's (SUCCESS, or a refusal) and no
    negative count."""
    return all_of(((c == abi.SUCCESS) | (c == abi.INVALID_PARAM) | (c == abi.INVALID_ADDRESS)) & (p >= 0)
                  for c, p in zip(codes, pages))


@obligation(Layers.RISCV, "pt_path_copy", Kind.SIMULATION)
@icontract.require(lambda off_code, off_pages: _codes(off_code, off_pages))
@icontract.ensure(lambda root, v, rwx, ppn, off_code, off_pages, result:
                  same(result, row_part((root, v, rwx, ppn),
                                        *pagetable.off_fold(hv_tables.path_reached((root, v, rwx, ppn)),
                                                            tuple(zip(off_code, off_pages))))),
                  "the copy along the guest's path, each table's entries off it given, is the row's answer")
def path_copy_is_read(root: int, v: bools(hv_tables.ENTRIES), rwx: bools(hv_tables.ENTRIES),
                      ppn: ints(hv_tables.ENTRIES), off_code: ints(PT_LEVELS), off_pages: ints(PT_LEVELS)) -> Tuple[int, int]:
    """At any depth, on every table the hypervisor can write: ACE's whole-tree copy as one part, told along the guest's path (`hv_tables.path_copy`: each of the path's tables entered, its entry 0 with the table below or the last table's G leaves, then its entries off the path, whose parts are free here), is what PROMOTE's row answers from its reading (`hv_tables.read_vm`) and the two inputs `off_path` gives it for the entries off the path (the same parts in the copy's order, `pagetable.off_fold`). With `riscv/pt_copy_then/entry` it makes the copy's answer the row's from any free run at every depth; `riscv/pt_copy_summary/simulation` checks the whole part at 2 levels."""
    return hv_tables.path_copy((root, v, rwx, ppn), tuple(zip(off_code, off_pages)))


def _state_ok(state: Tuple[int, bool, int], capacity: int) -> bool:
    """A state of the copy's run: no more pages taken than the free run has, and failed exactly
    when its code is a refusal."""
    error, failed, cursor = state
    return (0 <= cursor) & (cursor <= capacity) & (failed == (error != abi.SUCCESS))


def _alike(s: Tuple[int, bool, int], t: Tuple[int, bool, int]) -> bool:
    """Two states answer alike: the same code and failure, and the same pages unless the
    answer is FAILED (a copy that ran out of pages stops wherever it ran out)."""
    return (s[0] == t[0]) & (s[1] == t[1]) & ((s[0] == abi.FAILED) | (s[2] == t[2]))


def _then_holds(capacity: int, s: Tuple, s2: Tuple, a: Tuple[int, int], b: Tuple[int, int], c: Tuple[int, int],
                result: Tuple) -> bool:
    in_turn, at_once, again, grouped, unreached, skipped, first, once = result[:8]
    return (_alike(in_turn, at_once) & _state_ok(in_turn, capacity) & _state_ok(once, capacity)
            & implies(_alike(s, s2), _alike(again, at_once))
            & same(grouped[0], grouped[1]) & same(unreached, s) & same(skipped, s)
            & implies(capacity >= 0, _answers_as(first[::2], a, capacity) & (first[1] == (first[0] != abi.SUCCESS))))


def _gates_hold(a: Tuple[int, int], result: Tuple) -> bool:
    """The gates of the copy's parts: a table reached under a pointer is gated by both, the
    ungated part is itself, and the parts and their `then` take no negative count of pages."""
    gated, regated, ungated, joined, own_pages = result[8:]
    return same(gated, regated) & same(ungated, a) & (joined[1] >= 0) & all_of(p >= 0 for p in own_pages)


@obligation(Layers.RISCV, "pt_copy_then", Kind.ENTRY)
@icontract.require(lambda error, failed, cursor, error2, failed2, cursor2, capacity, a_pages, b_pages, c_pages, span, pages:
                   _state_ok((error, failed, cursor), capacity) & _state_ok((error2, failed2, cursor2), capacity)
                   & (a_pages >= 0) & (b_pages >= 0) & (c_pages >= 0) & (span >= 1) & (pages >= 1))
@icontract.ensure(lambda error, failed, cursor, error2, failed2, cursor2, capacity, a_code, a_pages, b_code, b_pages,
                  c_code, c_pages, result:
                  _then_holds(capacity, (error, failed, cursor), (error2, failed2, cursor2), (a_code, a_pages),
                              (b_code, b_pages), (c_code, c_pages), result),
                  "two parts run in turn answer as their `then` run once, from any state, alike states stay alike, "
                  "`then` is associative, a part not reached, or skipped, changes nothing, and from the start a part "
                  "answers FAILED exactly when its pages do not fit, else its code with its pages")
@icontract.ensure(lambda a_code, a_pages, result: _gates_hold((a_code, a_pages), result),
                  "a part under a pointer in a reached table is gated by both; parts take no negative count of pages")
def copy_then(error: int, failed: bool, cursor: int, error2: int, failed2: bool, cursor2: int, capacity: int,
              a_code: int, a_pages: int, b_code: int, b_pages: int, c_code: int, c_pages: int,
              reached: bool, under: bool, kind: int, ppn: int, bottom: bool, span: int, nc: int, source: int,
              pages: int, root: bool) -> Tuple:
    """At any depth, table width and free run, the cases of the induction that makes the copy's run its whole-tree summary. Running two parts of ACE's copy in turn (`pagetable.advance`, each step of `pagetable._run`) answers as running their summary one after the other (`pagetable.then`) once, from any state of the run, and one part leaves a state of the run; states that answer alike stay alike; `then` is associative; a part whose table is not reached, or that is copied only under a pointer that is not there (`pagetable.only_if`), changes nothing; from the start a part answers FAILED exactly when its pages do not fit in the free run, else its code, taking its pages; an entry's part with the table under its pointer (`under`), gated as a whole by its table being `reached`, is the two gated apart, the table below by both (as `pagetable.copy_steps` gates each step); and no part (`entered`, `entry_part`) takes a negative count of pages. So the copy, `advance` folded over its steps depth first (`pagetable.copy_steps`, logged by the summary's own recursion, so both hold the same parts), answers as its whole-tree summary (`pagetable.copy_summary`) from any free run, at any width and depth, by induction on the tree: FAILED exactly when the pages up to its first refusal do not fit (`pagetable.taking`). `riscv/pt_copy_run/lift` checks that conclusion whole at the configured depth on narrower tables."""
    s, a, b = (error, failed, cursor), (a_code, a_pages), (b_code, b_pages)
    in_turn = pagetable.advance(pagetable.advance(s, a, capacity)[0], b, capacity)[0]
    at_once = pagetable.advance(s, pagetable.then(a, b), capacity)[0]
    again = pagetable.advance(pagetable.advance((error2, failed2, cursor2), a, capacity)[0], b, capacity)[0]
    grouped = (pagetable.then(pagetable.then(a, b), (c_code, c_pages)), pagetable.then(a, pagetable.then(b, (c_code, c_pages))))
    gated = pagetable.only_if(pagetable.then(a, pagetable.only_if(b, under)), reached)
    regated = pagetable.then(pagetable.only_if(a, reached), pagetable.only_if(b, reached & under))
    own_pages = (pagetable.entered(source, pages, nc, root)[1], pagetable.entry_part(kind, ppn, bottom, span, nc)[1])
    return (in_turn, at_once, again, grouped, pagetable.advance(s, a, capacity, False)[0],
            pagetable.advance(s, pagetable.only_if(a, False), capacity)[0],
            pagetable.advance((abi.SUCCESS, False, 0), a, capacity)[0], pagetable.advance(s, a, capacity)[0],
            gated, regated, pagetable.only_if(a, True), pagetable.then(a, b), own_pages)


def _stand_ins(offs: Tuple[Tuple[int, int], ...]) -> Tuple[pagetable.OffParts, List[Tuple]]:
    """Stand-ins for `off_entries` (`copy_summary`'s and `copy_steps`' `off`): the parts `offs`,
    the root table's first, for the entries off the guest's path of the tables visited there,
    so only the path's tables are visited, at any depth; and what each stand-in was asked for
    (its table's page and level, the depth, NC and the guest's pages). Each logs one step for the
    copy's run: its part, gated by its table, a table of its own that nothing points to and
    that holds no entry (so it takes the part's pages, or refuses, and writes nothing). The
    copy asks once it has its table's heads, so the last table first: they are handed out from
    the end."""
    asked: List[Tuple] = []

    def given(src, page, level, levels, nc, guest, log, node, reached):
        asked.append((page, level, levels, nc, guest))
        part = offs[len(offs) - len(asked)]
        log.append(pagetable.Step(pagetable.Event(-len(asked), level, -1, (node, -1)), part, reached))
        return part
    return given, asked


def _summary_with_offs_given(kinds: Tuple[int, ...], ppns: Tuple[int, ...], root: int,
                             offs: Tuple[Tuple[int, int], ...]) -> Tuple[Tuple[int, int], Tuple]:
    """The whole-tree summary with `offs` standing for the entries off the guest's path
    (`_stand_ins`), and what each stand-in was asked for."""
    given, asked = _stand_ins(offs)
    part = pagetable.copy_summary(pagetable.Tables(kinds, ppns, BRIDGE_WIDTH), root, PT_LEVELS, NC, G, off=given)
    return part, tuple(asked)


def _asked_as_off_path_asks(kinds: Tuple[int, ...], ppns: Tuple[int, ...], root: int, asked: Tuple) -> bool:
    """The stand-ins were asked, the last table first, for what `pagetable.off_path` asks
    `off_entries` (the tables `path_tables` finds, the root's first, at their levels), so with
    `off_entries` in their place the summary is the copy's and `offs` are `off_path`'s parts."""
    tables, _ = pagetable.path_tables(pagetable.Tables(kinds, ppns, BRIDGE_WIDTH), root, PT_LEVELS, NC)
    return (len(asked) == PT_LEVELS) & all_of(same(a, (tables[i], PT_LEVELS - i, PT_LEVELS, NC, G))
                                              for i, a in enumerate(reversed(asked)))


@obligation(Layers.RISCV, "pt_summary_path", Kind.SIMULATION)
@icontract.require(lambda kinds: _decoded(kinds))
@icontract.ensure(lambda kinds, ppns, root, off_code, off_pages, result:
                  same(result[0], hv_tables.path_copy(path_entries(kinds, ppns, root), tuple(zip(off_code, off_pages)))),
                  "the whole-tree summary is the path's telling of it, term for term, the parts off the path given")
@icontract.ensure(lambda kinds, ppns, root, result: _asked_as_off_path_asks(kinds, ppns, root, result[1]),
                  "the parts off the path stand for off_entries of the path's tables, at their levels")
def summary_is_told_along_the_path(kinds: BridgeInts, ppns: BridgeInts, root: int,
                                   off_code: ints(PT_LEVELS), off_pages: ints(PT_LEVELS)) -> Tuple:
    """At any depth, on any tables the NC pages hold, at the row's width: ACE's whole-tree copy as one part (`pagetable.copy_summary`) is that part told along the guest's path (`hv_tables.path_copy` of the row's reading of the path), each path table's entries off the path given as free parts that stand, in the summary, for `off_entries` of the very tables `pagetable.off_path` folds (asked for at their levels, the last table first). With `off_entries` in their place, which is the summary's own code, this is the step that joins the summary to `riscv/pt_path_copy/simulation` and `riscv/pt_path_tables/simulation`: the two are written to group the parts alike, this proves they do, and that the reading's decoding of each path entry (V, and R/W/X) gives the summary's part."""
    return _summary_with_offs_given(kinds, ppns, root, tuple(zip(off_code, off_pages)))


@obligation(Layers.RISCV, "pt_path_tables", Kind.SIMULATION)
@icontract.require(lambda kinds: _decoded(kinds))
@icontract.ensure(lambda kinds, ppns, root, result:
                  same(result, ((root,) + path_entries(kinds, ppns, root)[3][:hv_tables.CHAIN],
                                hv_tables.path_reached(path_entries(kinds, ppns, root)))),
                  "off_path's tables along the guest's path, and whether the copy reaches each, are the row's reading's")
def path_tables_are_read(kinds: BridgeInts, ppns: BridgeInts, root: int) -> Tuple:
    """At any depth, on any tables the NC pages hold: the tables along the guest's path whose other entries `pagetable.off_path` gives the row (`pagetable.path_tables`: the root, then the page each entry 0 names), and whether ACE's copy reaches each (through a pointer in NC), are those of the row's reading of the path (`path_entries`, `hv_tables.path_reached`), which `riscv/pt_path_copy/simulation` takes. With it, and `off_path` being `off_fold` of each such table's `off_entries` by construction, `pt_path_copy` speaks for the inputs the row is given."""
    return pagetable.path_tables(pagetable.Tables(kinds, ppns, BRIDGE_WIDTH), root, PT_LEVELS, NC)
