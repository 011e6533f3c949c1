"""The dependency closure is sound: every model function an obligation runs is in it. A function
missing from the closure would let the cache serve a stale PROVEN after that function changed.

Two sets of runs are checked: each obligation on the worker's plain inputs (each layer's initial
state: fast, but many preconditions stop it early, and it has none for some signatures), and on
every witness of the full proof (one replayed input per outcome the proof reached, for every
obligation), which runs the paths the proof itself explored to each answer."""
from __future__ import annotations

import functools
import sys
from pathlib import Path

import pytest

from refinement import deps
from refinement.registry import load_all
from refinement.replay import parse_arguments
from refinement.worker import plain_arguments

ROOT = Path(__file__).resolve().parents[1]


def _arguments(fn) -> dict | None:
    """The worker's plain inputs, with 16 zeros for a variable-length tuple (the PMP lemmas'
    register files) so that more of each obligation runs."""
    try:
        return plain_arguments(fn, variadic=(0,) * 16)
    except LookupError:
        return None


@functools.lru_cache(maxsize=None)
def _model_file(filename: str) -> str | None:
    """The model file a code object's filename names, relative to the root, or None."""
    path = Path(filename)
    if not path.is_absolute():
        return None
    resolved = path.resolve()
    return resolved.relative_to(ROOT).as_posix() if resolved in _model_paths() else None


@functools.lru_cache(maxsize=None)
def _model_paths() -> frozenset:
    return frozenset(p.resolve() for p in deps.model_files(ROOT))


def _executed(fn, args: dict, positional: tuple = ()) -> set:
    """(file, first line) of every model function run by the call, contracts included. The hook
    only collects code objects (a call trace, no line events); their files are resolved
    afterwards, once per file for the whole session."""
    codes = set()

    def trace(frame, event, _arg):
        codes.add(frame.f_code)  # called on "call" events only; returning None traces no lines
    sys.settrace(trace)
    try:
        fn(*positional, **args)
    except Exception:  # noqa: BLE001  (a failing precondition still ran its functions)
        pass
    finally:
        sys.settrace(None)
    return {(f, code.co_firstlineno) for code in codes if (f := _model_file(code.co_filename))}


def _witness_runs(fn, calls: list) -> set:
    """`_executed` over every witness call of `fn`."""
    executed: set = set()
    for call in calls:
        positional, args = parse_arguments(call, fn)
        executed |= _executed(fn, args, positional)
    return executed


def _owner(idx: deps.Index, file: str, line: int):
    """The innermost indexed definition whose lines contain `line` of `file`."""
    inside = [d for d in _by_file(idx).get(file, ()) if d.first <= line <= d.last]
    return min(inside, key=lambda d: d.last - d.first) if inside else None


_BY_FILE: dict = {}


def _by_file(idx: deps.Index) -> dict:
    if id(idx) not in _BY_FILE:
        table: dict = {}
        for ds in idx.by_name.values():
            for d in ds:
                table.setdefault(d.file, []).append(d)
        _BY_FILE[id(idx)] = table
    return _BY_FILE[id(idx)]


@pytest.fixture(scope="module")
def idx() -> deps.Index:
    return deps.index(ROOT)


def _outside_closure(idx: deps.Index, ob_id: str, executed: set) -> list:
    """The model functions in `executed` that obligation `ob_id`'s closure does not reach."""
    ob = load_all()[ob_id]
    reached = {(d.file, d.qualname) for d in deps.reach(idx, deps.targets([ob])[ob_id])}
    missing = set()
    for run_file, line in executed:
        owner = _owner(idx, run_file, line)
        if owner is not None and (owner.file, owner.qualname) not in reached:
            missing.add(f"{owner.file}:{owner.qualname}")
    return sorted(missing)


@pytest.mark.parametrize("ob_id", sorted(load_all()))
def test_every_function_an_obligation_runs_is_in_its_closure(ob_id, idx):
    fn = load_all()[ob_id].function()
    args = _arguments(fn)
    if args is None:
        pytest.skip("no plain input for this signature (the witness test below covers it)")
    missing = _outside_closure(idx, ob_id, _executed(fn, args))
    assert not missing, f"{ob_id} runs functions outside its dependency closure: {missing}"


@pytest.fixture(scope="module")
def witnesses(full_proof) -> dict:
    """Every replayed witness of the full proof, by obligation: the calls that reach its outcomes."""
    results, _ = full_proof
    return {r.id: [o["witness"] for o in r.evidence.outcomes if o.get("witness")] for r in results}


@pytest.mark.proof
@pytest.mark.parametrize("ob_id", sorted(load_all()))
def test_every_function_a_witness_runs_is_in_its_closure(ob_id, idx, witnesses):
    calls = witnesses.get(ob_id)
    assert calls, f"{ob_id}: the full proof kept no witness to run"
    missing = _outside_closure(idx, ob_id, _witness_runs(load_all()[ob_id].function(), calls))
    assert not missing, f"{ob_id}'s witnesses run functions outside its dependency closure: {missing}"


def test_the_soundness_check_catches_a_missed_dependency(monkeypatch):
    """With names no longer followed through imports, the check above must fail: DESTROY_TVM's
    square runs the canonical and spec destroy, which its closure would then miss."""
    ob_id = "canonical->spec/destroy_tvm/simulation"
    ob = load_all()[ob_id]
    monkeypatch.setattr(deps, "_in_module", lambda *a, **k: [])
    idx = deps.index(ROOT)  # a fresh index: the shared one has memoized the real references
    assert _outside_closure(idx, ob_id, _executed(ob.function(), _arguments(ob.function())))


@pytest.mark.proof
def test_the_witness_check_catches_a_missed_dependency(monkeypatch, witnesses):
    """The same for the witness runs, on an obligation without a plain input (the walk's lift):
    with names no longer followed through imports, its witnesses run functions it would miss."""
    ob_id = "riscv/pt_walk/lift"
    fn = load_all()[ob_id].function()
    assert _arguments(fn) is None, "this check is meant for an obligation only witnesses can run"
    monkeypatch.setattr(deps, "_in_module", lambda *a, **k: [])
    idx = deps.index(ROOT)
    assert _outside_closure(idx, ob_id, _witness_runs(fn, witnesses[ob_id]))
