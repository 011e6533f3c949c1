"""Test-suite guards: contracts must really be on in this process."""
from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

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


_BACKGROUND_REPLAY = "from refinement.findings import replay_scenario; replay_scenario('ace-vmid-unmasked')"


@contextlib.contextmanager
def in_background(args, **popen):
    """A child process started from the repository root, beside the tests, in its own process
    group; stopped with everything it started (a prover's workers) if it is still running when
    the block ends."""
    child = subprocess.Popen(args, cwd=Path(__file__).resolve().parents[1], start_new_session=True, **popen)
    try:
        yield child
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()


@pytest.fixture(autouse=True, scope="session")
def vmid_replay_in_background(request):
    """The VMID attack's replay from power-on (131072 rounds, about two minutes of one core)
    starts in a child process with the session, so that it runs beside the single-threaded
    tests on the otherwise idle core. It keeps its outcome on disk under the hash of the source
    (`refinement.findings.replay_scenario`), where the findings tests read it once it is done
    (`tests/test_findings.py` waits for it); a session that ends first stops it, and an
    unfinished replay leaves nothing behind. Started only when a findings test will run."""
    if not any(item.path.name == "test_findings.py" for item in request.session.items):
        yield None
        return
    with in_background([sys.executable, "-c", _BACKGROUND_REPLAY], stdout=subprocess.DEVNULL) as child:
        yield child


SECOND_TEST = "test_every_obligation_is_proven_at_the_second_configuration"


@pytest.fixture(autouse=True, scope="session")
def second_proof_in_background(request, tmp_path_factory):
    """The whole proof at the second configuration (`abstract.config.SECOND`), run as a user
    would (`refine prove --second`) in a child process that starts with the session with one
    job, so that it fills the core the single-threaded tests leave idle instead of taking both
    cores on its own later (about four minutes of the suite). `--only '*'` selects every
    obligation and leaves out the findings check, which `tests/test_findings.py` covers. Yields
    (child, JSON report path, log path), or None when the second-configuration test will not run
    or when this is an xdist worker (the test then proves in process)."""
    wanted = any(item.name == SECOND_TEST for item in request.session.items)
    if not wanted or hasattr(request.config, "workerinput"):
        yield None
        return
    folder = tmp_path_factory.mktemp("second")
    report, log = folder / "report.json", folder / "prove.log"
    args = [sys.executable, "-m", "refinement", "prove", "--second", "--no-cache", "--jobs", "1",
            "--only", "*", "--json", str(report)]
    with open(log, "w") as out, in_background(args, stdout=out, stderr=subprocess.STDOUT) as child:
        yield child, report, log


@pytest.fixture
def result_of():
    """A proven obligation's result with the given run figures (id "layers/subject/kind")."""
    from refinement.results import Evidence, ObligationResult, Verdict

    def make(id_: str, shared: list, paths: int, seconds: float, cached: bool = False,
             method: str = "crosshair") -> ObligationResult:
        layers, subject, kind = id_.split("/")
        return ObligationResult(id_, layers, subject, subject, kind, Verdict.PROVEN,
                                Evidence(method, True, paths, seconds, shared_with=shared), cached=cached)
    return make

