"""Structural rules of the design: obligation coverage and the direction of imports."""
from __future__ import annotations

import ast
import pathlib

from refinement.registry import Method, load_all

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_layer_obligations_exist():
    ids = set(load_all())
    assert {"canonical->spec/state/init", "riscv->canonical/state/init"} <= ids
    assert {"spec/state/nonvacuity", "canonical/state/nonvacuity", "riscv/state/nonvacuity"} <= ids
    assert {"canonical->spec/state/observation", "riscv->canonical/state/observation"} <= ids
    encodings = {i for i in ids if i.endswith("/encoding")}
    assert {"riscv/pmpcfg/encoding", "riscv/hgatp/encoding", "riscv/pte_flags/encoding", "riscv/pte_word/encoding",
            "riscv/sbi_call/encoding"} <= encodings


def test_ids_have_three_parts_and_enumerations_name_a_domain():
    for ob_id, ob in load_all().items():
        assert ob_id.count("/") == 2, ob_id
        assert (ob.method is Method.ENUMERATION) == (ob.domain is not None), ob_id


def _imports(path: pathlib.Path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def _modules(package: str):
    return sorted((ROOT / package).rglob("*.py"))


def test_abstract_imports_nothing_from_concrete_or_refinement():
    for path in _modules("abstract"):
        for name in _imports(path):
            assert not name.startswith(("concrete", "refinement")), f"{path}: imports {name}"


def test_concrete_imports_nothing_from_refinement():
    for path in _modules("concrete"):
        for name in _imports(path):
            assert not name.startswith("refinement"), f"{path}: imports {name}"


def test_only_the_adapter_imports_crosshair():
    for package in ("abstract", "concrete", "refinement", "tests"):
        for path in _modules(package):
            if path.name == "crosshair_adapter.py":
                continue
            for name in _imports(path):
                assert not name.startswith("crosshair"), f"{path}: imports {name}"


def test_coverage_table_names_every_transition_and_only_real_subjects():
    from refinement.coverage import ABI_ITEMS
    from refinement.transitions import TRANSITIONS
    subjects = {ob.subject for ob in load_all().values()}
    covered = {s for _, names, _ in ABI_ITEMS for s in names}
    assert {row.name for row in TRANSITIONS} <= covered, "a transition missing from the ABI coverage table"
    assert covered <= subjects, covered - subjects
