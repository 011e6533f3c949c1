"""Deliberately broken obligations that exercise every verdict of the checker with real
CrossHair runs. Loaded only when REFINE_EXTRA_OBLIGATIONS names this module."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Tuple

import icontract

from abstract.logic import all_of, any_of, at_least, exactly, holds_all, immutable, implies, keep, lnot, reused, same, set_at
from concrete.riscv import pmp
from refinement.obligations.entries import monitor_layout
from refinement.registry import Kind, Layers, Method, obligation


@obligation(Layers.SPEC, "fixture_vacuous", Kind.SIMULATION)
@icontract.require(lambda x: x > 0 and x < 0)
@icontract.ensure(lambda x, result: result == x)
def vacuous(x: int) -> int:
    """No x satisfies the precondition."""
    return x


@obligation(Layers.SPEC, "fixture_refuted", Kind.SIMULATION)
@icontract.ensure(lambda x, result: result != 1234)
def refuted(x: int) -> int:
    """Fails exactly at x == 1234."""
    return x


@obligation(Layers.SPEC, "fixture_raises", Kind.SIMULATION)
@icontract.ensure(lambda x, result: result >= 0)
def raises(x: int) -> int:
    """The body raises for x == 7."""
    if x == 7:
        raise ZeroDivisionError("the model divided by zero")
    return abs(x)


@obligation(Layers.SPEC, "fixture_bounded", Kind.SIMULATION)
@icontract.require(lambda a, b, c: 0 < a and 0 < b and 0 < c)
@icontract.ensure(lambda a, b, c, result: result)
def bounded(a: int, b: int, c: int) -> bool:
    """Fermat for cubes: true, but far beyond a 2-second search."""
    return a * a * a + b * b * b != c * c * c


@obligation(Layers.SPEC, "fixture_no_witness", Kind.NONVACUITY, Method.WITNESS)
@icontract.ensure(lambda x, result: not result)
def no_witness(x: bool) -> bool:
    """No boolean is both true and false: the 'invariant' is unsatisfiable."""
    return x and not x


@obligation(Layers.SPEC, "fixture_wrong_witness", Kind.NONVACUITY, Method.WITNESS, witness="wrong_witness(False)")
@icontract.ensure(lambda x, result: not result)
def wrong_witness(x: bool) -> bool:
    """Unsatisfiable, though a witness is named: the named one must not be taken on trust."""
    return x and not x


@obligation(Layers.SPEC, "fixture_named_witness", Kind.NONVACUITY, Method.WITNESS, witness="named_witness(3)")
@icontract.ensure(lambda n, result: not result)
def named_witness(n: int) -> bool:
    """Satisfied by n == 3, the named witness."""
    return n == 3


@obligation(Layers.SPEC, "fixture_raising_witness", Kind.NONVACUITY, Method.WITNESS, witness="raising_witness(0)")
@icontract.ensure(lambda n, result: not result)
def raising_witness(n: int) -> bool:
    """The named witness raises (division by zero); n == 2 is a real witness."""
    return 4 // n == 2


@obligation(Layers.SPEC, "fixture_enum_refuted", Kind.ENCODING, Method.ENUMERATION, domain="small_domain")
@icontract.ensure(lambda n, result: result == n)
def enum_refuted(n: int) -> int:
    """Wrong at n == 5."""
    return 0 if n == 5 else n


def small_domain():
    return ((n,) for n in range(8))


@obligation(Layers.RISCV, "fixture_reach_off_by_one", Kind.ENTRY)
@icontract.require(lambda mode, addr, r, w, x, nc, pages, page:
                   monitor_layout(mode, addr, r, w, x, nc, pages) and lnot(r[pmp.MONITOR_TOR] | w[pmp.MONITOR_TOR]))
@icontract.ensure(lambda mode, addr, r, w, x, nc, pages, page, result: result == ((0 <= page) & (page <= nc)))
def reach_off_by_one(mode: Tuple[int, ...], addr: Tuple[int, ...], r: Tuple[bool, ...], w: Tuple[bool, ...],
                     x: Tuple[bool, ...], nc: int, pages: int, page: int) -> bool:
    """Wrong at page == nc: the first C page is not reachable while the layout is closed."""
    return pmp.grants_r_or_w(mode, addr, r, w, page)


# Three obligations with the same inputs and precondition, for joint exploration: results must
# not be mixed up (x + 1 == 2 * x only at x == 1), and the third fails at x == 99.
@obligation(Layers.SPEC, "fixture_joint", Kind.SIMULATION)
@icontract.require(lambda x: 0 <= x < 100)
@icontract.ensure(lambda x, result: result == x + 1)
def joint_step(x: int) -> int:
    """The successor."""
    return x + 1


@obligation(Layers.SPEC, "fixture_joint", Kind.INVARIANT)
@icontract.require(lambda x: 0 <= x < 100)
@icontract.ensure(lambda x, result: result == 2 * x)
@icontract.ensure(lambda x, result: result % 2 == 0)
def joint_double(x: int) -> int:
    """The double, which is even."""
    return 2 * x


@obligation(Layers.SPEC, "fixture_joint", Kind.TOTALITY)
@icontract.require(lambda x: 0 <= x < 100)
@icontract.ensure(lambda x, result: result < 99)
def joint_wrong(x: int) -> int:
    """Fails at x == 99 only."""
    return x


@obligation(Layers.SPEC, "fixture_joint", Kind.INTEGRITY)
@icontract.require(lambda x: 0 <= x < 50)
@icontract.ensure(lambda x, result: result < 99)
def joint_other_precondition(x: int) -> int:
    """Same inputs, another precondition: never explored with the others."""
    return x


# The prover builds the model's combinators as single z3 terms (`crosshair_adapter`'s patches).
# Proven against plain `&`, `|`, `^` and `*`, which CrossHair traces as usual, they agree on
# every input; the second obligation, which expects the wrong value, must be refuted.

def _and_loop(bits: Tuple[bool, ...]) -> bool:
    acc = True
    for b in bits:
        acc = acc & b
    return acc


def _or_loop(bits: Tuple[bool, ...]) -> bool:
    acc = False
    for b in bits:
        acc = acc | b
    return acc


@immutable
@dataclass(frozen=True)
class _Pair:
    a: int
    b: Tuple[int, int]
    note: int = field(default=0, compare=False)  # `==` ignores it, so `same` must too


@immutable
@dataclass(frozen=True)
class _OtherPair:
    a: int
    b: Tuple[int, int]


@obligation(Layers.SPEC, "fixture_combinators", Kind.SIMULATION)
@icontract.ensure(lambda result: result)
def combinators_agree(a: bool, b: bool, c: bool, i: int, j: int) -> bool:
    bits = (a, b, c, True)
    return ((all_of(bits) == _and_loop(bits)) & (any_of(bits) == _or_loop(bits))
            & (lnot(a) == (a ^ True)) & (implies(a, b) == ((a ^ True) | b)) & (keep(i, c) == i * c)
            & (same((i, (j, a)), (j, (i, b))) == ((i == j) & (a == b)))
            & (same((i, a), (i, a, b)) == False)  # noqa: E712  (a bool from `same`, not a branch)
            & (same((_Pair(i, (j, i)), c), (_Pair(j, (i, j), note=i), c)) == (i == j))
            & same(_Pair(i, (j, j), note=i), _Pair(i, (j, j), note=j))
            & (same(_Pair(i, (j, j)), _OtherPair(i, (j, j))) == False)  # noqa: E712
            & (exactly(bits, 2) == (keep(1, a) + keep(1, b) + keep(1, c) == 1)) & exactly((a, lnot(a)), 1)
            & (at_least(bits, 3) == (keep(1, a) + keep(1, b) + keep(1, c) >= 2)) & at_least((a, lnot(a)), 1)
            & lnot(at_least((a, lnot(a)), 2)))


@obligation(Layers.SPEC, "fixture_combinators_wrong", Kind.SIMULATION)
@icontract.ensure(lambda result: result)
def combinators_wrong(a: bool, b: bool, i: int) -> bool:
    return (implies(a, b) == (a | b)) & (keep(i, a) == i) & (exactly((a, b), 1) == (a | b)) & (at_least((a, b), 1) == (a & b))


# The prover reuses an invariant part's term on the paths of one analysis when the fields it
# read are the same terms (`crosshair_adapter._patched_holds_all`), but only a term built before
# the path decided anything. A part that branches, or one evaluated after a decision, gives a
# term that holds on its own path only: the first two obligations are proven, and the third
# refuted, only if no term is reused where it does not hold (tests/test_checker.py).

@immutable
@dataclass(frozen=True)
class Two:
    a: int
    b: int


def sign_follows(s: Two) -> bool:
    """An invariant part that branches: b's sign follows a's."""
    if s.a > 0:
        return s.b > 0
    return s.b < 0


@obligation(Layers.SPEC, "fixture_part_after_a_decision", Kind.SIMULATION)
@icontract.require(lambda s: s.a > 0 and holds_all((sign_follows,), s))
@icontract.ensure(lambda result: result)
def part_after_a_decision(s: Two) -> bool:
    """The part is evaluated where a > 0 is already decided: it asks nothing new of the solver
    and builds the term of one branch only (b > 0)."""
    return s.b > 0


@obligation(Layers.SPEC, "fixture_part_that_branches", Kind.SIMULATION)
@icontract.require(lambda s: holds_all((sign_follows,), s))
@icontract.ensure(lambda result: result)
def part_that_branches(s: Two) -> bool:
    """True of every state the part admits; a term from one branch reused on the other path
    would admit a state it does not (a <= 0 with b > 0) and refute it."""
    return implies(s.a > 0, s.b > 0) & implies(lnot(s.a > 0), s.b < 0)


def a_positive(s: Two) -> bool:
    return s.a > 0


@obligation(Layers.SPEC, "fixture_part_on_another_state", Kind.SIMULATION)
@icontract.require(lambda s: holds_all((a_positive,), s))
@icontract.ensure(lambda result: holds_all((a_positive,), result))
def negated(s: Two) -> Two:
    """Refuted: the part's term for the input (a > 0) must not stand for the output's (-a > 0),
    whose field is another term."""
    return Two(-s.a, s.b)


# The prover builds `//` and `%` by a positive plain int as z3's div and mod, without CrossHair's
# forks (`crosshair_adapter._divided`): the first obligation is proven only if both are Python's
# floor division and remainder, also for negative ints and for a negative divisor (left to
# CrossHair); the second is refuted only if a truncating reading is told apart.

@obligation(Layers.SPEC, "fixture_division", Kind.SIMULATION)
@icontract.ensure(lambda a, result: (0 <= result[1]) & (result[1] < 4) & (4 * result[0] + result[1] == a))
def division(a: int) -> Tuple[int, int]:
    """One path: CrossHair alone forks `//` on the dividend's sign."""
    return a // 4, a % 4


@obligation(Layers.SPEC, "fixture_division_negative", Kind.SIMULATION)
@icontract.ensure(lambda a, result: (-4 < result[1]) & (result[1] <= 0) & (-4 * result[0] + result[1] == a))
def division_negative(a: int) -> Tuple[int, int]:
    return a // -4, a % -4


@obligation(Layers.SPEC, "fixture_division_truncating", Kind.SIMULATION)
@icontract.ensure(lambda a, result: result == -((-a) // 4))
def division_truncating(a: int) -> int:
    """Refuted where a is not a multiple of 4: Python floors, -((-a) // 4) rounds up."""
    return a // 4


@obligation(Layers.SPEC, "fixture_part_built_unasserted", Kind.SIMULATION)
@icontract.ensure(lambda result: holds_all((a_positive,), result))
def built_unasserted(s: Two) -> Two:
    """Refuted at a <= 0: the body builds the part's term for s and asserts nothing, and the
    postcondition reads the same fields again. Deciding a postcondition's invariant, the prover
    must still decide the parts it finds already built on the path, not take them as known."""
    holds_all((a_positive,), s)
    return s


# The prover does a subscript or a `set_at` with a plain int once the path has decided its
# index (`crosshair_adapter._Pins`), and remembers per path which signs a key can have
# (`_Signs`). The first obligation is proven only if the decided value is the right one; the
# other two are refuted only if an index the path has not decided is still explored whole.

ROWS = ((10, 11), (20, 21), (30, 31))
SUMS = ((0,), (1,), (2,), (3,), (4,))
PICK = (0, 5, 0)


@obligation(Layers.SPEC, "fixture_decided_index", Kind.SIMULATION)
@icontract.require(lambda i, v: 0 <= i < 3)
@icontract.ensure(lambda result: result)
def decided_index(i: int, v: int) -> bool:
    """Reading row i forks once per row, deciding i; the update and the reads after it use it."""
    row = ROWS[i]
    updated = set_at(ROWS, i, (v, row[1]))
    return ((updated[i][0] == v) & (updated[i][1] == row[1])
            & all_of(same(updated[q], ROWS[q]) | (q == i) for q in range(3)))


@obligation(Layers.SPEC, "fixture_decided_sum", Kind.SIMULATION)
@icontract.require(lambda i, j: 0 <= i < 3 and 0 <= j < 3)
@icontract.ensure(lambda result: result != 7)
def decided_sum(i: int, j: int) -> int:
    """Refuted at i == 1, j == 1 only. Reading SUMS decides i + j but neither i nor j: on the
    path where the sum is 2, i may still be 0, 1 or 2, and all three must be explored (a solver
    asked for any i + j == 2 tends to answer an end, i == 0 or 2)."""
    return SUMS[i + j][0] + PICK[i]


@obligation(Layers.SPEC, "fixture_negative_index", Kind.SIMULATION)
@icontract.require(lambda k: -3 <= k < 2)
@icontract.ensure(lambda result: result != 30)
def negative_index(k: int) -> int:
    """Refuted at k == -1 only (ROWS[2] is out of the precondition): a negative key reads from
    the end, as in Python."""
    return ROWS[k][0] + ROWS[k][0] - ROWS[k][0]


# A `logic.reused` function's value is given back on one path for the same argument objects
# (`crosshair_adapter._patched_reused`), and only for them: `_sign(y)` must not give back
# `_sign(x)`'s value, and `_sign` branches, so a value reused for other arguments is refuted.

@reused
def _sign(x: int) -> int:
    return 1 if x > 0 else -1


@obligation(Layers.SPEC, "fixture_reused", Kind.SIMULATION)
@icontract.ensure(lambda x, y, result: result == (2 if x > 0 else -2) + (1 if y > 0 else -1))
def reused_twice(x: int, y: int) -> int:
    """The third call gives back the first call's value; the second is its own."""
    return _sign(x) + _sign(y) + _sign(x)
