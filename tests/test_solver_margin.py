"""A proof decided here with a solver check close to z3's budget is flagged (by `refine prove`,
`refine watch`, the Markdown, HTML and SARIF reports, and `slowest_query` in the JSON evidence),
before a slower machine turns it BOUNDED (as CI's did to the former `riscv/pt_off_path/simulation`, one 31.6 s check of 45 s)."""
from __future__ import annotations

import dataclasses
from pathlib import Path

from rich.console import Console

from refinement.results import SOLVER_MARGIN, Verdict, without_margin

ROOT = Path(__file__).resolve().parents[1]


def _with_check(result, seconds, verdict=Verdict.PROVEN):
    return dataclasses.replace(result, verdict=verdict,
                               evidence=dataclasses.replace(result.evidence, slowest_query=seconds))


def test_a_check_over_a_third_of_z3s_budget_has_no_margin(result_of):
    base = result_of("riscv/big/simulation", [], 2, 40.0)
    budget = 90.0 / 2                       # z3 gets half the per-path timeout
    assert SOLVER_MARGIN == 1 / 3
    assert without_margin(_with_check(base, 31.6), 90.0)
    assert without_margin(_with_check(base, budget / 3 + 0.1), 90.0)
    assert not without_margin(_with_check(base, budget / 3 - 0.1), 90.0)
    assert not without_margin(_with_check(base, 31.6), 200.0), "a larger budget leaves room"
    assert not without_margin(_with_check(base, 31.6, Verdict.BOUNDED), 90.0), "only a proof decided here"


def test_the_cli_and_the_report_name_the_obligations_without_margin(result_of):
    from abstract.config import Sizes
    from refinement.cli import _warn_without_margin
    from refinement.report import Report, render_markdown
    tight = _with_check(result_of("riscv/big/simulation", [], 2, 40.0), 31.6)
    roomy = _with_check(result_of("riscv/small/simulation", [], 2, 3.0), 2.5)
    console = Console(record=True, width=300)
    _warn_without_margin([roomy, tight], 90.0, console)
    lines = console.export_text().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        "warning: riscv/big/simulation: no solver margin: one check took 31.6 s of the 45 s")
    assert lines[0].endswith("split the obligation or change the model's representation")
    md = render_markdown(Report([tight, roomy], Sizes(), 90.0, 2, 50.0, [], [], []))
    rows = {line.split("`")[1]: line for line in md.splitlines() if line.startswith("| [`")}
    assert "no solver margin" in rows["big/simulation"] and "31.6 s of the 45 s" in rows["big/simulation"]
    assert "no solver margin" not in rows["small/simulation"]


def test_html_and_sarif_carry_the_margin_too(result_of):
    """The HTML report says it beside the statement; SARIF gives a proof without margin as a
    `note` at its source line (code scanning shows it), and no result for a proof with room."""
    import json
    from abstract.config import Sizes
    from refinement.report import Report
    from refinement.report_ci import render_sarif
    from refinement.report_html import render_html
    tight = _with_check(result_of("riscv/big/simulation", [], 2, 40.0), 31.6)
    roomy = _with_check(result_of("riscv/small/simulation", [], 2, 3.0), 2.5)
    tight.source = roomy.source = "refinement/obligations/pagetable.py:10"
    report = Report([tight, roomy], Sizes(), 90.0, 2, 50.0, [], [], [])
    assert render_html(report).count("no solver margin: one check took 31.6 s of the 45 s") == 1
    results = json.loads(render_sarif(report))["runs"][0]["results"]
    assert [(r["properties"]["obligation"], r["level"]) for r in results] == [("riscv/big/simulation", "note")]
    assert results[0]["message"]["text"].startswith("PROVEN, with no solver margin")


def test_refine_watch_says_when_a_proof_it_reran_has_no_margin(result_of, monkeypatch):
    from refinement import watch
    from refinement.checker import CheckOptions
    tight = _with_check(result_of("riscv/big/simulation", [], 2, 40.0), 31.6)
    roomy = _with_check(result_of("riscv/small/simulation", [], 2, 3.0), 2.5)

    def check_all(chosen, options, jobs, on_done):
        on_done(tight)
        on_done(roomy)
    monkeypatch.setattr(watch, "check_all", check_all)
    said = []
    watch.Watcher(ROOT, [], CheckOptions(timeout=90.0), 1, said.append).prove([])
    assert said[1] == "warning  riscv/big/simulation: no solver margin: one check took 31.6 s of the 45 s z3 is " \
                      "given, so a machine three times slower may not decide it"
    assert len(said) == 3 and not said[2].startswith("warning"), said
