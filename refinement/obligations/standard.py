"""The standard obligations of every transition, generated from `refinement.transitions`.

One generic statement per kind, instantiated for each row (as Serval's `verify-refinement` does
for a declared state machine):

| kind | statement, for every state and input the row selects |
|---|---|
| canonical->spec simulation | abs(canonical step) == spec step (state and answer) |
| canonical->spec invariant | the canonical local invariant is preserved |
| riscv->canonical simulation | abs(RISC-V step) == canonical step |
| riscv->canonical invariant | the RISC-V local invariant is preserved |
| riscv isolation | PMP is configured for who runs afterwards |
| riscv integrity | every live CVM not party to the step keeps the fields only the RISC-V machine has (`concrete/riscv/classes.py`: TLB entries, hgatp, leaf bits, saved pcs); the rest is the spec's integrity through the squares |
| spec totality | the spec step answers one of the row's declared codes and keeps the spec invariant |
| spec integrity | every live CVM not party to the step keeps all it owns (`abstract/classes.py`); the party keeps what the row says |
| spec confidentiality | states the hypervisor cannot tell apart, agreeing on what the row declassifies, stay so; its answers are equal |
| riscv confidentiality | the same on the RISC-V machine itself (rows that hand the hart back to the hypervisor) |

and, for every entry that several rows share, on each layer: when the entry's party runs, every
state and input is selected by exactly one of its rows (kind `partition`), so the rows' proofs
together cover the entry's whole input space.

Each obligation's inputs are the state(s) and `x`, the tuple of the row's inputs. For `crosshair
watch`, set REFINE_TRANSITIONS to a comma-separated list of row names to generate only those
(docs/watch.md).
"""
# crosshair: per_condition_timeout=20
# crosshair: per_path_timeout=20
from __future__ import annotations

import inspect
import os
from typing import Any, Callable, Dict, List, Optional, Tuple

import icontract

from abstract.canonical.state import CanonHw, CanonState  # noqa: F401  (counterexample reprs)
from abstract.config import H
from abstract.domain import HYPERVISOR
from abstract.spec.security import (
    SpecSecrets, integrity, low_equal, with_secrets, without_table_contents,
)
from abstract.logic import reused, same
from abstract.shapes import Regs
from abstract.spec.state import SpecState, spec_invariant
from concrete.riscv.security import riscv_integrity
from concrete.riscv.state import RvHw, RvState  # noqa: F401  (counterexample reprs)
from refinement.canonical_to_spec import abs_canonical, canonical_local, running_ok
from refinement.registry import Kind, Layers, obligation
from refinement.riscv_to_canonical import (
    abs_riscv, pmp_configured, riscv_local, riscv_low_equal, riscv_pair_ok,
)
from refinement.transitions import TRANSITIONS, Party, Transition, runs

ONLY_ENV = "REFINE_TRANSITIONS"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# --- what every statement shares -----------------------------------------------------------------

def spec_caller_regs(s: SpecState) -> Tuple[int, ...]:
    """The registers of whoever runs on the modelled hart: the hypervisor's, or the vCPU's."""
    if s.run_cvm == HYPERVISOR:
        return s.hv_regs
    return s.vcpu_regs[s.run_cvm * H + s.run_vcpu]


def live_regs(s: Any) -> Tuple[int, ...]:
    """The registers live on the hart of a canonical or RISC-V machine."""
    return s.hw.regs


def args(x: Any) -> Tuple:
    """The row's inputs: `x` is None for a row that has none (see `Transition.input_type`)."""
    return () if x is None else x


@reused
def spec_run(step: Callable, s: SpecState, x: Any) -> Tuple:
    """The row's spec step on `s`: one value per path for the spec's one-run kinds and for
    `unread`, whose bodies differ and so would each run it (`crosshair_adapter._distinct_bodies`)."""
    return step(s, *args(x))


def chosen(row: Transition, regs: Callable, s: Any, x: Optional[Tuple]) -> bool:
    """The row covers state `s` with inputs `x`."""
    return True if row.select is None else row.select(s, regs(s), *args(x))


def shown_equal(row: Transition, regs: Callable, s1: Any, s2: Any, x: Optional[Tuple]) -> bool:
    """The two states agree on what the row declassifies: what its `shows` says of the caller's
    registers and, for a row that may exit, the running vCPU's vsie and vstimecmp."""
    shown = True if row.shows is None else row.shows(regs(s1), regs(s2), *args(x))
    return shown if not row.exits else shown & same(vs_interrupts(s1), vs_interrupts(s2))


def vs_interrupts(s: Any) -> Tuple[int, int]:
    """The running vCPU's (vsie, vstimecmp): every exit shows them (`transitions.EXIT_SHOWS`).
    The spec keeps them per vCPU, the lower layers in their hardware part."""
    per_vcpu = s if isinstance(s, SpecState) else s.hw
    i = s.run_cvm * H + s.run_vcpu
    return per_vcpu.vcpu_vsie[i], per_vcpu.vcpu_vstimecmp[i]


def riscv_sim_ok(s: RvState) -> bool:
    """What every RISC-V obligation assumes: both local invariants, of the state and of its
    abstraction (the canonical half is preserved by the canonical->spec obligations)."""
    return riscv_local(s) and canonical_local(abs_riscv(s))


def party_kept(row: Transition, before: SpecState, after: SpecState, x: Optional[Tuple]) -> bool:
    """Integrity: every live CVM not party keeps all it owns, and the party what the row says."""
    regs = spec_caller_regs(before)
    k = row.exempt(before, regs, *args(x))
    kept = True if row.keeps is None or k < 0 else row.keeps(before, after, k, regs, *args(x))
    return integrity(before, after, k) & kept


def answers_equal(row: Transition, r1: Tuple, r2: Tuple) -> bool:
    """The step's answers are equal, unless they go to the guest (its registers are secret)."""
    return row.party is Party.GUEST or same(r1, r2)


# --- one generic statement per kind ---------------------------------------------------------------

def _preconditions(row: Transition) -> Dict[str, Callable]:
    """One precondition per (row, layer), shared by that layer's kinds, so that the checker
    explores them in one run (equal code and equal closure: `contracts.inputs_key`). Named
    functions, not lambdas: icontract reads a lambda's text from its decorator line."""
    def canonical_selected(s: Any, x: Optional[Tuple]) -> bool:
        return canonical_local(s) and chosen(row, live_regs, s, x)

    def riscv_selected(s: Any, x: Optional[Tuple]) -> bool:
        return riscv_sim_ok(s) and chosen(row, live_regs, s, x)

    def spec_selected(s: Any, x: Optional[Tuple]) -> bool:
        return spec_invariant(s) and chosen(row, spec_caller_regs, s, x)

    return {"canonical": canonical_selected, "riscv": riscv_selected, "spec": spec_selected}


_PAIRS: Dict[Tuple[str, str], Callable] = {}


def layer_pair(row: Transition, lower: str) -> Callable:
    """The row's step on the lower layer, abstracted, beside the upper layer's step from the
    abstraction, and the lower state itself: (abs(low step), upper step, low state). Every kind
    about the pair reads this one value, and it is one function per row, so a joint run takes
    each step once per path (`crosshair_adapter._distinct_bodies`)."""
    key = (row.name, lower)
    if key not in _PAIRS:
        if lower == "canonical":
            def step(s: Any, x: Any) -> Tuple:
                low = row.canonical(s, *args(x))
                return (abs_canonical(low[0]), low[1]), row.spec(abs_canonical(s), *args(x)), low[0]
        else:
            def step(s: Any, x: Any) -> Tuple:
                low = row.riscv(s, *args(x))
                return (abs_riscv(low[0]), low[1]), row.canonical(abs_riscv(s), *row.lifted(s, args(x))), low[0]
        _PAIRS[key] = step
    return _PAIRS[key]


def simulation_canonical_spec(row: Transition, pre: Dict[str, Callable]) -> Callable:
    step = layer_pair(row, "canonical")

    @icontract.require(pre["canonical"])
    @icontract.ensure(lambda result: same(result[0], result[1]), "abs(canonical step) == spec step")
    def ob(s: CanonState, x: Any) -> Tuple:
        return step(s, x)
    return ob


def invariant_canonical(row: Transition, pre: Dict[str, Callable]) -> Callable:
    step = layer_pair(row, "canonical")

    @icontract.require(pre["canonical"])
    @icontract.ensure(lambda result: canonical_local(result[2]), "the canonical local invariant holds after")
    def ob(s: CanonState, x: Any) -> Tuple:
        return step(s, x)
    return ob


def simulation_riscv_canonical(row: Transition, pre: Dict[str, Callable]) -> Callable:
    step = layer_pair(row, "riscv")

    @icontract.require(pre["riscv"])
    @icontract.ensure(lambda result: same(result[0], result[1]), "abs(RISC-V step) == canonical step")
    def ob(s: RvState, x: Any) -> Tuple:
        return step(s, x)
    return ob


def invariant_riscv(row: Transition, pre: Dict[str, Callable]) -> Callable:
    step = layer_pair(row, "riscv")

    @icontract.require(pre["riscv"])
    @icontract.ensure(lambda result: riscv_local(result[2]), "the RISC-V local invariant holds after")
    def ob(s: RvState, x: Any) -> Tuple:
        return step(s, x)
    return ob


def isolation(row: Transition, pre: Dict[str, Callable]) -> Callable:
    step = layer_pair(row, "riscv")

    @icontract.require(pre["riscv"])
    @icontract.ensure(lambda result: pmp_configured(result[2]),
                      "PMP is configured for who runs (so riscv/state/isolation confines a running hypervisor)")
    def ob(s: RvState, x: Any) -> Tuple:
        return step(s, x)
    return ob


def integrity_riscv(row: Transition, pre: Dict[str, Callable]) -> Callable:
    step = layer_pair(row, "riscv")

    @icontract.require(pre["riscv"])
    @icontract.ensure(lambda s, x, result: riscv_integrity(s, result[2], row.exempt(s, live_regs(s), *args(x))),
                      "every live CVM not party to the step keeps every RISC-V-only field it owns")
    def ob(s: RvState, x: Any) -> Tuple:
        return step(s, x)
    return ob


def totality(row: Transition, pre: Dict[str, Callable]) -> Callable:
    @icontract.require(pre["spec"])
    @icontract.ensure(lambda result: result[1][0] in row.codes and spec_invariant(result[0]),
                      "answers one of the row's declared codes and preserves the spec invariant")
    def ob(s: SpecState, x: Any) -> Tuple:
        return spec_run(row.spec, s, x)
    return ob


def integrity_statement(row: Transition, pre: Dict[str, Callable]) -> Callable:
    @icontract.require(pre["spec"])
    @icontract.ensure(lambda s, x, result: party_kept(row, s, result[0], x),
                      "every CVM not party to the step keeps all it owns; the party keeps what the row says")
    def ob(s: SpecState, x: Any) -> Tuple:
        return spec_run(row.spec, s, x)
    return ob


def confidentiality(row: Transition, pre: Dict[str, Callable]) -> Callable:
    """Two low-equal states are `s1` and `s1` with other secrets (`spec/secrets/observation`)."""
    @icontract.require(lambda s1, secrets, x: running_ok(s1.run_cvm, s1.run_vcpu) and chosen(row, spec_caller_regs, s1, x)
                       and shown_equal(row, spec_caller_regs, s1, with_secrets(s1, secrets), x))
    @icontract.ensure(lambda result: low_equal(result[0][0], result[1][0])
                      and answers_equal(row, result[0][1], result[1][1]),
                      "the hypervisor still cannot tell them apart, and its answers are the same")
    def ob(s1: SpecState, secrets: SpecSecrets, x: Any) -> Tuple:
        return row.spec(s1, *args(x)), row.spec(with_secrets(s1, secrets), *args(x))
    return ob


def confidentiality_riscv(row: Transition, pre: Dict[str, Callable]) -> Callable:
    @icontract.require(lambda s1, s2, x: riscv_pair_ok(s1, s2) and riscv_low_equal(s1, s2)
                       and chosen(row, live_regs, s1, x) and shown_equal(row, live_regs, s1, s2, x))
    @icontract.ensure(lambda result: riscv_low_equal(result[0][0], result[1][0])
                      and answers_equal(row, result[0][1], result[1][1]),
                      "the hypervisor still cannot tell them apart, and its answers are the same")
    def ob(s1: RvState, s2: RvState, x: Any) -> Tuple:
        return row.riscv(s1, *args(x)), row.riscv(s2, *args(x))
    return ob


def table_pages_unread(row: Transition, pre: Dict[str, Callable]) -> Callable:
    """`s` against `s` with every table page holding 0: as `s` is any state the invariant allows,
    any two it allows that differ only in what their table pages hold step alike (each as the
    one with those pages zeroed, which is the same state). Inputs and precondition are
    totality's and integrity's, so the three are explored in one run."""
    @icontract.require(pre["spec"])
    @icontract.ensure(lambda result: same(result[0][1], result[1][1])
                      and same(without_table_contents(result[0][0]), without_table_contents(result[1][0])),
                      "the answers are the same, and so is all the state leaves but its table pages' contents")
    def ob(s: SpecState, x: Any) -> Tuple:
        return spec_run(row.spec, s, x), row.spec(without_table_contents(s), *args(x))
    return ob


# (layers, kind, function suffix, statement builder, what it says: the report's statement)
KINDS: Tuple[Tuple[Layers, Kind, str, Callable, str], ...] = (
    (Layers.CANONICAL_SPEC, Kind.SIMULATION, "simulation_canonical_spec", simulation_canonical_spec,
     "abs(canonical step) == spec step, answers included"),
    (Layers.CANONICAL_SPEC, Kind.INVARIANT, "invariant_canonical", invariant_canonical,
     "the step preserves the canonical local invariant"),
    (Layers.RISCV_CANONICAL, Kind.SIMULATION, "simulation_riscv_canonical", simulation_riscv_canonical,
     "abs(RISC-V step) == canonical step, answers included"),
    (Layers.RISCV_CANONICAL, Kind.INVARIANT, "invariant_riscv", invariant_riscv,
     "the step preserves the RISC-V local invariant (PMP layout, the CVMs' table entries, hgatp, TLB coherence)"),
    (Layers.RISCV, Kind.ISOLATION, "isolation", isolation,
     "after the step PMP is configured for who runs, so a running hypervisor reaches NC and never C"),
    (Layers.RISCV, Kind.INTEGRITY, "integrity_riscv", integrity_riscv,
     "every live CVM not party to the step keeps the fields only the RISC-V machine has: its G-stage table entries, TLB entries, hgatp and saved pcs"),
    (Layers.SPEC, Kind.TOTALITY, "totality", totality,
     "the spec step is total, answers one of the row's declared codes and keeps the spec invariant"),
    (Layers.SPEC, Kind.INTEGRITY, "integrity", integrity_statement,
     "every live CVM not party to the step keeps everything it owns"),
    (Layers.SPEC, Kind.CONFIDENTIALITY, "confidentiality", confidentiality,
     "noninterference: states the hypervisor cannot tell apart stay so"),
    (Layers.SPEC, Kind.UNREAD, "unread", table_pages_unread,
     "no step reads what the CVMs' table pages hold: its answers, to any party, and all the state it leaves but those contents are the same whatever they hold"),
)
RISCV_CONFIDENTIALITY = (Layers.RISCV, Kind.CONFIDENTIALITY, "confidentiality_riscv", confidentiality_riscv,
                         "noninterference on the RISC-V machine itself")


# Where each kind's result holds the step's answer code: one spec run answers at [1][0], a layer
# pair or a pair of runs at [0][1][0]. The checker names each path's outcome by it (evidence.outcomes).
ONE_RUN = {(Layers.SPEC, Kind.TOTALITY), (Layers.SPEC, Kind.INTEGRITY)}


def kinds_of(row: Transition) -> Tuple[Tuple[Layers, Kind, str, Callable, str], ...]:
    return KINDS + ((RISCV_CONFIDENTIALITY,) if row.riscv_confidentiality else ())


def _statement(row: Transition, says: str, riscv: bool = False) -> str:
    given = row.riscv_inputs if riscv and row.riscv_inputs is not None else row.inputs
    inputs = ", ".join(name for name, _ in given) or "no inputs beyond the state"
    return (f"{row.name} ({row.party.value}; inputs: {inputs}; declassifies {row.shows_text}): {says}.")


def _roots(row: Transition, builder: Callable) -> Tuple[Tuple[str, str], ...]:
    """What the obligation's proof can reach, for the cache and `refine watch`: every function of
    this module (the generic statements and what they share), the row's entry on each layer,
    and the lines of the table that declare the row."""
    def where(fn: Callable) -> Tuple[str, str]:
        return os.path.relpath(inspect.getsourcefile(fn), ROOT).replace(os.sep, "/"), fn.__name__
    layers = {"simulation_canonical_spec": (row.spec, row.canonical), "invariant_canonical": (row.spec, row.canonical),
              "simulation_riscv_canonical": (row.canonical, row.riscv), "invariant_riscv": (row.canonical, row.riscv),
              "isolation": (row.canonical, row.riscv), "integrity_riscv": (row.canonical, row.riscv),
              "confidentiality_riscv": (row.riscv,)}
    touched = layers.get(builder.__name__, (row.spec,))
    if row.lift is not None and row.riscv in touched:
        touched += (row.lift,)
    return OWN + tuple(where(fn) for fn in touched) + (("refinement/transitions.py", f"row:{row.name}"),)


def _generate(row: Transition, namespace: Dict[str, Any]) -> List[str]:
    pre = _preconditions(row)
    made = []
    for layers, kind, suffix, builder, says in kinds_of(row):
        fn = builder(row, pre)
        name = f"{row.name}_{suffix}"
        riscv = layers in (Layers.RISCV_CANONICAL, Layers.RISCV)  # these read the RISC-V inputs
        for f in {fn, inspect.unwrap(fn)}:  # icontract's wrapper and the statement itself
            f.__name__ = f.__qualname__ = name
            f.__module__ = __name__
            f.__doc__ = _statement(row, says, riscv)
        inspect.unwrap(fn).__annotations__["x"] = row.riscv_input_type if riscv else row.input_type  # shared with the wrapper
        obligation(layers, row.name, kind, transition=row.name,
                   location=("refinement/transitions.py", row.line), roots=_roots(row, builder),
                   answer=(1, 0) if (layers, kind) in ONE_RUN else (0, 1, 0), outcomes=row.outcomes)(fn)
        namespace[name] = fn
        made.append(name)
    return made


def selected_rows() -> Tuple[Transition, ...]:
    only = [n for n in os.environ.get(ONLY_ENV, "").split(",") if n]
    unknown = sorted(set(only) - {row.name for row in TRANSITIONS})
    if unknown:
        raise ValueError(f"{ONLY_ENV} names no transition {', '.join(unknown)}: see `refine list`")
    return tuple(row for row in TRANSITIONS if not only or row.name in only)


def partition(rows: Tuple[Transition, ...], state: type) -> Callable:
    """Exactly one row of an entry selects each state, register file and input, when the entry's
    party runs (assuming only that who runs is in range, which every layer's invariant implies).
    The registers are free, not read from the state: a stronger statement, and no symbolic index
    into the vCPU table. Rows whose selectors read the inputs share them; an ecall's rows read
    only the registers."""
    party = rows[0].party
    inputs = {row.input_type for row in rows}
    x_type = inputs.pop() if len(inputs) == 1 else type(None)

    @icontract.require(lambda s, regs, x: running_ok(s.run_cvm, s.run_vcpu) and runs(s, party))
    @icontract.ensure(lambda result: result == 1, "exactly one row of the entry selects the input")
    def ob(s: Any, regs: Regs, x: Any) -> int:
        return sum(int(row.select(s, regs, *args(x))) for row in rows)
    inspect.unwrap(ob).__annotations__.update(s=state, x=x_type)
    return ob


PARTITION_LAYERS = ((Layers.SPEC, SpecState), (Layers.CANONICAL, CanonState), (Layers.RISCV, RvState))


def _generate_partitions(rows: Tuple[Transition, ...], namespace: Dict[str, Any]) -> List[str]:
    """One partition obligation per layer for every entry that more than one selected row shares
    (all of its rows selected: a partial selection cannot cover the entry)."""
    by_entry: Dict[str, List[Transition]] = {}
    for row in TRANSITIONS:
        by_entry.setdefault(row.spec.__name__, []).append(row)
    made = []
    for entry, mine in by_entry.items():
        if len(mine) < 2 or not all(row in rows for row in mine):
            continue
        roots = OWN + tuple(("refinement/transitions.py", f"row:{row.name}") for row in mine)
        for layers, state in PARTITION_LAYERS:
            fn = partition(tuple(mine), state)
            name = f"{entry}_partition_{layers.value}"
            for f in {fn, inspect.unwrap(fn)}:
                f.__name__ = f.__qualname__ = name
                f.__module__ = __name__
                f.__doc__ = (f"When the {mine[0].party.value} runs, every state and input of `{entry}` is "
                             f"selected by exactly one of its rows: {', '.join(row.name for row in mine)}.")
            obligation(layers, entry, Kind.PARTITION, location=("refinement/transitions.py", mine[0].line),
                       roots=roots)(fn)
            namespace[name] = fn
            made.append(name)
    return made


# Every function of this module, taken before the obligations are added to it.
OWN = tuple(("refinement/obligations/standard.py", name) for name, fn in sorted(globals().items())
            if inspect.isfunction(fn) and fn.__module__ == __name__)
GENERATED = [name for row in selected_rows() for name in _generate(row, globals())]
GENERATED += _generate_partitions(selected_rows(), globals())
