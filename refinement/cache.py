"""Incremental proving: reuse a result only when nothing it depends on changed.

The key of an obligation is the hash of every definition its proof can reach (`deps`), salted
with the sizes, the seeded faults (and their source), the prover's own source and the versions
of CrossHair, z3, icontract and Python. Only
finished verdicts are stored (PROVEN, REFUTED, VACUOUS): they are deterministic, whereas how
far a BOUNDED search got, or an ERROR, depends on the machine's load.
"""
from __future__ import annotations

import json
import os
import platform
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Dict, Iterable, Optional

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

    def keys(self, obligations: Iterable[Obligation], options: CheckOptions) -> Dict[str, str]:
        # The seeded faults' and findings' variants are swapped in by name at run time, so no
        # closure reaches them: with either on, their modules are part of every key.
        faults = deps.digest(self.root, ["refinement/faults.py", "refinement/findings.py"]) if options.faults else ""
        full = f"{salt(options)}\0{deps.prover_digest(self.root)}\0{faults}"
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
        if result.verdict not in FINISHED:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / f".{key}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(result.to_json()))
        tmp.replace(self.folder / f"{key}.json")  # atomic: a crash never leaves half an entry
