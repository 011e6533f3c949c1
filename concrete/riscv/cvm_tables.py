"""The CVMs' G-stage tables as the hardware walks them: entries in the CVMs' own table pages.

A CVM owns C pages for its tables, taken from the allocator when it is promoted (owner
`TABLE_BASE + k`): its 16 KiB root (ROOT_PAGES pages), then one table per lower level;
`pt_table[k * LEVELS + j]` records
which physical page holds slot k's table j (-1 while the slot is empty), as ACE's page-table
objects know their pages. The table at a physical page is the one recorded there: a walk that
reaches any other page finds nothing. Guest page g < G is reached through entry
0 of each table above the last and entry g of the last (a table holds at least G entries; the
root's 16 KiB and the tables' other entries map guest pages beyond G, which the model's guest
does not have, so they are not held). The monitor writes the chain of pointers when it loads a
CVM's tables and a leaf per page it maps. The hardware walk (`walk`) reads each entry as the
privileged spec does: V clear invalid, V with R, W and X clear a pointer to the next table,
anything else a leaf (a pointer at the last level is a fault).

Entries are held as their decoded fields, one tuple per field (struct of arrays, as for PMP):
the word's bits are `gstage.encode_pte` of them, a format the encoding lemmas prove
(`riscv/pte_word`, `riscv/pte_flags`); decoding words with `//` and `%` on every path made the
proofs that read the tables ten to forty times slower. The leaves are `pt_*`, entry k * G + g
for guest page g of slot k (in the slot's last table, entry g); the entries above are `ptr_v`
and `ptr_ppn`, entry k * (LEVELS - 1) + j for slot k's table j (its entry 0): a pointer (V
alone) to the next table, or, in the table above the last, a huge leaf (V with R, W, X, U, A
and D, as the monitor writes a private leaf; `ptr_rwx[k]` says whether slot k's is one) to a
naturally aligned block of G data pages, when the hypervisor's tables mapped the guest's pages
so (ACE copies a leaf whole). Only that entry can be a leaf: from 3 levels the configuration
keeps a leaf higher up from ever spanning only the guest's pages, so PROMOTE never accepts one.
The slot then has no last table (`pt_table` NO_TABLE there) and its leaves are clear.
"""
from __future__ import annotations

from typing import Any, Tuple

from abstract.config import G, K, LEVELS
from abstract.logic import any_of, keep, lnot, reused
from concrete.riscv.pagetable import DESCEND, LEAF, MAPPED, NOT_MAPPED, POINTER, walk_level

LEAF_FIELDS = ("pt_v", "pt_r", "pt_w", "pt_x", "pt_u", "pt_a", "pt_d")  # V R W X U A D, then pt_ppn
CHAIN = LEVELS - 1   # pointers per slot


NO_TABLE = -1        # pt_table of an empty slot: no physical page


def chain_of(tables: Tuple[int, ...], huge: bool = False, run: int = 0) -> Tuple[Tuple[bool, bool, int], ...]:
    """(V, any of R W X, PPN) of a slot's entries above its last table once its tables are at
    pages `tables` (LEVELS of them; none: cleared): table j leads to table j + 1, except that
    under a huge leaf the last of them is that leaf, to the block at page `run` (its own last
    table is none)."""
    if not tables:
        return ((False, False, 0),) * CHAIN
    last = tuple(huge & (j == CHAIN - 1) for j in range(CHAIN))
    return tuple((True, last[j], tables[j + 1] + keep(run - tables[j + 1], last[j])) for j in range(CHAIN))


def huge_leaf(hw: Any, k: int) -> bool:
    """Does slot k's entry above its last table hold a leaf (a huge page mapping every guest
    page), rather than a pointer to that table? Read by R, W and X alone: the monitor sets them
    only on a valid entry (`entry_kinds_ok`, `ptes_ok`), and one term fewer in every guest-map
    reading is measurably cheaper; the hardware walk (`walk`) reads V too, and
    `riscv->canonical/cvm_walk/simulation` proves the two agree."""
    return hw.ptr_rwx[k]


def leaf_page(hw: Any, k: int) -> int:
    """The PPN in slot k's entry above its last table: the first page of its huge leaf's block,
    when that entry is one (`huge_leaf`)."""
    return hw.ptr_ppn[k * CHAIN + CHAIN - 1]


@reused  # read by the invariant, the abstraction, the view and the monitor of one state
def leaves(hw: Any) -> Tuple[Tuple[bool, ...], Tuple[bool, ...], Tuple[int, ...]]:
    """(valid, executable, PPN) of every CVM's guest page k * G + g as its tables map it: the
    leaf for it in the slot's last table, or under a huge leaf the leaf's page + g (the walk
    adds the page's offset in the span). The guest map the monitor reads and the abstraction
    gives the canonical machine; `cvm_walk` proves the hardware's walk agrees."""
    big = [huge_leaf(hw, k) for k in range(K)]
    top = [leaf_page(hw, k) for k in range(K)]
    valid = tuple(hw.pt_v[i] | big[i // G] for i in range(K * G))
    execute = tuple(hw.pt_x[i] | big[i // G] for i in range(K * G))
    ppn = tuple(hw.pt_ppn[i] + keep(top[i // G] + i % G - hw.pt_ppn[i], big[i // G]) for i in range(K * G))
    return valid, execute, ppn


def kind_of(v: bool, rwx: bool) -> int:
    """The hardware's reading of an entry by its V bit and whether any of R, W, X is set: V
    clear not mapped, V alone a pointer, else a leaf."""
    return keep(POINTER, v & lnot(rwx)) + keep(LEAF, v & rwx) + keep(NOT_MAPPED, lnot(v))


def _entry(hw: Any, page: int, j: int, q: int) -> Tuple[bool, bool, int]:
    """(V, any of R W X, PPN) of the entry a walk of guest page q reads in table j at physical
    page `page`: a slot's pointer above its last table, its leaf for q in it; all clear when
    no slot's table j is at that page. Branch-free in the symbolic page."""
    on = [page == hw.pt_table[k * LEVELS + j] for k in range(K)]
    if j < CHAIN:
        e = [k * CHAIN + j for k in range(K)]
        top = j == CHAIN - 1  # only the entry above the last table may be a leaf
        return (any_of(hw.ptr_v[i] & o for i, o in zip(e, on)), any_of(hw.ptr_rwx[k] & o & top for k, o in enumerate(on)),
                sum(keep(hw.ptr_ppn[i], o) for i, o in zip(e, on)))
    e = [k * G + q for k in range(K)]
    return (any_of(hw.pt_v[i] & o for i, o in zip(e, on)),
            any_of((hw.pt_r[i] | hw.pt_w[i] | hw.pt_x[i]) & o for i, o in zip(e, on)),
            sum(keep(hw.pt_ppn[i], o) for i, o in zip(e, on)))


def walk(hw: Any, hgatp_paged: bool, root: int, g: int) -> Tuple[bool, int]:
    """The hardware's walk of guest page g (0 <= g < G) from the root at page `root` (under a
    paged hgatp mode): one level at a time (`pagetable.walk_level`), each level's entry the one
    at the guest page's index there (0 above the last table, g in it) in the table at the page
    the level above led to. (valid, PPN) of the leaf found. Branch-free: each candidate guest
    page is walked and the one equal to g kept."""
    hits, found = [], 0
    for q in range(G):
        page, outcome, ppn, done = root, 0, 0, False
        for j in range(LEVELS):
            v, rwx, entry_ppn = _entry(hw, page, j, q)
            step, page = walk_level(kind_of(v, rwx), entry_ppn, j == LEVELS - 1, q if j < CHAIN else 0)
            ends = lnot(done) & (step != DESCEND)
            outcome, ppn, done = outcome + keep(step - outcome, ends), ppn + keep(page - ppn, ends), done | ends
        hit = hgatp_paged & (g == q) & (outcome == MAPPED)
        hits.append(hit)
        found = found + keep(ppn, hit)
    return any_of(hits), found
