"""The full proof at the default sizes: every obligation must be PROVEN (CI fails otherwise)."""
from __future__ import annotations

import json
import os

import pytest

from refinement.checker import CheckOptions, check_all
from refinement.registry import load_all
from refinement.results import Verdict

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


def test_each_crosshair_proof_says_how_long_its_slowest_solver_check_took(full_proof):
    """The solver margin (`results.without_margin`) is measured, not left at its default: every
    CrossHair run records its longest z3 check, and none outlived z3's budget (half the
    per-obligation timeout; a check that did would have ended its path undecided)."""
    results, _ = full_proof
    measured = [r.evidence.slowest_query for r in results if r.evidence.method == "crosshair" and not r.cached]
    assert measured and max(measured) > 0
    assert all(0 <= q <= 90.0 / 2 + 1 for q in measured)


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


def test_every_obligation_is_proven_at_the_second_configuration(second_proof_in_background):
    """`abstract.config.SECOND`: where two sizes coincide at the defaults they differ here, so
    a slip that indexes by the wrong size cannot hide behind the defaults. Proven by `refine
    prove --second` in the background from the session's start (tests/conftest.py), or here."""
    from dataclasses import replace
    from abstract.config import SECOND, Sizes
    sizes = replace(Sizes(), **SECOND)
    if second_proof_in_background is None:
        results = check_all([ob for ob in load_all().values() if ob.stated_at(sizes)], CheckOptions(sizes=sizes, timeout=90), jobs=os.cpu_count() or 1)
        rows = [{"id": r.id, "verdict": r.verdict.value, "note": r.evidence.note, "transition": r.transition,
                 "outcomes": r.evidence.outcomes, "sizes": r.sizes} for r in results]
    else:
        child, report, log = second_proof_in_background
        child.wait(timeout=60 * 60)
        assert report.exists(), f"`refine prove --second` wrote no report (exit {child.returncode}):\n{log.read_text()[-3000:]}"
        data = json.loads(report.read_text())
        rows = [{"id": o["id"], "verdict": o["verdict"], "note": o["evidence"]["note"], "transition": o["transition"],
                 "outcomes": o["evidence"].get("outcomes") or [], "sizes": o["sizes"]} for o in data["obligations"]]
        assert {k: data["config"][k] for k in sizes.as_dict()} == sizes.as_dict(), "the report's configuration"
    assert sorted(r["id"] for r in rows) == sorted(i for i, ob in load_all().items() if ob.stated_at(sizes)), \
        "every obligation stated there, each once"
    not_proven = [(r["id"], r["verdict"], r["note"]) for r in rows if r["verdict"] != Verdict.PROVEN.value]
    assert not not_proven, not_proven
    unreached = [(r["id"], o["outcome"]) for r in rows if r["transition"] for o in r["outcomes"] if not o["reached"]]
    assert not unreached, unreached
    assert all(r["sizes"] is None or r["sizes"] == sizes.as_dict() for r in rows), "proven at the sizes asked for"


@pytest.mark.parametrize("levels", [3, 4, 5])
def test_the_walk_and_copy_obligations_are_proven_at_sv48x4_and_sv57x4_depth(levels):
    """`refine prove --levels 4` (Sv48x4) and 5 (Sv57x4): the per-level lemmas, the walk's lift and the whole copy
    (one entry wide below the root at these depths, `pt_width`) are proven, not only searched; so is ACE's copy
    answering what PROMOTE's row answers, from any free run (`pt_path_copy`, `pt_copy_then`); so are the CVMs'
    tables at that depth: the hart's walk, the TLB fill and the steps that write the tables, and at 3 and 4
    levels PROMOTE's obligations on every layer."""
    from dataclasses import replace
    from abstract.config import Sizes, least_c_pages
    d = Sizes()
    sizes = replace(d, levels=levels, c_pages=least_c_pages(d.nc_pages, d.cvms, levels))
    cvm_tables = ("riscv->canonical/walk/", "riscv->canonical/cvm_walk/", "riscv->canonical/tlb_fill/", "riscv->canonical/promote_to_tvm/",
                  "riscv->canonical/destroy_tvm/", "riscv->canonical/share_memory/", "riscv->canonical/unshare_memory/")
    # PROMOTE on every layer at Sv48x4's depth and the one above (the issue's `--levels 4`): at
    # 5 levels the canonical square took about 80 s of CrossHair time before ACE's error
    # precedence and more since, too near the per-obligation limit for CI's machine, and is not
    # asked of CI.
    promote = ("canonical->spec/promote_to_tvm/", "spec/promote_to_tvm/", "riscv/promote_to_tvm/") if levels < 5 else ()
    chosen = [ob for ob in load_all().values() if ob.id.startswith(("riscv/pt_",) + cvm_tables + promote) and ob.stated_at(sizes)]
    assert {ob.id for ob in chosen} >= {"riscv/pt_copy/isolation", "riscv/pt_copy/simulation", "riscv/pt_copy/allocation",
                                        "riscv/pt_hv_reading/simulation", "riscv/pt_walk_level/entry",
                                        "riscv/pt_path_copy/simulation", "riscv/pt_copy_then/entry", "riscv/pt_path_tables/simulation",
                                        "riscv/pt_summary_path/simulation", "riscv/pt_promote_path/simulation", "riscv/pt_walk/lift", "riscv->canonical/walk/simulation",
                                        "riscv->canonical/cvm_walk/simulation"}
    assert not promote or {ob.id for ob in chosen} >= {"canonical->spec/promote_to_tvm/simulation", "spec/promote_to_tvm/integrity"}
    _all_proven_at(chosen, sizes)


def test_the_cvm_tables_obligations_are_proven_with_three_cvms():
    """Both proven configurations have two CVMs, where an index into a per-slot tuple that is off
    by a multiple of the tuple's length wraps to the right entry (Python's negative indices):
    `leaf_page` reading `k * CHAIN - CHAIN - 1` for `k * CHAIN + CHAIN - 1` survives every
    obligation there. With three CVMs the same obligations tell them apart
    (`riscv->canonical/promote_to_tvm` refutes that index), so the ones that read the CVMs'
    tables slot by slot are proven here too."""
    from dataclasses import replace
    from abstract.config import Sizes, least_c_pages
    d = Sizes()
    sizes = replace(d, cvms=3, c_pages=least_c_pages(d.nc_pages, 3, d.levels))
    wanted = ("riscv->canonical/walk/", "riscv->canonical/cvm_walk/", "riscv->canonical/promote_to_tvm/")
    chosen = [ob for ob in load_all().values() if ob.id.startswith(wanted) and ob.stated_at(sizes)]
    assert {ob.id for ob in chosen} >= {"riscv->canonical/walk/simulation", "riscv->canonical/cvm_walk/simulation",
                                        "riscv->canonical/promote_to_tvm/simulation"}
    _all_proven_at(chosen, sizes)


def _all_proven_at(chosen, sizes) -> None:
    """Every chosen obligation PROVEN, and proven at `sizes` (not at the defaults)."""
    results = check_all(chosen, CheckOptions(sizes=sizes, timeout=90), jobs=os.cpu_count() or 1)
    assert [(r.id, r.verdict.value) for r in results if r.verdict is not Verdict.PROVEN] == []
    assert all(r.sizes is None or r.sizes == sizes.as_dict() for r in results), "proven at the sizes asked for"
