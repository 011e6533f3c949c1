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

ROOT = Path(__file__).resolve().parents[1]


def test_dependencies_of_an_edit_are_exactly_that_operations_obligations():
    obligations = load_all().values()
    # Closing PMP is part of every switch to the hypervisor: the five exits, the HSM calls that
    # leave the hart, SRST, the guest faults that become MMIO requests, and the guest ecall
    # entry that dispatches to those calls.
    exiting = {"exit_sbi_call", "exit_mmio_load", "exit_mmio_store", "exit_interrupt", "exit_wfi",
               "hart_stop", "hart_suspend", "system_reset", "guest_load_fault", "guest_store_fault", "guest_ecall"}
    hit = deps.depends_on(ROOT, obligations, "concrete/riscv/machine.py", "RiscvMachine.isolation_revoke")
    # The spec's obligations never reach RISC-V code (`spec.exit_sbi_call` resolves to the spec
    # module, not to every definition of that name), and SRST's per-entry lemma is about the
    # other harts' marks only.
    assert sorted(hit) == sorted(i for i in load_all() if i.split("/")[1] in exiting
                                 and not i.startswith("spec/") and not i.endswith("/entry"))
    hit = deps.depends_on(ROOT, obligations, "abstract/canonical/monitor/memory.py", "holds_shared_page")
    # The canonical monitor's unshare: its squares, invariants and lemma on both layer pairs, the
    # RISC-V isolation obligation, and the guest ecall entry that dispatches to it; not the spec's.
    assert sorted(hit) == sorted([i for i in load_all() if "/unshare_memory/" in i and not i.startswith("spec/")]
                                 + ["riscv/guest_ecall/decoding"])


def test_fingerprint_changes_only_for_obligations_reaching_the_edit(tmp_path):
    for package in deps.PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    targets = deps.targets(load_all().values())
    before = deps.fingerprints(tmp_path, targets)
    pmp = tmp_path / "concrete" / "riscv" / "pmp.py"
    pmp.write_text(pmp.read_text().replace("no match denies.", "no match denies (edited)."))
    after = deps.fingerprints(tmp_path, targets)
    changed = {i for i in targets if before[i] != after[i]}
    # pmp.allows is used by the hypervisor's memory accesses, by the isolation lemma and the
    # per-page PMP lemmas (the
    # per-operation isolation obligations check the layout, not the scan); the canonical
    # observation names isolation_allows, which RiscvMachine also defines (by-name resolution
    # over-approximates; it never misses).
    assert changed == {i for i in targets if ("/hypervisor_read/" in i or "/hypervisor_write/" in i)
                       and not i.startswith("spec/")
                       or i in ("riscv/state/isolation", "canonical->spec/state/observation",
                                "riscv->canonical/isolation_allows/entry", "riscv/hypervisor_reach/entry")}


@pytest.mark.proof
def test_watch_reports_the_verdict_change_after_a_seeded_fault_is_saved(tmp_path):
    for package in deps.PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "COLUMNS": "200"}
    proc = subprocess.Popen([sys.executable, "-m", "refinement", "watch", "--only", "*/exit_sbi_call/*",
                             "--interval", "0.2"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
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
        # not the spec's: they cannot reach RISC-V code (the canonical ones can, through the
        # primitives the monitor calls on its hardware parameter, resolved by name)
        wait_for(f"re-proving {sum('/exit_sbi_call/' in i and not i.startswith('spec/') for i in load_all())} "
                 "obligation(s)", 30)
        took = wait_for("CHANGED  riscv->canonical/exit_sbi_call/simulation: PROVEN -> REFUTED", 120)
        wait_for("ready: watching", 120)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
    assert took < 60
    assert not any("CHANGED  canonical->spec" in line for line in lines), "only the RISC-V square breaks"
