"""Test-suite guards: contracts must really be on in this process."""
from __future__ import annotations

import json
import os
import sys

import icontract
import pytest


@pytest.fixture(autouse=True, scope="session")
def contracts_are_live():
    """Importing CrossHair here would silently switch icontract off; fail loudly instead."""
    @icontract.require(lambda x: x > 0)
    def positive(x: int) -> int:
        return x

    with pytest.raises(icontract.ViolationError):
        positive(0)
    yield
    assert "crosshair" not in sys.modules, "CrossHair was imported into the pytest process"


@pytest.fixture(scope="session")
def full_proof(tmp_path_factory):
    """Every obligation at the default sizes, proven once for the session (tests/test_proof.py
    checks the verdicts; tests/test_findings.py reads the obligations each finding refutes)."""
    from abstract.config import Sizes
    from refinement.checker import CheckOptions, check_all
    from refinement.registry import load_all
    from refinement.report import Report, to_json
    results = check_all(list(load_all().values()), CheckOptions(timeout=90), jobs=os.cpu_count() or 1)
    report = Report(results, Sizes(), 90, os.cpu_count() or 1, 0.0, [])
    out = tmp_path_factory.mktemp("proof") / "report.json"
    out.write_text(json.dumps(to_json(report)))
    return results, out
