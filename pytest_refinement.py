"""pytest plugin (top-level on purpose: see pyproject.toml): `pytest --refinement` collects every proof obligation as a test item.

Selection works as for any test (`-k share_memory`, `-x`, pytest-xdist's `-n`). An item
passes only when the obligation is PROVEN (with a warning when it has no solver margin);
BOUNDED fails unless `--allow-bounded`. Each proof
runs in its own child process, so this process never imports CrossHair. Sizes come from the
REFINE_* environment variables, as for `refine prove`.
"""
from __future__ import annotations

import warnings
from typing import Any, Optional

import pytest


def pytest_addoption(parser: Any) -> None:
    group = parser.getgroup("refinement", "refinement obligations")
    group.addoption("--refinement", action="store_true",
                    help="collect every refinement obligation as a test item")
    group.addoption("--allow-bounded", action="store_true",
                    help="let BOUNDED obligations pass (with a warning) instead of failing")
    group.addoption("--refinement-timeout", type=float, default=90.0, metavar="S",
                    help="CPU seconds CrossHair may spend on each postcondition (default 90)")


class BoundedProofWarning(UserWarning):
    """An obligation passed under --allow-bounded without being proven."""


class SolverMarginWarning(UserWarning):
    """An obligation PROVEN here with a solver check too close to z3's budget to be decided on a
    machine three times slower (`refinement.results.without_margin`)."""


class ObligationFailed(Exception):
    def __init__(self, result: Any) -> None:
        super().__init__(result.id)
        self.result = result


def judge(result: Any, timeout: float, allow_bounded: bool) -> None:
    """Pass a PROVEN result (warning when it has no solver margin), and a BOUNDED one under
    --allow-bounded with a warning; raise ObligationFailed for anything else."""
    from refinement.results import Verdict, margin_note
    if result.verdict is Verdict.PROVEN:
        margin = margin_note(result, timeout)
        if margin:
            warnings.warn(SolverMarginWarning(f"{result.id}: {margin}"))
        return
    if result.verdict is Verdict.BOUNDED and allow_bounded:
        warnings.warn(BoundedProofWarning(f"{result.id} is only BOUNDED: {result.evidence.note}"))
        return
    raise ObligationFailed(result)


class ObligationItem(pytest.Item):
    def __init__(self, *, obligation_id: str, **kw: Any) -> None:
        super().__init__(**kw)
        self.obligation_id = obligation_id
        self.add_marker("refinement")

    def runtest(self) -> None:
        from abstract.config import from_env
        from refinement.checker import CheckOptions, check
        from refinement.registry import load_all
        ob, sizes = load_all()[self.obligation_id], from_env()
        if not ob.stated_at(sizes):
            pytest.skip(f"not stated at {sizes.levels} table levels")
        timeout = self.config.getoption("refinement_timeout")
        result = check(ob, CheckOptions(sizes=sizes, timeout=timeout))
        self.user_properties.append(("verdict", result.verdict.value))
        judge(result, timeout, self.config.getoption("allow_bounded"))

    def repr_failure(self, excinfo: Any, style: Optional[str] = None) -> str:
        if not isinstance(excinfo.value, ObligationFailed):
            return super().repr_failure(excinfo)
        r = excinfo.value.result
        lines = [f"{r.id}: {r.verdict.value}", f"  {r.statement}", f"  evidence: {r.evidence.paths} paths, "
                 f"{r.evidence.seconds:.1f} s, exhaustive={r.evidence.exhaustive}. {r.evidence.note}"]
        cex = r.counterexample or {}
        for d in cex.get("differences") or []:
            lines.append(f"  {d['path']}: lower (abstracted) {d['lower']}  upper {d['upper']}")
        if cex.get("failed"):
            lines.append("  violated: " + "; ".join(cex["failed"]))
        if cex.get("call"):
            lines.append(f"  call: {cex['call'][:500]}")
        return "\n".join(lines)

    def reportinfo(self) -> Any:
        from refinement.registry import load_all
        file, line = load_all()[self.obligation_id].source_line()
        return file, line - 1, self.obligation_id


@pytest.hookimpl(tryfirst=True)  # before -k / -m deselection, which also runs in this hook
def pytest_collection_modifyitems(session: Any, config: Any, items: list) -> None:
    if not config.getoption("refinement"):
        return
    from refinement.registry import load_all
    for ob_id in load_all():
        items.append(ObligationItem.from_parent(session, name=ob_id, obligation_id=ob_id))


def pytest_configure(config: Any) -> None:
    config.addinivalue_line("markers", "refinement: a refinement proof obligation (added by --refinement)")
