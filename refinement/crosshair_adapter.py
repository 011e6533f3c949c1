"""The only module that imports CrossHair.

Importing CrossHair switches icontract's runtime checking off in the whole process, so this
module is imported only by `refinement.worker`, which runs in a child process per obligation.
It turns CrossHair's undocumented Python API (pinned version) into plain `ConditionOutcome`s.
"""
from __future__ import annotations

import collections
import dataclasses
import time
from typing import Any, Callable, List, Optional, Tuple

import crosshair.core
import z3
from crosshair.core_and_libs import analyze_function  # noqa: E402  (see module docstring)
from crosshair.options import AnalysisKind, AnalysisOptionSet
from crosshair.statespace import MessageType, StateSpace, context_statespace

from refinement.outcomes import ConditionOutcome, Status

_STATUS = {
    MessageType.CONFIRMED: Status.CONFIRMED,
    MessageType.CANNOT_CONFIRM: Status.NOT_CONFIRMED,
    MessageType.PRE_UNSAT: Status.PRE_UNSAT,
    MessageType.POST_FAIL: Status.POST_FAIL,
    MessageType.POST_ERR: Status.POST_ERR,
    MessageType.EXEC_ERR: Status.EXEC_ERR,
    MessageType.SYNTAX_ERR: Status.SYNTAX_ERR,
    MessageType.IMPORT_ERR: Status.SYNTAX_ERR,
}


def crosshair_version() -> str:
    from importlib.metadata import version
    return version("crosshair-tool")


def analyze(fn: Callable, timeout: float) -> List[ConditionOutcome]:
    """Analyse every postcondition of `fn` separately with a budget of `timeout` CPU seconds.

    `analysis_kind=icontract` is explicit: with the defaults icontract invariants are neither
    assumed nor checked. Setting `per_condition_timeout` also switches off CrossHair's "stop
    after 5 uninteresting iterations", so it searches until exhausted or out of budget.
    """
    options = AnalysisOptionSet(
        analysis_kind=[AnalysisKind.icontract],
        per_condition_timeout=timeout,
        per_path_timeout=timeout,
    )
    outcomes = []
    for checkable in analyze_function(fn, options):
        stats: collections.Counter = collections.Counter()
        if dataclasses.is_dataclass(checkable) and hasattr(checkable, "options"):
            checkable = dataclasses.replace(
                checkable, options=dataclasses.replace(checkable.options, stats=stats)
            )
        condition = _condition_source(checkable)
        started = time.monotonic()
        messages = list(checkable.analyze())
        seconds = time.monotonic() - started
        for m in messages:
            outcomes.append(ConditionOutcome(
                status=_STATUS.get(m.state, Status.SYNTAX_ERR),
                condition=m.condition_src or condition,
                message=m.message,
                line=m.line,
                paths=stats.get("num_paths", 0),
                exhausted=stats.get("exhaustion", 0) > 0,
                seconds=seconds,
                traceback=m.traceback or "",
            ))
    return outcomes


_crosshair_counterexample_message = crosshair.core.make_counterexample_message


def _counterexample_from_model(*args: Any, **kwargs: Any) -> str:
    """CrossHair's counterexample message, with each symbolic value read from the model the
    failing path already has. CrossHair calls this only after the path is detached (finished),
    so a realization is no longer a branch of the search, yet by default it still asks the
    solver whether each value could differ: one solver call per value, about 7 of the 8 s a
    whole-state refutation took. The values read from one model satisfy every constraint of
    the path, and the checker replays the counterexample in plain Python before reporting it."""
    space = context_statespace()
    space._fork_witnesses = lambda expr: _fork_from_model(space, expr)  # type: ignore[method-assign]
    try:
        return _crosshair_counterexample_message(*args, **kwargs)
    finally:
        del space._fork_witnesses


def _fork_from_model(space: StateSpace, expr: Any) -> Tuple[Optional[bool], Any, Any]:
    model = space._known_model()
    if model is not None and z3.is_true(model.eval(expr, model_completion=True)):
        return True, model, None
    return StateSpace._fork_witnesses(space, expr)


crosshair.core.make_counterexample_message = _counterexample_from_model


def _condition_source(checkable: object) -> str:
    conditions = getattr(checkable, "conditions", None)
    post = getattr(conditions, "post", None) or []
    return post[0].expr_source if post else ""
