"""The only module that imports CrossHair.

Importing CrossHair switches icontract's runtime checking off in the whole process, so this
module is imported only by `refinement.worker`, which runs in a child process per obligation.
It turns CrossHair's undocumented Python API (pinned version) into plain `ConditionOutcome`s.
"""
from __future__ import annotations

import collections
import dataclasses
import operator
import time
import types
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import crosshair.core
from crosshair.condition_parser import POSTCONDITION, CompositeConditionParser, ConditionExpr, condition_parser
from crosshair.core_and_libs import analyze_function  # noqa: E402  (see module docstring)
from crosshair.fnutil import FunctionInfo
from crosshair.options import AnalysisKind, AnalysisOptionSet
from crosshair.statespace import VerificationStatus
from crosshair.libimpl import builtinslib
from crosshair.libimpl.builtinslib import SymbolicBool, SymbolicBoundedInt, SymbolicInt
from crosshair.statespace import MessageType, StateSpace, context_statespace
from crosshair.tracers import NoTracing, ResumedTracing
from crosshair import opcode_intercept, smt, statespace
import z3

from abstract import logic

from refinement.contracts import code_key
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
    outcomes = []
    for checkable in analyze_function(fn, _options(timeout)):
        stats: collections.Counter = collections.Counter()
        if dataclasses.is_dataclass(checkable) and hasattr(checkable, "options"):
            checkable = dataclasses.replace(
                checkable, options=dataclasses.replace(checkable.options, stats=stats)
            )
        condition = _condition_source(checkable)
        started, undecided = time.monotonic(), _UNDECIDED[0]
        _new_analysis()
        messages = list(checkable.analyze())
        slowest = round(_SLOWEST[0], 3)
        seconds, undecided = time.monotonic() - started, _UNDECIDED[0] - undecided
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
                undecided=undecided,
                slowest_query=slowest,
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
    if model is not None and StateSpace._model_satisfies(model, expr):
        return True, model, None
    return StateSpace._fork_witnesses(space, expr)


# CrossHair is pinned (pyproject.toml); should these internals move, keep CrossHair's own way.
if all(hasattr(StateSpace, name) for name in ("_fork_witnesses", "_known_model", "_model_satisfies")):
    crosshair.core.make_counterexample_message = _counterexample_from_model


_uncached_fn_conditions = CompositeConditionParser.get_fn_conditions


def _cached_fn_conditions(self: CompositeConditionParser, info: FunctionInfo) -> Any:
    """The contracts of a plain function, looked up once per parser. CrossHair asks for them at
    every call the model makes while a path runs, and each time builds the callee's signature
    and resolves its type hints (for a builtin, by parsing its text signature): a fifth of a
    run. A function's contracts do not change while the parser lives."""
    if info.context is not None:
        return _uncached_fn_conditions(self, info)
    cache = self.__dict__.setdefault("_fn_conditions", {})
    try:
        return cache[info.descriptor]
    except KeyError:
        found = cache[info.descriptor] = _uncached_fn_conditions(self, info)
        return found
    except TypeError:  # an unhashable callable
        return _uncached_fn_conditions(self, info)


def _symbolic(cls: type) -> Callable:
    """CrossHair's creator for ints and bools, less its premature-realisation coin: by default
    it may, by a weighted fork per value, make a value concrete to speed up a search, weighing
    that on statistics summed anew for each of the hundreds of values a state has (a sixth of a
    spec confidentiality run). A proof wants every value symbolic. Where z3 then answers unknown
    (nonlinear arithmetic), the paths end undecided and the verdict is BOUNDED (`_UNDECIDED`)."""
    return lambda creator, *type_args: cls(creator.varname, creator.pytype)


# CrossHair is pinned (pyproject.toml); should these internals move, keep CrossHair's own way.
if hasattr(CompositeConditionParser, "get_fn_conditions"):
    CompositeConditionParser.get_fn_conditions = _cached_fn_conditions  # type: ignore[method-assign]
if hasattr(crosshair.core, "_SIMPLE_PROXIES"):
    if not crosshair.core._SIMPLE_PROXIES:
        from crosshair.core_and_libs import _make_registrations
        _make_registrations()
    crosshair.core._SIMPLE_PROXIES[int] = _symbolic(SymbolicBoundedInt)
    crosshair.core._SIMPLE_PROXIES[bool] = _symbolic(SymbolicBool)


# The slowest z3 check of the analysis under way, in wall seconds. CrossHair gives z3 half the
# per-path budget (`model_check_timeout`), and z3 answers unknown when a check outlives it: the
# path ends undecided and the obligation falls to BOUNDED. A check that takes most of that budget
# here has no margin on a slower or busier machine (CI's took 46 s on a check of 32 s here), so the
# checker says so (`results.SOLVER_MARGIN`) before it happens.
_SLOWEST = [0.0]


class _TimedSolver(statespace.VersionedSolver):
    def check(self, *assumptions: Any) -> Any:
        # CrossHair asks some checks with tracing on (`StateSpace.is_possible`), where its patch
        # of `time.monotonic` returns symbolic times: read the clock untraced, or the timing
        # itself becomes a branch of the path.
        with NoTracing():
            started = time.monotonic()
            try:
                return super().check(*assumptions)
            finally:
                _SLOWEST[0] = max(_SLOWEST[0], time.monotonic() - started)


def _incremental_solver() -> statespace.VersionedSolver:
    """z3's default solver, with CrossHair's settings, in place of the one CrossHair builds from
    the "smt" tactic. z3 solves every check of a solver made from a tactic from scratch
    (`Z3_mk_solver_from_tactic`), and CrossHair checks at every branch whether its other side is
    possible, under all that the path has asserted so far: a path of n branches solved its own
    prefix n times. The default solver answers a check under assumptions incrementally, keeping
    what it learned on the path. Same question, same answer; a fifth of a run less.
    Arithmetic goes to z3's simplex solver (`arith.solver` 2) rather than its newer default:
    the same paths and verdicts, and a fifth less CrossHair time over the whole proof, most of it
    in the runs whose terms are sums of selected values (the copy of the hypervisor's tables,
    TVM_VCPU_RUN, the guest page faults)."""
    solver = _TimedSolver()
    solver.set("mbqi", True)
    solver.set("random-seed", 42)
    solver.set("smt.random-seed", 42)
    solver.set("smt.arith.solver", 2)
    return solver


# CrossHair is pinned (pyproject.toml); should these internals move, keep CrossHair's own way.
if hasattr(statespace, "make_default_solver"):
    statespace.make_default_solver = _incremental_solver


class _Constants:
    """z3 constants by name and sort, kept for one analysis. CrossHair names each input's values
    by their place in it (`mem_3_at_0`), the same on every path, and z3 makes one term of a name
    and a sort, so the term kept is the term z3 would make again; making it again was most of
    the cost of building a path's inputs (a spec confidentiality run: 659 names, 33,000 makes)."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.terms: Dict[Tuple[str, int], Tuple[Any, Any]] = {}

    def const(self, name: str, sort: Any) -> Any:
        found = self.terms.get((name, id(sort)))
        if found is not None and found[0] is sort:  # the sort is kept alive, so its id is its own
            return found[1]
        term = _make_const(name, sort)
        self.terms[(name, id(sort))] = (sort, term)
        return term


_make_const = smt.const
_CONSTANTS = _Constants()
smt.const = _CONSTANTS.const


def _new_analysis() -> None:
    """What is kept across the paths of one analysis starts afresh with each; and every function
    the model marked `logic.reused` since the last analysis gets its patch."""
    _ACROSS.clear()
    _CONSTANTS.clear()
    _SLOWEST[0] = 0.0
    while len(_REUSING) < len(logic.REUSED):
        fn = logic.REUSED[len(_REUSING)]
        _REUSING.append(fn)
        crosshair.core.register_patch(fn, _patched_reused(fn))


# Paths that ended UNKNOWN: z3 answered unknown, or a path ran out of time. CrossHair's search
# can still end "exhausted" with such paths, and then reports "Unable to meet precondition" when
# none of them got past it, which without this count would read as VACUOUS (seen with ints that
# are never made concrete on a nonlinear fixture: every path unknown, none decided).
_UNDECIDED = [0]
_bubble_status = StateSpace.bubble_status


def _counting_bubble_status(self: StateSpace, analysis: Any) -> Any:
    if analysis.verification_status == VerificationStatus.UNKNOWN:
        _UNDECIDED[0] += 1
    return _bubble_status(self, analysis)


StateSpace.bubble_status = _counting_bubble_status  # type: ignore[method-assign]


Answer = Optional[Tuple[int, ...]]  # where a result holds the step's answer code; None: no code


def analyze_together(fns: Sequence[Callable], timeout: float, answers: Sequence[Answer] = (),
                     witnesses: Optional[List[Dict[str, str]]] = None) -> Optional[List[List[ConditionOutcome]]]:
    """One CrossHair exploration for obligations that share their parameters and precondition
    (the same step seen by several properties): on every path the precondition admits, each
    obligation's body runs and each of its postconditions is evaluated, and the path passes
    only if all of them hold. Every path is explored once instead of once per postcondition.

    Returns each obligation's outcomes (CONFIRMED, sharing the run's paths and time) only when
    the run exhausted every path with every postcondition true; otherwise None, and the caller
    proves the obligations one by one (which also finds whose postcondition failed).

    `witnesses`, if given, receives for each obligation {outcome: call}: the first path that
    reached each outcome (its answer code at `answers[i]`, or "holds"), with the inputs read
    from the model the path already has (no fork, no extra path); the checker replays them."""
    with condition_parser([AnalysisKind.icontract]) as parser:
        conditions = [parser.get_fn_conditions(FunctionInfo.from_fn(fn)) for fn in fns]
    if any(c is None for c in conditions) or not _same_inputs(conditions):
        return None
    checkables = analyze_function(fns[0], _options(timeout))
    if not checkables or not hasattr(checkables[0], "conditions"):
        return None
    stats: collections.Counter = collections.Counter()
    seen: List[Dict[str, str]] = [dict() for _ in fns] if witnesses is None else witnesses
    seen.extend(dict() for _ in range(len(fns) - len(seen)))
    recorder = _Recorder(list(answers) or [None] * len(fns), seen, [c.fn for c in conditions],
                         list(conditions[0].sig.parameters))
    checkable = dataclasses.replace(
        checkables[0], conditions=_joined(conditions, recorder),
        options=dataclasses.replace(checkables[0].options, stats=stats),
    )
    started = time.monotonic()
    _new_analysis()
    messages = list(checkable.analyze())
    seconds, slowest = time.monotonic() - started, round(_SLOWEST[0], 3)
    exhausted = stats.get("exhaustion", 0) > 0
    if not exhausted or [m.state for m in messages] != [MessageType.CONFIRMED]:
        return None
    share = seconds / sum(len(c.post) for c in conditions)
    return [
        [ConditionOutcome(Status.CONFIRMED, post.expr_source, "Confirmed over all paths (explored together).",
                          post.line, stats.get("num_paths", 0), True, share, slowest_query=slowest)
         for post in c.post]
        for c in conditions
    ]


def _same_inputs(conditions: Sequence[Any]) -> bool:
    """Same parameters (names, kinds, annotations) and the same preconditions, text for text.
    The caller groups obligations of one module only, so equal text means equal meaning."""
    first = conditions[0]
    params = list(first.sig.parameters.values())
    pre = [p.expr_source for p in first.pre]
    return all(list(c.sig.parameters.values()) == params and [p.expr_source for p in c.pre] == pre
               for c in conditions[1:])


class _Recorder:
    """Keeps, per obligation, one witness call for each outcome its passing paths reach."""

    def __init__(self, answers: List[Answer], seen: List[Dict[str, str]], fns: List[Callable],
                 params: List[str]) -> None:
        self.answers, self.seen, self.names, self.params = answers, seen, [f.__name__ for f in fns], params

    def record(self, lcls: Mapping[str, Any], results: Sequence[Any]) -> None:
        with NoTracing():
            try:
                model = None
                for i, result in enumerate(results):
                    code = _at(result, self.answers[i])
                    if isinstance(code, SymbolicInt):
                        model = context_statespace().witness() if model is None else model
                        code = _concrete(code, model)
                    label = "holds" if self.answers[i] is None else str(code)
                    if label in self.seen[i]:
                        continue
                    model = context_statespace().witness() if model is None else model
                    args = ", ".join(f"{n}={_concrete(lcls[n], model)!r}" for n in self.params)
                    self.seen[i][label] = f"{self.names[i]}({args})"
            except _Unreadable:
                return  # an input of a type the reader does not know: no witness from this path


class _Unreadable(Exception):
    pass


def _at(result: Any, where: Answer) -> Any:
    for i in where or ():
        result = result[i]
    return result


def _concrete(value: Any, model: Any) -> Any:
    """`value` with every symbolic int and bool read from `model` (completed: an unconstrained
    value gets one), rebuilt as plain tuples and dataclasses."""
    if model is None:
        raise _Unreadable()
    if isinstance(value, SymbolicBool):
        return StateSpace._model_satisfies(model, value.var)
    if isinstance(value, SymbolicInt):
        return model.eval(value.var, model_completion=True).as_long()
    if value is None or type(value) in (int, bool):
        return value
    if type(value) is tuple:
        return tuple(_concrete(v, model) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return type(value)(**{f.name: _concrete(getattr(value, f.name), model) for f in dataclasses.fields(value)})
    raise _Unreadable()


def _joined(conditions: Sequence[Any], recorder: Optional[_Recorder] = None) -> Any:
    """The first obligation's conditions with one body returning every obligation's result and
    one postcondition that is the conjunction of every obligation's postconditions, each seeing
    its own body's result. Decided one at a time, as CrossHair decides an obligation's own
    postconditions: the solver refutes each negation apart, knowing the ones before it hold,
    instead of one query over the disjunction of all their negations (the copy's confinement and
    allocation, five postconditions, took 5.3 s instead of 11)."""
    bodies, runs = _distinct_bodies([c.fn for c in conditions])
    posts = [(i, post) for i, c in enumerate(conditions) for post in c.post]

    def together(*args: Any, **kwargs: Any) -> Tuple:
        results = [body(*args, **kwargs) for body in bodies]
        return tuple(results[r] for r in runs)

    def all_hold(lcls: Mapping[str, Any]) -> bool:
        for i, post in posts:
            own = lcls["__return__"][i]
            with _Deciding():
                held = post.evaluate({**lcls, "__return__": own, "_": own})
            if not held:
                return False
        if recorder is not None:
            recorder.record(lcls, lcls["__return__"])
        return True

    first = conditions[0]
    joined = ConditionExpr(POSTCONDITION, all_hold, first.post[0].filename, first.post[0].line,
                           " and ".join(f"({post.expr_source})" for _, post in posts))
    return dataclasses.replace(first, fn=together, post=[joined],
                               raises=frozenset().union(*(c.raises for c in conditions)))


def _distinct_bodies(fns: Sequence[Callable]) -> Tuple[List[Callable], List[int]]:
    """The bodies to run, and for each obligation which of them gives its result. Bodies with
    the same code (an operation's RISC-V invariant and isolation obligations both return the
    step's state) run once: the model is pure, and the grouped obligations share a module and
    their arguments, so the same code gives the same value."""
    distinct: List[Callable] = []
    keys: List[Any] = []
    runs = []
    for fn in fns:
        key = code_key(fn)
        if key not in keys:
            keys.append(key)
            distinct.append(fn)
        runs.append(keys.index(key))
    return distinct, runs


def _options(timeout: float) -> AnalysisOptionSet:
    return AnalysisOptionSet(
        analysis_kind=[AnalysisKind.icontract],
        per_condition_timeout=timeout,
        per_path_timeout=timeout,
    )


def _condition_source(checkable: object) -> str:
    conditions = getattr(checkable, "conditions", None)
    post = getattr(conditions, "post", None) or []
    return post[0].expr_source if post else ""



# --- the model's boolean combinators, built as one term ----------------------------------------
# `abstract.logic`'s combinators are plain Python, so that the model runs without CrossHair.
# Traced, each `&`, `|` and `^` is one symbolic operation through CrossHair's operator dispatch
# (about 0.1 ms each); a spec invariant is about a thousand of them, evaluated on every path.
# These patches give the same values built as one z3 term per call, with tracing off. Anything
# else (an int, a symbolic container) takes the model's own definition, called through an
# unregistered copy so that the patch does not intercept its own fallback.

def _unpatched(fn: Callable) -> Callable:
    return types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__)


def _bool_term(v: Any) -> Any:
    """v's z3 term if v is a bool, plain or symbolic; None otherwise."""
    if type(v) is SymbolicBool:
        return v.var
    if type(v) is bool:
        return smt.bool_val(v)
    return None


def _fold(model_fn: Callable, join: Callable) -> Callable:
    plain = _unpatched(model_fn)

    def patched(bits: Any) -> Any:
        values = list(bits)  # traced: the items are model code
        with NoTracing():
            terms = [_bool_term(v) for v in values]
            symbolic = any(type(v) is SymbolicBool for v in values)
            if symbolic and all(t is not None for t in terms):
                return SymbolicBool(join(*terms))
        return plain(values)
    return patched


def _patched_lnot(model_fn: Callable) -> Callable:
    plain = _unpatched(model_fn)

    def patched(a: Any) -> Any:
        with NoTracing():
            if type(a) is SymbolicBool:
                return SymbolicBool(smt.not_(a.var))
        return plain(a)
    return patched


def _patched_implies(model_fn: Callable) -> Callable:
    plain = _unpatched(model_fn)

    def patched(a: Any, b: Any) -> Any:
        with NoTracing():
            ta, tb = _bool_term(a), _bool_term(b)
            if ta is not None and tb is not None and SymbolicBool in (type(a), type(b)):
                return SymbolicBool(smt.or_(smt.not_(ta), tb))
        return plain(a, b)
    return patched


def _patched_same(model_fn: Callable) -> Callable:
    """`same` of two plain tuples as one conjunction of equalities over their leaves; entries
    of other types are compared by the model's definition, traced."""
    plain = _unpatched(model_fn)

    def patched(a: Any, b: Any) -> Any:
        rest: List[Tuple[Any, Any]] = []
        with NoTracing():
            tuples = type(a) is tuple and type(b) is tuple
            if tuples:
                terms = _equal_terms(a, b, rest)
                if terms is False:
                    return False
                equal: Any = SymbolicBool(smt.and_(*terms)) if terms else True
        if not tuples:
            return plain(a, b)
        for x, y in rest:
            equal = equal & plain((x,), (y,))
        return equal
    return patched


def _equal_terms(a: tuple, b: tuple, rest: List[Tuple[Any, Any]]) -> Any:
    """Terms for `a == b` leaf by leaf (False when lengths or plain leaves differ); pairs of any
    other types go to `rest`."""
    if a is b:  # one object (confidentiality's two runs share what they keep): no term
        return []
    if len(a) != len(b):
        return False
    terms: List[Any] = []
    for x, y in zip(a, b):
        if x is y:
            continue
        tx, ty = type(x), type(y)
        if tx is tuple and ty is tuple:
            inner = _equal_terms(x, y, rest)
            if inner is False:
                return False
            terms.extend(inner)
        elif _int_like(x) and _int_like(y) and (tx is not int or ty is not int):
            terms.append(smt.eq(_int_term(x), _int_term(y)))
        elif tx in (bool, SymbolicBool) and ty in (bool, SymbolicBool) and SymbolicBool in (tx, ty):
            terms.append(smt.eq(_bool_term(x), _bool_term(y)))
        elif tx in (int, bool) and ty in (int, bool):
            if x != y:
                return False
        else:
            rest.append((x, y))
    return terms


def _int_like(v: Any) -> bool:
    """A plain int or a symbolic one (SymbolicBoundedInt, from a bounded range, is one too)."""
    return type(v) is int or isinstance(v, SymbolicInt)


def _int_term(v: Any) -> Any:
    return smt.int_val(v) if type(v) is int else v.var


def _patched_keep(model_fn: Callable) -> Callable:
    """`keep(value, flag)` as `ite(flag, value, 0)`: no multiplication for the solver either."""
    plain = _unpatched(model_fn)

    def patched(value: Any, flag: Any) -> Any:
        with NoTracing():
            if type(flag) is SymbolicBool and _int_like(value):
                return SymbolicInt(smt.ite(flag.var, _int_term(value), smt.int_val(0)))
        return plain(value, flag)
    return patched


class _Reads:
    """Stands for a state while an invariant part evaluates, and records each field the part
    reads (the first read of a field is kept as an attribute, so later reads cost nothing). A
    part may only read fields: comparing, hashing or iterating a stand-in raises instead of
    answering wrongly."""

    def __init__(self, state: Any) -> None:
        object.__setattr__(self, "_state", state)
        object.__setattr__(self, "_read", {})

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._state, name)
        self._read[name] = value
        object.__setattr__(self, name, value)
        return value

    def _whole(self, *args: Any) -> Any:
        raise TypeError("an invariant part read a state as a whole; it may only read its fields")

    __eq__ = __ne__ = __hash__ = __bool__ = __iter__ = __len__ = _whole


class _PerPath:
    """What one path has learned, kept while that path runs and dropped when the next starts
    (a new StateSpace). Within a path the solver's assertions only grow, so an answer that
    follows from them stays true for the rest of the path."""

    def __init__(self) -> None:
        self.space: Optional[StateSpace] = None
        self.reset()

    def reset(self) -> None:
        raise NotImplementedError

    def current(self) -> StateSpace:
        space = context_statespace()
        if space is not self.space:
            self.space = space
            self.reset()
        return space


class _Calls(_PerPath):
    """On one path, a function's values with the argument objects they were computed for."""

    def reset(self) -> None:
        self.values: List[Tuple[Tuple[Any, ...], Any]] = []


def _patched_reused(model_fn: Callable) -> Callable:
    """A `logic.reused` function whose value for the very same argument objects is given back
    on one path. Sound because the function reads only its immutable arguments and the path
    only learns more: the value computed earlier on the path holds wherever it goes on."""
    plain = _unpatched(model_fn)
    calls = _Calls()

    def patched(*args: Any, **kwargs: Any) -> Any:
        if kwargs:  # the memo matches positional arguments only
            return plain(*args, **kwargs)
        with NoTracing():
            calls.current()
            for known, value in calls.values:
                if len(known) == len(args) and all(a is b for a, b in zip(known, args)):
                    return value
        value = plain(*args)
        with NoTracing():
            calls.values.append((args, value))
        return value
    return patched


_REUSING: List[Callable] = []  # the `logic.REUSED` functions patched so far


class _PartValues(_PerPath):
    """On one path, each invariant part's value with the fields it read."""

    def reset(self) -> None:
        self.values: List[Tuple[Callable, Dict[str, Any], Any]] = []


# Set while a postcondition is decided (`_joined`), where an invariant's parts are decided one
# at a time (`_patched_holds_all`).
_DECIDING = [False]


class _Deciding:
    """Marks the evaluation of a postcondition (see `_patched_holds_all`)."""

    def __enter__(self) -> None:
        self.before, _DECIDING[0] = _DECIDING[0], True

    def __exit__(self, *exc: Any) -> None:
        _DECIDING[0] = self.before


def _patched_holds_all(model_fn: Callable) -> Callable:
    """`holds_all(parts, s)` with each part's value reused instead of rebuilt, in two ways.

    On one path, for any state whose fields are the very objects the part read before. Sound
    because a part reads the state only through its argument and the fields are immutable
    (`logic.holds_all`): the same field objects give the same execution and value. So a step's
    post-state, which keeps most fields of the pre-state, has its invariant checked without
    rebuilding the terms of the parts the step did not touch.

    Across the paths of one analysis, for a state whose fields read by the part are made of the
    same z3 terms as before (`_Leaves`): every path starts from inputs built the same way, so
    the precondition's invariant is the same formula on every path, and building it again was
    up to a fifth of a spec run. Kept for reuse only if the path had decided nothing when the
    part was done (`_Quiet`): every path runs the same code up to its first decision and knows
    the same there, so the term means the same on every path, and skipping it changes nothing
    else on the path. `tests/test_checker.py` proves obligations that a term built after a
    decision, reused, would refute.

    In a postcondition of a joint run (`_Deciding`; every fault-free proof is one) the value is
    decided rather than returned as one formula: first the parts not built here (found on the
    path, mostly the precondition's, which the path knows to hold, or kept across paths) as one
    question, then each part built here on its own. The same truth on every path; but a question over the negation of the whole invariant was sometimes one the
    solver took 25 s over where a question per part took a fraction of a second each
    (spec/tvm_vcpu_run/totality: 10 s to 36 s by the process's memory layout, now 9 s to 10 s)."""
    memo = _PartValues()

    def patched(parts: Any, s: Any) -> Any:
        with NoTracing():
            space = memo.current()
        values, fresh = [], []
        for part in parts:
            for known, read, value in memo.values:
                if known is part and all(getattr(s, name) is obj for name, obj in read.items()):
                    break
            else:
                value, read = _ACROSS.lookup(part, s)
                if value is None:
                    fresh.append(len(values))
                    reads = _Reads(s)
                    with _Quiet(space) as quiet:
                        value = part(reads)
                    read = reads._read
                    if quiet.held:
                        _ACROSS.store(part, read, value)
                memo.values.append((part, read, value))
            values.append(value)
        if _DECIDING[0]:
            if not logic.all_of(v for i, v in enumerate(values) if i not in fresh):
                return False
            for i in fresh:
                if not values[i]:
                    return False
            return True
        return logic.all_of(values)
    return patched


class _Leaves:
    """A value's structure with each symbolic leaf replaced by its z3 term's id: equal keys,
    equal values as formulas. Ids are unique among live terms (z3 shares equal terms), and the
    cache keeps the terms of its keys alive, so an id cannot be reused for another term."""

    def __init__(self) -> None:
        self.key: List[Any] = []
        self.terms: List[Any] = []

    def add(self, value: Any) -> bool:
        t = type(value)
        if t is SymbolicBool or isinstance(value, SymbolicInt):
            self.key.append((t, value.var.get_id()))
            self.terms.append(value.var)
        elif value is None or t in (int, bool):
            self.key.append((t, value))
        elif t is tuple:
            self.key.append(len(value))
            return all(self.add(v) for v in value)
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            self.key.append(t)
            return all(self.add(getattr(value, f.name)) for f in dataclasses.fields(value))
        else:
            return False  # a symbolic container or anything else: no key
        return True


class _AcrossPaths:
    """Invariant parts' values by the terms of the fields they read (see `_patched_holds_all`)."""

    LIMIT = 4096  # entries kept before starting afresh

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        """Forget everything: done as each analysis starts, so that a term is reused only on
        paths of the run that built it, whose inputs are made the same way on every path."""
        # part -> names of the fields it read -> their key -> (its term, the key's terms, kept alive)
        self.entries: Dict[Any, Dict[Tuple[str, ...], Dict[Tuple, Tuple[Any, List[Any]]]]] = {}
        self.size = 0

    @staticmethod
    def _key(fields: Mapping[str, Any]) -> Optional[Tuple[Tuple, List[Any]]]:
        leaves = _Leaves()
        return (tuple(leaves.key), leaves.terms) if all(leaves.add(v) for v in fields.values()) else None

    def lookup(self, part: Callable, s: Any) -> Tuple[Any, Dict[str, Any]]:
        """(the part's value, the fields it reads) if known for these field terms, else (None, {})."""
        with NoTracing():
            for names, known in self.entries.get(part, {}).items():
                fields = {n: getattr(s, n) for n in names}
                found = self._key(fields)
                hit = known.get(found[0]) if found is not None else None
                if hit is not None:
                    return SymbolicBool(hit[0]), fields
        return None, {}

    def store(self, part: Callable, read: Dict[str, Any], value: Any) -> None:
        with NoTracing():
            found = self._key(read) if type(value) is SymbolicBool else None
            if found is None:
                return
            if self.size >= self.LIMIT:
                self.clear()
            self.entries.setdefault(part, {}).setdefault(tuple(read), {})[found[0]] = (value.var, found[1])
            self.size += 1


class _Quiet:
    """Whether code run inside built its value from the inputs alone: the path had decided
    nothing when it ended (a branch, a fork or a realized value is recorded in `choices_made`;
    a result already known is known from such a decision), and it made no new variable.
    CrossHair keeps what a path learned in its statespace and in the bounds of its ints
    (`SymbolicBoundedInt`, which then answer comparisons without asking), so a value built after
    a decision may hold on that path only."""

    def __init__(self, space: StateSpace) -> None:
        self.space = space

    def __enter__(self) -> "_Quiet":
        with NoTracing():
            self.names = self.space.next_uniq
        return self

    def __exit__(self, *exc: Any) -> None:
        with NoTracing():
            self.held = exc[0] is None and not self.space.choices_made and self.space.next_uniq == self.names


_ACROSS = _AcrossPaths()


crosshair.core.register_patch(logic.holds_all, _patched_holds_all(logic.holds_all))
crosshair.core.register_patch(logic.keep, _patched_keep(logic.keep))


def _patched_count(model_fn: Callable, pb: Callable) -> Callable:
    """`exactly(bits, n)` and `at_least(bits, n)` for a plain n as z3's pseudo-Boolean
    constraints: the solver's cardinality reasoning instead of a sum of `ite`s it must do
    arithmetic on. The spec's count of a CVM's table pages, so written, halved its page faults'
    integrity and totality runs."""
    plain = _unpatched(model_fn)

    def patched(bits: Any, n: Any) -> Any:
        values = list(bits)  # traced: the items are model code
        with NoTracing():
            terms = [_bool_term(v) for v in values]
            if type(n) is int and any(type(v) is SymbolicBool for v in values) and all(t is not None for t in terms):
                return SymbolicBool(pb([(t, 1) for t in terms], n))
        return plain(values, n)
    return patched


crosshair.core.register_patch(logic.exactly, _patched_count(logic.exactly, z3.PbEq))
crosshair.core.register_patch(logic.at_least, _patched_count(logic.at_least, z3.PbGe))
crosshair.core.register_patch(logic.all_of, _fold(logic.all_of, smt.and_))
crosshair.core.register_patch(logic.any_of, _fold(logic.any_of, smt.or_))
crosshair.core.register_patch(logic.lnot, _patched_lnot(logic.lnot))
crosshair.core.register_patch(logic.implies, _patched_implies(logic.implies))
crosshair.core.register_patch(logic.same, _patched_same(logic.same))


def _divided(op: Callable, a: Any, b: Any) -> Any:
    """`a // b` and `a % b` for a symbolic int and a plain int b > 0, as z3's `div` and `mod`:
    for a positive divisor both are Python's (the floor, and a remainder in [0, b)). CrossHair
    reaches the same terms through forks (is b zero? is b negative? and for `//`, is a negative?,
    a real split of the path), each a choice on the path: a path that decoded a call or checked
    an alignment had then "decided" something, so no invariant part after it was kept across
    paths (`_Quiet`), and each fork cost a check. `tests/fixture_obligations.py` pins the
    semantics, and that the patch is in place."""
    with NoTracing():
        if type(b) is int and b > 0 and isinstance(a.var, z3.ArithRef) and a.var.is_int():
            return SymbolicInt(a.var % b if op is operator.mod else a.var / b)
        return SymbolicInt(builtinslib.apply_smt(op, a.var, smt.int_val(b)))


for _op in (operator.floordiv, operator.mod):
    for _cls in (SymbolicInt, SymbolicBoundedInt):
        builtinslib._BIN_OPS[(_op, _cls, int)] = _divided


_reachable_sequence_pairs = opcode_intercept.reachable_sequence_pairs
_multi_subscript = opcode_intercept.MultiSubscriptableContainer.__getitem__


class _Signs(_PerPath):
    """Per path, what the solver said about a subscript key's sign, by the key's term.

    CrossHair indexes a tuple of non-atomic values (a register file, a row of tables) with a
    symbolic key by asking the solver, at every such subscript, whether the key can be negative
    (and if so whether it can be non-negative): a full check, unsatisfiable for the model's keys,
    and not remembered by the search tree. On the heaviest runs that was up to two fifths of
    the solver's time, mostly the same key (`run_cvm * H + run_vcpu`, the same z3 term) asked again.
    An impossible sign stays impossible on the path; a possible one that later became
    impossible only adds a guard that cannot hold."""

    def reset(self) -> None:
        self.known: Dict[int, Tuple[Any, bool, bool]] = {}

    def pairs(self, key: Any, container: Any) -> List[Tuple[int, Any]]:
        term = getattr(key, "var", None)
        if not isinstance(key, SymbolicInt) or not isinstance(term, z3.ArithRef):
            return _reachable_sequence_pairs(key, container)
        space = self.current()
        found = self.known.get(term.get_id())
        if found is None:
            with ResumedTracing():  # as CrossHair asks: `is_possible` stops tracing itself
                negative = space.is_possible(term < 0)
                found = (term, negative, (not negative) or space.is_possible(term >= 0))
            self.known[term.get_id()] = found  # the term is kept, so its id is not reused
        _, negative, nonnegative = found
        length = len(container)
        return ([(i, v) for i, v in enumerate(container)] if nonnegative else []) + \
            ([(i - length, v) for i, v in enumerate(container)] if negative else [])


class _Pins(_PerPath):
    """Per path, the one value an int term can take there, when the path has pinned it.

    Once a path has chosen the running vCPU (say by reading its register row, where CrossHair
    forks once per row), every later use of `run_cvm * H + run_vcpu` is decided, yet each
    subscript with it forks again, and `set_at` forks once per position: each a solver check
    that one side is impossible. Here a term's constants are each checked once per path (is any
    other value possible?) and, when all are pinned, the term's value is the z3 term with them
    substituted, so the subscript or update is done with a plain int: what the only feasible
    side of those forks would have done. Only constants of a key CrossHair has already forked on
    in this path are asked about (asking about every key cost more checks than it saved), and
    one not pinned is asked again only after the path has learned something new.

    Reusing an invariant part's term across paths (`_AcrossPaths`) stays sound: it is kept only
    if the path had made no choice, and then nothing is pinned but what every path knows alike."""

    def reset(self) -> None:
        self.consts: Dict[int, Tuple[Any, Any, int]] = {}  # id -> (constant, value or None, when asked)
        self.terms: Dict[int, Tuple[Any, Optional[int], Optional[List[Any]]]] = {}  # id -> (term, value, constants)
        self.touched: Dict[int, Any] = {}  # constants of keys CrossHair has forked on, by id

    def touch(self, key: Any) -> None:
        """`key` was just forked on by CrossHair: its constants may be pinned from now on."""
        if isinstance(key, SymbolicInt):
            known = self.terms.get(key.var.get_id())  # `value` has usually just found them
            for c in (known[2] if known is not None else _constants(key.var)) or ():
                self.touched[c.get_id()] = c

    def value(self, key: Any) -> Optional[int]:
        """The plain int symbolic `key` must be on this path, or None if it is not (yet) pinned
        or not a symbolic int."""
        if not isinstance(key, SymbolicInt):
            return None
        space, term = self.current(), key.var
        term_id = term.get_id()
        known = self.terms.get(term_id)
        if known is not None and known[1] is not None:
            return known[1]
        consts = known[2] if known is not None else _constants(term)
        pairs = [(c, self._pinned(space, c)) for c in consts or ()]
        value = None
        if consts is not None and all(v is not None for _, v in pairs):
            ground = z3.simplify(z3.substitute(term, *pairs) if pairs else term)
            value = ground.as_long() if z3.is_int_value(ground) else None
        self.terms[term_id] = (term, value, consts)  # terms are kept, so ids are not reused
        return value

    def _pinned(self, space: StateSpace, const: Any) -> Any:
        asked_at = space.solver.assertion_version
        if const.get_id() not in self.touched:
            return None  # a key CrossHair never forked on is rarely pinned: not worth a check
        known = self.consts.get(const.get_id())
        if known is not None and (known[1] is not None or known[2] == asked_at):
            return known[1]
        model = space._known_model() or space.witness()
        if model is None:  # no model of the path: ask nothing, let CrossHair fork as it does
            return None
        value = model.eval(const, model_completion=True)
        with ResumedTracing():  # as CrossHair asks: `is_possible` stops tracing itself
            other = space.is_possible(const != value)
        self.consts[const.get_id()] = (const, None if other else value, asked_at)
        return None if other else value


def _constants(term: Any) -> Optional[List[Any]]:
    """The free constants of an int term built from them by interpreted operations, or None
    if it holds anything else (an uninterpreted function, a quantifier)."""
    found: Dict[int, Any] = {}
    todo, seen = [term], set()
    while todo:
        t = todo.pop()
        if t.get_id() in seen:
            continue
        seen.add(t.get_id())
        if not z3.is_app(t):
            return None
        if t.decl().kind() == z3.Z3_OP_UNINTERPRETED:
            if t.num_args():
                return None
            found[t.get_id()] = t
        todo.extend(t.children())
    return list(found.values())


def _subscript(self: Any, key: Any) -> Any:
    """A sequence subscript with a key the path has pinned is done with the plain int (the same
    element, or the same IndexError); otherwise CrossHair forks as it does."""
    with NoTracing():
        if isinstance(self.container, (tuple, list)):
            index = _PINS.value(key)
            if index is not None:
                return self.container[index]
    try:
        return _multi_subscript(self, key)
    finally:
        with NoTracing():
            _PINS.touch(key)


def _patched_set_at(model_fn: Callable) -> Callable:
    plain = _unpatched(model_fn)

    def patched(t: Any, i: Any, v: Any) -> Any:
        with NoTracing():
            index = _PINS.value(i)
        if index is None:
            return plain(t, i, v)
        return t[:index] + (v,) + t[index + 1:] if 0 <= index < len(t) else t
    return patched


_SIGNS = _Signs()
_PINS = _Pins()
opcode_intercept.reachable_sequence_pairs = _SIGNS.pairs
opcode_intercept.MultiSubscriptableContainer.__getitem__ = _subscript
crosshair.core.register_patch(logic.set_at, _patched_set_at(logic.set_at))
