"""Seeded faults of the reference: each is swapped in without editing the model's source and
must be refuted, with a counterexample that replays in plain Python."""
from __future__ import annotations

import pytest

from refinement.checker import CheckOptions, check
from refinement.faults import FAULTS
from refinement.registry import load_all
from refinement.results import Verdict

pytestmark = pytest.mark.proof


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_seeded_fault_is_refuted_with_replayed_counterexample(name):
    fault = FAULTS[name]
    obligations = load_all()
    for ob_id in fault.refuted_by:
        result = check(obligations[ob_id], CheckOptions(timeout=60, faults=[name]))
        assert result.verdict is Verdict.REFUTED, (ob_id, result.evidence.note)
        cex = result.counterexample
        assert cex["confirmed"] is True
        if ob_id.endswith("/simulation"):
            assert cex["differences"], "a refuted square names the fields that differ"
        assert result.faults == [name]


def test_destroy_without_zeroing_shows_the_leaked_page():
    ob = load_all()["canonical->spec/destroy_tvm/simulation"]
    result = check(ob, CheckOptions(timeout=60, faults=["destroy-without-zeroing"]))
    paths = [d["path"] for d in result.counterexample["differences"]]
    assert any(p.startswith("[0].mem[") for p in paths), paths


def test_pmp_left_open_is_seen_as_isolation_open_for_the_hypervisor():
    ob = load_all()["riscv->canonical/exit_sbi_call/simulation"]
    result = check(ob, CheckOptions(timeout=60, faults=["pmp-open-after-exit"]))
    diffs = {d["path"]: (d["lower"], d["upper"]) for d in result.counterexample["differences"]}
    assert diffs.get("[0].hw.iso_open") == ("True", "False"), diffs


def test_fault_variants_are_not_applied_in_this_process():
    """Applying faults happens only in worker processes; the model here is the real one."""
    import abstract.canonical.allocator as allocator
    assert allocator.release_all.__module__ == "abstract.canonical.allocator"


def test_pmp_left_open_is_refuted_by_the_isolation_security_obligation():
    """Seeded fault 6 breaks isolation itself, not only the refinement square."""
    ob = load_all()["riscv/exit_sbi_call/isolation"]
    result = check(ob, CheckOptions(timeout=60, faults=["pmp-open-after-exit"]))
    assert result.verdict is Verdict.REFUTED
    assert "a running hypervisor reaches NC and never C" in result.counterexample["failed"]


@pytest.mark.parametrize("name, ob_id", [
    ("exit-restores-registers-partially", "riscv/exit_sbi_call/confidentiality"),
    ("mmio-store-wrong-register", "riscv/exit_mmio_store/confidentiality"),
    ("fpu-not-switched-on-exit", "riscv/exit_interrupt/confidentiality"),
])
def test_leaking_faults_are_refuted_by_the_noninterference_obligation(name, ob_id):
    """Seeded faults 1, 2 and 10 leak CVM data: two machines the hypervisor could not tell apart
    become distinguishable, which the two-copy confidentiality obligation refutes."""
    result = check(load_all()[ob_id], CheckOptions(timeout=60, faults=[name]))
    assert result.verdict is Verdict.REFUTED, result.evidence.note
    assert result.counterexample["confirmed"] is True
    assert "the hypervisor still cannot tell them apart" in result.counterexample["failed"]
