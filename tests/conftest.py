"""Test-suite guards: contracts must really be on in this process."""
from __future__ import annotations

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
