"""Per layer: the initial state corresponds across layers, and each invariant is satisfiable.

A non-vacuity obligation is stated as "no state satisfies the invariant"; the checker proves
non-vacuity when CrossHair refutes that statement with a witness state that replays, and
reports VACUOUS when CrossHair exhausts every path without one. Each names the layer's initial
state as a candidate witness: replaying it takes a second, searching for one about ten.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, Dict, Iterator, Tuple

import icontract

from abstract.canonical.state import CanonHw, CanonState, canonical_initial
from abstract.spec.state import SpecState, spec_initial, spec_invariant
from concrete.riscv.state import RvHw, RvState, riscv_initial  # noqa: F401  (witness reprs)
from abstract.classes import CANON_FIELDS, MONITOR, Field, field_value
from concrete.riscv.classes import RV_FIELDS
from abstract.logic import same
from abstract.spec.security import SpecSecrets, hypervisor_view, low_equal, secrets_of, with_secrets  # noqa: F401
from refinement.canonical_to_spec import (
    abs_canonical, canonical_confined, canonical_hypervisor_view, canonical_invariant, canonical_local,
)
from refinement.registry import Kind, Layers, Method, obligation
from refinement.riscv_to_canonical import (
    abs_riscv, hypervisor_confined, pmp_configured, riscv_hypervisor_view, riscv_invariant, riscv_local,
)
from abstract.canonical.hardware import CANONICAL
from abstract.config import G, K
from abstract.domain import HYPERVISOR
from concrete.riscv.machine import RISCV

_ = CanonHw  # witness reprs name it


@obligation(Layers.CANONICAL_SPEC, "state", Kind.INIT)
@icontract.ensure(lambda result: result[0] == result[1], "abs(canonical init) == spec init")
@icontract.ensure(lambda result: result[2], "canonical init satisfies the canonical invariant")
@icontract.ensure(lambda result: result[3], "spec init satisfies the spec invariant")
def canonical_spec_init() -> tuple:
    """The canonical machine starts where the spec starts, both invariants holding."""
    c = canonical_initial()
    return abs_canonical(c), spec_initial(), canonical_invariant(c), spec_invariant(spec_initial())


@obligation(Layers.RISCV_CANONICAL, "state", Kind.INIT)
@icontract.ensure(lambda result: result[0] == result[1], "abs(RISC-V init) == canonical init")
@icontract.ensure(lambda result: result[2], "RISC-V init satisfies the RISC-V invariant")
def riscv_canonical_init() -> tuple:
    """The RISC-V model boots where the canonical machine starts, its invariant holding."""
    r = riscv_initial()
    return abs_riscv(r), canonical_initial(), riscv_invariant(r)


@obligation(Layers.SPEC, "state", Kind.NONVACUITY, Method.WITNESS, witness="spec_nonvacuity(spec_initial())")
@icontract.ensure(lambda result: not result, "no state satisfies the spec invariant")
def spec_nonvacuity(s: SpecState) -> bool:
    """Some spec state satisfies the spec invariant."""
    return spec_invariant(s)


@obligation(Layers.CANONICAL, "state", Kind.NONVACUITY, Method.WITNESS, witness="canonical_nonvacuity(canonical_initial())")
@icontract.ensure(lambda result: not result, "no state satisfies the canonical invariant")
def canonical_nonvacuity(s: CanonState) -> bool:
    """Some canonical state satisfies the canonical representation invariant."""
    return canonical_invariant(s)


@obligation(Layers.RISCV, "state", Kind.NONVACUITY, Method.WITNESS, witness="riscv_nonvacuity(riscv_initial())")
@icontract.ensure(lambda result: not result, "no state satisfies the RISC-V invariant")
def riscv_nonvacuity(s: RvState) -> bool:
    """Some RISC-V state satisfies the RISC-V representation invariant."""
    return riscv_invariant(s)


@obligation(Layers.SPEC, "secrets", Kind.OBSERVATION)
@icontract.require(lambda s1, s2: low_equal(s1, s2))
@icontract.ensure(lambda s2, result: same(result, s2), "s1 with s2's secrets is s2")
@icontract.ensure(lambda s1, secrets: low_equal(s1, with_secrets(s1, secrets)), "s1 with any secrets is low-equal to s1")
def spec_secrets_observation(s1: SpecState, s2: SpecState, secrets: SpecSecrets) -> SpecState:
    """Low-equal states are exactly a state and the same state with other secrets (C page
    contents and the unseen fields): so the confidentiality obligations, which take one state and
    a second set of secrets, cover every pair of low-equal states and no other pair."""
    return with_secrets(s1, secrets_of(s2))


@obligation(Layers.CANONICAL_SPEC, "state", Kind.OBSERVATION)
@icontract.require(lambda s: canonical_local(s))
@icontract.ensure(lambda s, result: result, "hypervisor_view(abs(s)) == what the hypervisor observes of s")
@icontract.ensure(lambda s, result: canonical_confined(s), "the isolation unit confines a running hypervisor to NC")
def canonical_spec_observation(s: CanonState) -> bool:
    """What the hypervisor observes of a canonical state is what it observes of its abstraction,
    so noninterference proven on the spec holds of the canonical machine."""
    return same(hypervisor_view(abs_canonical(s)), canonical_hypervisor_view(s))


@obligation(Layers.RISCV_CANONICAL, "state", Kind.OBSERVATION)
@icontract.require(lambda s: riscv_local(s) and canonical_local(abs_riscv(s)))
@icontract.ensure(lambda s, result: result, "canonical view of abs(s) == what the hypervisor observes of s")
def riscv_canonical_observation(s: RvState) -> bool:
    """What the hypervisor observes of a RISC-V state is what it observes of its abstraction."""
    return same(canonical_hypervisor_view(abs_riscv(s)), riscv_hypervisor_view(s))


@obligation(Layers.RISCV, "state", Kind.ISOLATION)
@icontract.require(lambda s: pmp_configured(s))
@icontract.ensure(lambda s, result: result, "PMP confines a running hypervisor to NC")
def riscv_state_isolation(s: RvState) -> bool:
    """Any state whose PMP is configured for who runs confines a running hypervisor: the 16-entry
    priority scan allows every NC page and denies every C page and the end of memory, for reads
    and writes. Each `riscv/<op>/isolation` proves an operation leaves PMP so configured; the
    scan is evaluated here once, not on every path of every operation."""
    return hypervisor_confined(s)


# --- the classification tables against the views they describe ---------------------------------

def _with_field(s: Any, name: str, value: Any) -> Any:
    head, _, rest = name.partition(".")
    return replace(s, **{head: _with_field(getattr(s, head), rest, value) if rest else value})


def _nudged(value: Any) -> Any:
    """`value` with its first scalar changed (an NC page, a first entry, a first register)."""
    if isinstance(value, tuple):
        return (_nudged(value[0]),) + value[1:]
    return (not value) if isinstance(value, bool) else value + 1


def visible(view: Callable, initial: Any, name: str) -> bool:
    """Does changing field `name` change what the hypervisor observes, while it runs or while a
    vCPU does? (The view reads some fields only in one of the two: its saved registers, say.)"""
    states = (initial, replace(initial, run_cvm=0, run_vcpu=0))
    return any(view(s) != view(_with_field(s, name, _nudged(field_value(s, name)))) for s in states)


# layer -> (its classification table, its initial state, its hand-written hypervisor view). The
# spec's view is derived from SPEC_FIELDS, so it needs no such check.
CLASSIFIED: Dict[str, Tuple[Dict[str, Field], Callable, Callable]] = {
    "canonical": (CANON_FIELDS, canonical_initial, canonical_hypervisor_view),
    "riscv": (RV_FIELDS, riscv_initial, riscv_hypervisor_view),
}


def _fields(layer: str) -> Iterator[Tuple[str, str]]:
    """The fields whose class the view must match: all but the monitor's own (the live
    registers are the hypervisor's or a vCPU's by who runs, the isolation unit by the step)."""
    table = CLASSIFIED[layer][0]
    return ((layer, name) for name, f in table.items() if f.owner != MONITOR)


def canonical_fields() -> Iterator[Tuple[str, str]]:
    return _fields("canonical")


def riscv_fields() -> Iterator[Tuple[str, str]]:
    return _fields("riscv")


def _classes_match(layer: str, name: str) -> Tuple[bool, bool]:
    table, initial, view = CLASSIFIED[layer]
    return visible(view, initial(), name), table[name].seen


@obligation(Layers.CANONICAL, "classes", Kind.OBSERVATION, Method.ENUMERATION, domain="canonical_fields")
@icontract.ensure(lambda result: result[0] == result[1], "the field is visible exactly when classified seen")
def canonical_classes_observation(layer: str, name: str) -> Tuple[bool, bool]:
    """The canonical classification is the view: a field `abstract/classes.py` marks seen changes
    what the hypervisor observes, and one it marks hidden does not (the monitor's own aside)."""
    return _classes_match(layer, name)


@obligation(Layers.RISCV, "classes", Kind.OBSERVATION, Method.ENUMERATION, domain="riscv_fields")
@icontract.ensure(lambda result: result[0] == result[1], "the field is visible exactly when classified seen")
def riscv_classes_observation(layer: str, name: str) -> Tuple[bool, bool]:
    """The RISC-V classification is the view: a field `concrete/riscv/classes.py` marks seen
    changes what the hypervisor observes, and one it marks hidden does not (the monitor's own aside)."""
    return _classes_match(layer, name)


@obligation(Layers.RISCV_CANONICAL, "walk", Kind.SIMULATION)
@icontract.require(lambda s, g: riscv_invariant(s) and s.run_cvm != HYPERVISOR and 0 <= g < G)
@icontract.ensure(lambda result: same(result[0], result[1]), "the hart's walk == the canonical translation entry")
def walk_simulation(s: RvState, g: int) -> Tuple[Tuple[bool, int], Tuple[bool, int]]:
    """While a CVM runs, the hardware's G-stage walk of its guest page g, from the hart's hgatp,
    finds the leaf of the canonical translation entry of that CVM: the TLB fill caches the
    translation the abstraction has, no other CVM's and none missing."""
    return RISCV.walk(s.hw, g), CANONICAL.translation_entry(abs_riscv(s).hw, s.run_cvm * G + g)


@obligation(Layers.RISCV_CANONICAL, "cvm_walk", Kind.SIMULATION)
@icontract.require(lambda s, k, g: riscv_invariant(s) and 0 <= k < K and s.live[k] and 0 <= g < G)
@icontract.ensure(lambda result: same(result[0], result[1]), "the walk of the CVM's tables == the canonical translation entry")
def cvm_walk_simulation(s: RvState, k: int, g: int) -> Tuple[Tuple[bool, int], Tuple[bool, int]]:
    """Every live CVM's memory map, as the abstraction gives it, is what the hardware's walk of
    its tables finds, from the hgatp word the monitor keeps for it (the one its harts load): the
    abstraction reads each leaf where the walk ends, and no pointer leads anywhere else."""
    return RISCV.walk_word(s.hw, s.hw.hgatp[k], g), CANONICAL.translation_entry(abs_riscv(s).hw, k * G + g)
