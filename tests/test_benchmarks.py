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
    assert met["full proof, default sizes, cold, all workers (median)"] == "**no**"
    assert met["2 workers against 1"] == "**no**"
    assert met["slowest seeded fault refuted"] == "**no**"
    assert met["one-operation edit re-proved"] == _met(data)["one-operation edit re-proved"]


def test_the_cold_figure_with_every_worker_is_the_median_of_its_runs_and_says_so():
    data = json.loads(RESULTS.read_text())
    data["cold_seconds"] = {"jobs_1": 340.0, "jobs_all": 175.0, "jobs_all_runs": [190.0, 175.0, 160.0]}
    assert "| cold full proof, 2 jobs (median of 3: 190.0, 175.0, 160.0) | 175.0 |" in markdown(data)
    assert _met(data)["full proof, default sizes, cold, all workers (median)"] == "yes"


def test_the_committed_markdown_is_rendered_from_the_committed_json():
    data = json.loads(RESULTS.read_text())
    assert RESULTS.with_suffix(".md").read_text() == markdown(data)


def test_the_markdown_says_at_which_commit_each_phase_was_measured():
    data = json.loads(RESULTS.read_text())
    data["measured_at"] = {"proof": "abc1234", "faults": "def5678"}
    text = markdown(data)
    assert "the proof phases at abc1234, the seeded faults at def5678, the sizes at an earlier commit" in text


def test_the_work_profile_counts_a_joint_run_once_and_lists_the_longest_first(result_of):
    from benchmarks.run import profile_lines, work_profile
    profile = work_profile([result_of("a/x/simulation", ["a/x/invariant"], 10, 1.0),  # shares of one 2 s run
                            result_of("a/x/invariant", ["a/x/simulation"], 10, 1.0),
                            result_of("b/lemma/entry", [], 3, 0.5), result_of("c/y/confidentiality", [], 7, 4.0),
                            result_of("d/z/simulation", [], 50, 9.0, cached=True),
                            result_of("e/flags/encoding", [], 256, 0.1, method="enumeration")])
    assert (profile["runs"], profile["paths"], profile["crosshair_seconds"]) == (3, 20, 6.5), \
        "the cached run and the enumeration (values checked, not paths) left out"
    assert [run["obligations"] for run in profile["longest"]] == [
        ["c/y/confidentiality"], ["a/x/invariant", "a/x/simulation"], ["b/lemma/entry"]]
    text = "\n".join(profile_lines(profile))
    assert "explored 20 paths in 3 CrossHair runs" in text and "| `a/x/invariant`, `a/x/simulation` | 10 | 2.0 |" in text
    assert profile_lines(None) == [], "results measured before the profile render as before"



def test_a_tree_that_differs_only_in_the_results_is_the_commit_and_any_other_change_is_not(tmp_path, monkeypatch):
    """A fault run after a proof run in one tree measured the commit: the results files the
    script wrote are not the code it measured. A changed source file is "+changes"."""
    import subprocess
    import benchmarks.run as run

    def git(*a):
        subprocess.run(["git", *a], cwd=tmp_path, check=True, capture_output=True)
    (tmp_path / "benchmarks").mkdir()
    for name in ("results.json", "results.md", "model.py"):
        (tmp_path / ("benchmarks" if name.startswith("results") else ".") / name).write_text("0\n")
    git("init", "-q")
    git("add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "c")
    monkeypatch.setattr(run, "ROOT", tmp_path)
    (tmp_path / "benchmarks" / "results.json").write_text("1\n")
    (tmp_path / "benchmarks" / "results.md").write_text("1\n")
    assert not run.commit().endswith("+changes")
    (tmp_path / "model.py").write_text("1\n")
    assert run.commit().endswith("+changes")


def test_the_slowest_solver_checks_are_listed_and_judged_against_a_third_of_z3s_budget(result_of):
    import dataclasses
    from benchmarks.run import profile_lines, work_profile

    def checked(r, q):
        return dataclasses.replace(r, evidence=dataclasses.replace(r.evidence, slowest_query=q))
    profile = work_profile([checked(result_of("a/x/simulation", [], 2, 30.0), 14.0),
                            checked(result_of("b/y/simulation", ["b/y/invariant"], 9, 3.0), 0.4),
                            checked(result_of("b/y/invariant", ["b/y/simulation"], 9, 3.0), 0.4),
                            checked(result_of("e/flags/encoding", [], 256, 0.1, method="enumeration"), 0.0)])
    assert profile["slowest_checks"] == [{"obligations": ["a/x/simulation"], "seconds": 14.0},
                                         {"obligations": ["b/y/invariant", "b/y/simulation"], "seconds": 0.4}], \
        "a joint run once, no enumeration"
    lines = "\n".join(profile_lines(profile))
    assert "| `a/x/simulation` | 14.0 |" in lines and "| `b/y/invariant`, `b/y/simulation` | 0.4 |" in lines
    assert "| `a/x/simulation` | 14.0 |" in "\n".join(profile_lines({**profile, "slowest_checks": [
        {"obligation": "a/x/simulation", "seconds": 14.0}]})), "results kept before runs were grouped"
    data = json.loads(RESULTS.read_text())
    data["cold_profile"], data["timeout"] = profile, 90.0
    assert _met(data)["slowest single solver check (1 job)"] == "yes"
    data["cold_profile"]["slowest_checks"][0]["seconds"] = 15.5   # past 90 / 2 / 3
    assert _met(data)["slowest single solver check (1 job)"] == "**no**"
