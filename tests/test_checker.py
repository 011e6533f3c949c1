"""The checker's verdicts against real CrossHair runs on deliberately broken obligations, and
its honesty rules on synthetic worker answers."""
from __future__ import annotations

import pytest

from refinement import checker
from refinement.checker import CheckOptions, check
from refinement.outcomes import Status
from refinement.registry import Method
from refinement.results import Evidence, Verdict

pytestmark = pytest.mark.proof


@pytest.fixture()
def fixtures(monkeypatch):
    monkeypatch.setenv("REFINE_EXTRA_OBLIGATIONS", "tests.fixture_obligations")
    from refinement.registry import load_all
    return load_all()


def _check(fixtures, name, timeout=10.0):
    return check(fixtures[name], CheckOptions(timeout=timeout))


def test_unsatisfiable_precondition_is_vacuous_not_proven(fixtures):
    r = _check(fixtures, "spec/fixture_vacuous/simulation")
    assert r.verdict is Verdict.VACUOUS


def test_counterexample_is_replayed_before_refuted(fixtures):
    r = _check(fixtures, "spec/fixture_refuted/simulation")
    assert r.verdict is Verdict.REFUTED
    assert r.counterexample["confirmed"] is True
    assert r.counterexample["arguments"] == {"x": "1234"}


def test_model_raising_is_error_with_replayed_input(fixtures):
    r = _check(fixtures, "spec/fixture_raises/simulation")
    assert r.verdict is Verdict.ERROR
    assert "ZeroDivisionError" in r.evidence.note
    assert r.counterexample["arguments"] == {"x": "7"}


def test_search_that_runs_out_of_budget_is_bounded(fixtures):
    r = _check(fixtures, "spec/fixture_bounded/simulation", timeout=2.0)
    assert r.verdict is Verdict.BOUNDED
    assert r.evidence.exhaustive is False


def test_an_invariant_part_that_branches_is_never_reused_on_another_path(fixtures):
    """The prover reuses an invariant part's term on the paths of one analysis
    (`crosshair_adapter._patched_holds_all`). A part that branches, or that is evaluated after
    the path decided something (here a > 0, which an int's bounds then answer without asking the
    solver), gives a term true on its own path only: each obligation is PROVEN only if such a
    term is never reused. One serving worker runs all three, so a term kept from one analysis
    into the next would be reused too."""
    workers = checker.ServingWorkers()
    try:
        results = [check(fixtures[f"spec/{name}/simulation"], CheckOptions(timeout=10.0), workers)
                   for name in ("fixture_part_after_a_decision", "fixture_part_that_branches",
                                "fixture_part_after_a_decision")]
    finally:
        workers.close()
    assert [(r.verdict, r.evidence.exhaustive) for r in results] == [(Verdict.PROVEN, True)] * 3, \
        [r.evidence.note for r in results]


def test_an_invariant_parts_term_is_reused_only_for_the_same_field_terms(fixtures):
    """The input's term for a part (a > 0) is kept, and the output's field is another term:
    reusing it there would prove that negating a keeps it positive."""
    r = _check(fixtures, "spec/fixture_part_on_another_state/simulation")
    assert r.verdict is Verdict.REFUTED and r.counterexample["confirmed"] is True


def test_an_invariant_part_built_earlier_on_the_path_is_still_decided(fixtures):
    """A part found on the path is not known to hold unless something asserted it: here the
    body built it and asserted nothing (`_patched_holds_all`'s question over found parts)."""
    r = _check(fixtures, "spec/fixture_part_built_unasserted/simulation")
    assert r.verdict is Verdict.REFUTED and r.counterexample["confirmed"] is True


def test_division_by_a_plain_int_is_pythons(fixtures):
    """`//` and `%` by a positive int are built as z3 terms without forks; they must still be
    Python's floor division and remainder (a negative divisor is CrossHair's own)."""
    r = _check(fixtures, "spec/fixture_division/simulation")
    assert r.verdict is Verdict.PROVEN and r.evidence.paths == 1  # one path: the patch is in place
    assert _check(fixtures, "spec/fixture_division_negative/simulation").verdict is Verdict.PROVEN
    r = _check(fixtures, "spec/fixture_division_truncating/simulation")
    assert r.verdict is Verdict.REFUTED and r.counterexample["confirmed"] is True


def test_an_index_the_path_decided_reads_and_updates_its_own_element(fixtures):
    """After reading row i the prover subscripts and updates with i's value on that path
    (`crosshair_adapter._Pins`); a wrong value would refute this."""
    r = _check(fixtures, "spec/fixture_decided_index/simulation")
    assert (r.verdict, r.evidence.exhaustive) == (Verdict.PROVEN, True), r.evidence.note


def test_a_reused_value_is_given_back_for_the_same_arguments_only(fixtures):
    r = _check(fixtures, "spec/fixture_reused/simulation")
    assert (r.verdict, r.evidence.exhaustive) == (Verdict.PROVEN, True), r.evidence.note


def test_a_decided_sum_leaves_its_terms_undecided(fixtures):
    r = _check(fixtures, "spec/fixture_decided_sum/simulation")
    assert r.verdict is Verdict.REFUTED and r.counterexample["confirmed"] is True
    assert r.counterexample["arguments"] == {"i": "1", "j": "1"}


def test_a_negative_key_reads_from_the_end(fixtures):
    r = _check(fixtures, "spec/fixture_negative_index/simulation")
    assert r.verdict is Verdict.REFUTED and r.counterexample["arguments"] == {"k": "-1"}


def test_unsatisfiable_invariant_is_vacuous(fixtures):
    r = _check(fixtures, "spec/fixture_no_witness/nonvacuity")
    assert r.verdict is Verdict.VACUOUS


def test_a_named_witness_that_fails_falls_back_to_the_search(fixtures):
    """A witness named in the registry is replayed first, but never trusted: here it does not
    satisfy the invariant, and the search then finds none (VACUOUS)."""
    r = _check(fixtures, "spec/fixture_wrong_witness/nonvacuity")
    assert r.verdict is Verdict.VACUOUS


def test_a_named_witness_that_holds_proves_nonvacuity_by_replay(fixtures):
    r = _check(fixtures, "spec/fixture_named_witness/nonvacuity")
    assert r.verdict is Verdict.PROVEN
    assert r.evidence.note == "the named witness state was replayed"
    assert r.counterexample["arguments"] == {"n": "3"}


def test_a_named_witness_that_raises_is_no_witness(fixtures):
    """Replay marks a raise as confirmed; a witness must instead make the invariant hold, so
    the search runs and finds the real witness n == 2."""
    r = _check(fixtures, "spec/fixture_raising_witness/nonvacuity")
    assert r.verdict is Verdict.PROVEN
    assert r.evidence.note == "a witness state was found and replayed"
    assert r.counterexample["arguments"] == {"n": "2"}


def test_enumeration_failure_is_refuted_and_replayed(fixtures):
    r = _check(fixtures, "spec/fixture_enum_refuted/encoding")
    assert r.verdict is Verdict.REFUTED
    assert r.counterexample["arguments"] == {"n": "5"}


def _fake(monkeypatch, outcomes, replay=None):
    """Make the worker answer with the given outcomes (and replay answer)."""
    def run_worker(job, options, wall_limit):
        if job["action"] == "replay":
            return {"ok": True, **(replay or {})}
        return {"ok": True, "outcomes": outcomes}
    monkeypatch.setattr(checker, "run_worker", run_worker)


def _outcome(status, exhausted=True, message="", paths=3):
    return {"status": status.value, "condition": "c", "message": message, "line": 1,
            "paths": paths, "exhausted": exhausted, "seconds": 0.1, "traceback": ""}


def _any_obligation():
    """An obligation whose precondition the initial state satisfies (see the test below)."""
    from refinement.registry import load_all
    return load_all()["canonical->spec/hypervisor_write/simulation"]


def test_confirmed_without_exhaustion_is_only_bounded(monkeypatch):
    _fake(monkeypatch, [_outcome(Status.CONFIRMED, exhausted=False)])
    assert check(_any_obligation(), CheckOptions()).verdict is Verdict.BOUNDED


def test_exhausted_pre_unsat_with_a_plain_witness_is_error_not_vacuous(monkeypatch):
    """CrossHair sometimes cannot build a type's inputs and still calls the precondition
    unsatisfiable; the initial state satisfies it, so the verdict must not be VACUOUS."""
    real = checker.run_worker

    def run_worker(job, options, wall_limit):
        if job["action"] == "prove":
            return {"ok": True, "outcomes": [_outcome(Status.PRE_UNSAT, exhausted=True)]}
        return real(job, options, wall_limit)
    monkeypatch.setattr(checker, "run_worker", run_worker)
    r = check(_any_obligation(), CheckOptions())
    assert r.verdict is Verdict.ERROR
    assert "could not build" in r.evidence.note


def test_pre_unsat_without_exhaustion_is_bounded_not_vacuous(monkeypatch):
    _fake(monkeypatch, [_outcome(Status.PRE_UNSAT, exhausted=False)])
    assert check(_any_obligation(), CheckOptions()).verdict is Verdict.BOUNDED


def test_one_unconfirmed_condition_keeps_obligation_bounded(monkeypatch):
    _fake(monkeypatch, [_outcome(Status.CONFIRMED), _outcome(Status.NOT_CONFIRMED, exhausted=False)])
    assert check(_any_obligation(), CheckOptions()).verdict is Verdict.BOUNDED


def test_replay_that_disagrees_is_error(monkeypatch):
    msg = "false when calling hypervisor_write_simulation_canonical_spec(1, 2, 3) (which returns x)"
    _fake(monkeypatch, [_outcome(Status.POST_FAIL, exhausted=False, message=msg)],
          replay={"confirmed": False, "reason": "every postcondition holds on these arguments"})
    r = check(_any_obligation(), CheckOptions())
    assert r.verdict is Verdict.ERROR
    assert "replay disagrees" in r.evidence.note


def test_no_outcomes_is_error(monkeypatch):
    _fake(monkeypatch, [])
    assert check(_any_obligation(), CheckOptions()).verdict is Verdict.ERROR


def test_worker_crash_is_error_and_hang_is_bounded(monkeypatch):
    def crash(job, options, wall_limit):
        raise checker.WorkerFailed("worker exited with status -9: killed")
    monkeypatch.setattr(checker, "run_worker", crash)
    assert check(_any_obligation(), CheckOptions()).verdict is Verdict.ERROR

    def hang(job, options, wall_limit):
        raise checker.WorkerFailed("worker exceeded its wall-clock limit of 60 s")
    monkeypatch.setattr(checker, "run_worker", hang)
    assert check(_any_obligation(), CheckOptions()).verdict is Verdict.BOUNDED


def test_witness_method_is_registered_for_nonvacuity():
    from refinement.registry import Kind, load_all
    for ob in load_all().values():
        if ob.kind is Kind.NONVACUITY:
            assert ob.method is Method.WITNESS


def _joint(fixtures, *kinds):
    return [fixtures[f"spec/fixture_joint/{k}"] for k in kinds]


def test_obligations_sharing_inputs_and_precondition_are_explored_together(fixtures):
    groups = checker.shared_runs(_joint(fixtures, "simulation", "invariant", "totality", "integrity"))
    assert sorted(sorted(ob.kind.value for ob in g) for g in groups) == [
        ["integrity"], ["invariant", "simulation", "totality"]]


def test_a_joint_run_proves_each_obligation_on_its_own_result(fixtures):
    step, double = checker.check_together(_joint(fixtures, "simulation", "invariant"), CheckOptions(timeout=20))
    assert (step.verdict, double.verdict) == (Verdict.PROVEN, Verdict.PROVEN)
    assert step.evidence.shared_with == [double.id] and double.evidence.shared_with == [step.id]
    assert step.evidence.exhaustive and step.evidence.paths == double.evidence.paths >= 1
    assert double.evidence.conditions == 2


def test_a_joint_run_that_fails_falls_back_to_one_run_each(fixtures):
    step, wrong = checker.check_together(_joint(fixtures, "simulation", "totality"), CheckOptions(timeout=20))
    assert step.verdict is Verdict.PROVEN and step.evidence.shared_with == []
    assert wrong.verdict is Verdict.REFUTED and "99" in wrong.counterexample["call"]
    # The proven one says the joint run came first, so its time does not hide in the run's wall time.
    assert step.evidence.note.startswith(f"proven on its own after a joint run with {wrong.id} did not prove them all (")
    assert "joint run" not in wrong.evidence.note


def _proven():
    return Verdict.PROVEN, Evidence("crosshair", True, 3, 1.0), None


def test_outcome_coverage_replays_each_witness_and_a_missing_success_is_vacuous():
    """Witnesses come from the proof's own paths and count only if, replayed in plain Python,
    they reach the outcome they claim; without a success witness the verdict is VACUOUS."""
    from abstract.config import PAGE_SIZE, PAGES
    from abstract.spec.state import spec_initial
    from refinement.registry import load_all
    from refinement.worker import replayed
    ob = load_all()["spec/hypervisor_write/totality"]
    s = spec_initial()
    ok = f"hypervisor_write_totality(s={s!r}, x=(0, 5))"
    fault = f"hypervisor_write_totality(s={s!r}, x=({PAGES * PAGE_SIZE}, 5))"
    assert replayed(ob, {"0": ok, "1": fault}) == {"0": ok, "1": fault}
    assert replayed(ob, {"0": fault}) == {}  # a witness that does not reach its outcome
    verdict, evidence, _ = checker._covered(ob, _proven(), {"0": ok, "1": fault})
    assert verdict is Verdict.PROVEN
    assert [(o["outcome"], o["reached"]) for o in evidence.outcomes] == [("ACCESS_OK", True), ("ACCESS_FAULT", True)]
    verdict, evidence, _ = checker._covered(ob, _proven(), {"1": fault})
    assert verdict is Verdict.VACUOUS and "ACCESS_OK" in evidence.note


def test_the_provers_combinator_terms_agree_with_plain_python(fixtures):
    assert _check(fixtures, "spec/fixture_combinators/simulation").verdict is Verdict.PROVEN
    wrong = _check(fixtures, "spec/fixture_combinators_wrong/simulation")
    assert wrong.verdict is Verdict.REFUTED and wrong.counterexample


def test_every_prover_patch_is_in_place():
    """`crosshair_adapter` replaces CrossHair internals only where they still exist (a guard per
    patch), so a CrossHair upgrade that moved one would drop it silently and the proof would only
    get slower. In a child process, as CrossHair must be: each patch is the adapter's."""
    import subprocess
    import sys
    probe = (
        "import crosshair.core, crosshair.smt, crosshair.statespace as ss\n"
        "from crosshair import opcode_intercept\n"
        "from crosshair.condition_parser import CompositeConditionParser\n"
        "from refinement import crosshair_adapter as a\n"
        "assert ss.make_default_solver is a._incremental_solver\n"
        "assert CompositeConditionParser.get_fn_conditions is a._cached_fn_conditions\n"
        "assert crosshair.core.make_counterexample_message is a._counterexample_from_model\n"
        "assert opcode_intercept.MultiSubscriptableContainer.__getitem__ is a._subscript\n"
        "assert opcode_intercept.reachable_sequence_pairs == a._SIGNS.pairs\n"
        "assert crosshair.smt.const == a._CONSTANTS.const\n"
        "from abstract import logic\n"
        "from refinement.registry import load_all\n"
        "load_all()\n"
        "a._new_analysis()\n"
        "assert len(logic.REUSED) >= 3\n"
        "assert all(f in crosshair.core._PATCH_REGISTRATIONS for f in logic.REUSED)\n"
        "assert logic.exactly in crosshair.core._PATCH_REGISTRATIONS and logic.at_least in crosshair.core._PATCH_REGISTRATIONS\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("levels", [(), (1,), (2, 6)])
def test_an_obligation_stated_only_at_depths_no_run_asks_for_is_refused_when_declared(levels):
    """`levels=` outside 2..5 (or empty) would leave the obligation out of every run, silently."""
    from refinement.registry import Kind, Layers, obligation
    with pytest.raises(ValueError, match="stated at table depths"):
        obligation(Layers.RISCV, "nowhere", Kind.ENCODING, levels=levels)(lambda: None)


def test_a_worker_that_prints_before_its_answer_fails_with_a_message_not_a_traceback(tmp_path, monkeypatch):
    """Anything a child writes to stdout ahead of its JSON (CrossHair's debug output did, once)
    is reported as the worker's failure, naming what it wrote; and the real worker sends such
    output to stderr, so its answer stays readable."""
    import json
    import subprocess
    import sys
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\ncat > /dev/null\necho '*** Begin Not Deterministic Debug ***'\n")
    fake.chmod(0o755)
    real = sys.executable
    monkeypatch.setattr(sys, "executable", str(fake))
    with pytest.raises(checker.WorkerFailed, match="answered no JSON.*Not Deterministic"):
        checker.run_worker({"id": "x", "action": "enumerate"}, CheckOptions(), wall_limit=30)
    noisy = ("import sys; from refinement import worker; answer = worker.answer_for; "
             "worker.answer_for = lambda job: (print('noise'), answer(job))[1]; sys.exit(worker.main())")
    job = json.dumps({"id": "riscv/pmpcfg/encoding", "action": "enumerate", "faults": []})
    proc = subprocess.run([real, "-c", noisy], input=job, capture_output=True, text=True, timeout=120)
    assert json.loads(proc.stdout)["ok"] and "noise" in proc.stderr, proc.stdout
