"""Evaluating an obligation's icontract contracts by hand, in plain Python (no CrossHair)."""
from __future__ import annotations

import inspect
from typing import Any, Callable, Dict, List, Tuple


def _call_condition(contract: Any, values: Dict[str, Any]) -> bool:
    args = {name: values[name] for name in contract.condition_args}
    return bool(contract.condition(**args))


def bind(fn: Callable, args: Tuple, kwargs: Dict[str, Any]) -> Dict[str, Any]:
    sig = inspect.signature(inspect.unwrap(fn))
    bound = sig.bind(*args, **kwargs)
    bound.apply_defaults()
    return dict(bound.arguments)


def precondition_holds(fn: Callable, values: Dict[str, Any]) -> bool:
    groups = getattr(fn, "__preconditions__", []) or []
    # icontract: groups are OR-ed (inheritance); contracts within a group are AND-ed.
    return not groups or any(all(_call_condition(c, values) for c in group) for group in groups)


def failing_postconditions(fn: Callable, values: Dict[str, Any], result: Any) -> List[str]:
    """The descriptions (or sources) of every postcondition `result` violates."""
    failed = []
    for contract in getattr(fn, "__postconditions__", []) or []:
        try:
            ok = _call_condition(contract, {**values, "result": result})
        except Exception as exc:  # a condition that raises is violated
            failed.append(f"{_describe(contract)} (raised {type(exc).__name__}: {exc})")
            continue
        if not ok:
            failed.append(_describe(contract))
    return failed


def _describe(contract: Any) -> str:
    return contract.description or getattr(contract, "condition_as_text", None) or repr(contract.condition)


def code_key(fn: Callable) -> Tuple:
    """A function's compiled code, the names it reads, its constants (its docstring aside) and
    the objects its closure holds (by identity: a generated obligation's row): within one module
    and one process, equal keys mean the function computes the same thing."""
    code = fn.__code__
    consts = code.co_consts[1:] if fn.__doc__ and code.co_consts[:1] == (fn.__doc__,) else code.co_consts
    cells = tuple(id(c.cell_contents) for c in fn.__closure__ or ())
    return code.co_code, code.co_names, repr(consts), fn.__module__, cells


def inputs_key(fn: Callable) -> Tuple:
    """What two obligations must share to be explored together: their parameters (names, kinds,
    annotations) and their preconditions, compared by `code_key`. Only obligations of one
    module are compared, so equal code means equal meaning."""
    params = tuple((p.name, p.kind, repr(p.annotation)) for p in inspect.signature(inspect.unwrap(fn)).parameters.values())
    groups = getattr(fn, "__preconditions__", []) or []
    pre = tuple(tuple(code_key(c.condition) for c in group) for group in groups)
    return params, pre
