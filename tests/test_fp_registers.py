"""The floating-point register files are modelled one register wide by default (see NFREGS in
abstract/config.py). That is sound only while the model moves files whole: these tests check
the source for it, and prove the obligations about FP switching at the real width too."""
from __future__ import annotations

import ast
import pathlib

import pytest

from abstract.config import Sizes
from refinement.checker import CheckOptions, check
from refinement.registry import load_all
from refinement.results import Verdict

ROOT = pathlib.Path(__file__).resolve().parents[1]
ONE_FILE = {"fregs", "hv_fregs", "hv_fpu"}    # a single register file
MANY_FILES = {"vcpu_fregs", "vcpu_fpu"}       # one file per vCPU: indexing selects a file


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def register_reads(path: pathlib.Path, root: pathlib.Path = ROOT):
    """Subscripts that reach inside a register file (`hw.fregs[j]`, `s.vcpu_fpu[i][j]`)."""
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Subscript):
            continue
        inner = node.value
        if _name(inner) in ONE_FILE or (isinstance(inner, ast.Subscript) and _name(inner.value) in MANY_FILES):
            yield f"{path.relative_to(root)}:{node.lineno}"


def test_no_model_code_reads_or_writes_one_floating_point_register():
    found = [hit for package in ("abstract", "concrete", "refinement")
             for path in sorted((ROOT / package).rglob("*.py")) for hit in register_reads(path)]
    assert not found, found


def test_the_source_check_finds_a_register_read(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("a = hw.fregs[3]\nb = s.vcpu_fpu[i][0]\nc = s.vcpu_fpu[i]\n")
    assert list(register_reads(probe, tmp_path)) == ["probe.py:1", "probe.py:2"]


@pytest.mark.proof
@pytest.mark.parametrize("ob_id", ["riscv->canonical/exit_interrupt/simulation", "spec/exit_interrupt/integrity"])
def test_fp_switching_is_proven_at_the_real_width(ob_id):
    result = check(load_all()[ob_id], CheckOptions(sizes=Sizes(fp_registers=32), timeout=90))
    assert result.verdict is Verdict.PROVEN, (result.verdict, result.evidence.note)
    assert result.sizes["fp_registers"] == 32
