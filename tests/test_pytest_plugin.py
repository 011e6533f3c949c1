"""`pytest --refinement`: obligations as test items, selected with -k, run with xdist."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_pytest(tmp_path: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """pytest on an empty folder, so only the plugin's items exist."""
    (tmp_path / "empty").mkdir(exist_ok=True)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--rootdir", str(tmp_path),
         "-o", "addopts=", *args, str(tmp_path / "empty")],
        cwd=ROOT, capture_output=True, text=True, timeout=600, env={**os.environ, **(env or {})})


def test_without_the_flag_no_obligation_is_collected(tmp_path):
    proc = run_pytest(tmp_path, "--collect-only", "-q")
    assert "share_memory" not in proc.stdout


def test_k_selects_just_those_obligations(tmp_path):
    from refinement.registry import load_all
    proc = run_pytest(tmp_path, "--refinement", "-k", "share_memory and not unshare", "--collect-only", "-q")
    collected = [line.split("::")[-1] for line in proc.stdout.splitlines() if "::" in line]
    expected = [i for i in load_all() if "/share_memory/" in i]
    assert len(expected) >= 5
    assert collected == expected


@pytest.mark.proof
def test_obligations_run_under_xdist_and_pass_when_proven(tmp_path):
    proc = run_pytest(tmp_path, "--refinement", "-k", "exit_interrupt", "-n", "2", "-q")
    from refinement.registry import load_all
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert f"{sum('exit_interrupt' in i for i in load_all())} passed" in proc.stdout


@pytest.mark.proof
def test_bounded_fails_unless_allowed(tmp_path):
    env = {"REFINE_EXTRA_OBLIGATIONS": "tests.fixture_obligations", "PYTHONPATH": str(ROOT)}
    args = ("--refinement", "-k", "fixture_bounded", "--refinement-timeout", "2", "-q")
    failed = run_pytest(tmp_path, *args, env=env)
    assert failed.returncode == 1 and "BOUNDED" in failed.stdout, failed.stdout[-2000:]
    allowed = run_pytest(tmp_path, *args, "--allow-bounded", env=env)
    assert allowed.returncode == 0 and "1 passed" in allowed.stdout, allowed.stdout[-2000:]


@pytest.mark.proof
def test_refuted_obligation_fails_with_the_differing_fields(tmp_path):
    env = {"REFINE_EXTRA_OBLIGATIONS": "tests.fixture_obligations", "PYTHONPATH": str(ROOT)}
    proc = run_pytest(tmp_path, "--refinement", "-k", "fixture_refuted", "-q", env=env)
    assert proc.returncode == 1
    assert "REFUTED" in proc.stdout and "refuted(1234)" in proc.stdout


def test_a_proof_without_solver_margin_passes_with_a_warning_and_bounded_only_when_allowed(result_of):
    import dataclasses
    import warnings
    from pytest_refinement import BoundedProofWarning, ObligationFailed, SolverMarginWarning, judge
    from refinement.results import Verdict
    proven = result_of("riscv/big/simulation", [], 2, 40.0)
    tight = dataclasses.replace(proven, evidence=dataclasses.replace(proven.evidence, slowest_query=31.6))
    bounded = dataclasses.replace(proven, verdict=Verdict.BOUNDED)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        judge(proven, 90.0, False)
        assert seen == [], "a proof with room passes silently"
        judge(tight, 90.0, False)
        assert [type(w.message) for w in seen] == [SolverMarginWarning]
        assert "31.6 s of the 45 s" in str(seen[0].message)
        judge(bounded, 90.0, True)
        assert type(seen[-1].message) is BoundedProofWarning
    with pytest.raises(ObligationFailed):
        judge(bounded, 90.0, False)
