"""The hypervisor's G-stage tables as ACE's PROMOTE reads and copies them (issue 17, in part).

ACE (`core/architecture/riscv/mmu/page_table.rs` `PageTable::copy_from_non_confidential_memory`)
copies the hypervisor's tables into confidential memory depth first: a fresh C page for every
table (16 KiB for the root) and every leaf's data, each entry decoded by
`PageTableEntry::deserialize`. Tables are held here as the decoded entries of the pages that
hold them: slot s of page p is `kind[p * W + s]`, `ppn[p * W + s]` (W slots per 4 KiB page in
the model; RISC-V has 512). A root spans ROOT_PAGES consecutive pages, so its entries are the
slots of pages p .. p + ROOT_PAGES - 1 in order. Levels are ACE's: the root is level `levels`,
a leaf at level 1 maps one 4 KiB page, and a leaf at level l maps W^(l-1) consecutive pages.

Not yet run by any step: the PROMOTE row still receives the guest pages decoded (`src`). The
per-level lemmas (`refinement/obligations/pagetable.py`) are proven at any level and width; the
whole copy is checked by tests (`tests/test_pagetable.py`), not proven.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import List, Optional, Tuple

from abstract import abi
from concrete.riscv.gstage import PTE_R, PTE_V, PTE_W, PTE_X

NOT_MAPPED, POINTER, LEAF = 0, 1, 2
TYPE_MASK = PTE_V | PTE_R | PTE_W | PTE_X   # ACE's PAGE_TABLE_ENTRY_TYPE_MASK
ROOT_PAGES = 4                              # a 16 KiB root: the x4 of Sv48x4 and Sv57x4

# One level of a walk: go down to the next table, a page found, nothing mapped, or a pointer
# where only a leaf may be (the last level).
DESCEND, MAPPED, UNMAPPED, CORRUPT = 0, 1, 2, 3


def entry_kind(flags: int) -> int:
    """ACE's `PageTableEntry::deserialize` on an entry's flag byte: V R W X all clear is not
    mapped, V alone a pointer to the next table, anything else a leaf (V clear with R, W or X
    set included: ACE copies it as a valid leaf)."""
    t = flags % 16
    return NOT_MAPPED if t == 0 else POINTER if t == PTE_V else LEAF


def walk_level(kind: int, ppn: int, bottom: bool, offset: int) -> Tuple[int, int]:
    """One level of the walk: an entry (kind, ppn) at a level whose leaves map pages, `offset`
    the guest page's place inside this entry's span; `bottom`: the last level. The outcome and
    the page: the next table's, or the page found."""
    if kind == POINTER:
        return (CORRUPT, 0) if bottom else (DESCEND, ppn)
    if kind == LEAF:
        return MAPPED, ppn + offset
    return UNMAPPED, 0


def copy_entry(kind: int, ppn: int, bottom: bool, span: int, nc: int) -> Tuple[int, int]:
    """ACE's checks on one source entry before it acquires anything, in its order: (error, C
    pages to acquire). What an entry leads to must start in NC (INVALID_ADDRESS), and a pointer
    must not sit at the last level (INVALID_PARAM, ACE's PageTableCorrupted). A pointer needs one
    page for the next table, a leaf `span` for its data, an unmapped entry none; a leaf's whole
    span is checked once its pages are acquired (`leaf_in_nc`)."""
    if kind == NOT_MAPPED:
        return abi.SUCCESS, 0
    if (ppn < 0) | (ppn >= nc):
        return abi.INVALID_ADDRESS, 0
    if kind == POINTER:
        return (abi.INVALID_PARAM, 0) if bottom else (abi.SUCCESS, 1)
    return abi.SUCCESS, span


def leaf_in_nc(ppn: int, span: int, nc: int) -> bool:
    """A leaf's data, pages ppn .. ppn + span - 1, lies in NC (ACE checks it as it copies)."""
    return (0 <= ppn) & (ppn + span <= nc)


def copied_entry(kind: int, fresh: int) -> Tuple[int, int]:
    """The entry ACE writes into the copied table once the source entry passed `copy_entry`:
    the same kind, leading to the fresh C page(s) it acquired (`LogicalPageTableEntry::serialize`)."""
    return (kind, fresh) if kind != NOT_MAPPED else (NOT_MAPPED, 0)


@dataclass(frozen=True)
class Tables:
    """Decoded table entries of a run of pages, page `base` first: slot s of page p at
    (p - base) * width + s."""
    kind: Tuple[int, ...]
    ppn: Tuple[int, ...]
    width: int
    base: int = 0

    def entry(self, page: int, slot: int) -> Tuple[int, int]:
        i = (page - self.base) * self.width + slot
        return (self.kind[i], self.ppn[i]) if 0 <= i < len(self.kind) else (NOT_MAPPED, 0)


def span_of(level: int, width: int) -> int:
    """Guest pages a leaf at `level` maps (level 1: one 4 KiB page)."""
    return width ** (level - 1)


def guest_pages(levels: int, width: int) -> int:
    """Guest pages a table tree of `levels` levels translates: the root's entries times the span of each."""
    return ROOT_PAGES * width * span_of(levels, width)


def walk(tables: Tables, root: int, levels: int, g: int) -> Tuple[int, int]:
    """The walk of guest page g from the root at page `root`: `walk_level` composed from the
    root's level down, each level's index the guest page's digit there."""
    page, w = root, tables.width
    for level in range(levels, 0, -1):
        span = span_of(level, w)
        entries = (ROOT_PAGES if level == levels else 1) * w
        index = g // span % entries
        kind, ppn = tables.entry(page + index // w, index % w)
        outcome, page = walk_level(kind, ppn, level == 1, g % span)
        if outcome != DESCEND:
            return outcome, page
    raise AssertionError("a walk ends by level 1")  # pragma: no cover - walk_level stops at bottom


@dataclass(frozen=True)
class Copy:
    """The C side of a copy: which C pages it acquired (in order), the copied tables, and the
    contents of C memory; `error` is ACE's code for the copy as a whole (SUCCESS: all copied)."""
    error: int
    acquired: Tuple[int, ...]
    tables: Tables
    mem: Tuple[int, ...]
    root: int = -1


def copy_tables(src: Tables, mem: Tuple[int, ...], free: Tuple[bool, ...], nc: int, root: int,
                levels: int, free_on_error: bool = True) -> Copy:
    """ACE's copy of the hypervisor's tables rooted at NC page `root` into the free C pages
    (`free[c]`: C page nc + c is free; `mem` all of memory): depth first, each table's page
    acquired before its entries are read, every entry through `copy_entry`. On an error the
    model gives back every page it took (zeroed), where ACE keeps them: `free_on_error=False`."""
    w = src.width
    state = {"free": list(free), "mem": list(mem), "acquired": [],
             "kind": [0] * (len(free) * w), "ppn": [0] * (len(free) * w)}

    def acquire(n: int) -> int:
        """First fit: the lowest run of n free C pages (a huge page is contiguous), or -1."""
        for c in range(len(state["free"]) - n + 1):
            if all(state["free"][c:c + n]):
                state["free"][c:c + n] = [False] * n
                state["acquired"].extend(range(nc + c, nc + c + n))
                return nc + c
        return -1

    def table(level: int, source: int) -> Tuple[int, int]:
        pages = ROOT_PAGES if level == levels else 1
        dst = acquire(pages)
        if dst < 0:
            return abi.FAILED, -1
        if (source < 0) | (source + pages > nc):
            return abi.INVALID_ADDRESS, -1
        for j in range(pages * w):
            kind, ppn = src.entry(source + j // w, j % w)
            err, need = copy_entry(kind, ppn, level == 1, span_of(level, w), nc)
            if err != abi.SUCCESS:
                return err, -1
            fresh = 0
            if kind == POINTER:
                err, fresh = table(level - 1, ppn)
            elif kind == LEAF:
                fresh = acquire(need)
                err = abi.FAILED if fresh < 0 else abi.SUCCESS if leaf_in_nc(ppn, need, nc) else abi.INVALID_ADDRESS
                for d in range(need if err == abi.SUCCESS else 0):
                    state["mem"][fresh + d] = state["mem"][ppn + d]
            if err != abi.SUCCESS:
                return err, -1
            slot = (dst - nc) * w + j
            state["kind"][slot], state["ppn"][slot] = copied_entry(kind, fresh)
        return abi.SUCCESS, dst

    error, top = table(levels, root)
    copied = Tables(tuple(state["kind"]), tuple(state["ppn"]), w, nc)
    if error == abi.SUCCESS or not free_on_error:
        return Copy(error, tuple(state["acquired"]), copied, tuple(state["mem"]), top)
    return Copy(error, (), Tables((0,) * len(state["kind"]), (0,) * len(state["ppn"]), w, nc), tuple(mem))
