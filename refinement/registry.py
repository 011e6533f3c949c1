"""The catalogue of proof obligations, keyed by enums rather than strings.

An obligation is a plain function with icontract contracts, registered with `@obligation(...)`.
Its id is `<layers>/<subject>/<kind>`, e.g. `riscv->canonical/share_memory/simulation`.
"""
from __future__ import annotations

import importlib
import inspect
import os
from dataclasses import dataclass
from enum import Enum
from typing import Callable, Dict, Optional, Tuple

# The standard obligations are generated from the transition table (`refinement.transitions`);
# the others are hand-written lemmas: initial states and non-vacuity, observation, encodings,
# per-entry lemmas.
OBLIGATION_MODULES = ("refinement.obligations.standard", "refinement.obligations.layers",
                      "refinement.obligations.encoding", "refinement.obligations.entries",
                      "refinement.obligations.lifts", "refinement.obligations.failure",
                      "refinement.obligations.allocation",
                      "refinement.obligations.pagetable", "refinement.obligations.fences")


class Layers(str, Enum):
    CANONICAL_SPEC = "canonical->spec"
    RISCV_CANONICAL = "riscv->canonical"
    SPEC = "spec"
    CANONICAL = "canonical"
    RISCV = "riscv"


class Operation(str, Enum):
    """Decoded operations that hand-written lemmas are about (the transitions have their own
    names: `refinement.transitions`)."""
    DESTROY_TVM = "destroy_tvm"
    SHARE_MEMORY = "share_memory"
    UNSHARE_MEMORY = "unshare_memory"
    SYSTEM_RESET = "system_reset"


class Kind(str, Enum):
    SIMULATION = "simulation"   # abs(op_L(s)) == op_U(abs(s)), results included
    INVARIANT = "invariant"     # the layer's local invariant is preserved
    INIT = "init"               # abs(init_L) == init_U and inv_L(init_L)
    NONVACUITY = "nonvacuity"   # some state satisfies the layer's invariant
    TOTALITY = "totality"       # the spec step never raises, answers a declared code, keeps inv
    ENCODING = "encoding"       # a field encoding decodes and encodes consistently
    CONFIDENTIALITY = "confidentiality"  # low-equal states stay low-equal (noninterference)
    INTEGRITY = "integrity"     # other CVMs' private memory and registers are unchanged
    ISOLATION = "isolation"     # after the step, a running hypervisor's PMP reaches NC, never C
    OBSERVATION = "observation" # the hypervisor's view commutes with the abstraction
    PARTITION = "partition"     # the rows of an entry select each of its inputs exactly once
    ENTRY = "entry"             # a per-entry lemma over scalars, the sizes free: holds at every size
    LIFT = "lift"               # a step is its per-entry function mapped over the right entries
    ERASURE = "erasure"         # nothing of a CVM survives the step: its result is the same whatever the secrets were
    UNREAD = "unread"           # no step reads a table page's memory: its answers and the rest of its state are the same whatever those pages hold
    ALLOCATION = "allocation"   # the allocator hands out exactly the first n free pages, or none if fewer are free


class Method(str, Enum):
    CROSSHAIR = "crosshair"       # PROVEN means CrossHair exhausted every path
    ENUMERATION = "enumeration"   # PROVEN means every value of a finite domain was checked
    WITNESS = "witness"           # PROVEN means a witness was found and replayed


@dataclass(frozen=True)
class Obligation:
    id: str
    layers: Layers
    subject: str                 # an Operation value, or what an encoding/state obligation is about
    kind: Kind
    method: Method
    module: str
    qualname: str
    statement: str
    domain: Optional[str] = None  # for ENUMERATION: name of a zero-argument function in `module`
    witness: Optional[str] = None  # for WITNESS: a call (evaluated in `module`) to replay before searching
    transition: Optional[str] = None  # the row of `refinement.transitions` a standard obligation is about
    location: Optional[Tuple[str, int]] = None  # where it is declared, if not at its function
    roots: Tuple[Tuple[str, str], ...] = ()  # where its dependency closure starts, if not at its function
    answer: Optional[Tuple[int, ...]] = None  # where its result holds the step's answer code
    outcomes: Tuple[Tuple[int, str], ...] = ()  # the codes the step may answer, success first
    levels: Optional[Tuple[int, ...]] = None  # the table depths it is stated at; None: every depth

    def stated_at(self, sizes) -> bool:
        """Whether it is stated at these sizes (a lemma whose model does not scale to every depth
        is not run there, and reports say which were left out)."""
        return self.levels is None or sizes.levels in self.levels

    @property
    def any_size(self) -> bool:
        """A per-entry lemma takes the sizes as arguments, so its proof covers every size;
        every other obligation is proven at the configured sizes only."""
        return self.kind is Kind.ENTRY

    @property
    def operation(self) -> Optional[str]:
        return self.transition or (self.subject if self.subject in {o.value for o in Operation} else None)

    def function(self) -> Callable:
        return getattr(importlib.import_module(self.module), self.qualname)

    def source_line(self) -> tuple[str, int]:
        if self.location:
            return self.location
        fn = inspect.unwrap(self.function())
        return inspect.getsourcefile(fn) or self.module, inspect.getsourcelines(fn)[1]


REGISTRY: Dict[str, Obligation] = {}


def _check_levels(ob_id: str, levels: Optional[Tuple[int, ...]]) -> None:
    """Depths an obligation is stated at must be ones a run can ask for: one stated only outside
    them would never run, silently."""
    from abstract.config import LIMITS
    low, high = LIMITS["levels"]
    if levels is not None and (not levels or any(not low <= d <= high for d in levels)):
        raise ValueError(f"obligation {ob_id} is stated at table depths {levels}; a run asks for {low} to {high}")


def obligation(layers: Layers, subject: "Operation | str", kind: Kind,
               method: Method = Method.CROSSHAIR, domain: Optional[str] = None,
               witness: Optional[str] = None, transition: Optional[str] = None,
               location: Optional[Tuple[str, int]] = None, roots: Tuple[Tuple[str, str], ...] = (),
               answer: Optional[Tuple[int, ...]] = None, outcomes: Tuple[Tuple[int, str], ...] = (),
               levels: Optional[Tuple[int, ...]] = None) -> Callable:
    """Register the decorated (contracted) function as an obligation; returns it unchanged."""
    subject_name = subject.value if isinstance(subject, Operation) else subject

    def register(fn: Callable) -> Callable:
        ob_id = f"{layers.value}/{subject_name}/{kind.value}"
        _check_levels(ob_id, levels)
        if ob_id in REGISTRY and REGISTRY[ob_id].qualname != fn.__name__:
            raise ValueError(f"obligation id {ob_id} registered twice")
        doc = inspect.getdoc(fn) or ""
        REGISTRY[ob_id] = Obligation(
            id=ob_id, layers=layers, subject=subject_name, kind=kind, method=method,
            module=fn.__module__, qualname=fn.__name__,
            statement=doc.splitlines()[0] if doc else fn.__name__, domain=domain, witness=witness,
            transition=transition, location=location, roots=roots, answer=answer, outcomes=outcomes,
            levels=levels,
        )
        return fn

    return register


EXTRA_ENV = "REFINE_EXTRA_OBLIGATIONS"  # comma-separated extra modules (the test suite uses it)


def load_all() -> Dict[str, Obligation]:
    """Import the obligation modules (and any named in REFINE_EXTRA_OBLIGATIONS) and return
    their obligations in a stable order."""
    extra = [m for m in os.environ.get(EXTRA_ENV, "").split(",") if m]
    modules = (*OBLIGATION_MODULES, *extra)
    for name in modules:
        importlib.import_module(name)
    return {k: ob for k, ob in sorted(REGISTRY.items()) if ob.module in modules}
