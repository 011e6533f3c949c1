"""The monitor's failure mode: the halt (ACE's panic handler), on every layer.

No row of the transition table halts, and every layer's invariant says the monitor runs, so a
halted monitor takes no step. These obligations say what a halt must guarantee wherever an
implementation stops (the findings against ACE reach it): no CVM's data survives, the
hypervisor learns only that the monitor stopped, and each layer halts as the one above.
"""
from __future__ import annotations

import icontract

from abstract import canonical, spec
from abstract.canonical.state import CanonHw, CanonState  # noqa: F401  (counterexample reprs)
from abstract.config import C, K, NC
from abstract.domain import FREE
from abstract.logic import all_of, lnot, same
from abstract.spec.security import SpecSecrets, with_secrets
from abstract.spec.state import SpecState, spec_invariant
import concrete.riscv as rv
from concrete.riscv.state import RvHw, RvState  # noqa: F401  (counterexample reprs)
from refinement.canonical_to_spec import abs_canonical, canonical_invariant
from refinement.registry import Kind, Layers, obligation
from refinement.riscv_to_canonical import abs_riscv, pmp_configured, riscv_invariant


def nothing_of_a_cvm(s: SpecState) -> bool:
    """No CVM is live and every C page, its tables' pages too, is zero and free."""
    pages = all_of((s.mem[NC + p] == 0) & (s.owner[p] == FREE) for p in range(C))
    return pages & all_of(lnot(s.live[k]) for k in range(K))


def hypervisor_kept(before: SpecState, after: SpecState) -> bool:
    """NC memory, the hypervisor's registers, FPU and second-stage register and the exit area are
    as they were."""
    return same((before.mem[:NC], before.hv_regs, before.hv_fpu, before.hv_stage2, before.exit_gprs, before.exit_csrs),
                (after.mem[:NC], after.hv_regs, after.hv_fpu, after.hv_stage2, after.exit_gprs, after.exit_csrs))


@obligation(Layers.SPEC, "halt", Kind.ERASURE)
@icontract.require(lambda s: spec_invariant(s))
@icontract.ensure(lambda result: result[0] == result[1], "the halted state is the same whatever the CVMs' secrets were")
@icontract.ensure(lambda result: nothing_of_a_cvm(result[0]) & result[0].halted, "no CVM, no C page, and the monitor halted")
@icontract.ensure(lambda s, result: hypervisor_kept(s, result[0]), "the hypervisor's own state is kept")
def halt_erasure(s: SpecState, secrets: SpecSecrets) -> tuple:
    """A halt leaves nothing of any CVM: the halted state does not depend on any CVM's memory,
    registers or secret (so the hypervisor learns from it only that the monitor stopped), no CVM
    is left and C memory is zero; the hypervisor's own state is untouched."""
    return spec.failure.halt(s), spec.failure.halt(with_secrets(s, secrets))


@obligation(Layers.CANONICAL_SPEC, "halt", Kind.SIMULATION)
@icontract.require(lambda s: canonical_invariant(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(canonical halt) == spec halt")
def halt_simulation_canonical_spec(s: CanonState) -> tuple:
    """The canonical monitor halts as the spec does: its halted state abstracts to the spec's."""
    return abs_canonical(canonical.halt(s)), spec.failure.halt(abs_canonical(s))


@obligation(Layers.RISCV_CANONICAL, "halt", Kind.SIMULATION)
@icontract.require(lambda s: riscv_invariant(s))
@icontract.ensure(lambda result: result[0] == result[1], "abs(RISC-V halt) == canonical halt")
def halt_simulation_riscv_canonical(s: RvState) -> tuple:
    """The RISC-V machine halts as the canonical one does."""
    return abs_riscv(rv.halt(s)), canonical.halt(abs_riscv(s))


@obligation(Layers.RISCV, "halt", Kind.ISOLATION)
@icontract.require(lambda s: riscv_invariant(s))
@icontract.ensure(lambda result: pmp_configured(result), "PMP closes C to the hypervisor")
def halt_isolation_riscv(s: RvState) -> RvState:
    """After a halt the PMP is configured for the hypervisor: C memory is closed to it, whichever
    domain ran when the monitor stopped."""
    return rv.halt(s)
