"""The per-entry lemmas are size-independent and still connected to the model: each per-entry
function is mapped where `MAPPED_IN` says, reads no configured size, and a wrong lemma fails."""
from __future__ import annotations

import ast
import importlib
import inspect
import textwrap

import pytest

from abstract.config import Sizes
from refinement.checker import CheckOptions, check
from refinement.obligations.entries import MAPPED_IN
from refinement.registry import Kind, load_all
from refinement.results import Verdict

SIZE_NAMES = {"NC", "C", "K", "H", "G", "R", "P", "PAGES", "C_START", "C_END"}


def _resolve(module: str, qualname: str):
    target = importlib.import_module(module)
    for part in qualname.split("."):
        target = getattr(target, part)
    return inspect.unwrap(target)


def _body_names(fn) -> set:
    """Names read in a function's body (not in its defaults or annotations)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    body = tree.body[0].body
    return {n.id for stmt in body for n in ast.walk(stmt) if isinstance(n, ast.Name)}


def _name(node) -> str:
    return node.id if isinstance(node, ast.Name) else getattr(node, "attr", "")


def _calls(fn) -> set:
    """Functions a function calls, directly or mapped through `each(f, ...)`."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            names.add(_name(node.func))
            if _name(node.func) == "each" and node.args:
                names.add(_name(node.args[0]))
    return names


def test_every_entry_lemma_says_where_it_is_mapped():
    entry_ids = {ob_id for ob_id, ob in load_all().items() if ob.kind is Kind.ENTRY}
    assert entry_ids == set(MAPPED_IN)
    assert all(ob.any_size for ob in load_all().values() if ob.kind is Kind.ENTRY)
    assert not any(ob.any_size for ob in load_all().values() if ob.kind is not Kind.ENTRY)


@pytest.mark.parametrize("ob_id", sorted(MAPPED_IN))
def test_the_whole_state_functions_still_apply_the_per_entry_function(ob_id):
    """The lemma speaks for the whole state only while the state-wide function applies it:
    rewriting `release_all` without `reclaimed`, say, must fail here."""
    for module, whole, per_entry in MAPPED_IN[ob_id]:
        name = per_entry.rpartition(".")[2]
        assert name in _calls(_resolve(module, whole)), f"{module}.{whole} no longer calls {name}"


def test_every_lemma_about_a_whole_step_is_lifted():
    """A per-entry lemma speaks for a whole step only with a lift obligation (kind `lift`) that
    proves the step is the map. `riscv/hypervisor_reach/entry` is about PMP alone; its
    whole-state form is proven directly (`riscv/state/isolation`). `riscv/pt_walk_level/entry`
    is lifted for the walk (`riscv/pt_walk/lift`); the copy's use of it is proven whole at the
    configured levels (`riscv/pt_copy/*`)."""
    from refinement.obligations.lifts import LIFTS
    obligations = load_all()
    lifted = {row.lemma for row in LIFTS}
    assert lifted == set(MAPPED_IN) - {"riscv/hypervisor_reach/entry"}
    assert {ob.kind for ob in obligations.values()} >= {Kind.LIFT}
    assert sum(ob.kind is Kind.LIFT for ob in obligations.values()) == len(LIFTS)


@pytest.mark.parametrize("ob_id", sorted(MAPPED_IN))
def test_per_entry_functions_and_lemmas_read_no_configured_size(ob_id):
    """A per-entry function that read NC or PAGES itself would make the lemma hold only at the
    configured size: the sizes must come in as arguments."""
    ob = load_all()[ob_id]
    functions = [inspect.unwrap(ob.function())]
    for _, _, per_entry in MAPPED_IN[ob_id]:
        module, _, name = per_entry.rpartition(".")
        functions.append(_resolve(module, name))
    for fn in functions:
        assert not (_body_names(fn) & SIZE_NAMES), (fn.__qualname__, _body_names(fn) & SIZE_NAMES)


@pytest.mark.proof
@pytest.mark.parametrize("sizes", [Sizes(), Sizes(nc_pages=16, c_pages=16)])
def test_entry_lemmas_are_proven_at_any_size(sizes):
    """Proven with CrossHair at two configured sizes: the verdict and the path count are the
    same, because the sizes are free variables of the lemma, not the configuration's."""
    obligations = [ob for ob in load_all().values() if ob.kind is Kind.ENTRY]
    results = [check(ob, CheckOptions(sizes=sizes, timeout=30)) for ob in obligations]
    assert all(r.verdict is Verdict.PROVEN for r in results), [(r.id, r.verdict) for r in results]
    assert all(r.sizes is None and r.any_size for r in results)


@pytest.mark.proof
def test_a_wrong_per_page_lemma_is_refuted(monkeypatch):
    """The PMP lemma can fail: claiming the page just past NC is reachable is refuted."""
    monkeypatch.setenv("REFINE_EXTRA_OBLIGATIONS", "tests.fixture_obligations")
    ob = load_all()["riscv/fixture_reach_off_by_one/entry"]
    result = check(ob, CheckOptions(timeout=30))
    assert result.verdict is Verdict.REFUTED
    assert result.counterexample["confirmed"] is True
