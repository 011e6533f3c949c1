"""Lifts: a per-entry lemma speaks for a whole step only where the step is that per-entry
function applied to exactly the right entries.

The lemmas of `entries.py` hold at every size, but they are about one entry. Each row here
names a step that acts entry by entry (through `abstract.logic.each`) and states, at the
configured sizes, that the step's entries afterwards are the per-entry function applied to
each entry before, the entries read off the state's layout as written here (C page p is
`owner[p]` and `mem[NC + p]`; translation entry i of CVM slot k is `k * G + g`; other
physical hart j is `other_harts[j]`; guest page g's entry at each level of the hypervisor's
tables is the one its address's digit there selects). A wrong range, offset, count or size
argument around the call is refuted here, at any configuration where the sizes differ (CI
proves two; the walk's at 2 to 5 levels, `tests/test_proof.py`).

One generic statement, one row per lift. Steps and per-entry functions are called through their
modules, so that a seeded fault swapped into a module (`refinement.faults`) reaches the lift.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable, Dict, Tuple

import icontract

from abstract import abi
from abstract.canonical import allocator
from abstract.canonical.hardware import CANONICAL
from abstract.canonical.monitor import physical as canonical_physical
from abstract.canonical.state import CanonHw, CanonState, canon_hw_shapes_ok
from abstract.config import C, G, H, K, NC, P, PAGES
from abstract.spec import lifecycle, physical as spec_physical
from abstract.spec.state import SpecState, shapes_ok
from concrete.riscv import pagetable
from concrete.riscv.machine import RISCV
from concrete.riscv.state import RvHw
from refinement.obligations.pagetable import (
    PT_LEVELS, PT_WIDTH, CopyInput, WalkInput, answered, copy_input_ok, walk_by_digits, walk_input_ok,
)
from refinement.canonical_to_spec import abs_entry, abs_private, abs_shared, canonical_shapes_ok
from refinement.registry import Kind, Layers, obligation
from refinement.riscv_to_canonical import abs_hw, pmp_layout_ok, riscv_shapes_ok


def c_pages(owner: Tuple[int, ...], mem: Tuple[int, ...]) -> Tuple[Tuple[int, int], ...]:
    """Every C page as (owner, contents): C page p is owner[p] and mem[NC + p]."""
    return tuple((owner[p], mem[NC + p]) for p in range(C))


def _after_release(s: CanonState, k: int) -> Tuple:
    after = allocator.release_all(s, k)
    return c_pages(after.owner, after.mem), after.mem[:NC]


def _after_destroy(s: SpecState, k: int) -> Tuple:
    owner, mem = lifecycle.memory_after_destroy(s, k)
    return c_pages(owner, mem), mem[:NC]


def _pages(s: Any) -> Tuple[Tuple[int, int], ...]:
    return c_pages(s.owner, s.mem)


@dataclass(frozen=True)
class Lift:
    layers: Layers
    subject: str
    lemma: str                        # the per-entry lemma lifted
    state: type                       # what the step acts on
    shaped: Callable[[Any], bool]     # the state's shapes (nothing else is assumed)
    step: Callable[[Any, int], Any]   # the entries after the whole step, read off the layout
    mapped: Callable[[Any, int], Any]  # the per-entry function on each entry before
    says: str


# One row per lift, each its own definition so that its cache key reaches only its own step
# (named `*_LIFT`: a bare `ISOLATION` would be reached by every `Kind.ISOLATION`).
DESTROY_CANONICAL_LIFT = Lift(
    Layers.CANONICAL, "destroy_tvm", "canonical->spec/destroy_tvm/entry", CanonState, canonical_shapes_ok,
    _after_release,
    lambda s, k: (tuple(allocator.reclaimed(o, d, k) for o, d in _pages(s)), s.mem[:NC]),
    "the canonical release of slot k is `reclaimed` on every C page, NC memory untouched")
DESTROY_SPEC_LIFT = Lift(
    Layers.SPEC, "destroy_tvm", "canonical->spec/destroy_tvm/entry", SpecState, shapes_ok,
    _after_destroy,
    lambda s, k: (tuple(lifecycle.page_after_destroy(o, d, k) for o, d in _pages(s)), s.mem[:NC]),
    "the spec's destroy of slot k is `page_after_destroy` on every C page, NC memory untouched")
SRST_CANONICAL_LIFT = Lift(
    Layers.CANONICAL, "system_reset", "canonical->spec/system_reset/entry", CanonState, canonical_shapes_ok,
    lambda s, k: canonical_physical.taken_off_other_harts(s, k),
    lambda s, k: tuple(canonical_physical.interrupted(s.other_harts[j], k, H) for j in range(P - 1)),
    "SRST of slot k on the canonical machine is `interrupted` on every other physical hart, H vCPUs per slot")
SRST_SPEC_LIFT = Lift(
    Layers.SPEC, "system_reset", "canonical->spec/system_reset/entry", SpecState, shapes_ok,
    lambda s, k: spec_physical.off_other_harts(s, k),
    lambda s, k: tuple(spec_physical.mark_after_reset(s.other_harts[j], k, H) for j in range(P - 1)),
    "SRST of slot k in the spec is `mark_after_reset` on every other physical hart, H vCPUs per slot")
SHARE_LIFT = Lift(
    Layers.CANONICAL_SPEC, "share_memory", "canonical->spec/share_memory/entry", CanonHw, canon_hw_shapes_ok,
    lambda hw, k: abs_private(hw),
    lambda hw, k: tuple(abs_entry(hw.t_valid[i], hw.t_page[i], NC)[0] for i in range(K * G)),
    "the spec's private flags are `abs_entry` on every translation entry, NC pages below the first C page")
UNSHARE_LIFT = Lift(
    Layers.CANONICAL_SPEC, "unshare_memory", "canonical->spec/unshare_memory/entry", CanonHw, canon_hw_shapes_ok,
    lambda hw, k: abs_shared(hw),
    lambda hw, k: tuple(abs_entry(hw.t_valid[i], hw.t_page[i], NC)[1] for i in range(K * G)),
    "the spec's shared flags are `abs_entry` on every translation entry, NC pages below the first C page")
ISOLATION_LIFT = Lift(
    Layers.RISCV_CANONICAL, "isolation_allows", "riscv->canonical/isolation_allows/entry", RvHw,
    lambda hw: riscv_shapes_ok(hw) and pmp_layout_ok(hw),
    lambda hw, k: tuple(RISCV.isolation_allows(hw, p) for p in range(PAGES + 1)),
    lambda hw, k: tuple(CANONICAL.isolation_allows(abs_hw(hw, True), p) for p in range(PAGES + 1)),  # who runs: irrelevant to isolation
    "on every page and the end of memory, PMP laid out for NC and PAGES grants what the isolation unit allows")
PT_WALK_LIFT = Lift(
    Layers.RISCV, "pt_walk", "riscv/pt_walk_level/entry", WalkInput, walk_input_ok,
    lambda t, k: pagetable.walk(pagetable.Tables(t.kinds, t.ppns, PT_WIDTH), t.root, PT_LEVELS, t.g),
    lambda t, k: walk_by_digits(t),  # no CVM slot: the hypervisor's tables
    "the walk of any guest page from any root is `walk_level` at each level on the entry its address's digit "
    "selects, down while it says DESCEND")
PT_COPY_LIFT = Lift(
    Layers.RISCV, "pt_copy_run", "riscv/pt_copy_then/entry", CopyInput, copy_input_ok,
    lambda t, k: answered(*pagetable.copy_outcome(pagetable.Tables(t.kinds, t.ppns, PT_WIDTH), NC, t.root, PT_LEVELS, t.free)),
    lambda t, k: answered(*pagetable.advance((abi.SUCCESS, False, 0),
                                             pagetable.copy_summary(pagetable.Tables(t.kinds, t.ppns, PT_WIDTH), t.root,
                                                                    PT_LEVELS, NC, G), t.free)[0][::2]),
    "ACE's copy of any tables from any root and free run, its parts run one at a time depth first, answers as its "
    "whole-tree summary (the `then` of the same parts) run once")
LIFTS = (DESTROY_CANONICAL_LIFT, DESTROY_SPEC_LIFT, SRST_CANONICAL_LIFT, SRST_SPEC_LIFT, SHARE_LIFT, UNSHARE_LIFT,
         ISOLATION_LIFT, PT_WALK_LIFT, PT_COPY_LIFT)


def lift(row: Lift) -> Callable:
    """The one statement: for every state of the row's shapes and every CVM slot k, the step's
    entries are the per-entry function mapped over the entries."""
    @icontract.require(lambda s, k: row.shaped(s) and 0 <= k < K)
    @icontract.ensure(lambda result: result[0] == result[1], "the whole step is the per-entry function mapped over its entries")
    def ob(s: Any, k: int) -> Tuple:
        return row.step(s, k), row.mapped(s, k)
    inspect.unwrap(ob).__annotations__["s"] = row.state
    return ob


# Where a lift's proof starts, for the cache and `refine watch`: its row and the statement.
ROW_NAMES = {id(row): name for name, row in list(globals().items()) if isinstance(row, Lift)}


def _generate(namespace: Dict[str, Any]) -> None:
    for row in LIFTS:
        fn = lift(row)
        name = f"{row.layers.value.replace('->', '_to_')}_{row.subject}_lift"
        for f in {fn, inspect.unwrap(fn)}:
            f.__name__ = f.__qualname__ = name
            f.__module__ = __name__
            f.__doc__ = f"At the configured sizes, {row.says} (lifts `{row.lemma}`)."
        roots = (("refinement/obligations/lifts.py", "lift"), ("refinement/obligations/lifts.py", ROW_NAMES[id(row)]))
        obligation(row.layers, row.subject, Kind.LIFT, roots=roots)(fn)
        namespace[name] = fn


_generate(globals())
