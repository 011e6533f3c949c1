"""The order in which `check_all` hands runs to its workers."""
from __future__ import annotations

from refinement.checker import _STEP_KINDS, run_order, shared_runs
from refinement.registry import Method, load_all


def _units():
    return shared_runs(list(load_all().values()))


def _is_lemma(unit):
    return len(unit) == 1 and unit[0].kind not in _STEP_KINDS


def test_lemmas_run_after_every_step():
    """When one worker runs out of work the other should be finishing something short: every
    single lemma (entry, lift, partition, encoding...) comes after every run of a step."""
    order = run_order(_units())
    lemmas = [i for i, u in enumerate(order) if _is_lemma(u)]
    steps = [i for i, u in enumerate(order) if not _is_lemma(u)]
    assert lemmas and steps and max(steps) < min(lemmas)
    assert [len(u) for u in order] == sorted((len(u) for u in order), reverse=True)


def test_fail_fast_starts_with_the_lemmas():
    order = run_order(_units(), small_first=True)
    first = next(i for i, u in enumerate(order) if not _is_lemma(u))
    assert first > 0 and all(_is_lemma(u) for u in order[:first])
    assert all(len(u) == 1 for u in order[:first]) and any(u[0].method is Method.CROSSHAIR for u in order[:first])
