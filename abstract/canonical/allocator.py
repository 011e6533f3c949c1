"""The confidential-page allocator: the monitor's owner table over C pages.

Page numbers here are global (NC + index into the owner table)."""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Tuple

from abstract.domain import FREE, owned_by
from abstract.config import C, NC
from abstract.logic import each, first_n, first_run, keep, put_at, ranks_of


def allocate(owner: Tuple[int, ...], n: int) -> Tuple[int, ...]:
    """The first n free pages, lowest first (global page numbers), or none if fewer are free.
    Branch-free but for that one answer (`first_n`): the pages may be symbolic."""
    enough, found = first_n(tuple(o == FREE for o in owner), n)
    return tuple(NC + p for p in found) if enough else ()


def allocate_places(owner: Tuple[int, ...], n: int) -> Tuple[bool, Tuple[int, ...]]:
    """Whether n pages are free, and for each C page its place among the first n free pages,
    lowest first (0 .. n - 1), or -1 if it is not one of them: the pages `allocate` gives, each
    found by one comparison of its own place, where a page number is a sum over every C page
    that each use compares with every C page again."""
    flags = tuple(o == FREE for o in owner)
    ranks, free = ranks_of(flags)
    return free >= n, tuple(keep(r + 1, f & (r < n)) - 1 for f, r in zip(flags, ranks))


def claim_places(s: Any, places: Tuple[int, ...], first: int, end: int, tag: int) -> Any:
    """Give the pages at places first .. end - 1 (`allocate_places`) the owner value `tag`."""
    return claim_flagged(s, tuple((first <= q) & (q < end) for q in places), tag)


def allocate_run(owner: Tuple[int, ...], n: int) -> Tuple[int, ...]:
    """The lowest n consecutive free pages whose first global page is a multiple of n (global
    page numbers), or none if no such block is free. Branch-free but for that one answer."""
    found, first, _ = first_run(tuple(o == FREE for o in owner), NC, n)
    return tuple(NC + first + i for i in range(n)) if found else ()


def allocate_block(owner: Tuple[int, ...], n: int) -> Tuple[bool, Tuple[bool, ...]]:
    """Whether a block `allocate_run` would give is free, and for each C page whether it lies in
    it: the block as flags, so that a caller choosing between it and other pages adds no
    arithmetic on page numbers (a huge leaf's data)."""
    found, _, inside = first_run(tuple(o == FREE for o in owner), NC, n)
    return found, inside


def claim_flagged(s: Any, flags: Tuple[bool, ...], tag: int) -> Any:
    """Give the C pages whose flag holds the owner value `tag`."""
    return replace(s, owner=tuple(o + keep(tag - o, f) for o, f in zip(s.owner, flags)))


def claim(s: Any, pages: Tuple[int, ...], tag: int) -> Any:
    """Give `pages` (global, possibly symbolic) the owner value `tag`: a CVM's data pages or its
    table pages (`abstract.domain`)."""
    owner = s.owner
    for p in pages:
        owner = put_at(owner, p - NC, tag)
    return replace(s, owner=owner)


def release(s: Any, page: int) -> Any:
    """Zero page (global, may be symbolic) and return it to the free pool."""
    return replace(s, owner=put_at(s.owner, page - NC, FREE), mem=put_at(s.mem, page, 0))


def reclaimed(owner: int, data: int, k: int) -> Tuple[int, int]:
    """One C page (its owner and contents) after CVM slot k is torn down: its own pages, data
    and tables, are zeroed and freed, every other page is untouched. Branch-free, so mapping it
    over memory adds no path per page."""
    mine = owned_by(owner, k)
    return owner + keep(FREE - owner, mine), data - keep(data, mine)


def release_all(s: Any, k: int) -> Any:
    """Zero and free every page CVM slot k owns: `reclaimed` mapped over the C pages."""
    pages = each(reclaimed, C, (s.owner, s.mem[NC:]), k)
    return replace(s, owner=tuple(o for o, _ in pages), mem=s.mem[:NC] + tuple(d for _, d in pages))


class SoftwareAllocator:
    """The allocator primitive for any processor: it delegates to this module's functions
    (looked up at call time, so a seeded fault swapped into the module takes effect)."""

    def allocate(self, owner: Tuple[int, ...], n: int) -> Tuple[int, ...]:
        return allocate(owner, n)

    def allocate_places(self, owner: Tuple[int, ...], n: int) -> Tuple[bool, Tuple[int, ...]]:
        return allocate_places(owner, n)

    def claim_places(self, s: Any, places: Tuple[int, ...], first: int, end: int, tag: int) -> Any:
        return claim_places(s, places, first, end, tag)

    def allocate_run(self, owner: Tuple[int, ...], n: int) -> Tuple[int, ...]:
        return allocate_run(owner, n)

    def allocate_block(self, owner: Tuple[int, ...], n: int) -> Tuple[bool, Tuple[bool, ...]]:
        return allocate_block(owner, n)

    def claim_flagged(self, s: Any, flags: Tuple[bool, ...], tag: int) -> Any:
        return claim_flagged(s, flags, tag)

    def claim(self, s: Any, pages: Tuple[int, ...], tag: int) -> Any:
        return claim(s, pages, tag)

    def release(self, s: Any, page: int) -> Any:
        return release(s, page)

    def release_all(self, s: Any, k: int) -> Any:
        return release_all(s, k)
