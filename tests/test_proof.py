"""The full proof at the default sizes: every obligation must be PROVEN (CI fails otherwise)."""
from __future__ import annotations

import json

import pytest

from refinement.results import Verdict
from tests.proof_runs import DEPTH_TEST, RUNS, rows_of

pytestmark = pytest.mark.proof


# `full_proof` (tests/conftest.py): the whole proof at the default sizes, run once per session.


def test_every_obligation_is_proven_at_default_sizes(full_proof):
    results, _ = full_proof
    not_proven = [(r.id, r.verdict.value, r.evidence.note) for r in results if r.verdict is not Verdict.PROVEN]
    assert not not_proven, not_proven


def test_crosshair_proofs_exhausted_every_path(full_proof):
    results, _ = full_proof
    for r in results:
        if r.evidence.method in ("crosshair", "enumeration"):
            assert r.evidence.exhaustive, r.id
            assert r.evidence.paths >= 1, r.id


def test_every_proof_has_a_replayed_witness_for_its_success_outcome(full_proof):
    """Branch coverage: the first outcome (success, or "holds" for a lemma) of every obligation
    was reached by one of its own paths (an enumerated value, a replayed witness state),
    replayed in plain Python."""
    results, _ = full_proof
    for r in results:
        assert r.evidence.outcomes, r.id
        if r.evidence.method == "crosshair":
            first = r.evidence.outcomes[0]
            assert first["reached"] and first["witness"], (r.id, first)


def test_every_answer_a_row_declares_is_reached_by_a_replayed_witness(full_proof):
    """A row declares exactly the answers its step can give (`Transition.codes`; totality proves
    no other is given). Each must be reached by a path of each of the row's obligations, so a
    check that can never fail, or a failure no input reaches, shows here."""
    results, _ = full_proof
    unreached = [(r.id, o["outcome"]) for r in results if r.transition and r.evidence.method == "crosshair"
                 for o in r.evidence.outcomes if not o["reached"]]
    assert not unreached, unreached


def test_json_report_has_the_documented_shape(full_proof):
    _, path = full_proof
    data = json.loads(path.read_text())
    assert set(data["tool"]) >= {"name", "version", "crosshair", "python"}
    assert {"nc_pages", "c_pages", "cvms", "harts", "guest_pages", "per_obligation_timeout"} <= set(data["config"])
    for ob in data["obligations"]:
        assert {"id", "layers", "operation", "kind", "verdict", "evidence", "counterexample"} <= set(ob)
        assert {"exhaustive", "paths", "seconds"} <= set(ob["evidence"])
    assert sum(data["summary"].values()) == len(data["obligations"])


def test_every_obligation_is_proven_at_the_second_configuration(proofs_in_background):
    """`abstract.config.SECOND`: where two sizes coincide at the defaults they differ here, so
    a slip that indexes by the wrong size cannot hide behind the defaults. Proven by `refine
    prove --second` in the background from the session's start (tests/conftest.py), or here."""
    name = "test_every_obligation_is_proven_at_the_second_configuration"
    rows = _all_proven(name, proofs_in_background)
    unreached = [(r["id"], o["outcome"]) for r in rows if r["transition"] for o in r["outcomes"] if not o["reached"]]
    assert not unreached, unreached


@pytest.mark.parametrize("levels", [3, 4, 5])
def test_the_walk_and_copy_obligations_are_proven_at_sv48x4_and_sv57x4_depth(levels, proofs_in_background):
    """`refine prove --levels 4` (Sv48x4) and 5 (Sv57x4): the per-level lemmas, the walk's lift and the whole copy
    (one entry wide below the root at these depths, `pt_width`) are proven, not only searched; so are the CVMs'
    tables at that depth: the hart's walk, the TLB fill and the steps that write the tables, and at 3 and 4
    levels PROMOTE's obligations on every layer (`tests.proof_runs`)."""
    name = f"{DEPTH_TEST}[{levels}]"
    ids = {r["id"] for r in _all_proven(name, proofs_in_background)}
    assert ids >= {"riscv/pt_copy/isolation", "riscv/pt_copy/simulation", "riscv/pt_copy/allocation",
                   "riscv/pt_hv_reading/simulation", "riscv/pt_walk_level/entry", "riscv/pt_walk/lift",
                   "riscv->canonical/walk/simulation", "riscv->canonical/cvm_walk/simulation"}
    assert levels == 5 or ids >= {"canonical->spec/promote_to_tvm/simulation", "spec/promote_to_tvm/integrity"}


def test_the_cvm_tables_obligations_are_proven_with_three_cvms(proofs_in_background):
    """Both proven configurations have two CVMs, where an index into a per-slot tuple that is off
    by a multiple of the tuple's length wraps to the right entry (Python's negative indices):
    `leaf_page` reading `k * CHAIN - CHAIN - 1` for `k * CHAIN + CHAIN - 1` survives every
    obligation there. With three CVMs the same obligations tell them apart
    (`riscv->canonical/promote_to_tvm` refutes that index), so the ones that read the CVMs'
    tables slot by slot are proven here too."""
    ids = {r["id"] for r in _all_proven("test_the_cvm_tables_obligations_are_proven_with_three_cvms", proofs_in_background)}
    assert ids >= {"riscv->canonical/walk/simulation", "riscv->canonical/cvm_walk/simulation",
                   "riscv->canonical/promote_to_tvm/simulation"}


def _all_proven(name, background) -> list:
    """Run `name`'s rows (`tests.proof_runs`): every obligation it selects there, each once, all
    PROVEN, at its sizes (not at the defaults)."""
    run = RUNS[name]
    rows = rows_of(name, background)
    assert sorted(r["id"] for r in rows) == sorted(ob.id for ob in run.chosen()), "every obligation stated there, each once"
    not_proven = [(r["id"], r["verdict"], r["note"]) for r in rows if r["verdict"] != Verdict.PROVEN.value]
    assert not not_proven, not_proven
    assert all(r["sizes"] is None or r["sizes"] == run.sizes.as_dict() for r in rows), "proven at the sizes asked for"
    return rows
