"""Canonical monitor: the CVM table's ids. A CVM is found by id, and a new CVM takes the
largest id in use plus one (the reference's rule); slots are only where the table keeps it."""
from __future__ import annotations

from typing import Any

from abstract.config import K
from abstract.logic import keep


def find_slot(s: Any, cvm_id: int) -> int:
    """The slot whose live CVM has id `cvm_id`, or -1."""
    for k in range(K):
        if s.live[k] & (s.ids[k] == cvm_id):  # one branch per slot
            return k
    return -1


def new_id(s: Any) -> int:
    """One more than the largest id of a live CVM, 0 when none is live (ACE's `unique_id`): the
    largest of id + 1 over the live slots. An empty slot's id is 0, but `keep` does not rely on
    it; no branch, so promote does not fork on the comparison."""
    best = 0
    for k in range(K):
        candidate = keep(s.ids[k] + 1, s.live[k])
        best = best + keep(candidate - best, candidate > best)
    return best
