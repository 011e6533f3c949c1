"""`refine mutate`: the mutants are well-formed and stable, the equivalents list is checked,
the score is killed / (total - equivalent), and a real mutant is killed by the obligation that
constrains it, through the command line and its JSON."""
from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from refinement import deps, mutate, mutants

ROOT = Path(__file__).resolve().parent.parent

SOURCE = textwrap.dedent('''\
    """A module."""
    from dataclasses import replace

    LIMIT = 3


    @contract(lambda x: x > 0)
    def step(s, x: int = 5):
        """Docstring 7."""
        assert x != 9
        if x < LIMIT and not s.flag:
            s = fence(s, x)
        return replace(s, a=x + 1, b=lnot(s.flag) | (x == 2))
    ''')


def _found(source: str = SOURCE):
    finder = mutants._Finder("m.py", source)
    finder.visit(ast.parse(source))
    return finder.found


def test_every_operator_has_sites_and_every_mutant_parses_and_changes_one_place():
    found = _found()
    assert {m.operator for m in found} == set(mutants.OPERATORS)
    for m in found:
        changed = m.apply(SOURCE)
        ast.parse(changed)
        assert changed != SOURCE
        assert ast.dump(ast.parse(changed)) != ast.dump(ast.parse(SOURCE))
        assert m.diff(SOURCE).count("\n-") == 1


def test_contracts_defaults_docstrings_and_asserts_are_left_alone():
    lines = {m.line for m in _found()}
    assert not lines & {7, 8, 9, 10}  # decorator, default 5, docstring, assert
    assert {4, 11, 12, 13} <= lines


def test_ids_survive_an_edit_elsewhere_and_differ_between_mutants():
    found = _found()
    shifted = _found(SOURCE.replace("LIMIT = 3\n", "LIMIT = 3\nOTHER = 4\n"))
    assert len({m.id for m in found}) == len(found)
    assert {m.id for m in found} <= {m.id for m in shifted}


def test_a_file_under_stands_for_itself():
    """`--under concrete/riscv/pmp.py` draws that module's mutants, the same ones its folder has."""
    alone = mutants.find(ROOT, ("concrete/riscv/pmp.py",))
    in_folder = [m for m in mutants.find(ROOT, ("concrete/riscv",)) if m.file == "concrete/riscv/pmp.py"]
    assert alone and [m.id for m in alone] == [m.id for m in in_folder]


def test_sample_is_fixed_by_the_seed():
    found = _found()
    assert mutants.sample(found, 3, 1) == mutants.sample(found, 3, 1)
    assert mutants.sample(found, None, 1) == found
    fewer = [m for m in found if m.line != 4]  # a site removed elsewhere does not reshuffle the draw
    kept = {m.id for m in mutants.sample(found, 3, 1) if m.line != 4}
    assert kept and kept <= {m.id for m in mutants.sample(fewer, 3, 1)}


def test_score_counts_equivalents_out_and_errors_in():
    m = _found()[0]
    outcomes = [mutate.Outcome(m, "", r) for r in ("killed", "killed", "survived", "equivalent", "error")]
    assert mutate.score(outcomes) == 0.5
    assert mutate.score([mutate.Outcome(m, "", "equivalent")]) is None


def test_an_equivalent_without_a_reason_is_refused(tmp_path):
    (tmp_path / "refinement").mkdir()
    (tmp_path / mutate.EQUIVALENT).write_text("# reviewed\nsome/id | the same value either way\nother/id\n")
    with pytest.raises(mutate.MutateError, match=":3:"):
        mutate.equivalents(tmp_path)


def test_the_checked_in_equivalents_name_real_mutants_with_reasons():
    listed = mutate.equivalents(ROOT)
    every = {m.id for m in mutants.find(ROOT, ("abstract", "concrete"), mutate.NOT_MUTATED)}
    assert set(listed) <= every, sorted(set(listed) - every)
    assert all(len(reason) > 10 for reason in listed.values())


def _tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    for package in deps.PACKAGES:
        shutil.copytree(ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__"))
    return tree


def test_a_mutant_is_named_by_its_id_or_by_the_hash_that_ends_it(tmp_path):
    """`--mutant` takes the whole id `--list` prints or just its hash, as a report line shows it."""
    tree = _tree(tmp_path)
    some = mutants.find(tree, ("concrete/riscv/pmp.py",))[0]
    for name in (some.id, some.id.rsplit(":", 1)[-1]):
        proc = _mutate(tree, "--under", "concrete/riscv/pmp.py", "--mutant", name, "--list")
        assert proc.returncode == 0 and proc.stdout.splitlines()[0] == some.id, (name, proc.stderr)


def _mutate(tree: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "refinement", "mutate", "--cache", str(tree / "cache"), *args],
                          cwd=tree, env={**os.environ, "PYTHONPATH": str(tree)}, capture_output=True, text=True,
                          timeout=900)


def test_usage_errors_exit_2_with_the_fix(tmp_path):
    tree = _tree(tmp_path)
    for args, says in ((("--operator", "swap"), "use one of"), (("--mutant", "nope"), "--list"),
                       (("--under", "nowhere"), "neither a folder nor a .py file"),
                       (("--under", "README.md"), "neither a folder nor a .py file")):
        proc = _mutate(tree, *args)
        assert proc.returncode == 2 and says in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.proof
def test_a_mutant_is_killed_by_the_obligation_that_constrains_it_and_a_listed_equivalent_is_not_run(tmp_path):
    tree = _tree(tmp_path)
    found = {m.id: m for m in mutants.find(tree, ("concrete/riscv",)) if m.file.endswith("gstage.py")}
    killable = next(i for i, m in found.items() if ":decode_hgatp:arithmetic:" in i)
    equivalent = next(i for i, m in found.items() if ":decode_hgatp:" in i and i != killable)
    (tree / mutate.EQUIVALENT).write_text(f"{equivalent} | listed by this test\n")
    report = tmp_path / "m.json"
    proc = _mutate(tree, "--under", "concrete/riscv", "--mutant", killable, "--mutant", equivalent,
                   "--json", str(report), "--markdown", str(tmp_path / "m.md"))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(report.read_text())
    by_id = {m["id"]: m for m in data["mutants"]}
    assert set(by_id) == {killable, equivalent}
    killed = by_id[killable]
    # The first obligation that refutes it (with --fail-fast): a walk's or an encoding lemma.
    assert killed["result"] == "killed" and killed["killed_by"]
    assert set(killed["killed_by"]) <= {"riscv/hgatp/encoding", "riscv/hgatp_mode/encoding", "riscv->canonical/walk/simulation",
                                        "riscv->canonical/cvm_walk/simulation"}
    assert killed["file"] == "concrete/riscv/gstage.py" and killed["line"] == found[killable].line
    assert killed["diff"].startswith("--- a/concrete/riscv/gstage.py") and killed["operator"] == "arithmetic"
    assert by_id[equivalent]["result"] == "equivalent"
    assert data["score"] == 1.0
    assert "No mutant survived" in (tmp_path / "m.md").read_text()
    # The project's source is restored after each mutant.
    assert (tree / "concrete/riscv/gstage.py").read_text() == (ROOT / "concrete/riscv/gstage.py").read_text()
