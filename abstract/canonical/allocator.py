"""The confidential-page allocator: the monitor's owner table over C pages.

Page numbers here are global (NC + index into the owner table)."""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Tuple

from abstract.domain import FREE, CVM_BASE
from abstract.config import C, K, NC, TABLES
from abstract.logic import each, keep, put_at


def allocate(owner: Tuple[int, ...], n: int) -> Tuple[int, ...]:
    """Up to n free pages, lowest first (global page numbers)."""
    found: Tuple[int, ...] = ()
    for p in range(TABLES, C):
        if len(found) < n and owner[p] == FREE:
            found = found + (NC + p,)
    return found


def claim(s: Any, pages: Tuple[int, ...], k: int) -> Any:
    """Give `pages` (global, concrete list) to CVM slot k."""
    owner = list(s.owner)
    for p in pages:
        owner[p - NC] = CVM_BASE + k
    return replace(s, owner=tuple(owner))


def release(s: Any, page: int) -> Any:
    """Zero page (global, may be symbolic) and return it to the free pool."""
    return replace(s, owner=put_at(s.owner, page - NC, FREE), mem=put_at(s.mem, page, 0))


def reclaimed(owner: int, data: int, tag: int) -> Tuple[int, int]:
    """One C page (its owner and contents) after the CVM with owner tag `tag` is torn down: its
    own pages are zeroed and freed, every other page is untouched. Branch-free, so mapping it
    over memory adds no path per page."""
    mine = owner == tag
    return owner + keep(FREE - owner, mine), data - keep(data, mine)


def release_all(s: Any, k: int) -> Any:
    """Zero and free every page CVM slot k owns: `reclaimed` mapped over the C pages."""
    tag = CVM_BASE + k
    pages = each(reclaimed, C, (s.owner, s.mem[NC:]), tag)
    return replace(s, owner=tuple(o for o, _ in pages), mem=s.mem[:NC] + tuple(d for _, d in pages))


class SoftwareAllocator:
    """The allocator primitive for any processor: it delegates to this module's functions
    (looked up at call time, so a seeded fault swapped into the module takes effect)."""

    def allocate(self, owner: Tuple[int, ...], n: int) -> Tuple[int, ...]:
        return allocate(owner, n)

    def claim(self, s: Any, pages: Tuple[int, ...], k: int) -> Any:
        return claim(s, pages, k)

    def release(self, s: Any, page: int) -> Any:
        return release(s, page)

    def release_all(self, s: Any, k: int) -> Any:
        return release_all(s, k)
