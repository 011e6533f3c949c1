"""The confidential-page allocator: the monitor's owner table over C pages.

Page numbers here are global (NC + index into the owner table)."""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Tuple

from abstract.domain import FREE, CVM_BASE
from abstract.config import C, K, NC
from abstract.logic import set_at



def allocate(owner: Tuple[int, ...], n: int) -> Tuple[int, ...]:
    """Up to n free pages, lowest first (global page numbers)."""
    found: Tuple[int, ...] = ()
    for p in range(K, C):
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
    return replace(s, owner=set_at(s.owner, page - NC, FREE), mem=set_at(s.mem, page, 0))


def release_all(s: Any, k: int) -> Any:
    """Zero and free every page CVM slot k owns."""
    tag = CVM_BASE + k
    owned = tuple(s.owner[p] == tag for p in range(C))
    return replace(
        s,
        owner=tuple(FREE if owned[p] else s.owner[p] for p in range(C)),
        mem=s.mem[:NC] + tuple(0 if owned[p] else s.mem[NC + p] for p in range(C)),
    )


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
