"""Seeded faults of the reference: each is swapped in without editing the model's source and
must be refuted, with a counterexample that replays in plain Python."""
from __future__ import annotations

import os
from dataclasses import replace
from concurrent.futures import ThreadPoolExecutor

import pytest

from abstract.config import Sizes
from refinement.checker import CheckOptions, check
from refinement.faults import FAULTS
from refinement.registry import load_all
from refinement.results import Verdict

pytestmark = pytest.mark.proof


# One CVM with one vCPU: enough for every fault here to show. A refutation at any size is a bug;
# smaller states refute faster, because CrossHair spends most of a refutation realizing each
# symbolic value of the counterexample (about 8 ms per value, one solver call each). The CLI
# tests refute fault 6 at the default sizes as well.
FAULT_SIZES = Sizes(cvms=1, harts=1)


@pytest.fixture(scope="module")
def refutations():
    """Every (fault, obligation it names) checked once, two at a time (each check is a child
    process, so threads are enough to keep both cores busy)."""
    obligations = load_all()
    pairs = [(name, ob_id) for name in sorted(FAULTS) for ob_id in FAULTS[name].refuted_by]

    def refute(pair):
        sizes = replace(FAULT_SIZES, **dict(FAULTS[pair[0]].sizes))
        return check(obligations[pair[1]], CheckOptions(sizes=sizes, timeout=60, faults=[pair[0]]))
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return dict(zip(pairs, pool.map(refute, pairs)))


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_seeded_fault_is_refuted_with_replayed_counterexample(name, refutations):
    fault = FAULTS[name]
    for ob_id in fault.refuted_by:
        result = refutations[(name, ob_id)]
        assert result.verdict is Verdict.REFUTED, (ob_id, result.evidence.note)
        cex = result.counterexample
        assert cex["confirmed"] is True
        if "->" in ob_id and ob_id.endswith("/simulation"):
            assert cex["differences"], "a refuted square names the fields that differ"
        if ob_id.endswith("/confidentiality"):  # faults 1, 2, 10 and 16 leak: noninterference fails
            assert any("the hypervisor still cannot tell them apart" in f for f in cex["failed"])
        assert result.faults == [name]


def test_destroy_without_zeroing_shows_the_leaked_page(refutations):
    result = refutations[("destroy-without-zeroing", "canonical->spec/destroy_tvm/simulation")]
    paths = [d["path"] for d in result.counterexample["differences"]]
    assert any(p.startswith("[0].mem[") for p in paths), paths


def test_pmp_left_open_is_seen_as_isolation_open_for_the_hypervisor(refutations):
    result = refutations[("pmp-open-after-exit", "riscv->canonical/exit_interrupt/simulation")]
    diffs = {d["path"]: (d["lower"], d["upper"]) for d in result.counterexample["differences"]}
    assert diffs.get("[0].hw.iso_open") == ("True", "False"), diffs


def test_fault_variants_are_not_applied_in_this_process():
    """Applying faults happens only in worker processes; the model here is the real one."""
    import abstract.canonical.allocator as allocator
    assert allocator.release_all.__module__ == "abstract.canonical.allocator"


def test_pmp_left_open_is_refuted_by_the_isolation_security_obligation(refutations):
    """Seeded fault 6 breaks isolation itself, not only the refinement square."""
    result = refutations[("pmp-open-after-exit", "riscv/exit_interrupt/isolation")]
    assert result.verdict is Verdict.REFUTED
    assert any("PMP is configured for who runs" in f for f in result.counterexample["failed"])



@pytest.mark.parametrize("name, ob_id", [
    ("exit-restores-registers-partially", "riscv/exit_interrupt/confidentiality"),
    ("mmio-store-wrong-register", "riscv/exit_mmio_store/confidentiality"),
    ("fpu-not-switched-on-exit", "riscv/exit_interrupt/confidentiality"),
])
def test_leaking_faults_are_refuted_by_the_noninterference_obligation(name, ob_id, refutations):
    """Seeded faults 1, 2 and 10 leak CVM data: the two-copy confidentiality obligation on the
    RISC-V model finds two machines the hypervisor could tell apart after the exit."""
    result = refutations[(name, ob_id)]
    assert result.verdict is Verdict.REFUTED
    assert any("the hypervisor still cannot tell them apart" in f for f in result.counterexample["failed"])
