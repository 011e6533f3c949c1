"""`refine mutate`: how strong the proofs are, measured by the mutants they kill.

Each mutant (`mutants.py`) is applied to a private copy of the project and proven there with
`refine prove --fail-fast`, through the project's result cache: an obligation whose code the
mutant does not reach is served from the cache (its key is unchanged), so only what the mutant
can change is proven again. A mutant is killed when some obligation is not PROVEN (or the
model no longer loads); it survives when every obligation stays PROVEN: behaviour that no
obligation constrains. Mutants a reviewer has judged equivalent to the original are listed,
each with its reason, in `EQUIVALENT` and are not run; the score is
killed / (total - equivalent).
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Sequence

from refinement.deps import PACKAGES
from refinement import mutants
from refinement.mutants import Mutant

EQUIVALENT = "refinement/equivalent_mutants.txt"
SCORED = ("concrete/riscv", "abstract/canonical")  # the layers the score is about
# The sizes and the environment: not behaviour of the monitor.
NOT_MUTATED = ("abstract/config.py",)


class MutateError(ValueError):
    """A bad equivalents list or option: the message names the fix."""


@dataclass
class Outcome:
    mutant: Mutant
    diff: str
    result: str                  # killed, survived, equivalent, error
    killed_by: List[str] = field(default_factory=list)
    note: str = ""
    seconds: float = 0.0

    def to_json(self) -> dict:
        m = self.mutant
        return {"id": m.id, "file": m.file, "line": m.line, "operator": m.operator, "diff": self.diff,
                "result": self.result, "killed_by": self.killed_by, "note": self.note,
                "seconds": round(self.seconds, 1)}


def equivalents(root: Path) -> Dict[str, str]:
    """{mutant id: the reviewer's reason} from the checked-in list: `ID | reason` per line."""
    path = root / EQUIVALENT
    found: Dict[str, str] = {}
    if not path.exists():
        return found
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        mutant_id, sep, reason = line.partition("|")
        if not sep or not reason.strip():
            raise MutateError(f"{EQUIVALENT}:{n}: write `MUTANT-ID | one-line reason` (the reason is required)")
        found[mutant_id.strip()] = reason.strip()
    return found


def score(outcomes: Sequence[Outcome]) -> Optional[float]:
    """killed / (total - equivalent); None when nothing counts. An error (the run itself
    failed) counts against the score: it is not evidence of a kill."""
    counted = [o for o in outcomes if o.result != "equivalent"]
    if not counted:
        return None
    return sum(o.result == "killed" for o in counted) / len(counted)


@dataclass
class Runner:
    root: Path            # the project
    cache: Path           # the result cache shared with `refine prove`
    jobs: int
    timeout: float        # per obligation, as `refine prove --per-obligation-timeout`
    wall: float = 1800.0  # per mutant

    def run(self, chosen: Sequence[Mutant], on_start: Callable[[Mutant], None] = lambda m: None,
            on_done: Callable[[Outcome], None] = lambda o: None) -> List[Outcome]:
        known = equivalents(self.root)
        outcomes = []
        with self._copy() as tree:
            for mutant in chosen:
                on_start(mutant)
                text = (tree / mutant.file).read_text()  # the copy: edits to the project mid-run do not shift it
                if mutant.id in known:
                    outcome = Outcome(mutant, mutant.diff(text), "equivalent", note=known[mutant.id])
                else:
                    outcome = self._prove(tree, mutant, text)
                outcomes.append(outcome)
                on_done(outcome)
        return outcomes

    @contextlib.contextmanager
    def _copy(self) -> Iterator[Path]:
        """A private copy of the project's packages, where mutants are written and proven."""
        with tempfile.TemporaryDirectory(prefix="refine-mutate-") as folder:
            tree = Path(folder)
            for package in PACKAGES:
                shutil.copytree(self.root / package, tree / package,
                                ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
            yield tree

    def _prove(self, tree: Path, mutant: Mutant, original: str) -> Outcome:
        path, report = tree / mutant.file, tree / "mutant-report.json"
        diff = mutant.diff(original)
        started = time.monotonic()
        path.write_text(mutant.apply(original))
        report.unlink(missing_ok=True)
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "refinement", "prove", "--fail-fast", "--json", str(report),
                 "--cache", str(self.cache), "--jobs", str(self.jobs),
                 "--per-obligation-timeout", str(self.timeout)],
                cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)}, capture_output=True, text=True,
                timeout=self.wall)
        except subprocess.TimeoutExpired:
            return Outcome(mutant, diff, "error", note=f"the proof run exceeded {self.wall:.0f} s",
                           seconds=time.monotonic() - started)
        finally:
            path.write_text(original)
        seconds = time.monotonic() - started
        if proc.returncode == 2:  # the mutated model does not load: `refine prove` refuses it
            why = (proc.stderr.strip().splitlines() or ["exit status 2"])[-1]
            return Outcome(mutant, diff, "killed", ["(the model does not load)"], why[:300], seconds)
        try:
            results = json.loads(report.read_text())["obligations"]
        except (OSError, ValueError, KeyError):
            tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
            return Outcome(mutant, diff, "error", note=f"no report (exit {proc.returncode}): {tail}"[:300],
                           seconds=seconds)
        failed = [o["id"] for o in results if o["verdict"] != "PROVEN"]
        if proc.returncode == 0 and not failed:
            return Outcome(mutant, diff, "survived", seconds=seconds)
        verdicts = sorted({o["verdict"] for o in results if o["verdict"] != "PROVEN"})
        return Outcome(mutant, diff, "killed" if failed else "error", failed,
                       ", ".join(verdicts) if failed else f"exit {proc.returncode}", seconds)


def as_json(outcomes: Sequence[Outcome], seed: int, sample: Optional[int], under: Sequence[str]) -> dict:
    return {"seed": seed, "sample": sample, "under": list(under),
            "mutants": [o.to_json() for o in outcomes], "score": score(outcomes),
            "counts": counts(outcomes)}


def counts(outcomes: Sequence[Outcome]) -> Dict[str, int]:
    return {r: sum(o.result == r for o in outcomes) for r in ("killed", "survived", "equivalent", "error")}


def as_markdown(outcomes: Sequence[Outcome], seed: int, sample: Optional[int], under: Sequence[str],
                seconds: Optional[float] = None) -> str:
    c, s = counts(outcomes), score(outcomes)
    lines = ["# Mutation report", "",
             f"{len(outcomes)} mutants of {', '.join(under)} (seed {seed}"
             + (f", sample {sample}" if sample else ", all sites") + "): "
             + ", ".join(f"{n} {r}" for r, n in c.items())
             + (f"; score {s:.1%} (killed / (total - equivalent))." if s is not None else ".")
             + (f" Wall time {seconds:.0f} s (verdicts already in the result cache, a mutant's "
                "included, are reused)." if seconds is not None else ""), "",
             "## Behaviour no obligation constrains", ""]
    survivors = [o for o in outcomes if o.result in ("survived", "error")]
    if not survivors:
        lines += ["No mutant survived.", ""]
    for o in survivors:
        lines += [f"### `{o.mutant.file}:{o.mutant.line}` ({o.mutant.operator}, {o.result})", "",
                  f"`{o.mutant.id}`" + (f": {o.note}" if o.note else ""), "", "```diff", o.diff.rstrip(), "```", ""]
    lines += ["## Every mutant", "", "| mutant | operator | result | killed by |", "|---|---|---|---|"]
    for o in outcomes:
        by = ", ".join(f"`{i}`" for i in o.killed_by[:3]) or (o.note if o.result == "equivalent" else "")
        lines.append(f"| `{o.mutant.file}:{o.mutant.line}` | {o.mutant.operator} | {o.result} | {by} |")
    return "\n".join(lines) + "\n"


def pick(root: Path, under: Sequence[str], operators: Sequence[str]) -> Iterator[Mutant]:
    for folder in under:
        path = root / folder
        if not (path.is_dir() or (path.is_file() and path.suffix == ".py")):
            raise MutateError(f"{folder!r} is neither a folder nor a .py file of the project; use a path such as "
                              "concrete/riscv or concrete/riscv/pmp.py")
    for m in mutants.find(root, under, NOT_MUTATED):
        if not operators or m.operator in operators:
            yield m
