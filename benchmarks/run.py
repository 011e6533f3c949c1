"""Benchmarks (not tests): proof times, caching, sizes, and time to refute each seeded fault,
side by side with a random-testing baseline. Writes benchmarks/results.json and results.md.

    .venv/bin/python benchmarks/run.py            # the full set (about 70 minutes on 2 cores at 452 obligations)
    .venv/bin/python benchmarks/run.py --quick    # a small selection, to try the script
    .venv/bin/python benchmarks/run.py --proof-only   # the cold, warm and edit phases only (about 16 minutes)

The cold proof with every worker is run `--repeat` times (3 by default) and its target judged on the
median: this machine's speed moves by 10 % to 30 % within the hour, more than a change's margin.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from refinement.cache import ResultCache  # noqa: E402
from refinement.checker import CheckOptions, check, check_all, find  # noqa: E402
from refinement.faults import FAULTS, applied  # noqa: E402
from refinement.registry import load_all  # noqa: E402
from refinement.results import SOLVER_MARGIN, runs  # noqa: E402


# Proof time against sizes: C pages 12..32 at 2 harts, and harts 1, 2, 4 at 12 C pages (the
# default, and the least `validate` allows: two CVMs, each with its 16 KiB root on its boundary,
# one more table page and a data page).
SIZE_POINTS = [(12, 2), (16, 2), (24, 2), (32, 2), (12, 1), (12, 4)]
SIZES_PATTERNS = ["*/share_memory/simulation", "*/exit_interrupt/*"]
ENTRY_PATTERNS = ["*/entry"]  # the per-entry lemmas: their sizes are free variables


def timed(fn):
    started = time.monotonic()
    value = fn()
    return time.monotonic() - started, value


def cold(obligations, jobs, timeout):
    seconds, results = timed(lambda: check_all(obligations, CheckOptions(timeout=timeout), jobs=jobs))
    return seconds, results


def warm(obligations, jobs, timeout, results):
    folder = Path(tempfile.mkdtemp())
    cache = ResultCache(folder, ROOT)
    keys = cache.keys(obligations, CheckOptions(timeout=timeout))
    for r in results:
        cache.put(keys[r.id], r)
    seconds, _ = timed(lambda: check_all(obligations, CheckOptions(timeout=timeout), jobs=jobs, cache=cache))
    shutil.rmtree(folder)
    return seconds


def edit(patterns, jobs):
    """Re-proof after editing one operation (spec share_memory's docstring) in a copy, cache warm."""
    tree = Path(tempfile.mkdtemp())
    for package in ("abstract", "concrete", "refinement"):
        shutil.copytree(ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "PYTHONPATH": str(tree)}
    args = [sys.executable, "-m", "refinement", "prove", "--jobs", str(jobs)]
    for p in patterns:
        args += ["--only", p]
    subprocess.run(args, cwd=tree, env=env, capture_output=True)
    memory = tree / "abstract" / "spec" / "memory.py"
    before = memory.read_text()
    after = before.replace("An invalid one is answered at once.", "An invalid one is answered at once, with no exit.")
    if after == before:  # the edit must change a reachable source, or this would time a warm run
        raise SystemExit("benchmark edit target not found in abstract/spec/memory.py: update benchmarks/run.py")
    memory.write_text(after)
    seconds, _ = timed(lambda: subprocess.run(args, cwd=tree, env=env, capture_output=True, text=True))
    shutil.rmtree(tree)
    return seconds


def sizes_sweep(patterns, timeout, jobs, points):
    """Whole-state obligations (`patterns`) and the per-entry lemmas at each size point. Wall
    seconds include starting the prover (about two seconds); proof seconds are CrossHair's own,
    summed over the obligations, which is where flat or growing shows."""
    rows = []
    for pages, harts in points:
        row = {"pages": pages, "harts": harts}
        for group, chosen in (("", patterns), ("entry_", ENTRY_PATTERNS)):
            wall, summary, proof = _prove_at(pages, harts, chosen, timeout, jobs)
            row.update({f"{group}seconds": round(wall, 1), f"{group}proof_seconds": proof,
                        f"{group}verdicts": summary})
        rows.append(row)
        print(f"sizes pages={pages} harts={harts}: {row}", flush=True)
    return rows


def _prove_at(pages, harts, patterns, timeout, jobs):
    env = {**os.environ, "REFINE_C_PAGES": str(pages), "REFINE_HARTS": str(harts)}
    args = [sys.executable, "-m", "refinement", "prove", "--no-cache", "--jobs", str(jobs),
            "--per-obligation-timeout", str(timeout), "--json", "-"]
    for p in patterns:
        args += ["--only", p]
    seconds, proc = timed(lambda: subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True))
    try:
        report = json.loads(proc.stdout)
        assert report["config"]["c_pages"] == pages and report["config"]["harts"] == harts
        proof = round(sum(o["evidence"]["seconds"] for o in report["obligations"]), 2)
        return seconds, report["summary"], proof
    except (ValueError, KeyError, AssertionError):
        return seconds, {"error": proc.stderr[-300:]}, None


def faults(timeout, baseline_budget, names=None):
    """Each seeded fault against every obligation named to refute it, at the sizes the fault
    needs (`Fault.sizes`: a slip between two sizes shows only where they differ); the fault's
    time is the fastest refutation (a per-entry lemma or encoding where one applies), and every
    obligation's own time is kept next to it. The random search runs at the default sizes."""
    from dataclasses import replace
    from abstract.config import Sizes
    from benchmarks.baseline import search
    obligations = load_all()
    out = {}
    for name, fault in FAULTS.items():
        if names and name not in names:
            continue
        by = {}
        options = CheckOptions(sizes=replace(Sizes(), **dict(fault.sizes)), timeout=timeout, faults=[name])
        for ob_id in fault.refuted_by:
            seconds, result = timed(lambda: check(obligations[ob_id], options))
            by[ob_id] = {"verdict": result.verdict.value, "seconds": round(seconds, 2)}
        refuted = {k: v for k, v in by.items() if v["verdict"] == "REFUTED"}
        fastest = min(refuted, key=lambda k: refuted[k]["seconds"]) if refuted else fault.refuted_by[0]
        with applied([name]):
            found_after = search(baseline_budget)
        out[name] = {"reference_fault": fault.number, "obligation": fastest, "verdict": by[fastest]["verdict"],
                     "refute_seconds": by[fastest]["seconds"], "by_obligation": by,
                     "baseline_seconds": None if found_after is None else round(found_after, 2),
                     "baseline_found": found_after is not None, "baseline_budget_seconds": baseline_budget}
        print(f"fault {name}: {by}; baseline {found_after}", flush=True)
    return out


def commit() -> str:
    """The commit measured (with "+changes" when the work tree differs from it). The results
    files this script writes are not the code measured: a fault run after a proof run in the
    same tree measured the commit, not "+changes"."""
    def git(*a: str) -> str:
        return subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    rev = git("rev-parse", "--short", "HEAD") or "unknown"
    own = [f":(exclude)benchmarks/{name}" for name in ("results.json", "results.md")]
    return rev + ("+changes" if git("status", "--porcelain", "--untracked-files=no", "--", ".", *own) else "")


EARLIER = "an earlier commit"


def stamp(data: dict, phase: str, value: str) -> None:
    """Record at which commit a phase of `data` was measured (`markdown` prints it)."""
    data.setdefault("measured_at", {})[phase] = value


def machine(jobs: int) -> dict:
    return {"platform": platform.platform(), "cpus": jobs, "python": platform.python_version(),
            "crosshair": version("crosshair-tool")}


LONGEST = 10  # runs listed in the cold proof's profile


def work_profile(results) -> dict:
    """What the cold proof did, by CrossHair run (obligations explored together counted once):
    paths explored, which do not vary with the machine and so compare commits measured on
    different days, CrossHair's seconds, the longest runs, where a speed-up must come from, and
    the slowest single solver checks, where a slower machine would first turn a proof BOUNDED."""
    done = runs(results)
    checks = sorted(done, key=lambda run: -run.slowest_query)
    return {"runs": len(done), "paths": sum(run.paths for run in done),
            "crosshair_seconds": round(sum(run.seconds for run in done), 1),
            "longest": [{"obligations": list(run.obligations), "paths": run.paths, "seconds": round(run.seconds, 1)}
                        for run in done[:LONGEST]],
            "slowest_checks": [{"obligations": list(run.obligations), "seconds": round(run.slowest_query, 2)}
                               for run in checks[:LONGEST]]}


def proof_phases(obligations, jobs, timeout, repeat) -> dict:
    """Cold with 1 job and with every worker (`repeat` times: the median is the figure), warm,
    and one edit: the proof's own figures."""
    print(f"{len(obligations)} obligations", flush=True)
    cold_1, results = cold(obligations, 1, timeout)
    print(f"cold, 1 job: {cold_1:.1f} s", flush=True)
    profile = work_profile(results)  # the single-job run: its seconds are not shared with another worker
    every = []
    for i in range(repeat):
        seconds, results = cold(obligations, jobs, timeout)
        every.append(round(seconds, 1))
        print(f"cold, {jobs} jobs, run {i + 1} of {repeat}: {seconds:.1f} s", flush=True)
    cold_all = statistics.median(every)
    data = {"obligations": len(obligations), "timeout": timeout,
            "cold_seconds": {"jobs_1": round(cold_1, 1), "jobs_all": round(cold_all, 1), "jobs_all_runs": every},
            "cold_profile": profile,
            "warm_seconds": round(warm(obligations, jobs, timeout, results), 2),
            "edit_seconds": round(edit(["*/share_memory/*"], jobs), 1)}
    print(f"warm {data['warm_seconds']} s, edit {data['edit_seconds']} s", flush=True)
    return data


def _verdicts(summary: dict) -> str:
    if "error" in summary:
        return "run failed"
    return ", ".join(f"{n} {v}" for v, n in summary.items() if n)


def targets(data) -> list:
    """The issue's targets, each against this run's figures (ratios within the one run)."""
    cold_1, cold_all = data["cold_seconds"]["jobs_1"], data["cold_seconds"]["jobs_all"]
    # A fault not refuted has no refutation time: it fails the target rather than being timed.
    slowest_fault = max(f["refute_seconds"] if f["verdict"] == "REFUTED" else float("inf")
                        for f in data["faults"].values())
    entry = [r["entry_proof_seconds"] for r in data["sizes"] if r["harts"] == 2 and r.get("entry_proof_seconds") is not None]
    pages = sorted(r["pages"] for r in data["sizes"]) or [0]
    checks = data.get("cold_profile", {}).get("slowest_checks")
    budget = SOLVER_MARGIN * data.get("timeout", 90.0) / 2
    rows = [
        ("full proof, default sizes, cold, all workers (median)", "< 180 s", f"{cold_all:.1f} s", cold_all < 180),
        *([("slowest single solver check (1 job)", f"< {budget:g} s, a third of z3's budget",
            f"{checks[0]['seconds']:.2f} s", checks[0]["seconds"] < budget)] if checks else []),
        ("warm run against cold", "< 5 %", f"{100 * data['warm_seconds'] / cold_all:.1f} %", data["warm_seconds"] < 0.05 * cold_all),
        (f"{data['machine']['cpus']} workers against 1", ">= 1.8x", f"{cold_1 / cold_all:.2f}x", cold_1 / cold_all >= 1.8),
        ("one-operation edit re-proved", "< 10 s", f"{data['edit_seconds']:.1f} s", data["edit_seconds"] < 10),
        ("slowest seeded fault refuted", "< 10 s", f"{slowest_fault:.2f} s" if slowest_fault < float("inf") else "a fault not refuted",
         slowest_fault < 10),
        (f"per-entry lemmas, {pages[0]} to {pages[-1]} C pages", "flat: max < 2 x min + 0.5 s",
         f"{min(entry):.2f} to {max(entry):.2f} s" if entry else "not run",
         bool(entry) and max(entry) < 2 * min(entry) + 0.5),
    ]
    return (["| target | wanted | measured | met |", "|---|---|---|---|"]
            + [f"| {name} | {want} | {got} | {'yes' if ok else '**no**'} |" for name, want, got, ok in rows] + [""])


def _checked(check: dict) -> str:
    """The obligations of one run's slowest check; results kept before runs were grouped name
    one obligation."""
    return ", ".join(f"`{o}`" for o in check.get("obligations", [check.get("obligation")]))


def profile_lines(profile) -> list:
    """The cold proof's work (`work_profile`); nothing for results measured before it was kept."""
    if not profile:
        return []
    return [f"The cold proof (1 job) explored {profile['paths']} paths in {profile['runs']} CrossHair runs, "
            f"{profile['crosshair_seconds']} s of CrossHair time. Paths do not depend on the machine, so they "
            "compare commits measured on different days; the seconds do. The longest runs:", "",
            "| run (obligations explored together) | paths | seconds |", "|---|---|---|",
            *[f"| {', '.join(f'`{o}`' for o in run['obligations'])} | {run['paths']} | {run['seconds']} |"
              for run in profile["longest"]], "",
            *(["The slowest single solver checks (CrossHair gives z3 half the per-obligation timeout for one; "
               "a check that outlives it leaves its path undecided):", "",
               "| run (obligations explored together) | slowest check, seconds |", "|---|---|",
               *[f"| {_checked(c)} | {c['seconds']} |" for c in profile["slowest_checks"]], ""]
              if profile.get("slowest_checks") else [])]


def _runs(cold_seconds: dict) -> str:
    """How the figure was taken: the median of several runs (results from before one run)."""
    every = cold_seconds.get("jobs_all_runs")
    return f" (median of {len(every)}: {', '.join(f'{s:.1f}' for s in every)})" if every and len(every) > 1 else ""


def markdown(data) -> str:
    lines = ["# Benchmark results", "", f"Machine: {data['machine']['cpus']} cores, Python "
             f"{data['machine']['python']}, CrossHair {data['machine']['crosshair']}. "
             f"{data['obligations']} obligations at the default sizes.", "",
             *([f"Measured at: the proof phases at {at.get('proof', EARLIER)}, the seeded faults at "
                f"{at.get('faults', EARLIER)}, the sizes at {at.get('sizes', EARLIER)}.", ""]
               if (at := data.get("measured_at")) else []),
             "| measurement | seconds |", "|---|---|",
             f"| cold full proof, 1 job | {data['cold_seconds']['jobs_1']:.1f} |",
             f"| cold full proof, {data['machine']['cpus']} jobs{_runs(data['cold_seconds'])} | {data['cold_seconds']['jobs_all']:.1f} |",
             f"| warm run, nothing changed | {data['warm_seconds']:.2f} |",
             f"| re-proof after editing one operation | {data['edit_seconds']:.1f} |", ""]
    lines += targets(data)
    lines += profile_lines(data.get("cold_profile"))
    lines += ["Seeded faults: seconds for the proof to refute (counterexample replayed included), next to a "
             "Hypothesis search that drives the three layers in lockstep at random (benchmarks/baseline.py).", "",
             "| seeded fault | fastest refutation | refute s | every refuting obligation (s) | random testing s (found?) |",
             "|---|---|---|---|---|"]
    for name, f in data["faults"].items():
        base = f"{f['baseline_seconds']} (yes)" if f["baseline_found"] else f"not found in {f['baseline_budget_seconds']} s"
        every = ", ".join(f"`{k}` {v['verdict']} {v['seconds']}" for k, v in f.get("by_obligation", {}).items())
        first, took = (f"`{f['obligation']}`", f["refute_seconds"]) if f["verdict"] == "REFUTED" else ("**not refuted**", "-")
        lines.append(f"| {name} ({f['reference_fault']}) | {first} | {took} | {every} | {base} |")
    lines += ["", f"Proof time against sizes (60 s budget per condition, cache off): the per-entry lemmas "
              f"({', '.join(ENTRY_PATTERNS)}), whose sizes are free variables, next to whole-state "
              f"obligations ({', '.join(data.get('sizes_patterns', SIZES_PATTERNS))}), which are proven at each "
              "size and grow with it. "
              "Wall seconds include starting the prover; proof seconds are CrossHair's, summed. A BOUNDED "
              "verdict is the search running out of budget, reported as such.", "",
              "| C pages | harts | per-entry lemmas: proof s (wall s) | verdicts | whole-state: proof s (wall s) | verdicts |",
              "|---|---|---|---|---|---|"]
    lines += [f"| {r['pages']} | {r['harts']} | {r.get('entry_proof_seconds')} ({r.get('entry_seconds')}) "
              f"| {_verdicts(r.get('entry_verdicts', {'error': ''}))} | {r.get('proof_seconds')} ({r['seconds']}) "
              f"| {_verdicts(r['verdicts'])} |" for r in data["sizes"]]
    return "\n".join(lines) + "\n"


def write(out: Path, data: dict) -> None:
    """The results file and its markdown, rendered from it."""
    out.write_text(json.dumps(data, indent=2) + "\n")
    out.with_suffix(".md").write_text(markdown(data))
    print(f"wrote {out} and {out.with_suffix('.md')}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a small selection, to try the script")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results.json")
    parser.add_argument("--markdown-only", action="store_true", help="re-render results.md from results.json")
    parser.add_argument("--sizes-only", action="store_true",
                        help="re-run only the sizes sweep, updating an existing results file")
    parser.add_argument("--fault", action="append", metavar="NAME",
                        help="re-run only this seeded fault (repeatable), updating an existing results file")
    parser.add_argument("--proof-only", action="store_true",
                        help="re-run only the cold, warm and edit phases, updating an existing results file")
    parser.add_argument("--repeat", type=int, default=3, metavar="N",
                        help="cold runs with every worker; the median is judged against the target (default 3)")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    here = commit()
    if args.fault:
        data = json.loads(args.out.read_text())
        data["faults"].update(faults(60.0, 120.0, set(args.fault)))
        stamp(data, "faults", f"{data.get('measured_at', {}).get('faults', EARLIER)}, and {here} for {', '.join(args.fault)}")
        write(args.out, data)
        return 0
    if args.markdown_only:
        args.out.with_suffix(".md").write_text(markdown(json.loads(args.out.read_text())))
        return 0
    if args.sizes_only:
        data = json.loads(args.out.read_text())
        data["sizes"] = sizes_sweep(SIZES_PATTERNS, 60.0, os.cpu_count() or 1, SIZE_POINTS)
        data["sizes_patterns"] = SIZES_PATTERNS
        stamp(data, "sizes", here)
        write(args.out, data)
        return 0
    jobs = os.cpu_count() or 1
    timeout = 90.0
    selection = ["*/exit_interrupt/*", "*/hypervisor_read/*"] if args.quick else None
    obligations = find(load_all(), selection)
    if args.proof_only:
        data = json.loads(args.out.read_text())
        data.update(proof_phases(obligations, jobs, timeout, args.repeat), machine=machine(jobs))
        stamp(data, "proof", here)
        write(args.out, data)
        return 0
    data = {"machine": machine(jobs), **proof_phases(obligations, jobs, timeout, args.repeat),
            "measured_at": {"proof": here, "faults": here, "sizes": here}}
    data["faults"] = faults(60.0, 20.0 if args.quick else 120.0)
    points = [(12, 2), (13, 2)] if args.quick else SIZE_POINTS
    data["sizes"] = sizes_sweep(SIZES_PATTERNS, 60.0 if not args.quick else 20.0, jobs, points)
    data["sizes_patterns"] = SIZES_PATTERNS  # what was measured, for re-rendering after the row names change
    write(args.out, data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
