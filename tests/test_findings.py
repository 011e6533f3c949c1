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


@pytest.fixture(autouse=True, scope="module")
def replays_kept(vmid_replay_in_background):
    """The VMID replay started with the session (tests/conftest.py) has kept its outcome: the
    tests here read it instead of replaying (if it failed, they replay and show why)."""
    if vmid_replay_in_background is not None:
        vmid_replay_in_background.wait()


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
        shown = r.counterexample.get("differences") or r.counterexample.get("failed")
        assert shown, "the counterexample shows what ACE's code changes or which condition it breaks"


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
    assert seen["ace"]["promote"] == seen["model"]["promote"] == (0, 0), "the same CVM (id 0), promoted alike"


def test_the_stale_translation_attack_replays_from_power_on():
    """Under ACE's order a sibling hart still reaches the freed page once another CVM's page
    table is there; in the model that hart caches nothing after the completion."""
    from abstract.config import NC
    from concrete.riscv import gstage
    from refinement.findings import replay_scenario
    seen = replay_scenario("ace-free-before-remote-fence")
    reach, read = "hart 1 (A's vCPU 1) still caches A's guest page 1 ->", "what A's vCPU 1 reads there (entry 0)"
    assert seen["model"][reach] == "nothing" and seen["model"][read] is None
    assert seen["ace"][reach] == "CVM B's leaf table", "the root took an aligned block; the freed page is B's next table"
    assert seen["ace"]["A's page given up"] == seen["ace"]["B's table pages"][-1], "B's tables got the page A gave up"
    v, r, w, x, *_, ppn = gstage.decode_pte(int(seen["ace"][read], 16))
    assert v and r and w and x and ppn >= NC, "it reads B's leaf for its guest page 0, which maps a C page"


@pytest.mark.parametrize("name", sorted(FINDINGS))
def test_without_the_finding_its_obligations_are_proven(name, full_proof):
    """The refutation is ACE's behaviour, not the model's: the same obligations prove without it
    (read from the session's full proof at the same, default, sizes)."""
    proven = {r.id: r for r in full_proof[0]}
    for ob_id in FINDINGS[name].refuted_by:
        assert proven[ob_id].verdict is Verdict.PROVEN and proven[ob_id].faults == [], ob_id


@pytest.mark.parametrize("cvm_id", [1, 2, 5, (1 << 14) - 1, 1 << 14, (1 << 16) - 1, 1 << 16, 1 << 17,
                                    (1 << 17) + 3, 1 << 18, 1 << 19, (1 << 20) - 1, (1 << 20) + 77, 12345678901])
@pytest.mark.parametrize("root", [0, 7, (1 << 44) - 1])
def test_ace_vmid_word_is_the_rust_formula(root, cvm_id):
    """The variant's arithmetic form equals `Hgatp::new`'s `vmid << 44 | mode << 60 | ppn`."""
    from concrete.riscv import gstage
    from refinement.findings import _ace_hgatp_word
    rust = (cvm_id << gstage.HGATP_VMID_SHIFT) | (gstage.MODE_SV48X4 << gstage.HGATP_MODE_SHIFT) | root
    assert _ace_hgatp_word(None, 0, cvm_id, root) == rust


@pytest.mark.parametrize("name", ["ace-panic-on-virtual-instruction", "ace-panic-on-mmio-load-htinst",
                                  "ace-tsm-info-overflow-panic", "ace-stimecmp-overflow-panic"])
def test_a_panic_attack_halts_the_monitor_and_wipes_the_victim(name):
    """Under ACE's handler the attacker's trap halts the monitor and zeroes the victim's page; in
    the model the victim keeps it and the monitor goes on."""
    from refinement.findings import replay_scenario
    seen = replay_scenario(name)
    assert seen["model"]["victim's page afterwards"] == hex(0x5EC2E7) and not seen["model"]["monitor halted"]
    assert seen["ace"]["victim's page afterwards"] == hex(0) and seen["ace"]["monitor halted"]


def test_the_vmid_attack_replays_from_power_on():
    """With ACE's VMID the attacker's CVM reads the victim's page through the hypervisor's
    hgatp; in the model its page 0 is its own."""
    from refinement.findings import ACE_ATTACKER_ID, replay_scenario
    seen = replay_scenario("ace-vmid-unmasked")
    assert seen["ace"]["attacker id"] == seen["model"]["attacker id"] == ACE_ATTACKER_ID
    assert seen["ace"]["mode of that word"] == 11 and seen["model"]["mode of that word"] == 9
    assert seen["ace"]["attacker's guest page 0 reaches"] == "the victim"
    assert seen["ace"]["what the attacker reads there"] == hex(0x5EC2E7)
    assert seen["model"]["attacker's guest page 0 reaches"] == "the attacker"


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


def test_a_replay_is_kept_under_the_hash_of_the_source_and_read_back(tmp_path, monkeypatch):
    """The VMID attack takes minutes to replay, so a replay is kept on disk, named by the hash of
    the source it can depend on: a second process reads it back instead of replaying."""
    from refinement import findings
    monkeypatch.setenv(findings.SCENARIO_CACHE_ENV, str(tmp_path))
    findings.replay_scenario.cache_clear()
    name = "ace-panic-on-virtual-instruction"
    first = findings.replay_scenario(name)
    kept = findings._scenario_file(name)
    assert kept.parent == tmp_path and kept.exists() and eval(kept.read_text()) == first
    kept.write_text(repr({"model": {"marker": 1}, "ace": {}}))       # what a later process finds
    findings.replay_scenario.cache_clear()
    assert findings.replay_scenario(name) == {"model": {"marker": 1}, "ace": {}}
    assert findings._scenario_file("ace-vmid-unmasked").name != kept.name
    monkeypatch.setenv(findings.SCENARIO_CACHE_ENV, "off")
    findings.replay_scenario.cache_clear()
    assert findings.replay_scenario(name) == first, "caching off: replayed again"
    findings.replay_scenario.cache_clear()
