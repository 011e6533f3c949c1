"""Incremental proving: an unchanged tree re-proves nothing; an edit re-proves exactly the
obligations that reach it, and never serves a stale PROVEN."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from refinement import deps

pytestmark = pytest.mark.proof
ROOT = Path(__file__).resolve().parents[1]
SELECTION = ("--only", "*/exit_interrupt/*", "--only", "*/hypervisor_read/*")


def prove(tree: Path, report: Path, *extra: str, selection: tuple = SELECTION) -> dict:
    proc = subprocess.run([sys.executable, "-m", "refinement", "prove", *selection, "--json", str(report), *extra],
                          cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)}, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode in (0, 1), proc.stderr
    return {o["id"]: o for o in json.loads(report.read_text())["obligations"]}


def test_unchanged_tree_reuses_everything_and_an_edit_reproves_only_what_it_reaches(tmp_path):
    tree = tmp_path / "tree"
    for package in deps.PACKAGES:
        shutil.copytree(ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__"))
    first = prove(tree, tmp_path / "1.json")
    assert all(o["verdict"] == "PROVEN" and not o["cached"] for o in first.values())

    second = prove(tree, tmp_path / "2.json")
    assert all(o["cached"] and o["verdict"] == "PROVEN" for o in second.values())

    machine = tree / "concrete" / "riscv" / "machine.py"
    machine.write_text(machine.read_text().replace(
        "        return _tor_perms(hw, pmp.MONITOR_TOR, False)\n", "        return hw  # seeded fault 6\n"))
    third = prove(tree, tmp_path / "3.json")
    rerun = {i for i, o in third.items() if not o["cached"]}
    # only obligations that run RISC-V code can reach it; the spec's and canonical->spec's stay cached
    assert rerun == {i for i in third if "/exit_interrupt/" in i and i.startswith("riscv")}
    assert third["riscv->canonical/exit_interrupt/simulation"]["verdict"] == "REFUTED"  # no stale PROVEN
    assert third["riscv/exit_interrupt/isolation"]["verdict"] == "REFUTED"
    assert all(third[i]["verdict"] == "PROVEN" for i in third if "/hypervisor_read/" in i)


def test_sizes_and_faults_are_part_of_the_key(tmp_path):
    tree = tmp_path / "tree"
    for package in deps.PACKAGES:
        shutil.copytree(ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__"))
    few = ("--only", "riscv/exit_interrupt/isolation", "--only", "spec/hypervisor_read/totality")
    first = prove(tree, tmp_path / "1.json", selection=few)
    assert len(first) == 2 and not any(o["cached"] for o in first.values())
    other_sizes = prove(tree, tmp_path / "2.json", "--harts", "1", selection=few)
    assert not any(o["cached"] for o in other_sizes.values())
    with_fault = prove(tree, tmp_path / "3.json", "--fault", "pmp-open-after-exit", selection=few)
    assert not any(o["cached"] for o in with_fault.values())
    assert with_fault["riscv/exit_interrupt/isolation"]["verdict"] == "REFUTED"


def _keys(tree: Path, faults=()) -> dict:
    from refinement.cache import ResultCache
    from refinement.checker import CheckOptions
    from refinement.registry import load_all
    return ResultCache(tree / ".cache", tree).keys(load_all().values(), CheckOptions(faults=list(faults)))


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"edit target not found in {path}"
    path.write_text(text.replace(old, new, 1))


def test_reports_are_not_dependencies_but_the_prover_and_fault_variants_are(tmp_path):
    """A note in the coverage table re-proves nothing (it once re-proved a third of the
    obligations through a shared name); a change to how verdicts are reached re-proves
    everything; a changed fault variant re-keys the runs with faults on, and only those."""
    tree = tmp_path / "tree"
    for package in deps.PACKAGES:
        shutil.copytree(ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__"))
    plain, faulty = _keys(tree), _keys(tree, ["destroy-without-zeroing"])

    _edit(tree / "refinement" / "coverage.py", '"""', '"""Edited. ')
    _edit(tree / "refinement" / "report.py", '"""', '"""Edited. ')
    assert _keys(tree) == plain

    _edit(tree / "refinement" / "faults.py", "leaves their contents in memory.", "leaves their contents.")
    assert _keys(tree) == plain
    refaulted = _keys(tree, ["destroy-without-zeroing"])
    assert all(refaulted[i] != faulty[i] for i in faulty)

    _edit(tree / "refinement" / "checker.py", '"""', '"""Edited. ')
    edited = _keys(tree)
    assert all(edited[i] != plain[i] for i in plain)


def test_a_module_level_statement_that_defines_nothing_is_part_of_every_key(tmp_path):
    """`_EXITS.pop(...)` at the bottom of trap.py changes what `decode_exit` returns without
    touching any definition; the cache must prove the encoding again, and refute it."""
    tree = tmp_path / "tree"
    for package in deps.PACKAGES:
        shutil.copytree(ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__"))
    only = ("--only", "riscv/trap_cause/encoding")
    first = prove(tree, tmp_path / "1.json", selection=only)
    assert first["riscv/trap_cause/encoding"]["verdict"] == "PROVEN"
    trap = tree / "concrete" / "riscv" / "trap.py"
    trap.write_text(trap.read_text() + "\n_EXITS.pop(abi.CAUSE_VIRTUAL_INSTRUCTION)\n")
    second = prove(tree, tmp_path / "2.json", selection=only)["riscv/trap_cause/encoding"]
    assert not second["cached"] and second["verdict"] == "REFUTED"


def test_obligations_that_reach_the_same_code_have_their_own_keys():
    """A layer pair's simulation and invariant share their body and reach the same code; the
    cache once stored one's verdict under both (the invariant was reported as a second
    simulation). Keys are per obligation, and a stored result is served only under its own id."""
    keys = _keys(ROOT)
    assert len(set(keys.values())) == len(keys)


def test_a_stored_result_is_never_served_for_another_obligation(tmp_path):
    from refinement.cache import ResultCache
    from refinement.results import Evidence, ObligationResult, Verdict
    cache = ResultCache(tmp_path, ROOT)
    stored = ObligationResult("canonical->spec/destroy_tvm/simulation", "canonical->spec", "destroy_tvm",
                              "destroy_tvm", "simulation", Verdict.REFUTED, Evidence("crosshair", False, 1, 0.1))
    cache.put("k", stored)
    assert cache.get("k", "canonical->spec/destroy_tvm/simulation").verdict is Verdict.REFUTED
    assert cache.get("k", "canonical->spec/destroy_tvm/invariant") is None
