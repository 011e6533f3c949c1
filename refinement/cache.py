"""Incremental proving: reuse a result only when nothing it depends on changed.

The key of an obligation is the hash of every definition its proof can reach (`deps`), salted
with the sizes, the seeded faults (and their source), the prover's own source and the versions
of CrossHair, z3, icontract and Python. Only
finished verdicts are stored (PROVEN, REFUTED, VACUOUS): they are deterministic, whereas how
far a BOUNDED search got, or an ERROR, depends on the machine's load.

The keys are taken from the sources when a run starts, and a worker proves the sources it
imports when it starts. So once a project file is saved during a run, nothing more of that run
is stored: a verdict on the edited model filed under the unedited model's key would be served,
wrongly, once the edit is undone (`stale` names the files).
"""
from __future__ import annotations

import json
import os
import platform
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

from refinement import deps
from refinement.checker import CheckOptions
from refinement.registry import Obligation
from refinement.results import ObligationResult, Verdict

FINISHED = (Verdict.PROVEN, Verdict.REFUTED, Verdict.VACUOUS)


def salt(options: CheckOptions) -> str:
    versions = (version("crosshair-tool"), version("z3-solver"), version("icontract"), platform.python_version())
    return repr((options.sizes, tuple(sorted(options.faults)), versions))


@dataclass
class ResultCache:
    folder: Path
    root: Path
    sources: Dict[str, Tuple[int, int]] = field(default_factory=dict)  # the project's files when the keys were taken
    stale: List[str] = field(default_factory=list)   # files saved since: nothing more is stored

    def keys(self, obligations: Iterable[Obligation], options: CheckOptions) -> Dict[str, str]:
        # The seeded faults' and findings' variants are swapped in by name at run time, so no
        # closure reaches them: with either on, their modules are part of every key.
        faults = deps.digest(self.root, ["refinement/faults.py", "refinement/findings.py"]) if options.faults else ""
        full = f"{salt(options)}\0{deps.prover_digest(self.root)}\0{faults}"
        if not self.stale:
            self.sources = deps.stamp(self.root)
        return deps.fingerprints(self.root, deps.targets(obligations), full)

    def get(self, key: str, ob_id: str) -> Optional[ObligationResult]:
        path = self.folder / f"{key}.json"
        try:
            result = ObligationResult.from_json(json.loads(path.read_text()))
        except (OSError, ValueError, TypeError, KeyError):
            return None  # missing or unreadable: prove again
        if result.id != ob_id:
            return None  # another obligation's verdict is never served
        result.cached = True
        return result

    def put(self, key: str, result: ObligationResult) -> None:
        if result.verdict not in FINISHED or self.stale:
            return
        self.stale = deps.changed_since(self.root, self.sources) if self.sources else []
        if self.stale:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / f".{key}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(result.to_json()))
        tmp.replace(self.folder / f"{key}.json")  # atomic: a crash never leaves half an entry
