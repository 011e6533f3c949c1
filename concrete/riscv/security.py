"""Integrity of the fields only the RISC-V machine has, derived from `RV_FIELDS` (`classes.py`)
as the spec's integrity is from `SPEC_FIELDS`.

A field the canonical layer also has (memory, the CVM table, saved registers) is kept by the
spec's integrity through the abstraction and the simulation squares. The fields only this layer
has, a CVM's hgatp, its G-stage table entries, its TLB entries and its vCPUs' saved pcs, no
abstraction reaches: a step that writes another CVM's TLB entry is caught here or nowhere. The
statement needs only the local invariants (it is proven beside the RISC-V square, in one run)."""
from __future__ import annotations

from typing import Any, Tuple

from abstract.classes import CANON_FIELDS, CVM
from abstract.config import K
from abstract.logic import all_of, implies
from abstract.spec.security import blocks_kept
from concrete.riscv.classes import RV_FIELDS

# (dotted field name, entries per CVM slot) of every RISC-V-only field a CVM owns.
OWNED: Tuple[Tuple[str, int], ...] = tuple((name, f.unit) for name, f in RV_FIELDS.items()
                                           if f.owner == CVM and name not in CANON_FIELDS)


def riscv_fields_kept(before: Any, after: Any, k: int) -> bool:
    """Every RISC-V-only field CVM slot k owns is unchanged."""
    return blocks_kept(before, after, OWNED, k)


def riscv_integrity(before: Any, after: Any, exempt: int) -> bool:
    """Every live CVM but slot `exempt` (the party to the step; -1 for none) keeps every
    RISC-V-only field it owns."""
    return all_of(implies(before.live[k] & (k != exempt), riscv_fields_kept(before, after, k)) for k in range(K))
