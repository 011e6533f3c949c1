"""Machine-readable renderers for CI: JUnit XML (one test case per obligation) and SARIF 2.1.0
(one result per obligation that is not PROVEN, located at the obligation's source line)."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any, Dict, List

from refinement import __version__
from refinement.registry import Kind
from refinement.report import Report
from refinement.results import ObligationResult, Verdict, margin_note

KIND_HELP = {
    Kind.SIMULATION.value: "The commuting square: abstraction of the lower step equals the upper step.",
    Kind.INVARIANT.value: "The lower layer's local invariant is preserved by the step.",
    Kind.INIT.value: "Initial states correspond and satisfy the invariants.",
    Kind.NONVACUITY.value: "Some state satisfies the layer's invariant.",
    Kind.TOTALITY.value: "The spec step is total, answers one of its row's declared codes and keeps the invariant.",
    Kind.ENCODING.value: "A RISC-V field encoding decodes and encodes consistently.",
    Kind.CONFIDENTIALITY.value: "Noninterference: low-equal states stay low-equal with equal answers.",
    Kind.INTEGRITY.value: "CVMs not party to the step keep their private memory and registers.",
    Kind.ISOLATION.value: "After the step, a running hypervisor's PMP reaches NC and never C.",
    Kind.OBSERVATION.value: "The hypervisor's view commutes with the abstraction.",
    Kind.ENTRY.value: "A per-entry lemma with the sizes as free variables: it holds at every size.",
    Kind.LIFT.value: "At the configured sizes, a whole step is its per-entry function mapped over the right entries.",
    Kind.PARTITION.value: "The rows of an entry select each of its inputs exactly once.",
}


def _message(r: ObligationResult) -> str:
    e = r.evidence
    text = f"{r.verdict.value}: {r.statement}"
    if e.note:
        text += f" ({e.note})"
    cex = r.counterexample or {}
    diffs = cex.get("differences") or []
    if diffs:
        text += "; differs at " + ", ".join(d["path"] for d in diffs[:6])
    elif cex.get("failed"):
        text += "; violated: " + "; ".join(cex["failed"])
    return text


def _path_line(r: ObligationResult) -> tuple[str, int]:
    path, _, line = r.source.rpartition(":")
    return path, int(line or 1)


def render_junit(report: Report) -> str:
    root = ET.Element("testsuites", name="refine", tests=str(len(report.results)),
                      time=f"{report.wall_seconds:.3f}")
    failures = errors = 0
    for layers in sorted({r.layers for r in report.results}):
        cases = [r for r in report.results if r.layers == layers]
        suite = ET.SubElement(root, "testsuite", name=layers, tests=str(len(cases)),
                              time=f"{sum(r.evidence.seconds for r in cases):.3f}")
        s_fail = s_err = 0
        for r in cases:
            path, line = _path_line(r)
            case = ET.SubElement(suite, "testcase", classname=layers, name=r.id[len(layers) + 1:],
                                 time=f"{r.evidence.seconds:.3f}", file=path, line=str(line))
            if r.verdict is Verdict.PROVEN:
                continue
            tag = "error" if r.verdict is Verdict.ERROR else "failure"
            detail = ET.SubElement(case, tag, message=_message(r), type=r.verdict.value)
            detail.text = json.dumps(r.counterexample, indent=1)[:20000] if r.counterexample else _message(r)
            s_err += tag == "error"
            s_fail += tag == "failure"
        suite.set("failures", str(s_fail))
        suite.set("errors", str(s_err))
        failures, errors = failures + s_fail, errors + s_err
    root.set("failures", str(failures))
    root.set("errors", str(errors))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def render_sarif(report: Report) -> str:
    rules = [{"id": kind, "name": kind.capitalize(), "shortDescription": {"text": text},
              "defaultConfiguration": {"level": "error"}} for kind, text in KIND_HELP.items()]
    results: List[Dict[str, Any]] = []
    for r in report.results:
        margin = margin_note(r, report.timeout)   # a proof without margin is a note, the others nothing
        if r.verdict is Verdict.PROVEN and not margin:
            continue
        path, line = _path_line(r)
        results.append({
            "ruleId": r.kind,
            "ruleIndex": list(KIND_HELP).index(r.kind),
            "level": "note" if margin else "warning" if r.verdict is Verdict.BOUNDED else "error",
            "message": {"text": f"PROVEN, with {margin}: {r.statement}" if margin else _message(r)},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": path, "uriBaseId": "SRCROOT"},
                "region": {"startLine": line},
            }}],
            "partialFingerprints": {"obligation": r.id},
            "properties": {"obligation": r.id, "verdict": r.verdict.value,
                           "exhaustive": r.evidence.exhaustive, "paths": r.evidence.paths},
        })
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "refine", "version": __version__, "rules": rules}},
            "invocations": [{"executionSuccessful": True}],
            "results": results,
        }],
    }
    return json.dumps(sarif, indent=2) + "\n"
