"""Child-process entry point: prove, enumerate or replay one obligation, answer in JSON.

    python -m refinement.worker < job.json > answer.json
    python -m refinement.worker --serve    (one job per line, one answer per line)

A job is {"id", "action": "prove" | "enumerate" | "replay" | "witness", "timeout", "faults", "call"},
or {"ids", "action": "prove_together", "timeout"} for obligations explored in one run.
Only the "prove" action imports CrossHair (which silences icontract in this process);
"enumerate" and "replay" run with icontract fully on.
"""
from __future__ import annotations

import json
import sys
import time
import traceback
from typing import Any, Dict, List

from refinement import faults, registry
from refinement.contracts import bind, failing_postconditions, precondition_holds


def prove(ob: registry.Obligation, timeout: float, witnesses: bool = False) -> Dict[str, Any]:
    """CrossHair's outcomes for `ob`; with `witnesses`, a run that proves it also records one
    input per outcome it reached (a refutation is then found by a second, plain run)."""
    from refinement import crosshair_adapter  # here only: it switches icontract off
    if witnesses and ob.method is registry.Method.CROSSHAIR:
        found: List[Dict[str, str]] = []
        joint = crosshair_adapter.analyze_together([ob.function()], timeout, [ob.answer], found)
        if joint is not None:
            return {"outcomes": [o.to_json() for o in joint[0]], "witnesses": replayed(ob, found[0])}
    outcomes = crosshair_adapter.analyze(ob.function(), timeout)
    return {"outcomes": [o.to_json() for o in outcomes]}


def prove_together(obs: List[registry.Obligation], timeout: float) -> Dict[str, Any]:
    """Explore obligations sharing their inputs and precondition in one CrossHair run; if that
    run does not prove them all, prove each on its own (which also finds whose condition failed).
    Either way each proven obligation comes back with its witnesses, one per outcome reached."""
    from refinement import crosshair_adapter
    found: List[Dict[str, str]] = []
    started = time.monotonic()
    joint = crosshair_adapter.analyze_together([ob.function() for ob in obs], timeout,
                                               [ob.answer for ob in obs], found)
    if joint is None:  # the joint run's time is said, or a run's wall time would not add up
        return {"together": False, "joint_seconds": round(time.monotonic() - started, 3),
                "members": {ob.id: prove(ob, timeout, True) for ob in obs}}
    return {"together": True,
            "members": {ob.id: {"outcomes": [o.to_json() for o in outcomes], "witnesses": replayed(ob, seen)}
                        for ob, outcomes, seen in zip(obs, joint, found)}}


def replayed(ob: registry.Obligation, found: Dict[str, str]) -> Dict[str, str]:
    """The witnesses that, replayed in plain Python after the analysis (CrossHair traces nothing
    then; the precondition is evaluated by `contracts`), reach the outcome they were found for."""
    from refinement.replay import reaches
    return {label: call for label, call in found.items() if reaches(ob.function(), ob.answer, call, label)}


def enumerate_domain(ob: registry.Obligation) -> Dict[str, Any]:
    """Check the obligation on every value of its finite domain, contracts evaluated by hand."""
    import importlib
    fn = ob.function()
    domain = getattr(importlib.import_module(ob.module), ob.domain or "")
    checked = skipped = 0
    first = None
    started = time.monotonic()
    for args in domain():
        values = bind(fn, args, {})
        if not precondition_holds(fn, values):
            skipped += 1
            continue
        checked += 1
        call = f"{ob.qualname}({', '.join(repr(a) for a in args)})"
        first = first or call
        try:
            result = fn.__wrapped__(*args) if hasattr(fn, "__wrapped__") else fn(*args)
        except Exception as exc:
            return {"checked": checked, "skipped": skipped, "failure": call, "error": repr(exc),
                    "seconds": time.monotonic() - started}
        if failing_postconditions(fn, values, result):
            return {"checked": checked, "skipped": skipped, "failure": call,
                    "seconds": time.monotonic() - started}
    return {"checked": checked, "skipped": skipped, "failure": None, "seconds": time.monotonic() - started,
            "first": first}


def plain_arguments(fn: Any, variadic: tuple = ()) -> Dict[str, Any]:
    """A plain known input for each parameter of `fn`: each layer's initial state (and the spec's
    initial secrets), 0, False,
    fixed-length tuples of those, and `variadic` for a variable-length tuple. Raises LookupError
    naming a parameter of any other type."""
    import typing
    from abstract.canonical.state import CanonState, canonical_initial
    from abstract.spec.security import SpecSecrets, secrets_of
    from abstract.spec.state import SpecState, spec_initial
    from concrete.riscv.state import RvState, riscv_initial
    known = {SpecState: spec_initial, CanonState: canonical_initial, RvState: riscv_initial,
             SpecSecrets: lambda: secrets_of(spec_initial()), int: lambda: 0, bool: lambda: False}
    hints = typing.get_type_hints(getattr(fn, "__wrapped__", fn))
    hints.pop("return", None)

    def plain(name: str, hint: Any) -> Any:
        if hint in known:
            return known[hint]()
        if hint is type(None):  # a transition without inputs
            return None
        if typing.get_origin(hint) is tuple:
            items = typing.get_args(hint)
            return variadic if Ellipsis in items else tuple(plain(name, t) for t in items)
        raise LookupError(f"no default witness for {name}: {hint}")
    return {name: plain(name, hint) for name, hint in hints.items()}


def default_witness(ob: registry.Obligation) -> Dict[str, Any]:
    """Does a plain known input (each layer's initial state, zeros, empty tuples) satisfy the
    precondition? Used to tell a real VACUOUS from CrossHair failing to build inputs."""
    fn = ob.function()
    try:
        args = plain_arguments(fn)
    except LookupError as exc:
        return {"checked": False, "reason": str(exc)}
    call = f"{ob.qualname}({', '.join(f'{k}={v!r}' for k, v in args.items())})"
    try:
        return {"checked": True, "holds": precondition_holds(fn, args), "call": call}
    except Exception as exc:  # noqa: BLE001  (a precondition that raises is a model error, not VACUOUS)
        return {"checked": True, "holds": False, "raised": f"{type(exc).__name__}: {exc}", "call": call}


def run(job: Dict[str, Any]) -> Dict[str, Any]:
    obligations = registry.load_all()
    faults.apply(job.get("faults", []))
    action = job["action"]
    if action == "prove_together":
        return prove_together([obligations[i] for i in job["ids"]], float(job["timeout"]))
    ob = obligations[job["id"]]
    if action == "prove":
        return prove(ob, float(job["timeout"]), witnesses=not job.get("faults"))
    if action == "enumerate":
        return enumerate_domain(ob)
    if action == "witness":
        return default_witness(ob)
    if action == "replay":
        from refinement.replay import replay
        return replay(ob.function(), job["call"])
    raise ValueError(f"unknown action {action!r}")


def main() -> int:
    if sys.argv[1:] == ["--serve"]:
        return serve()
    answers = sys.stdout
    sys.stdout = sys.stderr  # what the model or CrossHair prints must not corrupt the answer
    json.dump(answer_for(json.load(sys.stdin)), answers)
    return 0


def answer_for(job: Dict[str, Any]) -> Dict[str, Any]:
    try:
        return {"ok": True, **run(job)}
    except Exception as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}


def serve() -> int:
    """Prove jobs one per line until stdin closes, one JSON answer per line. Only "prove" jobs
    without faults come here (they leave no state behind that matters: the model is pure), so
    CrossHair is imported once per worker instead of once per obligation. Anything the model
    or CrossHair prints goes to stderr, keeping the answer channel clean."""
    answers = sys.stdout
    sys.stdout = sys.stderr
    for line in sys.stdin:
        job = json.loads(line)
        if job.get("action") not in ("prove", "prove_together") or job.get("faults"):
            answer = {"ok": False, "error": "a serving worker proves fault-free jobs only"}
        else:
            answer = answer_for(job)
        answers.write(json.dumps(answer) + "\n")
        answers.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
