"""Concrete replay of a counterexample, in a process that never imported CrossHair.

CrossHair reports a counterexample as the text of a call, `f(arg, ...)`, whose reprs evaluate
as Python in the obligation's module. Replay evaluates the arguments, checks the precondition,
runs the obligation body and its postconditions in plain Python with icontract's own
conditions, and describes both sides of a failed commuting square.
"""
from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import traceback
from typing import Any, Callable, Dict, List, Optional, Tuple

from refinement.contracts import bind, failing_postconditions, precondition_holds

STATE_MODULES = ("abstract.spec.state", "abstract.canonical.state", "concrete.riscv.state")
MAX_DIFFS = 25


def extract_call(message: str, fn_name: str) -> Optional[str]:
    """The `fn_name(...)` call text inside a CrossHair message (balanced parentheses)."""
    start = message.find(fn_name + "(")
    if start < 0:
        return None
    depth = 0
    for i in range(start + len(fn_name), len(message)):
        ch = message[i]
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0:
            return message[start:i + 1]
    return None


def _namespace(module: Any) -> Dict[str, Any]:
    ns: Dict[str, Any] = {}
    for name in STATE_MODULES:
        ns.update(vars(importlib.import_module(name)))
    ns.update(vars(module))
    return ns


def parse_arguments(call: str, fn: Callable) -> Tuple[Tuple, Dict[str, Any]]:
    """Evaluate the arguments of `call` (only constructor calls and literals are accepted)."""
    tree = ast.parse(call, mode="eval")
    if not isinstance(tree.body, ast.Call):
        raise ValueError(f"not a call: {call[:80]}")
    ns = _namespace(importlib.import_module(fn.__module__))
    captured: List[Any] = []
    ns["__capture__"] = lambda *a, **k: captured.append((a, k))
    tree.body.func = ast.Name(id="__capture__", ctx=ast.Load())
    eval(compile(ast.fix_missing_locations(tree), "<counterexample>", "eval"), ns)  # noqa: S307
    return captured[0]


def differences(left: Any, right: Any, path: str = "") -> List[Dict[str, str]]:
    """Field paths where two values differ, e.g. `[0].mem[5]`, with both sides' reprs."""
    if dataclasses.is_dataclass(left) and type(left) is type(right):
        out: List[Dict[str, str]] = []
        for f in dataclasses.fields(left):
            out += differences(getattr(left, f.name), getattr(right, f.name), f"{path}.{f.name}")
        return out[:MAX_DIFFS]
    if isinstance(left, tuple) and isinstance(right, tuple) and len(left) == len(right):
        out = []
        for i, (a, b) in enumerate(zip(left, right)):
            out += differences(a, b, f"{path}[{i}]")
        return out[:MAX_DIFFS]
    return [] if left == right else [{"path": path or "value", "lower": repr(left), "upper": repr(right)}]


def replay(fn: Callable, call: str) -> Dict[str, Any]:
    """Re-run a counterexample concretely. `confirmed` is True only when the precondition holds
    and the body raises or some postcondition is False."""
    args, kwargs = parse_arguments(call, fn)
    values = bind(fn, args, kwargs)
    out: Dict[str, Any] = {"call": call, "arguments": {k: repr(v) for k, v in values.items()}}
    if not precondition_holds(fn, values):
        return {**out, "confirmed": False, "reason": "the precondition does not hold on these arguments"}
    raw = inspect.unwrap(fn)
    try:
        result = raw(*args, **kwargs)
    except Exception as exc:
        return {**out, "confirmed": True, "reason": f"the model raised {type(exc).__name__}: {exc}",
                "traceback": traceback.format_exc(limit=6)}
    failed = failing_postconditions(fn, values, result)
    out.update(confirmed=bool(failed), failed=failed, result=repr(result))
    if not failed:
        out["reason"] = "every postcondition holds on these arguments"
    if _is_square(result):
        out["lower"], out["upper"] = repr(result[0]), repr(result[1])
        out["differences"] = differences(result[0], result[1])
        out["sides"] = sides(result[0], result[1])
    return out


def sides(lower: Any, upper: Any) -> List[Dict[str, Any]]:
    """Both sides of a square field by field (states flattened to their fields, hardware state
    one level further), each row marked when the sides differ: for side-by-side display."""
    rows: List[Dict[str, Any]] = []

    def walk(a: Any, b: Any, path: str, depth: int) -> None:
        if depth == 0 and isinstance(a, tuple) and len(a) == 2 == len(b):
            walk(a[0], b[0], "state", 1)
            walk(a[1], b[1], "result", 1)
            return
        if depth < 3 and type(a) is type(b) and (dataclasses.is_dataclass(a) or
                                                  (isinstance(a, tuple) and depth == 0 and len(a) == len(b))):
            items = ([(f".{f.name}", getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a)]
                     if dataclasses.is_dataclass(a) else [(f"[{i}]", x, y) for i, (x, y) in enumerate(zip(a, b))])
            for suffix, x, y in items:
                walk(x, y, path + suffix, depth + 1)
            return
        rows.append({"field": path, "lower": repr(a), "upper": repr(b), "differs": a != b})

    walk(lower, upper, "", 0)
    return rows


def _is_square(result: Any) -> bool:
    """(lower, upper) of a square, or (abs(lower), upper, lower state) of a layer pair."""
    return isinstance(result, tuple) and len(result) in (2, 3) and type(result[0]) is type(result[1]) \
        and isinstance(result[0], tuple)


def reaches(fn: Callable, answer: Optional[Tuple[int, ...]], call: str, label: str) -> bool:
    """Does the witness `call` satisfy `fn`'s precondition and, run in plain Python, answer
    `label` (its answer code at `answer`, or "holds" when there is none)?"""
    try:
        args, kwargs = parse_arguments(call, fn)
        if not precondition_holds(fn, bind(fn, args, kwargs)):
            return False
        result = inspect.unwrap(fn)(*args, **kwargs)
        for i in answer or ():
            result = result[i]
    except Exception:  # noqa: BLE001  (a witness that raises reaches nothing)
        return False
    return label == "holds" or str(result) == label
