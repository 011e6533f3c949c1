"""The project's own result records; reports are rendered from these and nothing else."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any, Dict, List, Optional, Tuple


class Verdict(str, Enum):
    PROVEN = "PROVEN"      # every path exhausted, a finite domain enumerated, or a witness replayed
    BOUNDED = "BOUNDED"    # nothing found, but the search did not finish
    REFUTED = "REFUTED"    # a counterexample, replayed concretely and confirmed
    VACUOUS = "VACUOUS"    # the precondition can never hold
    ERROR = "ERROR"        # the model or the checker failed, or the replay disagreed


@dataclass
class Evidence:
    method: str            # "crosshair", "enumeration" or "witness"
    exhaustive: bool       # every path / every domain value was covered
    paths: int             # CrossHair iterations, or domain values checked
    seconds: float
    conditions: int = 0    # postconditions analysed
    note: str = ""
    shared_with: List[str] = field(default_factory=list)  # obligations explored in the same CrossHair run
    # each outcome the step may answer: {"outcome", "reached", "witness"}, a replayed input reaching it
    outcomes: List[Dict[str, Any]] = field(default_factory=list)
    slowest_query: float = 0.0   # CrossHair: the longest single solver check, wall seconds


@dataclass
class ObligationResult:
    id: str
    layers: str
    operation: Optional[str]
    subject: str
    kind: str
    verdict: Verdict
    evidence: Evidence
    statement: str = ""
    source: str = ""                 # file:line of the obligation
    counterexample: Optional[Dict[str, Any]] = None
    faults: List[str] = field(default_factory=list)
    module: str = ""                 # where the obligation function lives
    function: str = ""
    cached: bool = False             # reused from the cache: nothing it depends on changed
    sizes: Optional[Dict[str, int]] = None  # the sizes it was proven at; None: any size (a per-entry lemma)
    transition: Optional[str] = None  # the row of the transition table a standard obligation is about

    @property
    def any_size(self) -> bool:
        return self.sizes is None

    def to_json(self) -> Dict[str, Any]:
        d = asdict(self)
        d["verdict"] = self.verdict.value
        return d

    @classmethod
    def from_json(cls, d: Dict[str, Any]) -> "ObligationResult":
        return cls(**{**d, "verdict": Verdict(d["verdict"]), "evidence": Evidence(**d["evidence"])})


def summary(results: List[ObligationResult]) -> Dict[str, int]:
    counts = {v.value: 0 for v in Verdict}
    for r in results:
        counts[r.verdict.value] += 1
    return counts


def all_proven(results: List[ObligationResult]) -> bool:
    return bool(results) and all(r.verdict is Verdict.PROVEN for r in results)


@dataclass(frozen=True)
class Run:
    """One CrossHair run or enumeration: the obligations it decided together, its paths (or
    domain values), its seconds and its slowest single solver check (its members share one
    solver)."""
    obligations: Tuple[str, ...]
    paths: int
    seconds: float
    slowest_query: float = 0.0


def runs(results: List[ObligationResult]) -> List[Run]:
    """The CrossHair runs behind `results`, longest first, leaving out results served from the
    cache and those proven otherwise (an enumeration's count is of values checked, not paths). A
    joint run's members each hold all its paths and their share of its seconds
    (`crosshair_adapter.analyze_together`), so the shares are summed."""
    found: Dict[Tuple[str, ...], Tuple[int, float, float]] = {}
    for r in results:
        if r.cached or r.evidence.method != "crosshair":
            continue
        key = tuple(sorted([r.id, *r.evidence.shared_with]))
        _, seconds, slowest = found.get(key, (0, 0.0, 0.0))
        found[key] = (r.evidence.paths, seconds + r.evidence.seconds, max(slowest, r.evidence.slowest_query))
    return sorted((Run(ids, paths, round(seconds, 3), slowest) for ids, (paths, seconds, slowest) in found.items()),
                  key=lambda run: -run.seconds)


# CrossHair gives z3 half the per-path timeout for one check, and a check that outlives it ends
# its path undecided (BOUNDED). A proof whose slowest check took more than this share of that
# budget has no margin: a machine three times slower, or sharing its cores three ways, would not
# decide it (z3's budget is wall time).
SOLVER_MARGIN = 1 / 3


def without_margin(result: ObligationResult, timeout: float) -> bool:
    """A proof decided here, with a solver check too close to z3's budget to be decided elsewhere."""
    return result.verdict is Verdict.PROVEN and result.evidence.slowest_query > SOLVER_MARGIN * timeout / 2


def margin_note(result: ObligationResult, timeout: float) -> str:
    """What every report and warning says of a proof without solver margin; "" for any other."""
    if not without_margin(result, timeout):
        return ""
    return (f"no solver margin: one check took {result.evidence.slowest_query:.1f} s of the {timeout / 2:g} s z3 "
            "is given, so a machine three times slower may not decide it")
