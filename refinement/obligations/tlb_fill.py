"""Obligations of the RISC-V G-stage TLB, which only the RISC-V layer has.

The hardware fills the TLB as a guest runs; the monitor must fence a CVM after it changes a
live leaf. `riscv_local` requires the TLB to be coherent with the tables (`tlb_ok`), so every
monitor step's invariant obligation checks its fences, and these two check the fill itself.
"""
from __future__ import annotations

import icontract

import concrete.riscv as rv
from concrete.riscv.state import RvState
from refinement.obligations.common import riscv_sim_ok
from refinement.registry import Kind, Layers, obligation
from refinement.riscv_to_canonical import abs_riscv, riscv_local


@obligation(Layers.RISCV_CANONICAL, "tlb_fill", Kind.SIMULATION)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda s, result: abs_riscv(result) == abs_riscv(s), "the canonical machine does not move")
def tlb_fill_simulation_riscv_canonical(s: RvState, g: int) -> RvState:
    """A TLB fill is a stutter step: the canonical machine (which has no TLB) is unchanged."""
    return rv.tlb_fill(s, g)


@obligation(Layers.RISCV_CANONICAL, "tlb_fill", Kind.INVARIANT)
@icontract.require(lambda s: riscv_sim_ok(s))
@icontract.ensure(lambda result: riscv_local(result))
def tlb_fill_invariant_riscv(s: RvState, g: int) -> RvState:
    """A TLB fill keeps the RISC-V local invariant: it caches only the current valid leaf."""
    return rv.tlb_fill(s, g)
