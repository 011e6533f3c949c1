"""The divergence table: every row of the audit of ACE's source has a status, says what the model
does now, and names evidence that exists (obligation subjects or findings); the reports print it."""
from __future__ import annotations

from refinement.divergences import DIVERGENCES, STATUSES, divergence_counts
from refinement.findings import FINDINGS
from refinement.registry import load_all


def test_every_row_has_a_status_a_note_and_real_evidence():
    subjects = {ob.subject for ob in load_all().values()} | {ob.transition for ob in load_all().values() if ob.transition}
    assert len({row for row, *_ in DIVERGENCES}) == len(DIVERGENCES), "each audit row once"
    for row, status, note, evidence in DIVERGENCES:
        assert status in STATUSES and note, row
        unknown = [e for e in evidence if e not in subjects and e not in FINDINGS]
        assert not unknown, (row, unknown)
        if status == "finding":
            assert any(e in FINDINGS for e in evidence), f"{row}: a finding row names its finding"


def test_counts_add_up_and_the_markdown_report_prints_every_row():
    from refinement.report import divergences_md
    assert sum(divergence_counts().values()) == len(DIVERGENCES)
    text = "\n".join(divergences_md())
    assert all(f"| {row} | {status} |" in text for row, status, *_ in DIVERGENCES)
