"""Canonical monitor: the CVM table's ids. A CVM is found by id, and a new CVM takes the
largest id in use plus one (the reference's rule); slots are only where the table keeps it."""
from __future__ import annotations

from typing import Any

from abstract.config import K


def find_slot(s: Any, cvm_id: int) -> int:
    """The slot whose live CVM has id `cvm_id`, or -1."""
    for k in range(K):
        if s.live[k] and s.ids[k] == cvm_id:
            return k
    return -1


def new_id(s: Any) -> int:
    """One more than the largest id of a live CVM (1 for the first)."""
    return 1 + max((s.ids[k] if s.live[k] else 0) for k in range(K))
