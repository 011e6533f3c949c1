"""`crosshair watch` on one transition's obligations (REFINE_TRANSITIONS=exit_interrupt, the
generated module) reports a seeded fault within seconds.

The fault is written into a copy of the model (the repository is never edited); the watcher
runs on the copy as a user would run it while editing.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.interrupt import sigint_default

pytestmark = pytest.mark.proof
ROOT = Path(__file__).resolve().parents[1]
FAILURE = b"I was able to make your postcondition return False"


def _copy_with_fault(tmp: Path) -> Path:
    for package in ("abstract", "concrete", "refinement"):
        shutil.copytree(ROOT / package, tmp / package, ignore=shutil.ignore_patterns("__pycache__"))
    machine = tmp / "concrete" / "riscv" / "machine.py"
    text = machine.read_text()
    correct = "        return _tor_perms(hw, pmp.MONITOR_TOR, False)\n"
    assert correct in text, "isolation_revoke changed: update this test's seeded fault"
    machine.write_text(text.replace(correct, "        return hw  # seeded fault 6\n"))
    return tmp


def watch_until_failure(tree: Path, target: str, limit: float) -> tuple[float | None, bytes]:
    """Run the documented watch command until it reports a failure or `limit` seconds pass."""
    env = {**os.environ, "PYTHONPATH": str(tree), "REFINE_TRANSITIONS": "exit_interrupt"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "crosshair", "watch", "--analysis_kind", "icontract", target],
        cwd=tree, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, preexec_fn=sigint_default,
    )
    os.set_blocking(proc.stdout.fileno(), False)
    started, seen, found = time.monotonic(), b"", None
    try:
        while time.monotonic() - started < limit and proc.poll() is None:
            seen += proc.stdout.read() or b""
            if FAILURE in seen and b"exit_interrupt_simulation_riscv_canonical" in seen:
                found = time.monotonic() - started
                break
            time.sleep(0.25)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
    return found, seen


def test_watch_reports_seeded_fault(tmp_path):
    tree = _copy_with_fault(tmp_path)
    found, output = watch_until_failure(tree, "refinement/obligations/standard.py", limit=120)
    assert found is not None, output[-3000:].decode(errors="replace")
