"""`refine`: list and prove the refinement obligations, and write the reports.

Exit status: 0 when every selected obligation is PROVEN, 1 when any is not, 2 on a usage or
model-definition error (the message names the fix).
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from abstract.config import ConfigError, Sizes, env_for, validate

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Prove that the RISC-V model refines the canonical monitor, which refines the spec.")
console = Console(stderr=True)
out = Console()

VERDICT_STYLE = {"PROVEN": "green", "BOUNDED": "yellow", "REFUTED": "bold red", "VACUOUS": "magenta", "ERROR": "red"}


class UsageProblem(Exception):
    """A user mistake: reported as one line naming the fix, exit status 2."""


def _load_registry():
    from refinement import registry
    try:
        return registry.load_all()
    except Exception as exc:  # a broken model is a model-definition error, not a crash
        tb = exc.__traceback__
        while tb and tb.tb_next:
            tb = tb.tb_next
        where = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}" if tb else "?"
        raise UsageProblem(f"the model could not be loaded ({type(exc).__name__}: {exc} at {where}); "
                           "fix that module and run again") from None


def _select(patterns: Optional[List[str]]):
    from refinement.checker import find
    obligations = _load_registry()
    chosen = find(obligations, patterns)
    if not chosen:
        raise UsageProblem(f"no obligation matches {', '.join(patterns or [])!r}; "
                           "`refine list` prints every id (globs like '*share_memory*' work)")
    return chosen


def _sizes(nc_pages, c_pages, cvms, harts, guest_pages, levels) -> Sizes:
    given = dict(nc_pages=nc_pages, c_pages=c_pages, cvms=cvms, harts=harts,
                 guest_pages=guest_pages, levels=levels)
    try:
        return validate(Sizes(**{k: v for k, v in given.items() if v is not None}))
    except ConfigError as exc:
        raise UsageProblem(str(exc)) from None


def _guard(fn):
    """Run a command body, turning user mistakes into a one-line message and exit status 2."""
    try:
        return fn()
    except UsageProblem as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2)


@app.command("list")
def list_cmd(only: Optional[List[str]] = typer.Option(None, "--only", help="Glob over obligation ids; repeatable."),
             verbose: bool = typer.Option(False, "--verbose", "-v", help="Also print kind, method and statement.")):
    """Print every obligation id, one per line."""
    def body():
        for ob in _select(only):
            out.print(f"{ob.id}\t{ob.method.value}\t{ob.statement}" if verbose else ob.id, highlight=False)
    _guard(body)


@app.command("faults")
def faults_cmd():
    """List the seeded faults that `prove --fault NAME` can swap in."""
    from refinement.faults import FAULTS
    for f in FAULTS.values():
        out.print(f"{f.name}\t(reference fault {f.number}) {f.description}", highlight=False)


@app.command("prove")
def prove_cmd(
    only: Optional[List[str]] = typer.Option(None, "--only", help="Glob over obligation ids; repeatable."),
    json_path: Optional[Path] = typer.Option(None, "--json", help="Write the JSON report here."),
    markdown_path: Optional[Path] = typer.Option(None, "--markdown", help="Write the Markdown report here."),
    timeout: float = typer.Option(90.0, "--per-obligation-timeout", min=1.0,
                                  help="CPU seconds CrossHair may spend on each postcondition."),
    jobs: int = typer.Option(os.cpu_count() or 1, "--jobs", "-j", min=1, help="Obligations proven at once."),
    fault: Optional[List[str]] = typer.Option(None, "--fault", help="Swap in a seeded fault (see `refine faults`)."),
    nc_pages: Optional[int] = typer.Option(None, "--nc-pages", help="Hypervisor memory pages."),
    c_pages: Optional[int] = typer.Option(None, "--c-pages", help="Confidential memory pages."),
    cvms: Optional[int] = typer.Option(None, "--cvms", help="CVM slots."),
    harts: Optional[int] = typer.Option(None, "--harts", help="vCPUs per CVM."),
    guest_pages: Optional[int] = typer.Option(None, "--guest-pages", help="Guest-physical pages per CVM."),
    levels: Optional[int] = typer.Option(None, "--levels", help="G-stage levels (1 so far)."),
):
    """Prove the selected obligations, show progress, print a summary and write reports."""
    def body():
        sizes = _sizes(nc_pages, c_pages, cvms, harts, guest_pages, levels)
        from refinement.faults import FAULTS
        unknown = [f for f in fault or [] if f not in FAULTS]
        if unknown:
            raise UsageProblem(f"unknown fault {unknown[0]!r}; `refine faults` lists them")
        os.environ.update(env_for(sizes))
        chosen = _select(only)
        return _prove(chosen, sizes, timeout, jobs, list(fault or []), json_path, markdown_path)
    code = _guard(body)
    raise typer.Exit(code)


def _prove(chosen, sizes, timeout, jobs, faults, json_path, markdown_path) -> int:
    from refinement.checker import CheckOptions, check_all
    from refinement.report import Report
    from refinement.results import all_proven

    options = CheckOptions(sizes=sizes, timeout=timeout, faults=faults)
    done = []
    started = time.monotonic()
    console.print(f"proving {len(chosen)} obligations at {sizes.as_dict()} with {jobs} job(s)", highlight=False)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True) as progress:
        task = progress.add_task("proving", total=len(chosen))

        def on_done(result):
            done.append(result)
            progress.advance(task)
            style = VERDICT_STYLE[result.verdict.value]
            progress.console.print(f"[{style}]{result.verdict.value:8}[/{style}] {result.id} "
                                   f"({result.evidence.seconds:.1f} s)", highlight=False)
        try:
            check_all(chosen, options, jobs=jobs, on_done=on_done)
        except KeyboardInterrupt:
            console.print("[yellow]interrupted: writing the partial report[/yellow]")
    order = {ob.id: i for i, ob in enumerate(chosen)}
    done.sort(key=lambda r: order[r.id])
    report = Report(done, sizes, timeout, jobs, time.monotonic() - started, faults)
    _write_reports(report, json_path, markdown_path)
    _print_summary(report)
    return 0 if len(done) == len(chosen) and all_proven(done) else 1


def _write_reports(report, json_path, markdown_path) -> None:
    from refinement.report import render_json, render_markdown
    for path, render in ((json_path, render_json), (markdown_path, render_markdown)):
        if path is None:
            continue
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(path.suffix + ".tmp")
            tmp.write_text(render(report))
            tmp.replace(path)  # never leave a half-written report
        except OSError as exc:
            console.print(f"[red]error:[/red] cannot write {path}: {exc.strerror}; choose a writable path")
        else:
            console.print(f"wrote {path}")


def _print_summary(report) -> None:
    from refinement.results import summary
    table = Table(title="Refinement obligations")
    for col in ("layers", "PROVEN", "BOUNDED", "REFUTED", "VACUOUS", "ERROR"):
        table.add_column(col)
    for layers in sorted({r.layers for r in report.results}):
        counts = summary([r for r in report.results if r.layers == layers])
        table.add_row(layers, *(str(n) for n in counts.values()))
    total = summary(report.results)
    table.add_row("total", *(str(n) for n in total.values()), style="bold")
    out.print(table)
    for r in report.results:
        if r.verdict.value != "PROVEN":
            out.print(f"[{VERDICT_STYLE[r.verdict.value]}]{r.verdict.value}[/] {r.id}: "
                      f"{r.evidence.note or ''} ({r.source})", highlight=False)
    out.print(f"wall time {report.wall_seconds:.1f} s", highlight=False)


def main() -> None:
    app()


if __name__ == "__main__":
    sys.exit(main())
