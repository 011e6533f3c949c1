"""The dependency closure is sound: every model function an obligation runs is in it. A function
missing from the closure would let the cache serve a stale PROVEN after that function changed."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from refinement import deps
from refinement.registry import load_all
from refinement.worker import plain_arguments

ROOT = Path(__file__).resolve().parents[1]


def _arguments(fn) -> dict | None:
    """The worker's plain inputs, with 16 zeros for a variable-length tuple (the PMP lemmas'
    register files) so that more of each obligation runs."""
    try:
        return plain_arguments(fn, variadic=(0,) * 16)
    except LookupError:
        return None


def _executed(fn, args) -> set:
    """(file, first line) of every model function run by the call, contracts included."""
    seen = set()
    model = {p.resolve() for p in deps.model_files(ROOT)}

    def profile(frame, event, _arg):
        if event == "call":
            path = Path(frame.f_code.co_filename)
            if path.is_absolute() and path.resolve() in model:
                seen.add((path.resolve().relative_to(ROOT).as_posix(), frame.f_code.co_firstlineno))
    sys.setprofile(profile)
    try:
        fn(**args)
    except Exception:  # noqa: BLE001  (a failing precondition still ran its functions)
        pass
    finally:
        sys.setprofile(None)
    return seen


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


@pytest.mark.parametrize("ob_id", sorted(load_all()))
def test_every_function_an_obligation_runs_is_in_its_closure(ob_id, idx):
    ob = load_all()[ob_id]
    fn = ob.function()
    args = _arguments(fn)
    if args is None:
        pytest.skip("no plain input for this signature")
    reached = {(d.file, d.qualname) for d in deps.reach(idx, deps.targets([ob])[ob_id])}
    missing = []
    for run_file, line in _executed(fn, args):
        owner = _owner(idx, run_file, line)
        if owner is not None and (owner.file, owner.qualname) not in reached:
            missing.append(f"{owner.file}:{owner.qualname}")
    assert not missing, f"{ob_id} runs functions outside its dependency closure: {sorted(set(missing))}"


def test_the_soundness_check_catches_a_missed_dependency(monkeypatch):
    """With names no longer followed through imports, the check above must fail: DESTROY_TVM's
    square runs the canonical and spec destroy, which its closure would then miss."""
    ob_id = "canonical->spec/destroy_tvm/simulation"
    ob = load_all()[ob_id]
    monkeypatch.setattr(deps, "_in_module", lambda *a, **k: [])
    idx = deps.index(ROOT)  # a fresh index: the shared one has memoized the real references
    reached = {(d.file, d.qualname) for d in deps.reach(idx, deps.targets([ob])[ob_id])}
    ran = {_owner(idx, f, line) for f, line in _executed(ob.function(), _arguments(ob.function()))}
    assert any(d is not None and (d.file, d.qualname) not in reached for d in ran)
