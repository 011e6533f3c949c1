"""What the other physical harts' TLB primitives do, stated entry by entry.

The canonical layer has no translation cache, so its `hart_fences_run` and `hart_tlb_clear` do
nothing, and no simulation can tell which of the RISC-V model's TLB entries and queued fences
they drop; `tlb_ok` (the RISC-V invariant) only requires that a stale entry have its fence
still queued, which a fence left in its queue also satisfies. These obligations say what the
primitives do: physical hart `phys` (1..P-1) drops exactly its own entries of the CVMs whose
fence is queued for it (the IPI, ACE's RemoteHfenceGvmaVmid) or all of its own (a switch, ACE's
`clear_hart_tlbs`), empties its own queue, and leaves every other hart's entries and queue, and
everything else, as they were. Written over (k, q, g) apart from the machine's index arithmetic.
"""
from __future__ import annotations

from dataclasses import fields, replace

import icontract

from abstract.config import G, K, P
from abstract.logic import all_of, lnot, same
from abstract.shapes import OtherFences, OtherTlbFlags, OtherTlbInts
from concrete.riscv.machine import RISCV
from concrete.riscv.state import RvHw, riscv_initial
from refinement.registry import Kind, Layers, obligation


def _hw(tlb_v: OtherTlbFlags, tlb_ppn: OtherTlbInts, fence: OtherFences) -> RvHw:
    """Another hart's TLB and queued fences inside an otherwise plain machine (the primitives
    read and write nothing else: the postconditions check that every other field is kept)."""
    return replace(riscv_initial().hw, other_tlb_v=tlb_v, other_tlb_ppn=tlb_ppn, other_fence=fence)


def _dropped_as(before: RvHw, after: RvHw, phys: int, dropped) -> bool:
    """Hart q + 1's cached translation of CVM k's guest page g is kept unless it is `phys`'s and
    `dropped(k)`; hart q + 1's queued fence of CVM k is kept unless it is `phys`'s (then empty);
    every other field is the same."""
    mine = [q + 1 == phys for q in range(P - 1)]
    entries = all_of(after.other_tlb_v[(k * (P - 1) + q) * G + g]
                     == (before.other_tlb_v[(k * (P - 1) + q) * G + g] & lnot(mine[q] & dropped(k, q)))
                     for k in range(K) for q in range(P - 1) for g in range(G))
    queues = all_of(after.other_fence[k * (P - 1) + q] == (before.other_fence[k * (P - 1) + q] & lnot(mine[q]))
                    for k in range(K) for q in range(P - 1))
    kept = replace(after, other_tlb_v=before.other_tlb_v, other_fence=before.other_fence)
    rest = same(tuple(getattr(kept, f.name) for f in fields(RvHw)), tuple(getattr(before, f.name) for f in fields(RvHw)))
    return entries & queues & rest


@obligation(Layers.RISCV, "hart_fences_run", Kind.SIMULATION)
@icontract.require(lambda phys: (1 <= phys) & (phys < P))
@icontract.ensure(lambda tlb_v, tlb_ppn, fence, phys, result:
                  _dropped_as(_hw(tlb_v, tlb_ppn, fence), result, phys, lambda k, q: fence[k * (P - 1) + q]),
                  "the hart drops its entries of each CVM with a fence queued for it, and only those; its queue empties; nothing else changes")
def fences_run(tlb_v: OtherTlbFlags, tlb_ppn: OtherTlbInts, fence: OtherFences, phys: int) -> RvHw:
    """The monitor's IPI on another physical hart (`other_hart_interrupt`) runs the fences queued for that hart, as ACE's queued RemoteHfenceGvmaVmid: its cached translations of each CVM with a queued fence go, its other entries stay, its queue empties, and no other hart's entries or queue change."""
    return RISCV.hart_fences_run(_hw(tlb_v, tlb_ppn, fence), phys)


@obligation(Layers.RISCV, "hart_tlb_clear", Kind.SIMULATION)
@icontract.require(lambda phys: (1 <= phys) & (phys < P))
@icontract.ensure(lambda tlb_v, tlb_ppn, fence, phys, result:
                  _dropped_as(_hw(tlb_v, tlb_ppn, fence), result, phys, lambda k, q: True),
                  "the hart drops all its entries and its queue; nothing else changes")
def tlb_cleared(tlb_v: OtherTlbFlags, tlb_ppn: OtherTlbInts, fence: OtherFences, phys: int) -> RvHw:
    """A switch on another physical hart (`other_hart_run`, `other_hart_exit`) empties that hart's TLB and its queue of fences, as ACE's clear_hart_tlbs, and no other hart's."""
    return RISCV.hart_tlb_clear(_hw(tlb_v, tlb_ppn, fence), phys)
