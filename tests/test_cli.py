"""The `refine` command as a user runs it: ids, exit statuses, messages and reports."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.interrupt import sigint_default

ROOT = Path(__file__).resolve().parents[1]


def refine(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "refinement", *args], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, **(env or {})}, timeout=600)


def test_list_prints_every_id():
    from refinement.registry import load_all
    proc = refine("list")
    assert proc.returncode == 0
    assert proc.stdout.split() == list(load_all())


def test_list_only_filters_by_glob():
    proc = refine("list", "--only", "*/share_memory/*")
    ids = proc.stdout.split()
    assert ids and all("share_memory" in i and "unshare" not in i for i in ids)


@pytest.mark.parametrize("args, words", [
    (("prove", "--only", "no-such-obligation"), "refine list"),
    (("prove", "--pages", "4"), "No such option"),
    (("prove", "--c-pages", "1"), "raise c_pages"),
    (("prove", "--harts", "0"), "harts=0"),
    (("prove", "--fp-registers", "33"), "fp_registers=33"),
    (("prove", "--levels", "6"), "levels=6"),
    (("prove", "--fault", "nope"), "refine faults"),
    (("prove", "--per-obligation-timeout", "0"), "timeout"),
])
def test_usage_errors_exit_2_with_a_message_naming_the_fix(args, words):
    proc = refine(*args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert words in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr


def test_bad_size_in_environment_is_a_clear_error():
    proc = refine("list", env={"REFINE_HARTS": "many"})
    assert proc.returncode == 2
    assert "REFINE_HARTS" in proc.stderr and "whole number" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.proof
def test_prove_writes_reports_and_exits_0_when_all_proven(tmp_path):
    js, md = tmp_path / "r.json", tmp_path / "r.md"
    proc = refine("prove", "--only", "riscv/*/encoding", "--only", "*/exit_interrupt/*",
                  "--json", str(js), "--markdown", str(md))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(js.read_text())
    assert {o["id"] for o in data["obligations"]} >= {"riscv/pmpcfg/encoding", "riscv->canonical/exit_interrupt/simulation"}
    assert data["summary"]["PROVEN"] == len(data["obligations"])
    text = md.read_text()
    assert "## Summary" in text and "exit_interrupt/simulation" in text and "Assumed and trusted" in text
    assert "PROVEN" in proc.stderr  # progress lines


@pytest.mark.proof
def test_prove_exits_1_and_reports_a_refutation_under_a_seeded_fault(tmp_path):
    js = tmp_path / "r.json"
    proc = refine("prove", "--only", "riscv->canonical/exit_interrupt/simulation", "--fault", "pmp-open-after-exit",
                  "--json", str(js))
    assert proc.returncode == 1
    ob, = json.loads(js.read_text())["obligations"]
    assert ob["verdict"] == "REFUTED"
    assert ob["counterexample"]["confirmed"] is True
    assert "REFUTED" in proc.stdout


def test_unwritable_report_path_is_reported_not_a_traceback(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    proc = refine("prove", "--only", "riscv/pmpcfg/encoding", "--json", str(blocker / "r.json"))
    assert "cannot write" in proc.stderr and "Traceback" not in proc.stderr


def test_console_script_is_installed():
    script = Path(sys.executable).parent / "refine"
    proc = subprocess.run([str(script), "--help"], capture_output=True, text=True)
    assert proc.returncode == 0 and "prove" in proc.stdout


@pytest.mark.proof
def test_ctrl_c_stops_promptly_and_keeps_the_finished_results(tmp_path):
    """SIGINT after the first result: running workers stop, the partial report is written.
    Two workers start at once, one on a lemma (under a second), one on the copy's translation
    (about 20 s), so the signal arrives while the second runs whatever order they start in."""
    import signal
    import time
    js = tmp_path / "r.json"
    proc = subprocess.Popen(
        # --no-cache: after `scripts/prove.sh` the cache would answer before the signal arrives
        [sys.executable, "-m", "refinement", "prove", "--no-cache", "--jobs", "2", "--json", str(js),
         "--only", "canonical/guest_address/encoding", "--only", "riscv/pt_copy/simulation"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=sigint_default)
    deadline = time.monotonic() + 120
    seen = ""
    while "canonical/guest_address/encoding" not in seen and time.monotonic() < deadline:
        seen += proc.stderr.readline()
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    started = time.monotonic()
    _, err = proc.communicate(timeout=60)
    assert time.monotonic() - started < 20, "Ctrl-C did not stop the running proofs promptly"
    assert proc.returncode == 1
    assert "partial report" in err
    ids = [o["id"] for o in json.loads(js.read_text())["obligations"]]
    assert "canonical/guest_address/encoding" in ids and "riscv/pt_copy/simulation" not in ids


def test_sizes_come_from_the_environment_and_options_override_them():
    env = {"REFINE_C_PAGES": "13"}
    proc = refine("prove", "--only", "riscv/pmpcfg/encoding", "--no-cache", "--json", "-", env=env)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["config"]["c_pages"] == 13  # stdout holds only the report
    proc = refine("prove", "--only", "riscv/pmpcfg/encoding", "--no-cache", "--json", "-", "--c-pages", "14", env=env)
    assert json.loads(proc.stdout)["config"]["c_pages"] == 14


@pytest.mark.proof
def test_mmio_regions_size_is_an_option_and_reaches_the_report(tmp_path):
    bad = refine("prove", "--only", "spec/add_mmio_region/totality", "--mmio-regions", "0")
    assert bad.returncode == 2 and "mmio_regions" in bad.stderr and "Traceback" not in bad.stderr
    js = tmp_path / "r.json"
    ok = refine("prove", "--only", "spec/add_mmio_region/totality", "--mmio-regions", "3", "--no-cache", "--json", str(js))
    assert ok.returncode == 0, ok.stderr
    data = json.loads(js.read_text())
    assert data["config"]["mmio_regions"] == 3 and data["obligations"][0]["verdict"] == "PROVEN"


@pytest.mark.proof
def test_per_entry_lemmas_are_reported_as_holding_at_any_size(tmp_path):
    """The summary and the JSON report say which verdicts hold at every size and which only at
    the configured sizes."""
    report = tmp_path / "r.json"
    proc = refine("prove", "--no-cache", "--only", "*/destroy_tvm/entry", "--only", "spec/destroy_tvm/totality",
                  "--c-pages", "13", "--json", str(report))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 per-entry lemma(s) hold at any size" in proc.stdout
    sizes = {o["id"]: o["sizes"] for o in json.loads(report.read_text())["obligations"]}
    assert sizes["canonical->spec/destroy_tvm/entry"] is None
    assert sizes["spec/destroy_tvm/totality"]["c_pages"] == 13


def test_refine_prove_names_its_longest_runs_and_says_nothing_for_a_few(result_of):
    from rich.console import Console
    from refinement.cli import _print_longest
    few = [result_of(f"r/op{i}/entry", [], i, float(i)) for i in range(5)]
    many = few + [result_of("r/big/simulation", ["r/big/invariant"], 80, 6.0),
                  result_of("r/big/invariant", ["r/big/simulation"], 80, 6.0)]
    console = Console(record=True, width=200)
    _print_longest(few, console)
    assert console.export_text() == "", "five runs or fewer: no list"
    _print_longest(many, console)
    lines = console.export_text().splitlines()
    assert lines[0].startswith("longest runs") and len(lines) == 6
    assert "12.0 s    80  r/big/invariant and 1 explored with it" in lines[1], "the joint run first, its shares summed"
    assert lines[-1].endswith("r/op1/entry"), "the shortest run left out"


def test_an_obligation_not_stated_at_the_depth_asked_for_is_named_and_left_out(tmp_path):
    """`riscv/pt_promote_copy/simulation` is stated at 2 levels: at Sv48x4's 4 the run
    leaves it out, says so, and the reports list it rather than dropping it silently."""
    js, md = tmp_path / "r.json", tmp_path / "r.md"
    proc = refine("prove", "--levels", "4", "--c-pages", "16", "--no-cache", "--only", "riscv/pt_promote_copy/*",
                  "--only", "riscv/pmpcfg/encoding", "--json", str(js), "--markdown", str(md))
    assert proc.returncode == 0, proc.stderr
    assert "left out: riscv/pt_promote_copy/simulation" in proc.stderr
    data = json.loads(js.read_text())
    assert [o["id"] for o in data["obligations"]] == ["riscv/pmpcfg/encoding"]
    assert data["not_stated"] == ["riscv/pt_promote_copy/simulation"]
    assert "Not stated at these sizes" in md.read_text() and "`riscv/pt_promote_copy/simulation`" in md.read_text()
    listed = refine("list", "--verbose", "--only", "riscv/pt_promote_copy/*")
    assert listed.stdout.count("\n") == 1 and "(stated at 2 table levels only)" in listed.stdout, listed.stdout
    alone = refine("prove", "--levels", "4", "--c-pages", "16", "--only", "riscv/pt_promote_copy/*")
    assert alone.returncode == 2 and "no selected obligation is stated at 4 table levels" in alone.stderr
