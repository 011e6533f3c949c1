"""The benchmark report's target table is computed from the figures, and can say "no"."""
from __future__ import annotations

import copy
import json
import pathlib

from benchmarks.run import markdown, targets

RESULTS = pathlib.Path(__file__).resolve().parents[1] / "benchmarks" / "results.json"


def _met(data):
    return {line.split("|")[1].strip(): line.split("|")[4].strip() for line in targets(data)[2:-1]}


def test_targets_follow_the_figures():
    data = json.loads(RESULTS.read_text())
    slow = copy.deepcopy(data)
    slow["cold_seconds"] = {"jobs_1": 400.0, "jobs_all": 390.0}
    slow["faults"][next(iter(slow["faults"]))]["refute_seconds"] = 12.0
    met = _met(slow)
    assert met["full proof, default sizes, cold, all workers"] == "**no**"
    assert met["2 workers against 1"] == "**no**"
    assert met["slowest seeded fault refuted"] == "**no**"
    assert met["one-operation edit re-proved"] == _met(data)["one-operation edit re-proved"]


def test_the_committed_markdown_is_rendered_from_the_committed_json():
    data = json.loads(RESULTS.read_text())
    assert RESULTS.with_suffix(".md").read_text() == markdown(data)


def test_the_markdown_says_at_which_commit_each_phase_was_measured():
    data = json.loads(RESULTS.read_text())
    data["measured_at"] = {"proof": "abc1234", "faults": "def5678"}
    text = markdown(data)
    assert "the proof phases at abc1234, the seeded faults at def5678, the sizes at an earlier commit" in text
