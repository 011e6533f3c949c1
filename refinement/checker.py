"""Turns a worker's raw outcomes into an honest verdict for one obligation.

Runs in the parent (never imports CrossHair): each proof, enumeration and replay is a child
process (`refinement.worker`) with the chosen sizes in its environment.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

from abstract.config import Sizes, env_for
from refinement.outcomes import ConditionOutcome, Status
from refinement.registry import Kind, Method, Obligation
from refinement.replay import extract_call
from refinement.results import Evidence, ObligationResult, Verdict

FAILING = (Status.POST_FAIL, Status.EXEC_ERR, Status.POST_ERR)


@dataclass(frozen=True)
class CheckOptions:
    sizes: Sizes = field(default_factory=Sizes)
    timeout: float = 90.0               # CPU seconds per postcondition
    faults: Sequence[str] = ()


class WorkerFailed(RuntimeError):
    pass


_RUNNING: set = set()
_RUNNING_LOCK = threading.Lock()


def run_worker(job: Dict[str, Any], options: CheckOptions, wall_limit: float) -> Dict[str, Any]:
    """Run one job in a fresh child process; raise WorkerFailed on crash or wall-clock overrun."""
    env = {**os.environ, **env_for(options.sizes), "PYTHONHASHSEED": "0"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "refinement.worker"], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    with _RUNNING_LOCK:
        _RUNNING.add(proc)
    try:
        stdout, stderr = proc.communicate(json.dumps(job), timeout=wall_limit)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise WorkerFailed(f"worker exceeded its wall-clock limit of {wall_limit:.0f} s") from None
    finally:
        with _RUNNING_LOCK:
            _RUNNING.discard(proc)
    if proc.returncode != 0 or not stdout.strip():
        tail = (stderr or "").strip().splitlines()[-3:]
        raise WorkerFailed(f"worker exited with status {proc.returncode}: {' | '.join(tail)}")
    try:
        answer = json.loads(stdout)
    except json.JSONDecodeError:  # something in the child wrote to stdout before its answer
        raise WorkerFailed(f"worker answered no JSON; its output began {stdout.strip()[:160]!r}") from None
    if not answer.get("ok"):
        raise WorkerFailed(answer.get("error", "worker failed"))
    return answer


class ServingWorkers:
    """One long-lived prove worker per thread of a `check_all` (CrossHair imported once per
    worker, not once per obligation: about a second saved per obligation). A worker that
    crashes or overruns is killed and replaced, so isolation per obligation is kept; jobs with
    faults, replays and enumerations still get a fresh process."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._all: List[subprocess.Popen] = []
        self._lock = threading.Lock()

    def _worker(self, options: CheckOptions) -> subprocess.Popen:
        env_key = tuple(sorted(env_for(options.sizes).items()))
        proc = getattr(self._local, "proc", None)
        if proc is not None and (proc.poll() is not None or self._local.env_key != env_key):
            self._drop(proc)
            proc = None
        if proc is None:
            env = {**os.environ, **dict(env_key), "PYTHONHASHSEED": "0"}
            proc = subprocess.Popen([sys.executable, "-m", "refinement.worker", "--serve"],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                    text=True, env=env)
            self._local.proc, self._local.env_key = proc, env_key
            with self._lock:
                self._all.append(proc)
            with _RUNNING_LOCK:
                _RUNNING.add(proc)
        return proc

    def _drop(self, proc: subprocess.Popen) -> None:
        proc.kill()
        proc.wait()
        with _RUNNING_LOCK:
            _RUNNING.discard(proc)
        self._local.proc = None

    def run(self, job: Dict[str, Any], options: CheckOptions, wall_limit: float) -> Dict[str, Any]:
        import selectors
        proc = self._worker(options)
        try:
            proc.stdin.write(json.dumps(job) + "\n")
            proc.stdin.flush()
        except OSError:
            self._drop(proc)
            raise WorkerFailed("worker exited before taking the job") from None
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)
            ready = sel.select(timeout=wall_limit)
        if not ready:
            self._drop(proc)
            raise WorkerFailed(f"worker exceeded its wall-clock limit of {wall_limit:.0f} s")
        line = proc.stdout.readline()
        if not line.strip():
            status = proc.wait()
            self._drop(proc)
            raise WorkerFailed(f"worker exited with status {status}")
        answer = json.loads(line)
        if not answer.get("ok"):
            raise WorkerFailed(answer.get("error", "worker failed"))
        return answer

    def close(self) -> None:
        with self._lock:
            procs, self._all = self._all, []
        for proc in procs:
            if proc.poll() is None:
                proc.stdin.close()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
            with _RUNNING_LOCK:
                _RUNNING.discard(proc)


def cancel_running() -> None:
    """Stop every worker still running (used on Ctrl-C)."""
    with _RUNNING_LOCK:
        for proc in list(_RUNNING):
            proc.kill()


def check(ob: Obligation, options: CheckOptions, workers: Optional[ServingWorkers] = None) -> ObligationResult:
    started = time.monotonic()
    try:
        if ob.method is Method.ENUMERATION:
            verdict, evidence, cex = _enumerate(ob, options)
        else:
            verdict, evidence, cex = _prove(ob, options, workers)
    except WorkerFailed as exc:
        verdict, evidence, cex = _worker_failed(ob, exc, started)
    return _result(ob, options, verdict, evidence, cex)


def check_together(obs: Sequence[Obligation], options: CheckOptions,
                   workers: Optional[ServingWorkers] = None) -> List[ObligationResult]:
    """Check obligations that share their inputs and precondition (see `shared_runs`) with one
    CrossHair exploration; each still gets its own verdict, and any that the joint run does not
    prove is proven on its own in the same worker, so the verdicts are those of `check`."""
    if len(obs) == 1 or options.faults:  # a fault run is about refuting: a joint run would be redone
        return [check(ob, options, workers) for ob in obs]
    started = time.monotonic()
    job = {"ids": [ob.id for ob in obs], "action": "prove_together", "timeout": options.timeout, "faults": []}
    try:  # the joint run, then at worst one run per obligation
        answer = _run_proof(job, options, workers, runs=len(obs) + 1)
    except WorkerFailed as exc:
        return [_result(ob, options, *_worker_failed(ob, exc, started)) for ob in obs]
    results = []
    for ob in obs:
        shared = [o.id for o in obs if o is not ob] if answer["together"] else []
        member = answer["members"][ob.id]
        outcomes = [ConditionOutcome.from_json(o) for o in member["outcomes"]]
        try:
            verdict, evidence, cex = _covered(ob, _judge(ob, outcomes, options, shared), member.get("witnesses"))
        except WorkerFailed as exc:
            verdict, evidence, cex = _worker_failed(ob, exc, started)
        if not answer["together"] and not evidence.note:
            evidence.note = _alone_after_joint(ob, obs, answer.get("joint_seconds", 0.0))
        results.append(_result(ob, options, verdict, evidence, cex))
    return results


def _alone_after_joint(ob: Obligation, obs: Sequence[Obligation], seconds: float) -> str:
    """Why a proof of a group's member took more time than its own figures show: the group's
    joint run came first and did not prove every member (one refuted, or a path undecided)."""
    others = ", ".join(o.id for o in obs if o is not ob)
    return f"proven on its own after a joint run with {others} did not prove them all ({seconds:.1f} s)"


def shared_runs(obligations: Sequence[Obligation]) -> List[List[Obligation]]:
    """Group CrossHair obligations of one module whose parameters and preconditions are the same
    (the same step under several properties: simulation, invariant and isolation of an
    operation; the spec's totality and integrity): one exploration serves them all."""
    from refinement.contracts import inputs_key
    groups: Dict[Any, List[Obligation]] = {}
    for ob in obligations:
        key: Any = ob.id
        if ob.method is Method.CROSSHAIR:
            key = (ob.module, inputs_key(ob.function()))
        groups.setdefault(key, []).append(ob)
    return list(groups.values())


def _worker_failed(ob: Obligation, exc: WorkerFailed, started: float):
    verdict = Verdict.BOUNDED if "wall-clock" in str(exc) else Verdict.ERROR
    return verdict, Evidence(ob.method.value, False, 0, time.monotonic() - started, note=str(exc)), None


def _result(ob: Obligation, options: CheckOptions, verdict: Verdict, evidence: Evidence, cex) -> ObligationResult:
    file, line = ob.source_line()
    return ObligationResult(
        id=ob.id, layers=ob.layers.value, operation=ob.operation, subject=ob.subject,
        kind=ob.kind.value, verdict=verdict, evidence=evidence, statement=ob.statement,
        source=f"{os.path.relpath(file)}:{line}", counterexample=cex, faults=list(options.faults),
        module=ob.module, function=ob.qualname,
        sizes=None if ob.any_size else options.sizes.as_dict(), transition=ob.transition,
    )


def _replay(ob: Obligation, call: str, options: CheckOptions) -> Dict[str, Any]:
    job = {"id": ob.id, "action": "replay", "call": call, "faults": list(options.faults)}
    return run_worker(job, options, wall_limit=120)


def _known_witness(ob: Obligation, options: CheckOptions):
    """Replay the obligation's candidate witness in plain Python; a verdict if it holds, else None
    (the CrossHair search then runs as usual)."""
    started = time.monotonic()
    cex = _replay(ob, ob.witness or "", options)
    if not (cex.get("confirmed") and cex.get("failed")):  # a raise is no witness
        return None
    evidence = Evidence(ob.method.value, False, 1, round(time.monotonic() - started, 3), 1,
                        "the named witness state was replayed",
                        outcomes=[{"outcome": "holds", "reached": True, "witness": ob.witness}])
    return Verdict.PROVEN, evidence, cex


def _prove(ob: Obligation, options: CheckOptions, workers: Optional[ServingWorkers] = None):
    if ob.method is Method.WITNESS and ob.witness:
        known = _known_witness(ob, options)
        if known is not None:
            return known
    job = {"id": ob.id, "action": "prove", "timeout": options.timeout, "faults": list(options.faults)}
    answer = _run_proof(job, options, workers, runs=1)
    return _covered(ob, _judge(ob, [ConditionOutcome.from_json(o) for o in answer["outcomes"]], options),
                    answer.get("witnesses"))


def _covered(ob: Obligation, judged, witnesses: Optional[Dict[str, str]]):
    """A proof's outcome coverage: each outcome the step may answer (its codes, success first; a
    lemma's only outcome is "holds") with a witness the proof's own paths found and the worker
    replayed (`replay.reaches`). A PROVEN obligation with no witness for its success outcome is
    VACUOUS: it was proven about its failure paths only. Runs with seeded faults record no
    witnesses (they are about refuting)."""
    verdict, evidence, cex = judged
    if verdict is not Verdict.PROVEN or witnesses is None:
        return judged
    declared = ob.outcomes or ((None, "holds"),)
    labels = {("holds" if code is None else str(code)): name for code, name in declared}
    evidence.outcomes = [{"outcome": name, "reached": label in witnesses, "witness": witnesses.get(label)}
                         for label, name in labels.items()]
    evidence.outcomes += [{"outcome": f"undeclared answer {label}", "reached": True, "witness": call}
                          for label, call in witnesses.items() if label not in labels]
    success = evidence.outcomes[0]
    if not success["reached"]:
        evidence.note = (f"every path is proven, but no replayed input reaches its success outcome "
                         f"{success['outcome']}: the proof covers failure paths only")
        return Verdict.VACUOUS, evidence, cex
    return verdict, evidence, cex


def _run_proof(job: Dict[str, Any], options: CheckOptions, workers: Optional[ServingWorkers], runs: int):
    """A prove job on a serving worker when there is one and no fault is swapped in (faults
    need a fresh process), else in a fresh child; `runs` CrossHair runs fit in its wall limit."""
    wall_limit = (options.timeout * 8 + 60) * runs
    if workers is not None and not options.faults:
        return workers.run(job, options, wall_limit)
    return run_worker(job, options, wall_limit)


def _judge(ob: Obligation, outcomes: List[ConditionOutcome], options: CheckOptions,
           shared: Sequence[str] = ()):
    """The verdict on a worker's outcomes for `ob` (replaying any counterexample). `shared` names
    the obligations explored in the same run, if any: its paths are this one's paths too."""
    paths = max((o.paths for o in outcomes), default=0) if shared else sum(o.paths for o in outcomes)
    seconds = sum(o.seconds for o in outcomes)
    exhausted = bool(outcomes) and all(o.exhausted for o in outcomes)

    def evidence(note: str = "", exhaustive: bool = exhausted) -> Evidence:
        return Evidence(ob.method.value, exhaustive, paths, round(seconds, 3), len(outcomes), note, list(shared),
                        slowest_query=max((o.slowest_query for o in outcomes), default=0.0))

    if not outcomes:
        return Verdict.ERROR, evidence("the obligation has no postcondition to prove"), None
    broken = [o for o in outcomes if o.status is Status.SYNTAX_ERR]
    if broken:
        return Verdict.ERROR, evidence(f"contracts unreadable: {broken[0].message}"), None
    failing = [o for o in outcomes if o.status in FAILING]
    if failing:
        return _judge_failure(ob, failing[0], options, evidence)
    if ob.method is Method.WITNESS:
        if all(o.status is Status.CONFIRMED for o in outcomes) and exhausted:
            return Verdict.VACUOUS, evidence("no state satisfies the invariant (all paths exhausted)"), None
        return Verdict.BOUNDED, evidence("no witness found within the budget"), None
    if all(o.status is Status.CONFIRMED for o in outcomes) and exhausted:
        return Verdict.PROVEN, evidence(), None
    unsat = [o for o in outcomes if o.status is Status.PRE_UNSAT]
    undecided = sum(o.undecided for o in unsat)
    if unsat and undecided:
        return Verdict.BOUNDED, evidence(f"no path passed the precondition, but {undecided} ended undecided "
                                         "(the solver answered unknown or a path ran out of time)", False), None
    if unsat and all(o.exhausted for o in unsat):
        return _vacuous_or_error(ob, options, evidence)
    if unsat:
        return Verdict.BOUNDED, evidence("no path passed the precondition before the budget ran out"), None
    return Verdict.BOUNDED, evidence("budget ran out before every path was exhausted"), None


def _vacuous_or_error(ob: Obligation, options: CheckOptions, evidence):
    """CrossHair exhausted its paths without one passing the precondition. If a plain known input
    (the initial state) satisfies it after all, CrossHair failed to build inputs: ERROR, not VACUOUS."""
    try:
        probe = run_worker({"id": ob.id, "action": "witness", "faults": list(options.faults)}, options, 120)
    except WorkerFailed as exc:
        probe = {"checked": False, "reason": str(exc)}
    if probe.get("raised"):
        return Verdict.ERROR, evidence(
            f"the precondition raised {probe['raised']} on the plain input {probe['call'][:200]}: "
            "CrossHair counts a raising precondition as unsatisfied, so this is a model error, not VACUOUS"), None
    if probe.get("checked") and probe.get("holds"):
        return Verdict.ERROR, evidence(
            "CrossHair found no input past the precondition, but the plain input "
            f"{probe['call'][:200]} satisfies it: CrossHair could not build this obligation's inputs"), None
    return Verdict.VACUOUS, evidence("no input satisfies the precondition (all paths exhausted)"), None


def _judge_failure(ob: Obligation, failing: ConditionOutcome, options: CheckOptions, evidence):
    call = extract_call(failing.message, ob.qualname)
    if call is None:
        return Verdict.ERROR, evidence(f"CrossHair reported a failure without a call: {failing.message[:300]}"), None
    try:
        cex = _replay(ob, call, options)
    except WorkerFailed as exc:
        return Verdict.ERROR, evidence(f"replay failed: {exc}"), {"call": call}
    cex["crosshair_message"] = failing.message[:2000]
    cex["condition"] = failing.condition
    if not cex.get("confirmed"):
        return Verdict.ERROR, evidence(f"replay disagrees with CrossHair: {cex.get('reason')}"), cex
    if ob.method is Method.WITNESS:
        found = evidence("a witness state was found and replayed", exhaustive=False)
        found.outcomes = [{"outcome": "holds", "reached": True, "witness": call}]
        return Verdict.PROVEN, found, cex
    if failing.status is Status.EXEC_ERR:
        return Verdict.ERROR, evidence(f"the model raised on a replayed input: {cex.get('reason')}",
                                       exhaustive=False), cex
    return Verdict.REFUTED, evidence("counterexample replayed concretely", exhaustive=False), cex


def _enumerate(ob: Obligation, options: CheckOptions):
    job = {"id": ob.id, "action": "enumerate", "faults": list(options.faults)}
    answer = run_worker(job, options, wall_limit=max(120.0, options.timeout * 4))
    checked, seconds = answer["checked"], round(answer["seconds"], 3)
    note = f"{checked} domain values checked, {answer['skipped']} outside the precondition"
    if answer["failure"]:
        cex = _replay(ob, answer["failure"], options)
        if cex.get("confirmed"):
            return Verdict.REFUTED, Evidence("enumeration", False, checked, seconds, 1, note), cex
        return Verdict.ERROR, Evidence("enumeration", False, checked, seconds, 1,
                                       f"replay disagrees: {cex.get('reason')}"), cex
    if checked == 0:
        return Verdict.VACUOUS, Evidence("enumeration", True, 0, seconds, 1, note), None
    # every value was run with its postconditions checked: the first is the outcome's witness
    return Verdict.PROVEN, Evidence("enumeration", True, checked, seconds, 1, note,
                                    outcomes=[{"outcome": "holds", "reached": True, "witness": answer["first"]}]), None


def check_all(obligations: List[Obligation], options: CheckOptions, jobs: int = 1,
              on_start=None, on_done=None, cache=None, executor=None,
              small_first: bool = False) -> List[ObligationResult]:
    """Check obligations `jobs` at a time; results come back in the input order. Each check is
    its own child process, so one crash or hang costs only its own obligation. `executor`, if
    given, is any concurrent.futures executor (a Dask client's, say) run in place of the local
    thread pool; the caller owns it. On Ctrl-C the
    pending checks are cancelled and KeyboardInterrupt propagates; `on_done` has already seen
    every finished result, so the caller can still write a partial report."""
    from concurrent.futures import ThreadPoolExecutor, as_completed
    results: Dict[str, ObligationResult] = {}
    keys = cache.keys(obligations, options) if cache else {}
    todo = []
    for ob in obligations:
        hit = cache.get(keys[ob.id], ob.id) if cache else None
        if hit is not None:
            results[ob.id] = hit
            if on_done:
                on_done(hit)
        else:
            todo.append(ob)
    pool = executor or ThreadPoolExecutor(max_workers=max(1, jobs))
    workers = ServingWorkers() if executor is None else None  # a remote executor has its own processes
    futures: list = []
    units = [[ob] for ob in todo] if options.faults else shared_runs(todo)
    units = run_order(units, small_first)
    try:
        futures = [pool.submit(_checked, unit, options, on_start, workers) for unit in units]
        for fut in as_completed(futures):
            for result in fut.result():
                results[result.id] = result
                if cache:
                    cache.put(keys[result.id], result)
                if on_done:
                    on_done(result)
    except BaseException:
        for fut in futures:
            fut.cancel()
        if executor is None:
            pool.shutdown(wait=False, cancel_futures=True)
        cancel_running()
        raise
    finally:
        if workers is not None:
            workers.close()
    if executor is None:
        pool.shutdown()
    return [results[ob.id] for ob in obligations]


# Kinds that run a row's whole step take seconds; lemmas, encodings, partitions and the like a
# fraction of one. Among single runs the steps go first, so that when one worker has nothing
# left to take, the other is finishing a lemma, not a confidentiality proof (the proof's tail
# was a spec confidentiality run of 7 s with one core idle).
_STEP_KINDS = frozenset({Kind.SIMULATION, Kind.INVARIANT, Kind.TOTALITY, Kind.INTEGRITY,
                         Kind.CONFIDENTIALITY, Kind.ISOLATION})


def _weight(unit: List[Obligation]) -> Tuple[int, bool]:
    return len(unit), any(ob.kind in _STEP_KINDS for ob in unit)


def run_order(units: List[List[Obligation]], small_first: bool = False) -> List[List[Obligation]]:
    """Bigger runs first (joint runs, then single steps, then lemmas), so the last ones to
    finish are short; or, to reach a first failure soon (`--fail-fast`), the lemmas first:
    they are the quick ones."""
    return sorted(units, key=_weight, reverse=not small_first)


def _checked(unit: List[Obligation], options: CheckOptions, on_start, workers=None) -> List[ObligationResult]:
    if on_start:
        for ob in unit:
            on_start(ob)
    return check_together(unit, options, workers)


def find(obligations: Dict[str, Obligation], patterns: Optional[Sequence[str]]) -> List[Obligation]:
    import fnmatch
    if not patterns:
        return list(obligations.values())
    return [ob for ob_id, ob in obligations.items() if any(fnmatch.fnmatchcase(ob_id, p) for p in patterns)]
