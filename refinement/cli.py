"""`refine`: list and prove the refinement obligations, and write the reports.

Exit status: 0 when every selected obligation is PROVEN, 1 when any is not, 2 on a usage or
model-definition error (the message names the fix).
"""
from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table


app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Prove that the RISC-V model refines the canonical monitor, which refines the spec.")
console = Console(stderr=True)
out = Console()

_ROOT = Path(__file__).resolve().parent.parent   # the project: its files are what a proof reads
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


def _stated(chosen, sizes):
    """The selected obligations stated at these sizes, and the ids of the others, which are
    named, not run."""
    left_out = [ob.id for ob in chosen if not ob.stated_at(sizes)]
    if left_out:
        console.print(f"not stated at {sizes.levels} table levels, left out: {', '.join(left_out)}", highlight=False)
    stated = [ob for ob in chosen if ob.stated_at(sizes)]
    if not stated:
        raise UsageProblem(f"no selected obligation is stated at {sizes.levels} table levels")
    return stated, left_out


def _sizes(nc_pages, c_pages, cvms, harts, guest_pages, levels, mmio_regions=None, phys_harts=None,
           fp_registers=None, second=False):
    """The REFINE_* environment variables (or, with `second`, the second configuration),
    overridden by the command-line options given."""
    from abstract.config import SECOND, ConfigError, Sizes, from_env, validate
    given = dict(nc_pages=nc_pages, c_pages=c_pages, cvms=cvms, harts=harts,
                 guest_pages=guest_pages, levels=levels, mmio_regions=mmio_regions,
                 phys_harts=phys_harts, fp_registers=fp_registers)
    try:
        base = {**Sizes().as_dict(), **SECOND} if second else from_env().as_dict()
        return validate(Sizes(**{**base, **{k: v for k, v in given.items() if v is not None}}))
    except ConfigError as exc:
        raise UsageProblem(str(exc)) from None


def _error(message: str) -> None:
    """One line on stderr, however wide the terminal: a script greps it, and the message's own
    words (brackets included) are printed as they are, not read as markup."""
    console.print("[red]error:[/red] " + escape(message), highlight=False, soft_wrap=True)


def _guard(fn):
    """Run a command body, turning user mistakes into a one-line message and exit status 2."""
    try:
        return fn()
    except UsageProblem as exc:
        _error(str(exc))
        raise typer.Exit(2)


@app.command("list")
def list_cmd(only: Optional[List[str]] = typer.Option(None, "--only", help="Glob over obligation ids; repeatable."),
             verbose: bool = typer.Option(False, "--verbose", "-v", help="Also print kind, method and statement.")):
    """Print every obligation id, one per line."""
    def body():
        for ob in _select(only):
            depth = f" (stated at {', '.join(map(str, ob.levels))} table levels only)" if ob.levels else ""
            # One line per obligation, unwrapped and without markup: the output is read by scripts.
            out.print(f"{ob.id}\t{ob.method.value}\t{ob.statement}{depth}" if verbose else ob.id, highlight=False,
                      markup=False, soft_wrap=True)
    _guard(body)


@app.command("faults")
def faults_cmd():
    """List the seeded faults that `prove --fault NAME` can swap in."""
    from refinement.faults import FAULTS
    for f in FAULTS.values():
        out.print(f"{f.name}\t(reference fault {f.number}) {f.description}", highlight=False)


@app.command("findings")
def findings_cmd():
    """List the findings against ACE that `prove --finding NAME` can swap in (docs/findings.md)."""
    from refinement.findings import FINDINGS
    for f in FINDINGS.values():
        where = "; ".join(f"{path} {fn}" for path, fn in f.rust)
        out.print(f"{f.name}\t{f.title}\t(ACE: {where}; refuted by {', '.join(f.refuted_by)})", highlight=False)


@app.command("prove")
def prove_cmd(
    only: Optional[List[str]] = typer.Option(None, "--only", help="Glob over obligation ids; repeatable."),
    json_path: Optional[Path] = typer.Option(None, "--json", help="Write the JSON report here."),
    markdown_path: Optional[Path] = typer.Option(None, "--markdown", help="Write the Markdown report here."),
    html_path: Optional[Path] = typer.Option(None, "--html", help="Write the self-contained HTML report here."),
    junit_path: Optional[Path] = typer.Option(None, "--junit", help="Write JUnit XML (one case per obligation)."),
    sarif_path: Optional[Path] = typer.Option(None, "--sarif", help="Write SARIF 2.1.0 (one result per unproven obligation)."),
    timeout: float = typer.Option(90.0, "--per-obligation-timeout", min=1.0,
                                  help="CPU seconds CrossHair may spend on each postcondition."),
    jobs: int = typer.Option(os.cpu_count() or 1, "--jobs", "-j", min=1, help="Obligations proven at once."),
    fault: Optional[List[str]] = typer.Option(None, "--fault", help="Swap in a seeded fault (see `refine faults`)."),
    finding: Optional[List[str]] = typer.Option(None, "--finding",
                                                help="Swap in ACE's behaviour for a finding (see `refine findings`)."),
    executor_kind: str = typer.Option("local", "--executor", help="local (child processes here) or dask."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Dask scheduler address, e.g. tcp://host:8786."),
    scheduler_timeout: float = typer.Option(20.0, "--scheduler-timeout", min=0.1,
                                            help="Seconds to wait for the Dask scheduler to answer."),
    cache_dir: Path = typer.Option(Path(".refine-cache"), "--cache", help="Reuse finished results whose code is unchanged."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Prove everything again; read and write no cache."),
    fail_fast: bool = typer.Option(False, "--fail-fast", "-x", help="Stop at the first obligation not PROVEN."),
    nc_pages: Optional[int] = typer.Option(None, "--nc-pages", help="Hypervisor memory pages."),
    c_pages: Optional[int] = typer.Option(None, "--c-pages", help="Confidential memory pages."),
    cvms: Optional[int] = typer.Option(None, "--cvms", help="CVM slots."),
    harts: Optional[int] = typer.Option(None, "--harts", help="vCPUs per CVM."),
    guest_pages: Optional[int] = typer.Option(None, "--guest-pages", help="Guest-physical pages per CVM."),
    levels: Optional[int] = typer.Option(None, "--levels", help="Levels of the hypervisor's G-stage tables the copy reads (2..5; Sv48x4 has 4)."),
    mmio_regions: Optional[int] = typer.Option(None, "--mmio-regions", help="MMIO region slots per CVM."),
    phys_harts: Optional[int] = typer.Option(None, "--phys-harts", help="Physical harts (vCPUs run on any)."),
    fp_registers: Optional[int] = typer.Option(None, "--fp-registers",
                                               help="Floating-point registers per file (moved only whole; 32 is the real width)."),
    second: bool = typer.Option(False, "--second",
                                help="Start from the second size configuration CI proves (abstract.config.SECOND)."),
):
    """Prove the selected obligations, show progress, print a summary and write reports."""
    def body():
        sizes = _sizes(nc_pages, c_pages, cvms, harts, guest_pages, levels, mmio_regions, phys_harts, fp_registers,
                       second)
        from refinement.faults import FAULTS
        from refinement.findings import FINDINGS
        for kind, given, known in (("fault", fault, FAULTS), ("finding", finding, FINDINGS)):
            unknown = [f for f in given or [] if f not in known]
            if unknown:
                raise UsageProblem(f"unknown {kind} {unknown[0]!r}; `refine {kind}s` lists them")
        from abstract.config import env_for
        os.environ.update(env_for(sizes))
        chosen = _select(only)
        paths = {"json": json_path, "markdown": markdown_path, "html": html_path, "junit": junit_path,
                 "sarif": sarif_path}
        cache = None if no_cache else _cache(cache_dir)
        with _executor(executor_kind, scheduler, scheduler_timeout) as executor:
            variants = list(fault or []) + list(finding or [])
            # The whole model proven as it is: also check that each finding is still refuted.
            with_findings = not only and not variants and not fail_fast
            return _prove(chosen, sizes, timeout, jobs, variants, paths, cache, executor, fail_fast, with_findings)
    code = _guard(body)
    raise typer.Exit(code)


def _say_now(line: str) -> None:
    """Print a line and flush at once: watch output is read live, often through a pipe."""
    out.print(line, highlight=False, soft_wrap=True)
    out.file.flush()


@app.command("watch")
def watch_cmd(
    only: Optional[List[str]] = typer.Option(None, "--only", help="Glob over obligation ids; repeatable."),
    timeout: float = typer.Option(90.0, "--per-obligation-timeout", min=1.0,
                                  help="CPU seconds CrossHair may spend on each postcondition."),
    jobs: int = typer.Option(os.cpu_count() or 1, "--jobs", "-j", min=1, help="Obligations proven at once."),
    interval: float = typer.Option(0.5, "--interval", min=0.05, help="Seconds between checks for saves."),
):
    """Prove the selection, then re-prove on every save only the obligations whose code changed,
    printing each verdict change."""
    def body():
        from refinement.checker import CheckOptions
        from refinement.watch import Watcher
        import refinement
        sizes = _sizes(None, None, None, None, None, None)
        chosen, _ = _stated(_select(only), sizes)
        root = Path(refinement.__file__).resolve().parent.parent
        watcher = Watcher(root, chosen, CheckOptions(sizes=sizes, timeout=timeout), jobs,
                          say=_say_now)
        try:
            watcher.run(interval)
        except KeyboardInterrupt:
            out.print("stopped")
        return 0
    raise typer.Exit(_guard(body))


@app.command("replay")
def replay_cmd(
    obligation_id: str = typer.Argument(..., metavar="ID", help="Id of a REFUTED (or ERROR) obligation."),
    report: Path = typer.Option(Path("docs/proof-report.json"), "--report",
                                help="JSON report holding the counterexample."),
):
    """Re-run a stored counterexample concretely (no CrossHair) and print both sides.

    Exit 1 while it still fails, 0 once the model no longer fails on it."""
    def body():
        from refinement.checker import CheckOptions, WorkerFailed, run_worker
        entry, sizes = _stored_counterexample(report, obligation_id)
        from abstract.config import env_for
        options = CheckOptions(sizes=sizes, faults=entry.get("faults") or [])
        os.environ.update(env_for(sizes))
        _load_registry()
        job = {"id": obligation_id, "action": "replay", "call": entry["counterexample"]["call"],
               "faults": list(options.faults)}
        try:
            answer = run_worker(job, options, wall_limit=120)
        except WorkerFailed as exc:
            raise UsageProblem(f"the counterexample could not be replayed: {exc}") from None
        _print_replay(obligation_id, answer, options.faults)
        return 1 if answer.get("confirmed") else 0
    raise typer.Exit(_guard(body))


def _stored_counterexample(report: Path, obligation_id: str):
    import json
    try:
        data = json.loads(report.read_text())
    except FileNotFoundError:
        raise UsageProblem(f"no report at {report}; run `refine prove --json {report}` first "
                           "or pass --report PATH") from None
    except (OSError, ValueError) as exc:
        raise UsageProblem(f"{report} is not a readable JSON report ({exc}); pass the file "
                           "`refine prove --json` wrote") from None
    entries = {o["id"]: o for o in data.get("obligations", [])}
    if obligation_id not in entries:
        raise UsageProblem(f"{obligation_id!r} is not in {report}; `refine list` prints the ids")
    entry = entries[obligation_id]
    if not (entry.get("counterexample") or {}).get("call"):
        raise UsageProblem(f"{obligation_id} has no stored counterexample (verdict "
                           f"{entry.get('verdict')}); only REFUTED and some ERROR results have one")
    config = data.get("config", {})
    return entry, _sizes(*(config.get(k) for k in ("nc_pages", "c_pages", "cvms", "harts", "guest_pages", "levels",
                                                   "mmio_regions", "phys_harts", "fp_registers")))


def _print_replay(obligation_id: str, answer: dict, faults) -> None:
    status = "[bold red]still fails[/]" if answer.get("confirmed") else "[green]no longer fails[/]"
    out.print(f"{obligation_id}: {status}" + (f" (faults: {', '.join(faults)})" if faults else ""))
    out.print(f"call: {answer.get('call', '')[:300]}", highlight=False, soft_wrap=True)
    for failed in answer.get("failed") or []:
        out.print(f"violated: {failed}", highlight=False)
    if answer.get("reason"):
        out.print(answer["reason"], highlight=False)
    rows = answer.get("sides") or []
    if rows:
        table = Table(title="lower layer (abstracted)  vs  upper layer")
        for col in ("field", "lower (abstracted)", "upper"):
            table.add_column(col, overflow="fold")
        for row in rows:
            style = "bold red" if row["differs"] else None
            table.add_row(row["field"], row["lower"], row["upper"], style=style)
        out.print(table)


@app.command("mutate")
def mutate_cmd(
    sample: Optional[int] = typer.Option(None, "--sample", min=1, help="Mutants to draw (default: every site)."),
    seed: int = typer.Option(1, "--seed", help="Seed of the draw: the same seed draws the same mutants."),
    under: Optional[List[str]] = typer.Option(None, "--under",
                                              help="Folder or .py file to mutate; repeatable (default: concrete/riscv and abstract/canonical)."),
    operator: Optional[List[str]] = typer.Option(None, "--operator", help="Only this operator; repeatable."),
    mutant: Optional[List[str]] = typer.Option(None, "--mutant", help="Only the mutant with this id (see --list), or the hash that ends it; repeatable."),
    jobs: int = typer.Option(os.cpu_count() or 1, "--jobs", "-j", min=1, help="Obligations proven at once per mutant."),
    timeout: float = typer.Option(90.0, "--per-obligation-timeout", min=1.0,
                                  help="CPU seconds CrossHair may spend on each postcondition."),
    cache_dir: Path = typer.Option(Path(".refine-cache"), "--cache", help="The result cache shared with `refine prove`."),
    json_path: Optional[Path] = typer.Option(None, "--json", help="Write the mutants, their results and the score here."),
    markdown_path: Optional[Path] = typer.Option(None, "--markdown", help="Write the Markdown mutation report here."),
    list_only: bool = typer.Option(False, "--list", help="Print the drawn mutants and their diffs; prove nothing."),
):
    """Measure the proofs' strength: apply mutants of the model one at a time and prove each.

    A mutant is killed when an obligation is not PROVEN; a survivor is behaviour no obligation
    constrains. Exit 0 when every counted mutant is killed, 1 otherwise, 2 on a usage error."""
    def body():
        import refinement
        from refinement import mutate
        from refinement.mutants import OPERATORS
        bad = [o for o in operator or [] if o not in OPERATORS]
        if bad:
            raise UsageProblem(f"unknown operator {bad[0]!r}: use one of {', '.join(OPERATORS)}")
        root = Path(refinement.__file__).resolve().parent.parent
        folders = list(under or mutate.SCORED)
        try:
            mutate.equivalents(root)
            from refinement.mutants import sample as draw
            found = list(mutate.pick(root, folders, operator or []))
            if mutant:
                found = _mutants_named(found, mutant, folders)
            chosen = draw(found, sample, seed)
        except mutate.MutateError as exc:
            raise UsageProblem(str(exc)) from None
        if list_only:
            for m in chosen:
                out.print(f"{m.id}\n{m.diff((root / m.file).read_text())}", highlight=False, soft_wrap=True,
                          markup=False)  # a diff's `[i - 1]` is code, not rich markup
            return 0
        _load_registry()  # a model that does not load is the user's to fix before mutating it
        return _mutate(mutate, root, chosen, cache_dir, jobs, timeout,
                       {"json": json_path, "markdown": markdown_path}, (seed, sample, folders))
    raise typer.Exit(_guard(body))


def _mutants_named(found: list, names: List[str], folders: List[str]) -> list:
    """The mutants `--mutant` names, each by its whole id or by the hash that ends it (what a
    user copies from a report line), which must then name one mutant only."""
    chosen = []
    for name in names:
        hits = [m for m in found if m.id == name or m.id.rsplit(":", 1)[-1] == name]
        if len(hits) != 1:
            what = "no mutant" if not hits else f"{len(hits)} mutants match"
            raise UsageProblem(f"{what} {name!r} under {', '.join(folders)}; "
                               "`refine mutate --list` prints the ids")
        chosen += [m for m in hits if m not in chosen]
    return [m for m in found if m in chosen]


def _mutate(mutate, root, chosen, cache_dir, jobs, timeout, paths, drawn) -> int:
    runner = mutate.Runner(root, cache_dir.resolve(), jobs, timeout)
    console.print(f"proving {len(chosen)} mutants ({jobs} job(s) each; unchanged obligations come from "
                  f"{cache_dir})", highlight=False)
    style = {"killed": "green", "survived": "bold red", "equivalent": "dim", "error": "red"}
    outcomes = []
    started = time.monotonic()
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True) as progress:
        task = progress.add_task("mutants", total=len(chosen))

        def on_start(m):
            progress.update(task, description=f"{m.file}:{m.line} {m.operator}")

        def on_done(o):
            outcomes.append(o)
            progress.advance(task)
            by = f" by {o.killed_by[0]}" if o.killed_by else (f": {o.note}" if o.note else "")
            progress.console.print(f"[{style[o.result]}]{o.result:10}[/] {o.mutant.file}:{o.mutant.line} "
                                   f"{o.mutant.operator}{escape(by)} ({o.seconds:.0f} s)", highlight=False, soft_wrap=True)
        try:
            runner.run(chosen, on_start, on_done)
        except KeyboardInterrupt:
            console.print("[yellow]interrupted: writing the mutants finished so far[/yellow]")
    seed, sample, folders = drawn
    data = mutate.as_json(outcomes, seed, sample, folders)
    data["seconds"] = round(time.monotonic() - started, 1)
    for kind, text in (("json", lambda: json.dumps(data, indent=2) + "\n"),
                       ("markdown", lambda: mutate.as_markdown(outcomes, seed, sample, folders, data["seconds"]))):
        if paths[kind] is not None:
            _write_text(paths[kind], text())
    counts, score = data["counts"], data["score"]
    out.print(", ".join(f"{n} {r}" for r, n in counts.items())
              + (f"; score {score:.1%}" if score is not None else ""), highlight=False)
    for o in outcomes:
        if o.result in ("survived", "error"):
            out.print(f"[bold red]{o.result}[/] {escape(o.mutant.id)}\n{escape(o.diff.rstrip())}", highlight=False)
    return 0 if counts["survived"] == counts["error"] == 0 and len(outcomes) == len(chosen) else 1


def _atomic_write(path: Path, text: str) -> None:
    """Write through a temporary file, so a crash never leaves half a report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    tmp.replace(path)


def _write_text(path: Path, text: str) -> None:
    try:
        _atomic_write(path, text)
    except OSError as exc:
        raise UsageProblem(f"cannot write {path}: {exc.strerror}; choose a writable path") from None
    console.print(f"wrote {path}")


@contextlib.contextmanager
def _executor(kind: str, scheduler: Optional[str], connect_timeout: float = 20.0):
    """None for the local pool, or a Dask client's concurrent.futures executor."""
    if kind == "local":
        if scheduler:
            raise UsageProblem("--scheduler needs --executor dask")
        yield None
        return
    if kind != "dask":
        raise UsageProblem(f"unknown executor {kind!r}: use --executor local or --executor dask")
    if not scheduler:
        raise UsageProblem("--executor dask needs --scheduler ADDRESS (e.g. tcp://127.0.0.1:8786)")
    try:
        from distributed import Client
    except ImportError:
        raise UsageProblem("--executor dask needs dask.distributed: pip install 'refine-monitor[dask]'") from None
    try:
        client = Client(scheduler, timeout=connect_timeout)
    except (OSError, TimeoutError) as exc:
        raise UsageProblem(f"cannot reach the Dask scheduler at {scheduler} ({exc}); check the address "
                           "and that `dask scheduler` is running") from None
    try:
        yield client.get_executor(pure=False)
    finally:
        client.close()


def _cache(folder: Path):
    from refinement.cache import ResultCache
    return ResultCache(folder, _ROOT)


class _FirstFailure(Exception):
    """`--fail-fast`: raised from the result callback to stop the run."""


def _prove(chosen, sizes, timeout, jobs, faults, paths, cache=None, executor=None, fail_fast=False,
           with_findings=False) -> int:
    from refinement import deps
    from refinement.checker import CheckOptions, check_all
    from refinement.report import Report
    from refinement.results import all_proven

    options = CheckOptions(sizes=sizes, timeout=timeout, faults=faults)
    chosen, not_stated = _stated(chosen, sizes)
    done = []
    started, sources = time.monotonic(), deps.stamp(_ROOT)
    console.print(f"proving {len(chosen)} obligations at {sizes.as_dict()} with {jobs} job(s)", highlight=False)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True) as progress:
        task = progress.add_task("proving", total=len(chosen))

        def on_done(result):
            done.append(result)
            progress.advance(task)
            style = VERDICT_STYLE[result.verdict.value]
            how = "cached" if result.cached else f"{result.evidence.seconds:.1f} s"
            progress.console.print(f"[{style}]{result.verdict.value:8}[/{style}] {result.id} ({how})",
                                   highlight=False)
            if fail_fast and result.verdict.value != "PROVEN":
                raise _FirstFailure(result.id)
        try:
            check_all(chosen, options, jobs=jobs, on_done=on_done, cache=cache, executor=executor,
                      small_first=fail_fast)
        except KeyboardInterrupt:
            console.print("[yellow]interrupted: writing the partial report[/yellow]")
        except _FirstFailure as stop:
            console.print(f"[yellow]stopped at the first failure ({stop}): writing the partial report[/yellow]",
                          highlight=False)
    order = {ob.id: i for i, ob in enumerate(chosen)}
    done.sort(key=lambda r: order[r.id])
    findings = _check_findings(sizes, timeout, jobs, cache, executor) if with_findings else []
    edited = deps.changed_since(_ROOT, sources)
    done = [_read_while_edited(r, edited) for r in done]
    report = Report(done, sizes, timeout, jobs, time.monotonic() - started, faults, findings, not_stated)
    _write_reports(report, paths)
    # A report on standard output (`--json -`) keeps stdout clean: the summary goes to stderr.
    _print_summary(report, console if any(str(p) == "-" for p in paths.values() if p) else out)
    if edited:
        console.print(f"[red]error:[/red] {', '.join(edited)} changed while the proof ran: its verdicts may mix two "
                      "versions of the model, and none was cached after the change; run it again", highlight=False)
    return 0 if len(done) == len(chosen) and all_proven(done) and not edited else 1


def _read_while_edited(result, edited):
    """An ERROR from a run during which project files changed says so first: a worker that
    reads a contract's source after the edit fails in icontract's words ("expected the decorator
    at line N"), which name neither the edit nor the fix."""
    from dataclasses import replace
    if not edited or result.verdict.value != "ERROR":
        return result
    note = (f"{', '.join(edited)} changed while the proof ran, and this obligation may have been read from "
            f"the changed source: run it again. The worker said: {result.evidence.note}")
    return replace(result, evidence=replace(result.evidence, note=note))


def _warn_without_margin(results, timeout: float, to) -> None:
    """Proofs decided here that a slower or busier machine (CI's) may leave undecided."""
    from refinement.results import margin_note, without_margin
    tight = sorted((r for r in results if without_margin(r, timeout)), key=lambda r: -r.evidence.slowest_query)
    for r in tight:
        to.print(f"[yellow]warning:[/yellow] {r.id}: {margin_note(r, timeout)}; split the obligation or change the "
                 "model's representation", highlight=False, soft_wrap=True)


def _check_findings(sizes, timeout, jobs, cache, executor) -> list:
    """Each finding's refuting obligations, proven with the finding applied (cached like any
    proof), as report rows; a finding whose obligations stop refuting it shows as not reproduced."""
    from refinement.checker import CheckOptions, check_all
    from refinement.findings import FINDINGS
    from refinement.registry import load_all
    from refinement.report import finding_row
    obligations = load_all()
    rows = []
    for name, finding in FINDINGS.items():
        console.print(f"checking finding {name} against ACE", highlight=False)
        options = CheckOptions(sizes=sizes, timeout=timeout, faults=[name])
        results = check_all([obligations[i] for i in finding.refuted_by], options, jobs=jobs, cache=cache,
                            executor=executor)
        rows.append(finding_row(name, sorted(results, key=lambda r: finding.refuted_by.index(r.id))))
    return rows


def _write_reports(report, paths) -> None:
    from refinement.report import render_json, render_markdown
    from refinement.report_ci import render_junit, render_sarif
    from refinement.report_html import render_html
    renderers = {"json": render_json, "markdown": render_markdown, "html": None,
                 "junit": render_junit, "sarif": render_sarif}
    for kind, path in paths.items():
        if path is None:
            continue
        render = renderers[kind]
        if kind == "html":  # source links relative to where the report is written
            base = os.path.relpath(Path.cwd(), path.parent.resolve()) + "/"
            render = lambda r, base=base: render_html(r, link_base=base)  # noqa: E731
        try:
            if str(path) == "-":
                sys.stdout.write(render(report))
                continue
            if path.exists() and not path.is_file():  # /dev/stdout, a pipe: write in place
                with open(path, "w") as stream:
                    stream.write(render(report))
            else:
                _atomic_write(path, render(report))
        except OSError as exc:
            console.print(f"[red]error:[/red] cannot write {path}: {exc.strerror}; choose a writable path")
        else:
            if str(path) != "-":
                console.print(f"wrote {path}")


def _print_summary(report, to=None) -> None:
    to = to or out
    from refinement.results import summary
    table = Table(title="Refinement obligations")
    for col in ("layers", "PROVEN", "BOUNDED", "REFUTED", "VACUOUS", "ERROR"):
        table.add_column(col)
    for layers in sorted({r.layers for r in report.results}):
        counts = summary([r for r in report.results if r.layers == layers])
        table.add_row(layers, *(str(n) for n in counts.values()))
    total = summary(report.results)
    table.add_row("total", *(str(n) for n in total.values()), style="bold")
    to.print(table)
    for r in report.results:
        if r.verdict.value != "PROVEN":
            to.print(f"[{VERDICT_STYLE[r.verdict.value]}]{r.verdict.value}[/] {r.id}: "
                      f"{r.evidence.note or ''} ({r.source})", highlight=False)
    any_size = sum(r.any_size for r in report.results)
    if any_size:
        to.print(f"{any_size} per-entry lemma(s) hold at any size; the other obligations at the sizes above",
                 highlight=False)
    _print_longest(report.results, to)
    _warn_without_margin(report.results, report.timeout, to)
    to.print(f"wall time {report.wall_seconds:.1f} s", highlight=False)


LONGEST_SHOWN = 5


def _print_longest(results, to) -> None:
    """The runs that took longest, where a speed-up must come from; only for a run of more than
    LONGEST_SHOWN (cached results took no time here)."""
    from refinement.results import runs
    done = runs(results)
    if len(done) <= LONGEST_SHOWN:
        return
    to.print("longest runs (CrossHair seconds, paths):", highlight=False)
    for run in done[:LONGEST_SHOWN]:
        more = f" and {len(run.obligations) - 1} explored with it" if len(run.obligations) > 1 else ""
        to.print(f"  {run.seconds:6.1f} s {run.paths:5d}  {run.obligations[0]}{more}", highlight=False, soft_wrap=True)


def main() -> None:
    # The sizes are read from REFINE_* when the model is first imported: a bad value is a
    # usage error, reported as one line, not a traceback.
    try:
        import abstract.config  # noqa: F401
    except ValueError as exc:
        _error(str(exc))
        raise SystemExit(2)
    app()


if __name__ == "__main__":
    sys.exit(main())
