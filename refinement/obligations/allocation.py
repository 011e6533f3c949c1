"""The allocator's choice of pages, proven once for the function every layer's allocator uses.

The spec's `free_pages` and the canonical allocator pick pages with `abstract.logic.first_n`,
which is branch-free (so that PROMOTE does not fork once per free page) and therefore not
plainly the loop it replaces. This lemma says what it gives: exactly the first n free pages, in
order, or none when fewer are free. PROMOTE's canonical step takes its pages by place instead
(`allocate_places`); its lemma says those are the pages `allocate` gives, in the same order.
`free_block` (a CVM's 16 KiB root, a huge leaf's data) picks a block with `abstract.logic.first_run`;
its lemma says it is the lowest free block on its boundary, at both sizes. Simulation then ties the canonical allocator to the
spec's, and this to the meaning of "the first n free pages". `abi.runs_out`, PROMOTE's rule for
when ACE's copy runs out of pages before an entry it refuses, is the allocator asked in ACE's
order: its lemma says so.
"""
from __future__ import annotations

from typing import Tuple

import icontract

from abstract import abi
from abstract.canonical import allocator
from abstract.config import C, G, NC, ROOT_PAGES
from abstract.domain import FREE, TABLE_BASE
from abstract.logic import all_of, any_of, implies, keep, lnot, read_at
from abstract.shapes import Owners
from abstract.spec.state import free_block, free_pages
from refinement.registry import Kind, Layers, obligation


def _free_count(owner: Tuple[int, ...]) -> int:
    return sum(keep(1, o == FREE) for o in owner)


def _first_free(owner: Tuple[int, ...], pages: Tuple[int, ...]) -> bool:
    """`pages` are free pages in increasing order, and every free page below the last is among them."""
    if not pages:
        return True
    inside = all_of((0 <= p) & (p < C) for p in pages)
    free = all_of(read_at(owner, p) == FREE for p in pages)
    rising = all_of(pages[i] < pages[i + 1] for i in range(len(pages) - 1))
    none_skipped = all_of(implies((owner[q] == FREE) & (q < pages[-1]), any_of(p == q for p in pages)) for q in range(C))
    return inside & free & rising & none_skipped


@obligation(Layers.SPEC, "free_pages", Kind.ALLOCATION)
@icontract.require(lambda owner, n: len(owner) == C and 0 <= n <= C)
@icontract.ensure(lambda owner, n, result: (len(result) == n) == (_free_count(owner) >= n) and len(result) in (0, n),
                  "n pages when n are free, else none")
@icontract.ensure(lambda owner, result: _first_free(owner, result), "the first free pages, lowest first")
def free_pages_allocation(owner: Owners, n: int) -> Tuple[int, ...]:
    """The allocator hands out exactly the first n free C pages, lowest first, and nothing when fewer than n are free: a guest page fault's fresh page, and PROMOTE's tables below the root and its data pages (the canonical allocator's, with which the spec's pick by rank is proven equal by simulation), come from nowhere else."""
    return free_pages(owner, n)


def _block_free(owner: Tuple[int, ...], p: int, n: int) -> bool:
    """Owner-table index p starts a block of n free pages on its boundary (global page NC + p a
    multiple of n). Said with `%` and slices, apart from `first_run`."""
    return (NC + p) % n == 0 and p + n <= C and all(o == FREE for o in owner[p:p + n])


@obligation(Layers.SPEC, "free_block", Kind.ALLOCATION)
@icontract.require(lambda owner, n: len(owner) == C and n in (ROOT_PAGES, G))
@icontract.ensure(lambda owner, result: len(result) == C)
@icontract.ensure(lambda owner, n, result: any(result) == any(_block_free(owner, p, n) for p in range(C)),
                  "a block when one is free on its boundary, else none")
@icontract.ensure(lambda owner, n, result: not any(result) or (
    _block_free(owner, result.index(True), n) and sum(result) == n
    and all(result[result.index(True):result.index(True) + n])
    and not any(_block_free(owner, p, n) for p in range(result.index(True)))), "the lowest such block, and only its pages")
def free_block_allocation(owner: Owners, n: int) -> Tuple[bool, ...]:
    """A CVM's 16 KiB G-stage root takes the lowest block of ROOT_PAGES free C pages whose first is on a 16 KiB boundary, and a huge leaf's copy the lowest free block of G pages on its G-page boundary; PROMOTE fails when no such block is free, even with as many free pages scattered."""
    return free_block(owner, n)


def _same_pages(owner: Tuple[int, ...], n: int, enough: bool, places: Tuple[int, ...]) -> bool:
    """`places` names the pages `allocate` gives, each at its index there, and no other page."""
    pages = allocator.allocate(owner, n)
    at = all_of((q == -1) | ((0 <= q) & (q < n)) for q in places)
    return (enough == (len(pages) == n)) & implies(enough, at & all_of(
        (places[p] == i) == (pages[i] == NC + p) for p in range(C) for i in range(len(pages))))


@obligation(Layers.CANONICAL, "allocate_places", Kind.ALLOCATION)
@icontract.require(lambda owner, n: len(owner) == C and 0 <= n <= C)
@icontract.ensure(lambda owner, n, result: _same_pages(owner, n, result[0], result[1]),
                  "the pages allocate gives, each at its place, and no other")
def allocate_places_allocation(owner: Owners, n: int) -> Tuple[bool, Tuple[int, ...]]:
    """PROMOTE's tables below the root and its data pages, taken by place, are the first free C pages, lowest first, as the allocator hands them out: page p is at place i exactly when it is the i-th page `allocate` gives, and at no place when it gives none."""
    return allocator.allocate_places(owner, n)


def _acquired(owner: Tuple[int, ...], pages: int) -> bool:
    """ACE's copy acquires `pages` pages in its order from the model's allocator: none for no
    page; else the root's block first (`free_block`), then one page at a time from what is left
    (`free_pages`), until `pages` are taken."""
    if pages <= 0:
        return True
    root = free_block(owner, ROOT_PAGES)
    if not any(root):
        return False
    left = tuple(o + keep(TABLE_BASE - o, r) for o, r in zip(owner, root))
    more = max(pages - ROOT_PAGES, 0)
    return len(free_pages(left, more)) == more


@obligation(Layers.SPEC, "runs_out", Kind.ALLOCATION)
@icontract.require(lambda owner, pages: len(owner) == C and 0 <= pages <= ROOT_PAGES + C)
@icontract.ensure(lambda owner, pages, result: result == (not _acquired(owner, pages)),
                  "runs out exactly when the allocator cannot give the pages in ACE's order")
def runs_out_allocation(owner: Owners, pages: int) -> bool:
    """PROMOTE answers FAILED for an entry ACE's copy would refuse (`abi.runs_out`, as the spec asks it: the lowest free 16 KiB block on its boundary, then the free pages besides it) exactly when the model's allocator, asked in ACE's order, cannot give the pages the copy takes before it: the 16 KiB root's block first, then one page at a time."""
    root = free_block(owner, ROOT_PAGES)
    free = sum(keep(1, (o == FREE) & lnot(r)) for o, r in zip(owner, root))
    return abi.runs_out(pages, any_of(root), free >= pages - ROOT_PAGES)
