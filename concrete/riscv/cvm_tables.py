"""The CVMs' G-stage tables as the hardware walks them: entries in the monitor's table pages.

CVM slot k has LEVELS reserved C pages (`abstract.config.TABLES`, the first of C): its root at
page NC + k * LEVELS, then one table per lower level. Guest page g < G is reached through entry
0 of each table above the last and entry g of the last (a table holds at least G entries; the
root's 16 KiB and the tables' other entries map guest pages beyond G, which the model's guest
does not have, so they are not held). The monitor writes the chain of pointers when it loads a
CVM's tables and a leaf per page it maps. The hardware walk (`walk`) reads each entry as the
privileged spec does: V clear invalid, V with R, W and X clear a pointer to the next table,
anything else a leaf (a pointer at the last level is a fault).

Entries are held as their decoded fields, one tuple per field over every entry (struct of
arrays, as for PMP): the word's bits are `gstage.encode_pte` of them, a format the encoding
lemmas prove (`riscv/pte_word`, `riscv/pte_flags`); decoding words with `//` and `%` on every
path made the proofs that read the tables ten to forty times slower. Entry e of `PLACES` is
(slot, table, index): SLOT_WORDS per slot, the pointers first, then the G leaves.
"""
from __future__ import annotations

from typing import Any, Tuple

from abstract.config import G, K, LEVELS, NC
from abstract.logic import any_of, keep, lnot
from concrete.riscv.pagetable import DESCEND, LEAF, MAPPED, NOT_MAPPED, POINTER, walk_level

FIELDS = ("pt_v", "pt_r", "pt_w", "pt_x", "pt_u", "pt_a", "pt_d")  # V R W X U A D, then pt_ppn
SLOT_WORDS = LEVELS - 1 + G
WORDS = K * SLOT_WORDS
PLACES = tuple((k, j, e) for k in range(K) for j in range(LEVELS) for e in (range(G) if j == LEVELS - 1 else (0,)))
# The guest-map entry k * G + g whose leaf an entry is (-1: a pointer). Concrete, so that steps
# index entries without symbolic arithmetic.
LEAF_OF = tuple(k * G + e if j == LEVELS - 1 else -1 for k, j, e in PLACES)
LEAF_AT = tuple(LEAF_OF.index(i) for i in range(K * G))
POINTERS = tuple(e for e, i in enumerate(LEAF_OF) if i < 0)


def table_page(k: int, j: int) -> int:
    """Physical page of CVM slot k's table j (0: the root, LEVELS - 1: the leaves)."""
    return NC + k * LEVELS + j


def next_page(e: int) -> int:
    """The page a pointer entry e leads to: the next table of its slot."""
    k, j, _ = PLACES[e]
    return table_page(k, j + 1)


def slot_entries(k: int, pages: Tuple[int, ...]) -> Tuple[Tuple[bool, bool, int], ...]:
    """(V, X, PPN) of slot k's entries once loaded with guest pages 0 .. len(pages) - 1 mapped
    privately to `pages` (no pages: all clear): the chain of pointers, then the leaves."""
    loaded = len(pages) > 0
    chain = tuple((loaded, False, table_page(k, j + 1) if loaded else 0) for j in range(LEVELS - 1))
    return chain + tuple((g < len(pages), g < len(pages), pages[g] if g < len(pages) else 0) for g in range(G))


def kind_of(v: bool, r: bool, w: bool, x: bool) -> int:
    """The hardware's reading of an entry: V clear not mapped, V alone a pointer, else a leaf."""
    rwx = r | w | x
    return keep(POINTER, v & lnot(rwx)) + keep(LEAF, v & rwx) + keep(NOT_MAPPED, lnot(v))


def walk(hw: Any, hgatp_paged: bool, root: int, g: int) -> Tuple[bool, int]:
    """The hardware's walk of guest page g (0 <= g < G) from the root at page `root` (under a
    paged hgatp mode): one level at a time (`pagetable.walk_level`), each level's entry the one
    at the guest page's index there in the table at the page the level above led to; an entry
    on no table page reads as 0. (valid, PPN) of the leaf found. Branch-free: each candidate
    guest page is walked and the one equal to g kept."""
    hits, found = [], 0
    for q in range(G):
        page, outcome, ppn, done = root, 0, 0, False
        for level in range(LEVELS, 0, -1):
            j = LEVELS - level
            index = q if level == 1 else 0
            at = tuple((e, page == table_page(k, j)) for e, (k, jj, i) in enumerate(PLACES) if jj == j and i == index)
            v, r, w, x = (any_of(f[e] & on for e, on in at) for f in (hw.pt_v, hw.pt_r, hw.pt_w, hw.pt_x))
            step, page = walk_level(kind_of(v, r, w, x), sum(keep(hw.pt_ppn[e], on) for e, on in at), level == 1,
                                    q if level > 1 else 0)
            ends = lnot(done) & (step != DESCEND)
            outcome, ppn, done = outcome + keep(step - outcome, ends), ppn + keep(page - ppn, ends), done | ends
        hit = hgatp_paged & (g == q) & (outcome == MAPPED)
        hits.append(hit)
        found = found + keep(ppn, hit)
    return any_of(hits), found
