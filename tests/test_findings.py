"""Findings against ACE: ACE's behaviour, swapped in like a seeded fault, must be refuted by the
obligations each finding names, with a counterexample replayed in plain Python; the reports
show them."""
from __future__ import annotations

import subprocess
import sys

import pytest

from abstract.config import Sizes
from refinement.checker import CheckOptions, check
from refinement.findings import ACE_COMMIT, FINDINGS
from refinement.registry import load_all
from refinement.report import Report, finding_row, render_markdown, to_json
from refinement.report_html import render_html
from refinement.results import Verdict

pytestmark = pytest.mark.proof


@pytest.fixture(scope="module")
def checked():
    obligations = load_all()
    return {name: [check(obligations[i], CheckOptions(timeout=60, faults=[name])) for i in f.refuted_by]
            for name, f in FINDINGS.items()}


@pytest.mark.parametrize("name", sorted(FINDINGS))
def test_each_finding_is_refuted_with_a_replayed_counterexample(checked, name):
    for r in checked[name]:
        assert r.verdict is Verdict.REFUTED, (r.id, r.verdict, r.evidence.note)
        assert r.counterexample and r.counterexample.get("call"), r.id
        assert r.counterexample.get("differences"), "the counterexample shows what ACE's code changes"


@pytest.mark.parametrize("name", sorted(FINDINGS))
def test_each_finding_names_the_rust_it_comes_from(name):
    f = FINDINGS[name]
    assert f.rust and all(path.endswith(".rs") and fn for path, fn in f.rust)
    assert f.refuted_by and set(f.refuted_by) <= set(load_all()), "refuted by obligations that exist"


def test_the_fpu_attack_replays_from_power_on():
    """The hypervisor's f0 reaches the resumed vCPU under ACE's code, and not in the model."""
    from refinement.findings import replay_scenario
    seen = replay_scenario("ace-fpu-save-restore-inverted")
    assert seen["model"]["vCPU f-registers after resuming"] == seen["model"]["vCPU f-registers the CVM computed"]
    assert set(seen["ace"]["vCPU f-registers after resuming"].split()) == {hex(0x41)}
    assert seen["ace"]["promote"] == seen["model"]["promote"] == (0, 1), "the same CVM, promoted alike"


def test_without_the_finding_its_obligations_are_proven():
    """The refutation is ACE's behaviour, not the model's: the same obligations prove without it."""
    f = FINDINGS["ace-fpu-save-restore-inverted"]
    r = check(load_all()[f.refuted_by[0]], CheckOptions(timeout=60))
    assert r.verdict is Verdict.PROVEN


def test_reports_show_the_findings(checked):
    rows = [finding_row(name, results) for name, results in checked.items()]
    assert all(row["reproduced"] for row in rows)
    report = Report([r for results in checked.values() for r in results], Sizes(), 60, 1, 0.0, [], rows)
    md = render_markdown(report)
    assert f"## Findings against ACE {ACE_COMMIT}" in md and "floating_point_unit.rs" in md
    html = render_html(report)
    assert 'id="findings"' in html and "ace-fpu-save-restore-inverted" in html
    data = to_json(report)
    assert data["findings"][0]["obligations"][0]["verdict"] == "REFUTED"
    import json
    from pathlib import Path
    import jsonschema
    schema = json.loads((Path(__file__).resolve().parent.parent / "docs" / "report.schema.json").read_text())
    jsonschema.validate(json.loads(json.dumps(data)), schema)


def test_findings_command_lists_them_and_prove_rejects_an_unknown_one():
    listed = subprocess.run([sys.executable, "-m", "refinement", "findings"], capture_output=True, text=True)
    assert listed.returncode == 0 and all(name in listed.stdout for name in FINDINGS)
    bad = subprocess.run([sys.executable, "-m", "refinement", "prove", "--finding", "no-such", "--no-cache"],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "unknown finding 'no-such'" in bad.stdout + bad.stderr
    assert "Traceback" not in bad.stdout + bad.stderr
