"""A pytest test that replays a stored counterexample, for pasting into a test suite."""
from __future__ import annotations

import re

from abstract.config import Sizes, env_for
from refinement.results import ObligationResult


def pytest_snippet(r: ObligationResult, sizes: Sizes) -> str:
    """The test fails (icontract.ViolationError, or the model's exception) while the
    counterexample still breaks the obligation, and passes once the model is fixed."""
    cex = r.counterexample or {}
    call = cex.get("call", f"{r.function}(...)")
    name = "test_replay_" + re.sub(r"[^0-9a-zA-Z]+", "_", r.id).strip("_")
    env = " ".join(f"{k}={v}" for k, v in env_for(sizes).items())
    lines = [
        f"# Replays the counterexample of {r.id}.",
        f"# Run with the sizes it was found at: {env}",
        "from abstract.spec.state import *  # noqa: F401,F403  (names used by the call)",
        "from abstract.canonical.state import *  # noqa: F401,F403",
        "from concrete.riscv.state import *  # noqa: F401,F403",
        f"from {r.module} import {r.function}",
    ]
    body = f"    {call}"
    if r.faults:
        lines.append("from refinement.faults import applied")
        body = f"    with applied({r.faults!r}):\n        {call}"
    return "\n".join(lines + ["", "", f"def {name}():", body, ""])
