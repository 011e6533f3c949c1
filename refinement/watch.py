"""`refine watch`: re-prove, on every save, only the obligations whose code changed.

Changes are found by polling modification times of the project's Python files; what an
obligation depends on comes from `deps` (a hash of every definition it can reach), so an edit
re-proves exactly the obligations whose reachable code changed.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List

from refinement import deps
from refinement.checker import CheckOptions, check_all
from refinement.registry import Obligation
from refinement.results import ObligationResult, margin_note


@dataclass
class Watcher:
    root: Path
    obligations: List[Obligation]
    options: CheckOptions
    jobs: int
    say: Callable[[str], None]
    verdicts: Dict[str, str] = field(default_factory=dict)
    prints: Dict[str, str] = field(default_factory=dict)

    def stamps(self) -> Dict[Path, float]:
        return {p: p.stat().st_mtime_ns for p in deps.project_files(self.root)}

    def fingerprints(self) -> Dict[str, str]:
        # No salt: sizes, options and versions cannot change while one watcher runs.
        return deps.fingerprints(self.root, deps.targets(self.obligations))

    def prove(self, chosen: List[Obligation]) -> None:
        def done(r: ObligationResult) -> None:
            before = self.verdicts.get(r.id)
            self.verdicts[r.id] = r.verdict.value
            if before is None:
                self.say(f"{r.verdict.value:8} {r.id} ({r.evidence.seconds:.1f} s)")
            elif before != r.verdict.value:
                self.say(f"CHANGED  {r.id}: {before} -> {r.verdict.value} ({r.evidence.seconds:.1f} s)"
                         + (f" {r.evidence.note}" if r.evidence.note else ""))
            else:
                self.say(f"same     {r.id}: {r.verdict.value} ({r.evidence.seconds:.1f} s)")
            margin = margin_note(r, self.options.timeout)
            if margin:  # proven here, but an edit that slows it further leaves it BOUNDED elsewhere first
                self.say(f"warning  {r.id}: {margin}")
        check_all(chosen, self.options, jobs=self.jobs, on_done=done)

    def start(self) -> Dict[Path, float]:
        stamps = self.stamps()  # before reading the sources: a save during the proof is not lost
        self.prints = self.fingerprints()
        self.say(f"proving {len(self.obligations)} obligations under {self.root}")
        self.prove(self.obligations)
        self.say("ready: watching for saves (Ctrl-C to stop)")
        return stamps

    def step(self, stamps: Dict[Path, float]) -> Dict[Path, float]:
        """Handle one round of changes; returns the new modification times."""
        now = self.stamps()
        changed = sorted(str(p.relative_to(self.root)) for p in set(now) | set(stamps) if now.get(p) != stamps.get(p))
        if not changed:
            return now
        try:
            prints = self.fingerprints()
        except SyntaxError as exc:
            self.say(f"cannot parse {exc.filename}:{exc.lineno}: {exc.msg}; waiting for the next save")
            return now
        stale = [ob for ob in self.obligations if prints.get(ob.id) != self.prints.get(ob.id)]
        self.prints = prints
        if not stale:
            self.say(f"saved {', '.join(changed)}: no obligation depends on the change")
            return now
        self.say(f"saved {', '.join(changed)}: re-proving {len(stale)} obligation(s)")
        self.prove(stale)
        self.say("ready: watching for saves (Ctrl-C to stop)")
        return now

    def run(self, interval: float = 0.5) -> None:
        stamps = self.start()
        while True:
            time.sleep(interval)
            stamps = self.step(stamps)
