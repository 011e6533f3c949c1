"""The self-contained HTML proof report: no network at view time (inline CSS, JS and SVG)."""
from __future__ import annotations

import html
import json
from typing import List

from refinement.coverage import coverage_rows, coverage_status
from refinement.divergences import divergence_counts, divergence_rows
from refinement.report import (
    ASSUMPTIONS, SECURITY_ASSUMPTIONS, Report, _crosshair_version, outcomes_text, proven_at, security_rows,
)
from refinement.results import ObligationResult, Verdict, margin_note, summary
from refinement.snippets import pytest_snippet

COLORS = {"PROVEN": "#1a7f37", "BOUNDED": "#9a6700", "REFUTED": "#cf222e", "VACUOUS": "#8250df", "ERROR": "#d1242f"}

CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1200px;color:#1f2328;padding:0 1rem}
h1{margin-bottom:.2rem} .muted{color:#59636e}
table{border-collapse:collapse;width:100%;margin:.6rem 0}
th,td{border:1px solid #d1d9e0;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa} td.num{text-align:right}
.badge{display:inline-block;padding:0 .5rem;border-radius:1rem;color:#fff;font-weight:600;font-size:12px}
.cards{display:flex;gap:.8rem;flex-wrap:wrap} .card{border:1px solid #d1d9e0;border-radius:6px;padding:.5rem 1rem}
.card b{font-size:22px;display:block}
tr.diff td{background:#ffebe9} code,pre{font:12px/1.4 ui-monospace,monospace}
pre{background:#f6f8fa;padding:.6rem;overflow:auto;white-space:pre-wrap;word-break:break-all}
.filters{display:flex;gap:.6rem;margin:.6rem 0} .filters input{flex:1;padding:.3rem}
td.cell{max-width:34rem;word-break:break-all}
"""

JS = """
function applyFilter(){
  const q=document.getElementById('q').value.toLowerCase();
  const v=document.getElementById('verdict').value, l=document.getElementById('layers').value;
  let shown=0;
  document.querySelectorAll('#obligations tbody tr').forEach(tr=>{
    const ok=tr.dataset.id.toLowerCase().includes(q)&&(!v||tr.dataset.verdict===v)&&(!l||tr.dataset.layers===l);
    tr.style.display=ok?'':'none'; if(ok) shown++;
  });
  document.getElementById('shown').textContent=shown;
}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _badge(verdict: str) -> str:
    return f'<span class="badge" style="background:{COLORS[verdict]}">{verdict}</span>'


def _summary(report: Report) -> List[str]:
    counts = summary(report.results)
    out = ['<h2 id="summary">Summary</h2>', '<div class="cards">']
    out += [f'<div class="card"><b>{n}</b>{_badge(v)}</div>' for v, n in counts.items()]
    out += ["</div>", "<table><tr><th>layers</th>" + "".join(f"<th>{v}</th>" for v in counts) + "</tr>"]
    for layers in sorted({r.layers for r in report.results}):
        row = summary([r for r in report.results if r.layers == layers])
        out.append(f"<tr><td>{_e(layers)}</td>" + "".join(f'<td class="num">{n}</td>' for n in row.values()) + "</tr>")
    return out + ["</table>"]


def _chart(results: List[ObligationResult]) -> List[str]:
    """Horizontal bars, one per obligation, longest proof first."""
    ranked = sorted(results, key=lambda r: -r.evidence.seconds)
    top = max((r.evidence.seconds for r in ranked), default=1.0) or 1.0
    bar_h, label_w, width = 14, 330, 820
    rows = []
    for i, r in enumerate(ranked):
        y = i * (bar_h + 4)
        w = max(1.0, (width - label_w - 60) * r.evidence.seconds / top)
        rows.append(f'<text x="{label_w - 6}" y="{y + 11}" text-anchor="end" font-size="11">{_e(r.id)}</text>'
                    f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{COLORS[r.verdict.value]}">'
                    f'<title>{_e(r.id)}: {r.evidence.seconds:.2f} s</title></rect>'
                    f'<text x="{label_w + w + 4:.1f}" y="{y + 11}" font-size="11">{r.evidence.seconds:.1f} s</text>')
    height = len(ranked) * (bar_h + 4) + 4
    return ['<h2 id="chart">Proof time per obligation</h2>',
            f'<svg role="img" aria-label="proof time per obligation" width="{width}" height="{height}" '
            f'xmlns="http://www.w3.org/2000/svg">{"".join(rows)}</svg>']


def _table(report: Report, link_base: str) -> List[str]:
    layers = sorted({r.layers for r in report.results})
    out = ['<h2 id="obligations">Obligations</h2>', '<div class="filters">',
           '<input id="q" placeholder="filter by id, e.g. share_memory" oninput="applyFilter()">',
           '<select id="verdict" onchange="applyFilter()"><option value="">all verdicts</option>'
           + "".join(f"<option>{v.value}</option>" for v in Verdict) + "</select>",
           '<select id="layers" onchange="applyFilter()"><option value="">all layers</option>'
           + "".join(f"<option>{_e(x)}</option>" for x in layers) + "</select>",
           f'<span class="muted"><span id="shown">{len(report.results)}</span> shown</span></div>',
           '<table id="obligations"><thead><tr><th>obligation</th><th>verdict</th><th>method</th>'
           '<th>exhaustive</th><th>paths</th><th>seconds</th><th>proven at</th><th>source</th><th>statement</th></tr></thead><tbody>']
    for r in report.results:
        e = r.evidence
        path, _, line = r.source.rpartition(":")
        name = f'<a href="#cex-{_e(r.id)}">{_e(r.id)}</a>' if r.counterexample and r.verdict is not Verdict.PROVEN else _e(r.id)
        out.append(
            f'<tr data-id="{_e(r.id)}" data-verdict="{r.verdict.value}" data-layers="{_e(r.layers)}">'
            f"<td><code>{name}</code></td><td>{_badge(r.verdict.value)}</td><td>{_e(e.method)}</td>"
            f"<td>{'yes' if e.exhaustive else 'no'}</td><td class=\"num\">{e.paths}</td>"
            f'<td class="num">{e.seconds:.2f}</td><td>{_e(proven_at(r))}</td>'
            f'<td><a href="{_e(link_base + path)}#L{_e(line)}">{_e(r.source)}</a></td>'
            f"<td>{_e(r.statement)}{'<br><span class=muted>' + _e(e.note) + '</span>' if e.note else ''}"
            f"{'<br><strong>' + _e(margin) + '</strong>' if (margin := margin_note(r, report.timeout)) else ''}"
            f"{'<br><span class=muted>' + _e(outcomes_text(e.outcomes)) + '</span>' if e.outcomes else ''}</td></tr>")
    return out + ["</tbody></table>"]


def _counterexamples(report: Report) -> List[str]:
    failing = [r for r in report.results if r.counterexample and r.verdict is not Verdict.PROVEN]
    if not failing:
        return ['<h2 id="counterexamples">Counterexamples</h2><p>None: no obligation was refuted.</p>']
    out = ['<h2 id="counterexamples">Counterexamples</h2>',
           '<p class="muted">Each was replayed in plain Python, contracts on, before it was reported. '
           "Left: the lower layer's result, abstracted; right: the upper layer's result. "
           "Rows that differ are highlighted.</p>"]
    for r in failing:
        cex = r.counterexample or {}
        out += [f'<section class="cex" id="cex-{_e(r.id)}"><h3>{_badge(r.verdict.value)} <code>{_e(r.id)}</code></h3>']
        if r.faults:
            out.append(f"<p>Seeded faults applied: <code>{_e(', '.join(r.faults))}</code></p>")
        violated = cex.get("failed") or [cex.get("reason", "")]
        out.append("<p>Violated: " + "; ".join(f"<code>{_e(v)}</code>" for v in violated if v) + "</p>")
        out.append("<details><summary>arguments</summary><table>" + "".join(
            f"<tr><td><code>{_e(k)}</code></td><td class=cell><code>{_e(v)}</code></td></tr>"
            for k, v in (cex.get("arguments") or {}).items()) + "</table></details>")
        rows = cex.get("sides") or []
        if rows:
            out.append('<table class="sides"><tr><th>field</th><th>lower layer (abstracted)</th><th>upper layer</th></tr>')
            out += [f'<tr class="{"diff" if row["differs"] else ""}"><td><code>{_e(row["field"])}</code></td>'
                    f'<td class=cell><code>{_e(row["lower"])}</code></td><td class=cell><code>{_e(row["upper"])}</code></td></tr>'
                    for row in rows]
            out.append("</table>")
        out += ["<p>Replay it as a test:</p>", f"<pre>{_e(pytest_snippet(r, report.sizes))}</pre>", "</section>"]
    return out


def _security(report: Report) -> List[str]:
    out = ['<h2 id="security">Security properties</h2>',
           "<table><tr><th>property</th><th>claim</th><th>proven</th><th>obligations</th></tr>"]
    for row in security_rows(report.results):
        ids = " ".join(f"<code>{_e(i)}</code>" for i in row["obligations"])
        ok = row["proven"] == row["total"] and row["total"] > 0
        out.append(f"<tr><td>{_e(row['property'])}</td><td>{_e(row['claim'])}</td>"
                   f"<td>{_badge('PROVEN' if ok else 'ERROR')} {row['proven']} / {row['total']}</td>"
                   f"<td><details><summary>{row['total']} obligations</summary>{ids}</details></td></tr>")
    out += ["</table>", "<p>Assumed for the security properties:</p><ul>"]
    return out + [f"<li>{_e(a)}</li>" for a in SECURITY_ASSUMPTIONS] + ["</ul>"]


def _coverage(report: Report) -> List[str]:
    out = ['<h2 id="coverage">ABI coverage</h2>',
           "<table><tr><th>call or trap</th><th>status</th><th>obligations</th><th>note</th></tr>"]
    for row in coverage_rows(report.results):
        status = coverage_status(row)
        badge = _badge("PROVEN" if status == "PROVEN" else "BOUNDED" if status == "not modelled" else "ERROR")
        ids = " ".join(f"<code>{_e(i)}</code>" for i in row["obligations"])
        out.append(f"<tr><td>{_e(row['item'])}</td><td>{badge} {_e(status)} ({row['proven']} / {row['total']})</td>"
                   f"<td><details><summary>{row['total']} obligations</summary>{ids}</details></td>"
                   f"<td>{_e(row['note'])}</td></tr>")
    return out + ["</table>"]


def _divergences() -> List[str]:
    counts = ", ".join(f"{n} {status}" for status, n in divergence_counts().items())
    out = ['<h2 id="divergences">Divergences from ACE b64f6c8</h2>',
           f"<p>Every divergence the audit of ACE's source found, call by call ({_e(counts)}).</p>",
           "<table><tr><th>audit row</th><th>status</th><th>the model now</th><th>evidence</th></tr>"]
    for row in divergence_rows():
        badge = _badge({"as ACE": "PROVEN", "deliberate": "BOUNDED", "finding": "REFUTED"}.get(row["status"], "ERROR"))
        evidence = " ".join(f"<code>{_e(e)}</code>" for e in row["evidence"])
        out.append(f"<tr><td>{_e(row['row'])}</td><td>{badge} {_e(row['status'])}</td><td>{_e(row['note'])}</td>"
                   f"<td>{evidence}</td></tr>")
    return out + ["</table>"]


def _findings(report: Report) -> List[str]:
    if not report.findings:
        return []
    out = [f'<h2 id="findings">Findings against ACE {_e(report.findings[0]["ace_commit"])}</h2>',
           "<p>Where ACE's code is weaker than the model: ACE's behaviour swapped in as a variant and refuted "
           "by the named obligations, each counterexample replayed in plain Python (docs/findings.md).</p>",
           "<table><tr><th>finding</th><th>ACE source</th><th>refuted by</th><th>reproduced</th></tr>"]
    for f in report.findings:
        where = "<br>".join(f"<code>{_e(r['file'])}</code> <code>{_e(r['function'])}</code>" for r in f["rust"])
        by = "<br>".join(f"{_badge(o['verdict'])} <code>{_e(o['id'])}</code>" for o in f["obligations"])
        calls = "".join(f"<p><code>{_e(o['id'])}</code>: <code>{_e(o['call'][:400])}</code></p>"
                        for o in f["obligations"] if o["call"])
        calls += "<table><tr><th>replayed from power-on</th><th>as modelled</th><th>with ACE's code</th></tr>" + "".join(
            f"<tr><td>{_e(k)}</td><td><code>{_e(str(v))}</code></td><td><code>{_e(str(f['scenario']['ace'].get(k)))}</code></td></tr>"
            for k, v in f["scenario"]["model"].items()) + "</table>"
        out.append(f"<tr><td><b>{_e(f['name'])}</b>: {_e(f['title'])}<details><summary>attack</summary>"
                   f"<p>{_e(f['attack'])}</p>{calls}</details></td><td>{where}</td><td>{by}</td>"
                   f"<td>{_badge('REFUTED' if f['reproduced'] else 'ERROR')} {'yes' if f['reproduced'] else 'no'}</td></tr>")
    return out + ["</table>"]


def _assumptions(report: Report) -> List[str]:
    sizes = ", ".join(f"{k} = {v}" for k, v in report.sizes.as_dict().items())
    return ['<h2 id="assumptions">Assumed and trusted</h2>', "<ul>"] + [f"<li>{_e(a)}</li>" for a in ASSUMPTIONS] + [
        f"<li>Sizes proven: {_e(sizes)}; CrossHair {_e(_crosshair_version())}, "
        f"budget {report.timeout:g} CPU s per condition.</li>", "</ul>"]


def render_html(report: Report, link_base: str = "") -> str:
    """`link_base` is prepended to repository paths so source links resolve from the report's folder."""
    from refinement.report import to_json
    meta = to_json(report)["tool"]
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        "<title>Refinement proof report</title>", f"<style>{CSS}</style>", f"<script>{JS}</script>",
        "</head><body>", "<h1>Refinement proof report</h1>",
        f'<p class="muted">{_e(meta["name"])} {_e(meta["version"])}, CrossHair {_e(meta["crosshair"])}, '
        f'Python {_e(meta["python"])}; {len(report.results)} obligations, wall time {report.wall_seconds:.1f} s'
        + (f"; seeded faults: {_e(', '.join(report.faults))}" if report.faults else "") + "</p>",
        '<p class="muted">PROVEN: every path exhausted by CrossHair, a finite domain enumerated completely, or '
        "(non-vacuity) a witness replayed. BOUNDED: nothing found, search unfinished. REFUTED: counterexample "
        "replayed. VACUOUS: precondition unsatisfiable. ERROR: the model or the checker failed.</p>",
    ]
    parts += _summary(report) + _table(report, link_base) + _chart(report.results)
    parts += _counterexamples(report) + _coverage(report) + _divergences() + _security(report) + _findings(report) + _assumptions(report)
    parts.append(f'<script type="application/json" id="report-data">{_e(json.dumps(summary(report.results)))}</script>')
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
