"""`refine prove --executor dask`: obligations run on a Dask cluster (a LocalCluster here)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.proof
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as c:
        yield c


def test_prove_on_a_local_dask_cluster(cluster, tmp_path):
    report = tmp_path / "r.json"
    proc = subprocess.run([sys.executable, "-m", "refinement", "prove", "--only", "*/exit_interrupt/*",
                           "--executor", "dask", "--scheduler", cluster.scheduler_address,
                           "--no-cache", "--json", str(report)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(report.read_text())
    from refinement.registry import load_all
    assert len(data["obligations"]) == sum("/exit_interrupt/" in i for i in load_all())
    assert all(o["verdict"] == "PROVEN" for o in data["obligations"])


def test_unreachable_scheduler_is_a_usage_error():
    proc = subprocess.run([sys.executable, "-m", "refinement", "prove", "--only", "riscv/pmpcfg/encoding",
                           "--executor", "dask", "--scheduler", "tcp://127.0.0.1:9", "--scheduler-timeout", "2"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "cannot reach the Dask scheduler" in proc.stderr
