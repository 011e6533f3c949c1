"""`refine watch`: an edit re-proves exactly the obligations whose code it changed, and a
seeded fault shows up as a verdict change within that obligation's proof time."""
from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from refinement import deps
from refinement.registry import load_all
from tests.interrupt import sigint_default

ROOT = Path(__file__).resolve().parents[1]


def _rows_through(*entries: str) -> set:
    from refinement.transitions import TRANSITIONS
    return {row.name for row in TRANSITIONS if row.riscv.__name__ in entries}


def test_dependencies_of_an_edit_are_exactly_that_operations_obligations():
    obligations = load_all().values()
    # Closing PMP is part of every switch to the hypervisor. Rows run through their raw entry,
    # so every row of an entry that can reach an exit depends on it: the guest's ecall (HSM stop
    # and suspend, SRST), the trap dispatcher and the guest faults.
    exiting = _rows_through("guest_ecall", "vcpu_exit", "guest_load_fault", "guest_store_fault")
    hit = deps.depends_on(ROOT, obligations, "concrete/riscv/machine.py", "RiscvMachine.isolation_revoke")
    # Only obligations that run RISC-V code can reach it: never the spec's or canonical->spec's.
    # A RISC-V partition obligation names its rows' declarations, which name the entries: an
    # over-approximation it may add.
    rows_obligations = {i for i in load_all() if i.split("/")[1] in exiting and i.startswith("riscv")}
    partitions = {f"riscv/{entry}/partition" for entry in ("guest_ecall", "vcpu_exit", "guest_load_fault",
                                                            "guest_store_fault")}
    assert rows_obligations <= set(hit) <= rows_obligations | partitions
    hit = deps.depends_on(ROOT, obligations, "abstract/canonical/monitor/memory.py", "holds_shared_page")
    # The canonical monitor's unshare: every row of the guest's ecall, and unshare's lemma.
    rows_obligations = {i for i in load_all() if i.split("/")[1] in _rows_through("guest_ecall")
                        and not i.startswith("spec/") and not i.endswith(("/entry", "/lift"))}
    lemma = {"canonical->spec/unshare_memory/entry"}
    partitions = {"canonical/guest_ecall/partition", "riscv/guest_ecall/partition"}  # as above
    assert rows_obligations | lemma <= set(hit) <= rows_obligations | lemma | partitions


def test_fingerprint_changes_only_for_obligations_reaching_the_edit(tmp_path):
    for package in deps.PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    targets = deps.targets(load_all().values())
    before = deps.fingerprints(tmp_path, targets)
    pmp = tmp_path / "concrete" / "riscv" / "pmp.py"
    pmp.write_text(pmp.read_text().replace("no match denies.", "no match denies (edited)."))
    after = deps.fingerprints(tmp_path, targets)
    changed = {i for i in targets if before[i] != after[i]}
    # pmp.allows is used by the hypervisor's memory accesses, the isolation lemma, the per-page
    # PMP lemmas and the isolation lift; only obligations that run RISC-V code can reach it.
    assert changed == {i for i in targets if ("/hypervisor_read/" in i or "/hypervisor_write/" in i)
                       and i.startswith("riscv")
                       or i in ("riscv/state/isolation", "riscv->canonical/isolation_allows/entry",
                                "riscv->canonical/isolation_allows/lift", "riscv/hypervisor_reach/entry")}


@pytest.mark.proof
def test_watch_reports_the_verdict_change_after_a_seeded_fault_is_saved(tmp_path):
    for package in deps.PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "COLUMNS": "200"}
    proc = subprocess.Popen([sys.executable, "-m", "refinement", "watch", "--only", "*/exit_interrupt/*",
                             "--interval", "0.2"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, preexec_fn=sigint_default)
    lines: list = []
    incoming: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [incoming.put(line) for line in proc.stdout], daemon=True).start()

    def wait_for(text: str, limit: float) -> float:
        started = time.monotonic()
        while time.monotonic() - started < limit:
            try:
                line = incoming.get(timeout=0.5)
            except queue.Empty:
                continue
            lines.append(line)
            if text in line:
                return time.monotonic() - started
        raise AssertionError(f"no {text!r} within {limit} s:\n" + "".join(lines[-40:]))

    try:
        wait_for("ready: watching", 180)
        machine = tmp_path / "concrete" / "riscv" / "machine.py"
        machine.write_text(machine.read_text().replace(
            "        return _tor_perms(hw, pmp.MONITOR_TOR, False)\n", "        return hw  # seeded fault 6\n"))
        # only those that run RISC-V code: neither the spec's nor canonical->spec's
        wait_for(f"re-proving {sum('/exit_interrupt/' in i and i.startswith('riscv') for i in load_all())} "
                 "obligation(s)", 30)
        wait_for("CHANGED  riscv->canonical/exit_interrupt/simulation: PROVEN -> REFUTED", 120)
        wait_for("ready: watching", 120)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
    assert not any("CHANGED  canonical->spec" in line for line in lines), "only the RISC-V square breaks"
