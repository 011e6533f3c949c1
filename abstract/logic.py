"""Small branch-light helpers for writing models CrossHair can exhaust.

CrossHair forks a path at every `if`, `and`, `or` and `all()` on a symbolic value. These
helpers combine symbolic booleans with `&`/`|` (no fork) and update tuples entry by entry.
"""
from __future__ import annotations

from typing import Callable, Iterable, Tuple, TypeVar

T = TypeVar("T")
S = TypeVar("S")


def all_of(bits: Iterable[bool]) -> bool:
    """Conjunction without short-circuit, so a symbolic conjunct does not fork the path. A plain
    loop, not `functools.reduce(operator.and_, ...)`: CrossHair replaces `reduce` with its own
    version, which calls a wrapper per step; the loop made whole obligations about 10 % faster."""
    acc = True
    for b in bits:
        acc = acc & b
    return acc


# Functions marked `reused`, in the order they were marked (the prover patches each once).
REUSED: list = []


def reused(fn: Callable) -> Callable:
    """Mark a function whose value depends only on its arguments, which are immutable (ints,
    bools, tuples, `immutable` dataclasses), and which has no effect. The prover
    (`refinement.crosshair_adapter`) then gives back, on one path, the value it computed for the
    very same argument objects instead of running it again: the decoder on a selector's registers
    and again in the step, an abstraction of the state the precondition already abstracted.
    Plain Python calls it as written."""
    REUSED.append(fn)
    return fn


def holds_all(parts: Tuple[Callable[[S], bool], ...], s: S) -> bool:
    """`part(s)` for every part, conjoined. Each part must read the state only through its
    argument (fields of `s`, which are immutable): then its value is a function of the fields it
    read. The prover relies on that (`refinement.crosshair_adapter`): on one path it evaluates a
    part once per set of field objects, so a step's post-state that kept the fields a part read
    reuses the pre-state's value instead of rebuilding it."""
    return all_of(part(s) for part in parts)


def immutable(cls: type) -> type:
    """Mark a frozen dataclass whose fields are ints, bools, tuples of them or other such
    classes: like a tuple, a deep copy of its value is the value itself. CrossHair deep-copies
    the arguments of every path it explores; for a whole state that copy was about 5 % of a run."""
    setattr(cls, "__deepcopy__", lambda self, memo: self)
    setattr(cls, "__copy__", lambda self: self)
    return cls


def any_of(bits: Iterable[bool]) -> bool:
    """Disjunction without short-circuit."""
    acc = False
    for b in bits:
        acc = acc | b
    return acc


def lnot(a: bool) -> bool:
    """Negation that neither forks (as `not` would) nor breaks on plain bools (as `~` would)."""
    return a ^ True


def implies(a: bool, b: bool) -> bool:
    return lnot(a) | b


def each(f: Callable[..., T], n: int, columns: Tuple[Tuple, ...], *extra: object) -> Tuple[T, ...]:
    """`f(c[i] for c in columns, *extra)` for i in range(n): the one way a step acts entry by
    entry. A per-entry lemma proves `f` with the sizes free; a lift obligation
    (`refinement/obligations/lifts.py`) proves, at the configured sizes, that the step is this
    map over the entries the state's layout names, so a wrong range, offset or count is refuted."""
    return tuple(f(*(c[i] for c in columns), *extra) for i in range(n))


def set_at(t: Tuple[T, ...], i: int, v: T) -> Tuple[T, ...]:
    """`t` with entry `i` replaced by `v`; a symbolic `i` forks once per position, not 2^n
    (`put_at` and `flag_put` do not fork at all: use them where `i` is still symbolic). Where
    the path has already decided `i` (the running vCPU's row was read), the prover does the
    update with that value instead (`refinement.crosshair_adapter._Pins`)."""
    return tuple(v if j == i else t[j] for j in range(len(t)))


def put_at(t: Tuple[int, ...], i: int, v: int) -> Tuple[int, ...]:
    """`t` with int entry `i` replaced by `v`, without a fork per position: each entry keeps its
    value plus `keep(v - t[j], j == i)`. For a symbolic index only; `set_at` suits a concrete one."""
    return tuple(t[j] + keep(v - t[j], j == i) for j in range(len(t)))


def flag_put(t: Tuple[bool, ...], i: int, v: bool) -> Tuple[bool, ...]:
    """`t` with bool entry `i` replaced by `v`, without a fork per position (`put_at` for flags)."""
    return tuple((t[j] & (j != i)) | (v & (j == i)) for j in range(len(t)))


def first_n(flags: Tuple[bool, ...], n: int) -> Tuple[bool, Tuple[int, ...]]:
    """Whether at least n of `flags` hold, and the positions of the first n that do (lowest
    first; meaningful only when there are n), without a fork per position: the i-th is the
    position whose flag holds with exactly i holding below it. An allocator written with `if`
    on each page's owner forked once per free page: PROMOTE's obligations explored 400 to 500
    paths where, this way, they explore as many as before its tables took pages."""
    ranks, total = ranks_of(flags)
    return total >= n, tuple(sum(keep(p, flags[p] & (ranks[p] == i)) for p in range(len(flags))) for i in range(n))


def ranks_of(flags: Tuple[bool, ...]) -> Tuple[Tuple[int, ...], int]:
    """For each position, how many flags hold below it (its rank among the flagged ones, if its
    own holds), and how many hold in all. Branch-free."""
    below, ranks = 0, []
    for f in flags:
        ranks.append(below)
        below = below + keep(1, f)
    return tuple(ranks), below


def first_run(flags: Tuple[bool, ...], base: int, n: int) -> Tuple[bool, int, Tuple[bool, ...]]:
    """Whether some n consecutive positions p .. p + n - 1 all hold with base + p a multiple of n
    (a naturally aligned block: `base` is the first position's number), the lowest such p, and
    for each position whether it lies in that block (p and the flags are meaningful only when
    there is one). The candidates are concrete, so the choice is a sum of `keep`s, not a fork
    per block; the flags are plain conjunctions of `flags`, so a caller that marks the block
    taken adds no arithmetic on p (marking it with `put_at` at p + i made the spec's PROMOTE
    integrity at 14 C pages run out of time)."""
    seen, first, inside = False, 0, [False] * len(flags)
    for p in range(len(flags) - n + 1):
        if (base + p) % n == 0:
            chosen = all_of(flags[p + i] for i in range(n)) & lnot(seen)
            first, seen = first + keep(p, chosen), seen | chosen
            for i in range(n):
                inside[p + i] = inside[p + i] | chosen
    return seen, first, tuple(inside)


def set_range(t: Tuple[T, ...], start: int, values: Tuple[T, ...]) -> Tuple[T, ...]:
    """`t` with entries start..start+len(values)-1 replaced; `start` must be concrete."""
    return t[:start] + tuple(values) + t[start + len(values):]


def exactly(bits: Iterable[bool], n: int) -> bool:
    """Exactly n of `bits` hold. With n a plain int the prover states it as one cardinality
    constraint (`refinement.crosshair_adapter`), which the solver decides far more cheaply than
    the sum."""
    return sum(keep(1, b) for b in bits) == n


def at_least(bits: Iterable[bool], n: int) -> bool:
    """At least n of `bits` hold: one cardinality constraint for the prover, as `exactly`."""
    return sum(keep(1, b) for b in bits) >= n


def count(bits: Iterable[bool]) -> int:
    return sum(1 for b in bits if b)


def same(a: object, b: object) -> bool:
    """Entry-wise equality of two tuples (nested tuples and `immutable` dataclasses too) as one
    symbolic bool: `a == b` on tuples would fork once per entry. Tuples of different lengths are
    different (a view that lost a field must not compare equal on the rest). A loop with `type(x)
    is tuple` rather than a generator with `isinstance` (which CrossHair intercepts): the
    confidentiality obligations, which compare whole hypervisor views, became about a quarter faster."""
    if a is b:  # one object: equal without a term (confidentiality's two runs share what they keep)
        return True
    a, b = _entries(a), _entries(b)
    if len(a) != len(b):
        return False
    equal = True
    for x, y in zip(a, b):
        equal = equal & (same(x, y) if _composite(x) and _composite(y) else (x == y))
    return equal


def _composite(x: object) -> bool:
    return type(x) is tuple or type(x) in _FIELDS or hasattr(type(x), "__dataclass_fields__")


_FIELDS: dict = {}  # dataclass type -> the names its generated `==` compares


def _entries(x: object) -> Tuple:
    """A tuple's entries, or a dataclass's type name and the fields its `==` compares, in order
    (so two classes never agree, as with `==`)."""
    if type(x) is tuple:
        return x
    cls = type(x)
    if cls not in _FIELDS:
        import dataclasses
        _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls) if f.compare)
    return (cls.__qualname__,) + tuple(getattr(x, name) for name in _FIELDS[cls])


def keep(value: int, flag: bool) -> int:
    """`value` if `flag` else 0, without a fork: multiplying by a symbolic bool stays one term
    (measured: selecting one of 31 registers this way takes 3 paths, with `if` 34)."""
    return value * flag


def read_at(t: Tuple[int, ...], i: int) -> int:
    """`t[i]` for an index known to be in range, without a fork per position: the sum of
    `keep(t[q], q == i)`. Reading the hypervisor page to copy at a symbolic source this way cut
    the promote obligations' paths by the number of NC pages per copied page."""
    return sum(keep(t[q], q == i) for q in range(len(t)))


def flag_at(t: Tuple[bool, ...], i: int) -> bool:
    """`t[i]` of a bool tuple, for an index in range, without a fork per position."""
    return any_of(t[q] & (q == i) for q in range(len(t)))
