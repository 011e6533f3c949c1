"""The hypervisor's G-stage tables as ACE's PROMOTE reads and copies them.

ACE (`core/architecture/riscv/mmu/page_table.rs` `PageTable::copy_from_non_confidential_memory`)
copies the hypervisor's tables into confidential memory depth first: a fresh C page for every
table (16 KiB for the root) and every leaf's data, each entry decoded by
`PageTableEntry::deserialize`. Tables are held here as the decoded entries of the pages that
hold them: slot s of page p is `kind[p * W + s]`, `ppn[p * W + s]` (W slots per 4 KiB page in
the model; RISC-V has 512). A root spans ROOT_PAGES consecutive pages, so its entries are the
slots of pages p .. p + ROOT_PAGES - 1 in order. Levels are ACE's: the root is level `levels`,
a leaf at level 1 maps one 4 KiB page, and a leaf at level l maps W^(l-1) consecutive pages.

Not run by any step: the PROMOTE row reads the entries its guest pages use (`hv_tables.read_vm`)
and takes what the copy finds in the others as two inputs, computed here by `off_path`. The
copy's answer and pages, from any free run, are the row's on any tables in NC, FAILED where it
runs out of pages before a refusal included (ACE's error precedence). The copy is run as parts,
each summarised by (code, pages), and it answers as their `then`: by induction on the tree, each
case `riscv/pt_copy_then/entry`'s, since the run folds the very steps the summary's recursion
logs (`copy_steps`); `riscv/pt_copy_run/lift` checks that whole on narrower tables. The summary
is its telling along the guest's path (`riscv/pt_summary_path/simulation`), which is the row's
(`riscv/pt_path_copy/simulation`, `riscv/pt_path_tables/simulation`); and
`riscv/pt_promote_path/simulation` proves at every depth that a copy that succeeds translates as the
row maps, the entries off the path run as parts that write nothing (`copy_steps`' `off`), and
`riscv/pt_promote_copy/simulation` the whole copy at 2 levels.
The per-level lemma (`refinement/obligations/pagetable.py`) is proven at any level and width,
the whole copy at the configured number of levels; `tests/test_pagetable.py` runs it at 2 to 4.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

from abstract import abi
from abstract.config import ROOT_PAGES      # a 16 KiB root: the x4 of Sv48x4 and Sv57x4
from abstract.logic import keep, lnot, read_at
from concrete.riscv.gstage import PTE_R, PTE_V, PTE_W, PTE_X

NOT_MAPPED, POINTER, LEAF = 0, 1, 2
TYPE_MASK = PTE_V | PTE_R | PTE_W | PTE_X   # ACE's PAGE_TABLE_ENTRY_TYPE_MASK

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
    the page: the next table's, or the page found. Branch-free (`keep`), so that a walk of many
    guest pages does not fork on every entry's kind."""
    pointer, leaf = kind == POINTER, kind == LEAF
    outcome = keep(CORRUPT, pointer & bottom) + keep(DESCEND, pointer & lnot(bottom)) \
        + keep(MAPPED, leaf) + keep(UNMAPPED, lnot(pointer | leaf))
    return outcome, keep(ppn, pointer & lnot(bottom)) + keep(ppn + offset, leaf)


def copy_entry(kind: int, ppn: int, bottom: bool, span: int, nc: int) -> Tuple[int, int]:
    """ACE's checks on one source entry before it acquires anything, in its order: (error, C
    pages to acquire). What an entry leads to must start in NC (INVALID_ADDRESS), and a pointer
    must not sit at the last level (INVALID_PARAM, ACE's PageTableCorrupted). A pointer needs one
    page for the next table, a leaf `span` for its data, an unmapped entry none; a leaf's whole
    span is checked once its pages are acquired (`leaf_in_nc`). Branch-free, as `walk_level`."""
    mapped, pointer = kind != NOT_MAPPED, kind == POINTER
    outside = (ppn < 0) | (ppn >= nc)
    error = keep(abi.INVALID_ADDRESS, mapped & outside) + keep(abi.INVALID_PARAM, pointer & lnot(outside) & bottom)
    need = keep(1, pointer & lnot(outside) & lnot(bottom)) + keep(span, mapped & lnot(pointer) & lnot(outside))
    return error, need


def leaf_in_nc(ppn: int, span: int, nc: int) -> bool:
    """A leaf's data, pages ppn .. ppn + span - 1, lies in NC (ACE checks it as it copies)."""
    return (0 <= ppn) & (ppn + span <= nc)


def entry_refused(kind: int, ppn: int, bottom: bool, span: int, nc: int) -> Tuple[int, int]:
    """ACE's checks on one source entry with room for its pages: `copy_entry`'s, then a leaf's
    whole span in NC (`leaf_in_nc`, which ACE checks once the pages are acquired). (error, C
    pages it takes.) The copy itself (`_run`) checks the two apart, running out of pages between
    them; PROMOTE's reading of the path and `off_path`, which read before they take, use this."""
    err, need = copy_entry(kind, ppn, bottom, span, nc)
    leaf = (err == abi.SUCCESS) & (kind == LEAF)
    return err + keep(abi.INVALID_ADDRESS, leaf & lnot(leaf_in_nc(ppn, need, nc))), need


def copied_entry(kind: int, fresh: int) -> Tuple[int, int]:
    """The entry ACE writes into the copied table once the source entry passed `copy_entry`:
    the same kind, leading to the fresh C page(s) it acquired (`LogicalPageTableEntry::serialize`)."""
    return kind, keep(fresh, kind != NOT_MAPPED)


@dataclass(frozen=True)
class Tables:
    """Decoded table entries of a run of pages, page `base` first: slot s of page p at
    (p - base) * width + s."""
    kind: Tuple[int, ...]
    ppn: Tuple[int, ...]
    width: int
    base: int = 0

    def entry(self, page: int, slot: int) -> Tuple[int, int]:
        """Slot `slot` of page `page`; not mapped outside these pages. Branch-free in `page`."""
        i = (page - self.base) * self.width + slot
        return read_at(self.kind, i), read_at(self.ppn, i)


def span_of(level: int, width: int) -> int:
    """Guest pages a leaf at `level` maps (level 1: one 4 KiB page)."""
    return width ** (level - 1)


def entries_at(level: int, levels: int, width: int) -> int:
    """Entries of a table at `level`: the root spans ROOT_PAGES pages."""
    return (ROOT_PAGES if level == levels else 1) * width


def guest_pages(levels: int, width: int) -> int:
    """Guest pages a table tree of `levels` levels translates: the root's entries times the span of each."""
    return entries_at(levels, levels, width) * span_of(levels, width)


def walk(tables: Tables, root: int, levels: int, g: int) -> Tuple[int, int]:
    """The walk of guest page g from the root at page `root`: `walk_level` composed from the
    root's level down, each level's index the guest page's digit there. Branch-free: every level
    is read, and the first outcome other than DESCEND is the walk's."""
    w = tables.width
    page, outcome, found, done = root, UNMAPPED, 0, False
    for level in range(levels, 0, -1):
        span = span_of(level, w)
        index = g // span % entries_at(level, levels, w)
        kind, ppn = tables.entry(page + index // w, index % w)
        step, page = walk_level(kind, ppn, level == 1, g % span)
        ends = lnot(done) & (step != DESCEND)
        outcome, found, done = outcome + keep(step - outcome, ends), found + keep(page - found, ends), done | ends
    return outcome, found


@dataclass(frozen=True)
class Copy:
    """The C side of a copy: how many pages it took from the free run [base, base + used), the
    copied tables (on those pages), all of memory afterwards, the copied root's page, `error`,
    ACE's code for the copy as a whole (SUCCESS: all copied), and `origin`: for each C page
    (page nc + i at i), the NC page whose data the copy put there, -1 for none. The data is
    written from `origin`, so that what was copied where is said with page numbers, not data."""
    error: int
    used: int
    tables: Tables
    mem: Tuple[int, ...]
    root: int
    origin: Tuple[int, ...]


@dataclass(frozen=True)
class Event:
    """One step of ACE's depth-first copy, in the order it runs: entering table `node` (its page
    acquired, its source checked; `entry` -1), or copying entry `entry` of it. A node's parent
    is the (node, entry) whose pointer leads to it."""
    node: int
    level: int
    entry: int
    parent: Tuple[int, int] = (-1, -1)


@dataclass(frozen=True)
class Step:
    """One step of ACE's copy as a part of it (`entered`, `entry_part`), with what the step
    reads: whether its table is `reached` (the root, or a table every pointer above names;
    the run's own failure aside, which `advance` accounts for), and for an entry its kind and
    page, for a table the NC page it is copied from (`source`)."""
    event: Event
    part: Tuple[int, int]
    reached: bool
    kind: int = NOT_MAPPED
    ppn: int = 0
    source: int = 0


# What stands for a table's entries off the guest's path (`off_entries`'s signature): the copy
# and its summary call `off_entries`; their telling along the path is proven with a stand-in
# (`copy_summary`, `copy_steps`), so that only the path's tables are visited, at any depth.
OffParts = Callable[[Tables, int, int, int, int, int, List[Step], int, bool], Tuple[int, int]]


def copy_steps(src: Tables, nc: int, root: int, levels: int, guest: int = 0,
               off: Optional[OffParts] = None) -> Tuple[Step, ...]:
    """Every step of ACE's depth-first copy as its part, in the copy's order: a table entered,
    then each of its entries followed by the subtree its pointer would lead to. They are the
    parts the whole-tree summary (`copy_summary`) is built from, logged by the same recursion,
    so the run (`advance` folded over them, `_run`) and the summary share every part's term.
    Nothing here depends on the free run or on what an earlier step answered. `guest` and `off`
    are `copy_summary`'s: with a stand-in for the entries off the guest's path (which logs its
    own step), only the path's tables are copied (`riscv/pt_promote_path/simulation`)."""
    log: List[Step] = []
    _table_summary(src, root, levels, levels, nc, guest, log, off=off)
    return tuple(log)


@dataclass(frozen=True)
class _Run:
    """What the unrolled copy leaves besides memory: its code, whether it failed, the pages it
    took, and per step where each table went, which were reached, each entry and its leaf data."""
    error: int
    failed: bool
    cursor: int
    table_page: Dict[int, int]
    live: Dict[int, bool]
    entry_at: Dict[Tuple[int, int], Tuple[int, int, int]]
    writes: List[Tuple[bool, int, int, int]]


def _run(src: Tables, nc: int, root: int, levels: int, base: int, capacity: int, guest: int = 0,
         off: Optional[OffParts] = None) -> _Run:
    """ACE's depth-first copy, step by step (`copy_tables`), without building what it wrote:
    `advance` folded over the copy's parts (`copy_steps`), recording where each step took its
    pages. The state changes nowhere else: so the run answers as the summary, the same parts'
    `then`, run once, by induction on the tree (each case `riscv/pt_copy_then/entry`'s; the
    argument is in docs/design-notes.md, "The copy's run is its summary, by induction")."""
    state = (abi.SUCCESS, False, 0)
    table_page: Dict[int, int] = {}
    live: Dict[int, bool] = {}
    entry_at: Dict[Tuple[int, int], Tuple[int, int, int]] = {}   # (node, j) -> (kind, ppn, its fresh page)
    writes: List[Tuple[bool, int, int, int]] = []   # a leaf's data: (copied, first C page, first NC page, pages)
    steps = copy_steps(src, nc, root, levels, guest, off)
    for step in steps:
        e, cursor = step.event, state[2]
        state, _ = advance(state, step.part, capacity, step.reached)
        if e.entry < 0:
            table_page[e.node] = base + cursor
            live[e.node] = step.reached & lnot(state[1])
        else:
            entry_at[(e.node, e.entry)] = (step.kind, step.ppn, base + cursor)
            writes.append((live[e.node] & lnot(state[1]) & (step.kind == LEAF), base + cursor, step.ppn,
                           span_of(e.level, src.width)))
    return _Run(state[0], state[1], state[2], table_page, live, entry_at, writes)


def advance(state: Tuple[int, bool, int], part: Tuple[int, int], capacity: int,
            reached: bool = True) -> Tuple[Tuple[int, bool, int], int]:
    """Run one part of the copy (`taking`) from `state`, (code so far, whether it failed, pages
    taken), where its table was `reached` and nothing failed yet; the new state and the part's
    own code there."""
    error, failed, cursor = state
    code, taken = taking(*part, cursor, capacity)
    go = reached & lnot(failed)
    fails = go & (code != abi.SUCCESS)
    return (error + keep(code, fails), failed | fails, cursor + keep(taken, go)), code


def copy_outcome(src: Tables, nc: int, root: int, levels: int, capacity: int) -> Tuple[int, int]:
    """ACE's code for the copy (`copy_tables`) and the pages it took from a free run of
    `capacity` pages, without building the copy: what PROMOTE's answer depends on."""
    run = _run(src, nc, root, levels, nc, capacity)
    return run.error, run.cursor


def copy_tables(src: Tables, mem: Tuple[int, ...], nc: int, root: int, levels: int, base: int, capacity: int,
                free_on_error: bool = True, guest: int = 0, off: Optional[OffParts] = None) -> Copy:
    """ACE's copy of the hypervisor's tables rooted at NC page `root`: depth first, each table's
    pages acquired before its entries are read, every entry through `copy_entry`, a leaf's data
    pages acquired and then checked to lie in NC. Pages come in order from the free run [base,
    base + capacity) of C memory. Unrolled over `copy_steps` and written without a branch on
    anything symbolic, so CrossHair explores it as one path: a step acts when its table was
    reached and no earlier step failed. On an error the model gives back every page it took
    (memory as before), where ACE keeps them: `free_on_error=False`. `guest` and `off`:
    `copy_steps`'s."""
    run = _run(src, nc, root, levels, base, capacity, guest, off)
    kept = lnot(run.failed) | lnot(free_on_error)
    tables = _copied_tables(run.entry_at, run.table_page, run.live, nc, len(mem) - nc, src.width, kept)
    origin = _origins(len(mem) - nc, nc, run.writes, kept)
    return Copy(run.error, keep(run.cursor, kept), tables, _copied_data(mem, nc, origin), run.table_page[0], origin)


# ACE's copy as parts, each summarised by (code, pages): the first refusal in the copy's order
# (SUCCESS: none) and the pages it takes up to that refusal (all of them if there is none).
# `_run` runs every step as `taking` of its own part; a table's summary is its parts' `then`,
# each entry's with its subtree's (`_table_summary`), as the copy visits them depth first. So
# the copy's answer from any free run is `taking` of the root's summary: one part at a time by
# `riscv/pt_copy_then/entry` (running two parts in turn answers as running their `then`, and
# `then` is associative), at any depth and width.


def then(first: Tuple[int, int], second: Tuple[int, int]) -> Tuple[int, int]:
    """The summary of two parts of the copy, one after the other: the second is copied only
    if the first refuses nothing."""
    going = first[0] == abi.SUCCESS
    return first[0] + keep(second[0], going), first[1] + keep(second[1], going)


def only_if(part: Tuple[int, int], flag: bool) -> Tuple[int, int]:
    """A part copied only where `flag` holds (nothing, SUCCESS, elsewhere)."""
    return keep(part[0], flag), keep(part[1], flag)


def taking(code: int, pages: int, cursor: int, capacity: int) -> Tuple[int, int]:
    """What a part of the copy does from page `cursor` of a free run of `capacity` pages: FAILED,
    taking none, when its pages do not fit, else its code and its pages. ACE acquires a leaf's
    pages, and the root's, before it checks their span, so a part that runs out of pages answers
    FAILED whatever it would have refused after."""
    short = cursor + pages > capacity
    return code + keep(abi.FAILED - code, short), keep(pages, lnot(short))


def entered(source: int, pages: int, nc: int, root: bool) -> Tuple[int, int]:
    """The part that enters a table of `pages` pages at NC page `source`: the root's address is
    checked before anything is taken (`mmu/mod.rs`), then its pages are taken and its end
    checked; a lower table's address was checked as its parent's pointer."""
    start_bad = root & ((source < 0) | (source >= nc))
    return keep(abi.INVALID_ADDRESS, start_bad | (source + pages > nc)), keep(pages, lnot(start_bad))


def entry_part(kind: int, ppn: int, bottom: bool, span: int, nc: int) -> Tuple[int, int]:
    """The part that copies one entry, without the table its pointer leads to: its checks
    (`entry_refused`), and a leaf's pages (a pointer's page is its table's, taken on entering)."""
    err, need = entry_refused(kind, ppn, bottom, span, nc)
    return err, keep(need, kind != POINTER)


def _entry_summary(src: Tables, kind: int, ppn: int, level: int, levels: int, nc: int, guest: int,
                   log: List[Step], at: Tuple[int, int], reached: bool, off: Optional[OffParts]) -> Tuple[int, int]:
    """One entry at `level` with everything under it: its own part, then under a pointer the
    next table (`_table_summary` at the page it names). `log`: the copy's steps, entry `at`
    (node, index) of a table `reached` (`copy_steps`)."""
    own = entry_part(kind, ppn, level == 1, span_of(level, src.width), nc)
    log.append(Step(Event(at[0], level, at[1]), own, reached, kind, ppn))
    if level == 1:
        return own
    below = _table_summary(src, ppn, level - 1, levels, nc, guest, log, at, reached & (kind == POINTER), off)
    return then(own, only_if(below, kind == POINTER))


def _heads(level: int, levels: int, width: int, guest: int) -> int:
    """How many of a table's first entries a guest page's walk can use: entry 0 above the last
    level, the first `guest` in a table at the last."""
    return min(guest, entries_at(level, levels, width)) if level == 1 else 1


def _table_summary(src: Tables, page: int, level: int, levels: int, nc: int, guest: int, log: List[Step],
                   parent: Tuple[int, int] = (-1, -1), reached: bool = True,
                   off: Optional[OffParts] = None) -> Tuple[int, int]:
    """The table at NC page `page` with everything under it (the root's ROOT_PAGES pages at
    `levels`): entering it, then each entry with its subtree, in order, the entries a guest
    page's walk can use first and then the others (`off_entries`, or `off` in its place).
    Recursed along the tree as the copy walks it; grouped so that along the guest's path it is
    `hv_tables.path_copy` term for term. `log` records each step met, in the copy's order
    (`copy_steps`)."""
    w = src.width
    out = entered(page, entries_at(level, levels, w) // w, nc, level == levels)
    node = len(log)   # a table is numbered by its enter step's place in the copy's order
    log.append(Step(Event(node, level, -1, parent), out, reached, source=page))
    for j in range(_heads(level, levels, w, guest)):   # all on the table's first page
        out = then(out, _entry_summary(src, *src.entry(page, j), level, levels, nc, guest, log, (node, j), reached,
                                       off))
    return then(out, (off or off_entries)(src, page, level, levels, nc, guest, log, node, reached))


def copy_summary(src: Tables, root: int, levels: int, nc: int, guest: int,
                 off: Optional[OffParts] = None) -> Tuple[int, int]:
    """ACE's whole-tree copy from the root at NC page `root` as one part: its code from a free
    run large enough, and the pages it takes up to its first refusal (`taking` gives its answer
    from any free run). `guest` only groups the parts (`_table_summary`). `off`, called as
    `off_entries` would be, stands for each table's entries off the guest's path: only the
    path's tables are then visited, so the summary's telling along the path can be proven at
    any depth with those parts free (`riscv/pt_summary_path/simulation`)."""
    return _table_summary(src, root, levels, levels, nc, guest, [], off=off)


def path_tables(src: Tables, root: int, levels: int, nc: int) -> Tuple[Tuple[int, ...], Tuple[bool, ...]]:
    """The pages of the tables along the guest's path, the root's first, and whether the copy
    reaches each: a table below is reached through a pointer in NC in entry 0 of the one above."""
    tables, reached = [root], [True]
    for _ in range(levels - 1):
        kind, ppn = src.entry(tables[-1], 0)
        reached.append(reached[-1] & (kind == POINTER) & (0 <= ppn) & (ppn < nc))
        tables.append(ppn)
    return tuple(tables), tuple(reached)


def off_entries(src: Tables, page: int, level: int, levels: int, nc: int, guest: int,
                log: List[Step], node: int = 0, reached: bool = True) -> Tuple[int, int]:
    """The entries of the path's table at NC page `page` that no guest page uses, each with its
    subtree, in order: all but entry 0 above the last level, all but the first `guest` in the
    last table."""
    out, w = (abi.SUCCESS, 0), src.width
    for j in range(_heads(level, levels, w, guest), entries_at(level, levels, w)):
        out = then(out, _entry_summary(src, *src.entry(page + j // w, j % w), level, levels, nc, guest, log, (node, j),
                                       reached, None))
    return out


def off_fold(reached: Tuple[bool, ...], offs: Tuple[Tuple[int, int], ...]) -> Tuple[int, int]:
    """The entries off the guest's path in the order ACE's copy visits them once the path is
    copied: each reached table's (`offs[i]` for the path's table i, the root's first), the
    lowest table first, as the copy returns up the path."""
    out = (abi.SUCCESS, 0)
    for i in reversed(range(len(offs))):
        out = then(out, only_if(offs[i], reached[i]))
    return out


def path_offs(src: Tables, root: int, levels: int, nc: int, guest: int) -> Tuple[Tuple[bool, ...], Tuple[Tuple[int, int], ...]]:
    """Whether the copy reaches each of the path's tables (`path_tables`), the root's first, and
    the part its entries off the guest's path are (`off_entries`, each with its subtrees)."""
    tables, reached = path_tables(src, root, levels, nc)
    return reached, tuple(off_entries(src, tables[i], levels - i, levels, nc, guest, []) for i in range(levels))


def off_path(src: Tables, root: int, levels: int, nc: int, guest: int) -> Tuple[int, int]:
    """What ACE's depth-first copy finds in the entries no guest page uses, once the guest's
    path is copied: the summary of those entries with their subtrees (`off_fold` of the path's
    tables' parts, `path_offs`), so that PROMOTE answers FAILED where the copy would run out of
    pages before their first refusal (ACE's error precedence). PROMOTE's row takes both as inputs
    (`hv_tables.read_off_path`), and `riscv/pt_path_copy/simulation` proves them, with the row's
    reading of the path, the copy's summary (`hv_tables.path_copy`)."""
    return off_fold(*path_offs(src, root, levels, nc, guest))


def _copied_tables(entry_at: Dict, table_page: Dict, live: Dict, nc: int, c_pages: int, w: int,
                   kept: bool) -> Tables:
    """The copied entries on the C pages their tables took, each leading to the fresh page the
    run was at when it copied the entry (`copied_entry`): a leaf's data's first page, or a
    pointer's table, which takes no page of its own and is entered next, at that same page
    (`copy_steps`' order); nothing if the copy is not kept."""
    kind, ppn = [0] * (c_pages * w), [0] * (c_pages * w)
    for (node, j), (k, _, fresh) in entry_at.items():
        ck, cp = copied_entry(k, fresh)
        slot = (table_page[node] - nc) * w + j
        for i in range(c_pages * w):
            hit = kept & live[node] & (slot == i)
            kind[i], ppn[i] = kind[i] + keep(ck - kind[i], hit), ppn[i] + keep(cp - ppn[i], hit)
    return Tables(tuple(kind), tuple(ppn), w, nc)


def _origins(c_pages: int, nc: int, writes: List[Tuple[bool, int, int, int]], kept: bool) -> Tuple[int, ...]:
    """For each C page, the NC page a copied leaf's data came from, or -1."""
    out = [-1] * c_pages
    for i in range(c_pages):
        for copied, first, source, pages in writes:
            for d in range(pages):
                out[i] = out[i] + keep(source + d - out[i], kept & copied & (first + d == nc + i))
    return tuple(out)


def _copied_data(mem: Tuple[int, ...], nc: int, origin: Tuple[int, ...]) -> Tuple[int, ...]:
    """Memory once each C page with an origin holds that NC page's data (NC is only read)."""
    return mem[:nc] + tuple(mem[nc + i] + keep(read_at(mem, o) - mem[nc + i], o >= 0) for i, o in enumerate(origin))
