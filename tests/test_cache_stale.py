"""A file saved while a proof runs: the run's later verdicts are not cached (a verdict on the
edited model filed under the unedited model's key would be served once the edit is undone), and
the run says so and does not pass."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from refinement import deps
from refinement.results import Evidence, ObligationResult, Verdict

ROOT = Path(__file__).resolve().parents[1]


def _tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    for package in deps.PACKAGES:
        shutil.copytree(ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__"))
    return tree


def _result(ob_id: str) -> ObligationResult:
    return ObligationResult(ob_id, "canonical->spec", "destroy_tvm", "destroy_tvm", "simulation", Verdict.PROVEN,
                            Evidence("crosshair", True, 1, 0.1))


def _save(path: Path) -> None:
    """Save a file unchanged but later, as an editor does."""
    path.write_text(path.read_text())
    later = path.stat().st_mtime_ns + 1_000_000_000
    os.utime(path, ns=(later, later))


def test_nothing_is_cached_once_a_project_file_is_saved_during_the_run(tmp_path):
    from refinement.cache import ResultCache
    from refinement.checker import CheckOptions
    from refinement.registry import load_all
    tree = _tree(tmp_path)
    cache = ResultCache(tmp_path / "cache", tree)
    ob = load_all()["canonical->spec/destroy_tvm/simulation"]
    key = cache.keys([ob], CheckOptions())[ob.id]
    cache.put(key, _result(ob.id))
    assert cache.get(key, ob.id) is not None and not cache.stale, "stored while nothing changed"
    _save(tree / "abstract" / "spec" / "lifecycle.py")
    cache.put("other", _result(ob.id))
    assert cache.get("other", ob.id) is None, "a verdict after the save is not stored"
    assert cache.stale == ["abstract/spec/lifecycle.py"]


def test_a_run_during_which_the_model_changed_says_so_and_does_not_pass(tmp_path, monkeypatch, capsys):
    from abstract.config import Sizes
    from refinement import checker, cli
    from refinement.registry import load_all
    tree, chosen = _tree(tmp_path), [load_all()["spec/state/nonvacuity"]]
    monkeypatch.setattr(cli, "_ROOT", tree)

    def proving(saving: bool):
        def check_all(obligations, options, on_done=None, **_):
            if saving:
                _save(tree / "concrete" / "riscv" / "pmp.py")
            for ob in obligations:
                on_done(_result(ob.id))
        return check_all

    monkeypatch.setattr(checker, "check_all", proving(saving=True))
    assert cli._prove(chosen, Sizes(), 1.0, 1, [], {}) == 1
    said = capsys.readouterr()
    assert "concrete/riscv/pmp.py changed while the proof ran" in (said.out + said.err).replace("\n", "")
    monkeypatch.setattr(checker, "check_all", proving(saving=False))
    assert cli._prove(chosen, Sizes(), 1.0, 1, [], {}) == 0, "the same run with nothing saved passes"


def test_an_error_from_a_run_during_which_files_changed_names_them_in_its_note(tmp_path, monkeypatch):
    """The ERROR a worker gives for a contract read after its file moved is icontract's
    ("expected the decorator at line N"); the report's note names the edit and the fix first."""
    import dataclasses
    import json
    from abstract.config import Sizes
    from refinement import checker, cli
    from refinement.registry import load_all
    tree, chosen = _tree(tmp_path), [load_all()["spec/state/nonvacuity"], load_all()["spec/halt/erasure"]]
    monkeypatch.setattr(cli, "_ROOT", tree)
    icontracts = "expected the decorator at line 12"

    def check_all(obligations, options, on_done=None, **_):
        _save(tree / "concrete" / "riscv" / "pmp.py")
        first, second = (_result(ob.id) for ob in obligations)
        on_done(dataclasses.replace(first, verdict=Verdict.ERROR,
                                    evidence=dataclasses.replace(first.evidence, note=icontracts)))
        on_done(second)

    monkeypatch.setattr(checker, "check_all", check_all)
    report = tmp_path / "r.json"
    assert cli._prove(chosen, Sizes(), 1.0, 1, [], {"json": report}) == 1
    notes = {o["id"]: o["evidence"]["note"] for o in json.loads(report.read_text())["obligations"]}
    assert notes["spec/state/nonvacuity"].startswith("concrete/riscv/pmp.py changed while the proof ran")
    assert notes["spec/state/nonvacuity"].endswith(icontracts)
    assert notes["spec/halt/erasure"] == "", "a PROVEN result is left as it is"
