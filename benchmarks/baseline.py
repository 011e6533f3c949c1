"""The usual alternative to proof: random testing. A Hypothesis search drives the RISC-V model,
the canonical machine and the spec in lockstep from boot and checks every square, the
RISC-V local invariant (PMP layout, PTEs, TLB coherence) and the isolation property after each step, with plain Python (no CrossHair, no contracts)."""
from __future__ import annotations

import time
from dataclasses import replace
from typing import Optional

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import concrete.riscv as rv
from abstract import abi, canonical, spec
from abstract.config import G, H, K, NC, NFREGS, PAGE_SIZE, PAGES
from concrete.riscv.hv_tables import huge_leaf_at, tables_for
from concrete.riscv.state import riscv_initial
from refinement.canonical_to_spec import abs_canonical
from refinement.riscv_to_canonical import abs_riscv, hypervisor_confined, riscv_local

page_addr = st.integers(0, PAGES).map(lambda p: p * PAGE_SIZE)
gpa = st.integers(0, G - 1).map(lambda g: g * PAGE_SIZE)
CALLS = st.one_of(
    st.tuples(st.just("promote_to_tvm"), st.integers(1, G),
              st.lists(st.integers(0, NC - 1), min_size=G, max_size=G).map(tuple)),
    st.tuples(st.just("promote_huge"), st.integers(0, NC - G)),  # every guest page under one leaf
    st.tuples(st.just("destroy_tvm"), st.integers(1, K + 1)),
    st.tuples(st.just("tvm_vcpu_run"), st.integers(1, K + 1), st.integers(0, H - 1)),
    st.tuples(st.just("other_hart_run"), st.just(1), st.integers(1, K + 1), st.integers(0, H - 1)),
    st.tuples(st.just("other_hart_exit"), st.just(1)),
    st.tuples(st.just("tlb_fill"), st.integers(0, G - 1), st.integers(0, 1)),
    st.tuples(st.just("scribble"), st.integers(0, 3)),
    st.tuples(st.just("hart_suspend")),
    st.tuples(st.just("exit_mmio_store"), page_addr, st.integers(0, 2 ** 32 - 1)),
    st.tuples(st.just("exit_interrupt"), st.integers(2 ** 63, 2 ** 64 - 1)),
    st.tuples(st.just("share_memory"), gpa, st.just(PAGE_SIZE)),  # the request; TVM_VCPU_RUN completes it
    st.tuples(st.just("nacl_write"), st.just(abi.A0), st.just(0)),  # the hypervisor's answer: success ...
    st.tuples(st.just("nacl_write"), st.just(abi.A1), st.integers(0, NC - 1).map(lambda p: p * PAGE_SIZE)),  # ... and its page
    st.tuples(st.just("unshare_memory"), gpa, st.just(PAGE_SIZE)),
    st.tuples(st.just("guest_page_fault"), gpa),
    st.tuples(st.just("hypervisor_read"), page_addr),
    st.tuples(st.just("hypervisor_write"), page_addr, st.integers(1, 3)),
)


class OutOfBudget(Exception):
    pass


class Discrepancy(AssertionError):
    pass


def lockstep(sequence) -> None:
    """Raise Discrepancy at the first step where a square fails or isolation breaks."""
    r = riscv_initial()
    for name, *args in sequence:
        if name == "scribble":  # what runs on the hart fills its registers with values
            r = replace(r, hw=replace(r.hw, regs=(args[0] + 1,) * 31, fregs=(args[0] + 2,) * NFREGS))
            continue
        if name == "tlb_fill":  # hardware, RISC-V only: the canonical machine stutters
            r2 = rv.tlb_fill(r, *args)[0]
            if abs_riscv(r2) != abs_riscv(r) or not riscv_local(r2):
                raise Discrepancy(f"after {name}{tuple(args)}")
            r = r2
            continue
        c, above, huge = abs_riscv(r), args, {}
        if name == "promote_to_tvm":  # guest pages 0..npages-1 at src: the map above, tables on RISC-V
            above = [tuple(args[1][g] if g < args[0] else abi.VM_UNMAPPED for g in range(G))]
            args = [tables_for(above[0])]
        if name == "promote_huge":  # guest page g at page + g, all under one leaf
            name, above, args, huge = "promote_to_tvm", [tuple(args[0] + g for g in range(G))], [huge_leaf_at(args[0])], {"huge": True}
        r2, rr = getattr(rv, name)(r, *args)
        c2, cr = getattr(canonical, name)(c, *above, **huge)
        s2, sr = getattr(spec, name)(abs_canonical(c), *above, **huge)
        if (abs_riscv(r2), rr) != (c2, cr) or (abs_canonical(c2), cr) != (s2, sr) or not hypervisor_confined(r2) \
                or not riscv_local(r2):
            raise Discrepancy(f"after {name}{tuple(args)}")
        r = r2


def search(budget: float, max_examples: int = 100_000) -> Optional[float]:
    """Seconds until Hypothesis finds a discrepancy, or None within `budget` seconds."""
    deadline = time.monotonic() + budget
    started = time.monotonic()

    @settings(max_examples=max_examples, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(st.lists(CALLS, min_size=1, max_size=12))
    def run(sequence):
        if time.monotonic() > deadline:
            raise OutOfBudget()
        lockstep(sequence)

    try:
        run()
    except Discrepancy:
        return time.monotonic() - started
    except OutOfBudget:
        return None
    except Exception as exc:  # Hypothesis wraps the first failure it saw
        if isinstance(exc, Discrepancy) or "Discrepancy" in repr(exc):
            return time.monotonic() - started
        if isinstance(exc, OutOfBudget) or "OutOfBudget" in repr(exc):
            return None
        raise
    return None
