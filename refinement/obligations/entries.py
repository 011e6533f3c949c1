"""Per-entry lemmas: size-independent obligations.

Where a step acts entry by entry (per page, per translation entry), the model writes it as a
per-entry function mapped over the entries, and the lemma here proves that function over
scalars with the sizes (`nc`, `pages`, `harts`) free. Its proof therefore holds at every
size and costs the same at 4 pages as at 64; the whole-state obligations of the same operations
are proven at the configured sizes. `MAPPED_IN` names where each per-entry function is mapped
over a whole state (through `abstract.logic.each`), and the lift obligations (`lifts.py`) prove,
at the configured sizes, that those steps are exactly the map over the right entries.

The monitor's per-entry functions are called through their modules, so that a seeded fault
swapped into a module (`refinement.faults`) reaches the lemma too.
"""
from __future__ import annotations

from typing import Tuple

import icontract

from abstract.canonical import allocator
from abstract.canonical.hardware import isolation_decides
from abstract.canonical.monitor import memory, physical
from abstract.logic import implies, lnot
from abstract.spec.lifecycle import page_after_destroy
from abstract.spec.physical import mark_after_reset
from concrete.riscv import pmp
from refinement.canonical_to_spec import abs_entry
from refinement.registry import Kind, Layers, Operation, obligation

Pair = Tuple[Tuple[int, int], Tuple[int, int]]
# The sixteen PMP entries as fixed-length tuples: the lemmas are about any memory size, not
# any number of entries (RISC-V has 16 here), and fixed lengths give one scalar per entry.
PmpInts = Tuple[(int,) * pmp.ENTRIES]
PmpFlags = Tuple[(bool,) * pmp.ENTRIES]

# obligation id -> (module, the function that maps the per-entry function, the per-entry
# function as module.name)
MAPPED_IN = {
    "canonical->spec/destroy_tvm/entry": (
        ("abstract.canonical.allocator", "release_all", "abstract.canonical.allocator.reclaimed"),
        ("abstract.spec.lifecycle", "memory_after_destroy", "abstract.spec.lifecycle.page_after_destroy"),
    ),
    "canonical->spec/share_memory/entry": (
        ("refinement.canonical_to_spec", "abs_private", "refinement.canonical_to_spec.abs_entry"),
        ("abstract.canonical.monitor.memory", "remap_shared", "abstract.canonical.monitor.memory.holds_private_page"),
    ),
    "canonical->spec/unshare_memory/entry": (
        ("refinement.canonical_to_spec", "abs_shared", "refinement.canonical_to_spec.abs_entry"),
        ("abstract.canonical.monitor.memory", "unshare_memory", "abstract.canonical.monitor.memory.holds_shared_page"),
    ),
    "canonical->spec/system_reset/entry": (
        ("abstract.canonical.monitor.physical", "taken_off_other_harts", "abstract.canonical.monitor.physical.interrupted"),
        ("abstract.spec.physical", "off_other_harts", "abstract.spec.physical.mark_after_reset"),
    ),
    "riscv->canonical/isolation_allows/entry": (
        ("concrete.riscv.machine", "RiscvMachine.isolation_allows", "concrete.riscv.pmp.grants_rw"),
        ("abstract.canonical.hardware", "CanonicalHardware.isolation_allows", "abstract.canonical.hardware.isolation_decides"),
        ("refinement.riscv_to_canonical", "pmp_layout_ok", "concrete.riscv.pmp.layout_ok"),
    ),
    "riscv/pt_walk_level/entry": (
        ("concrete.riscv.pagetable", "walk", "concrete.riscv.pagetable.walk_level"),
        ("concrete.riscv.pagetable", "_entry_summary", "concrete.riscv.pagetable.entry_part"),
        ("concrete.riscv.pagetable", "entry_part", "concrete.riscv.pagetable.entry_refused"),
        ("concrete.riscv.pagetable", "entry_refused", "concrete.riscv.pagetable.copy_entry"),
        ("concrete.riscv.pagetable", "_copied_tables", "concrete.riscv.pagetable.copied_entry"),
    ),
    "riscv/pt_copy_then/entry": (
        ("concrete.riscv.pagetable", "_run", "concrete.riscv.pagetable.advance"),
        ("concrete.riscv.pagetable", "_table_summary", "concrete.riscv.pagetable.then"),
        ("concrete.riscv.pagetable", "_entry_summary", "concrete.riscv.pagetable.only_if"),
        ("concrete.riscv.pagetable", "off_fold", "concrete.riscv.pagetable.then"),
        ("concrete.riscv.hv_tables", "path_copy", "concrete.riscv.pagetable.then"),
    ),
    "riscv/hypervisor_reach/entry": (
        ("refinement.riscv_to_canonical", "hypervisor_confined", "concrete.riscv.pmp.grants_r_or_w"),
        ("refinement.riscv_to_canonical", "pmp_layout_ok", "concrete.riscv.pmp.layout_ok"),
    ),
}


@obligation(Layers.CANONICAL_SPEC, Operation.DESTROY_TVM, Kind.ENTRY)
@icontract.ensure(lambda result: result[0] == result[1], "the canonical page is the spec's page")
def destroy_tvm_page_entry(owner: int, data: int, k: int) -> Pair:
    """Per C page, at any memory size: DESTROY_TVM's reclaim on the canonical machine leaves the
    page (owner, contents) as the spec's destroy does: slot k's pages (data and tables) zeroed
    and freed, others kept."""
    return allocator.reclaimed(owner, data, k), page_after_destroy(owner, data, k)


def _entry_form(valid: bool, page: int, nc: int) -> bool:
    """A canonical translation entry in canonical form, memory with at least one NC page."""
    return (1 <= nc) & (0 <= page) & implies(lnot(valid), page == 0)


@obligation(Layers.CANONICAL_SPEC, Operation.SHARE_MEMORY, Kind.ENTRY)
@icontract.require(lambda valid, page, nc: _entry_form(valid, page, nc))
@icontract.ensure(lambda valid, page, nc, result: result == abs_entry(valid, page, nc)[0],
                  "frees exactly the entries the spec sees as private")
def share_memory_entry(valid: bool, page: int, nc: int) -> bool:
    """Per translation entry, at any memory size: SHARE_MEMORY's completion frees the old page exactly when
    the spec sees the entry as private (a valid entry into C)."""
    return memory.holds_private_page(valid, page, nc)


@obligation(Layers.CANONICAL_SPEC, Operation.UNSHARE_MEMORY, Kind.ENTRY)
@icontract.require(lambda valid, page, nc: _entry_form(valid, page, nc))
@icontract.ensure(lambda valid, page, nc, result: result == abs_entry(valid, page, nc)[1],
                  "removes exactly the entries the spec sees as shared")
def unshare_memory_entry(valid: bool, page: int, nc: int) -> bool:
    """Per translation entry, at any memory size: UNSHARE_MEMORY removes the entry exactly when
    the spec sees it as shared (a valid entry into NC), never a private page."""
    return memory.holds_shared_page(valid, page, nc)


@obligation(Layers.CANONICAL_SPEC, Operation.SYSTEM_RESET, Kind.ENTRY)
@icontract.require(lambda mark, k, harts: (0 <= mark) & (0 <= k) & (1 <= harts))
@icontract.ensure(lambda mark, k, harts, result: result == mark_after_reset(mark, k, harts),
                  "the canonical mark is the spec's")
def system_reset_entry(mark: int, k: int, harts: int) -> int:
    """Per other physical hart, for any number of vCPUs per CVM: SRST of CVM slot k takes the
    hart off exactly when it runs one of k's vCPUs, on the canonical machine as in the spec."""
    return physical.interrupted(mark, k, harts)


def monitor_layout(mode: Tuple[int, ...], addr: Tuple[int, ...], r: Tuple[bool, ...], w: Tuple[bool, ...],
            x: Tuple[bool, ...], nc: int, pages: int) -> bool:
    """Sixteen PMP entries in the monitor's layout for memory of `pages` pages, `nc` of them NC."""
    return (len(mode) == pmp.ENTRIES and len(addr) == pmp.ENTRIES and len(r) == pmp.ENTRIES
            and len(w) == pmp.ENTRIES and len(x) == pmp.ENTRIES
            and ((1 <= nc) & (nc < pages) & pmp.layout_ok(mode, addr, r, w, x, nc, pages)))


@obligation(Layers.RISCV_CANONICAL, "isolation_allows", Kind.ENTRY)
@icontract.require(lambda mode, addr, r, w, x, nc, pages, page: monitor_layout(mode, addr, r, w, x, nc, pages))
@icontract.ensure(lambda mode, addr, r, w, x, nc, pages, page, result:
                  result == isolation_decides(r[pmp.MONITOR_TOR] & w[pmp.MONITOR_TOR] & x[pmp.MONITOR_TOR], page, nc, pages),
                  "PMP grants the page exactly when the canonical isolation unit allows it")
def isolation_allows_entry(mode: PmpInts, addr: PmpInts, r: PmpFlags, w: PmpFlags,
                           x: PmpFlags, nc: int, pages: int, page: int) -> bool:
    """Per physical page, at any memory size: the 16-entry PMP priority scan, laid out by the
    monitor, grants read and write of a page exactly when the canonical isolation unit allows it
    (NC always, C only while the monitor's entry is open, nothing past the end of memory)."""
    return pmp.grants_rw(mode, addr, r, w, page)


@obligation(Layers.RISCV, "hypervisor_reach", Kind.ENTRY)
@icontract.require(lambda mode, addr, r, w, x, nc, pages, page:
                   monitor_layout(mode, addr, r, w, x, nc, pages) and lnot(r[pmp.MONITOR_TOR] | w[pmp.MONITOR_TOR]))
@icontract.ensure(lambda mode, addr, r, w, x, nc, pages, page, result: result == ((0 <= page) & (page < nc)),
                  "a closed layout lets S/U reach exactly the NC pages")
def hypervisor_reach_entry(mode: PmpInts, addr: PmpInts, r: PmpFlags, w: PmpFlags,
                           x: PmpFlags, nc: int, pages: int, page: int) -> bool:
    """Per physical page, at any memory size: with the monitor's PMP layout closed (the
    hypervisor runs), S/U mode can read or write a page exactly when it is NC: no C page and
    nothing past the end of memory. `riscv/state/isolation` is this at the configured size."""
    return pmp.grants_r_or_w(mode, addr, r, w, page)
