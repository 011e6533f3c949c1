"""The proofs at sizes other than the defaults that tests/test_proof.py asks for, each said once:
its sizes, the obligations it selects, and how `refine prove` is told both. tests/conftest.py
starts them in the background with the session; `rows_of` reads one's report (waiting for it),
or proves in process when no background run was started (under xdist, or a lone test)."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from typing import Any, Dict, List, Optional, Tuple

from abstract.config import SECOND, Sizes, least_c_pages

# What every PROMOTE layer is proven by; at 5 levels the canonical square took about 80 s of
# CrossHair time before ACE's error precedence and more since, too near the per-obligation
# limit for CI's machine, and is not asked of CI.
PROMOTE = ("canonical->spec/promote_to_tvm/", "spec/promote_to_tvm/", "riscv/promote_to_tvm/")
# The steps that read or write the CVMs' tables.
CVM_TABLES = ("riscv->canonical/walk/", "riscv->canonical/cvm_walk/", "riscv->canonical/tlb_fill/",
              "riscv->canonical/promote_to_tvm/", "riscv->canonical/destroy_tvm/",
              "riscv->canonical/share_memory/", "riscv->canonical/unshare_memory/")


@dataclass(frozen=True)
class ProofRun:
    sizes: Sizes
    prefixes: Optional[Tuple[str, ...]]   # the obligations whose id starts so; None: every one
    second: bool = False                  # told as `--second` (a user's spelling of SECOND)

    def cli_args(self) -> List[str]:
        if self.second:
            sizes: List[str] = ["--second"]
        else:
            # Every size, so that no REFINE_* variable of the caller's changes the run.
            sizes = [a for name, value in self.sizes.as_dict().items() for a in (f"--{name.replace('_', '-')}", str(value))]
        # `--only` leaves out the findings check, which tests/test_findings.py covers.
        return sizes + [a for p in (self.prefixes or ("",)) for a in ("--only", p + "*")]

    def chosen(self) -> List[Any]:
        """The obligations this run must prove: selected and stated at its sizes."""
        from refinement.registry import load_all
        return [ob for ob in load_all().values()
                if (self.prefixes is None or ob.id.startswith(self.prefixes)) and ob.stated_at(self.sizes)]


def _depth(levels: int) -> ProofRun:
    d = Sizes()
    promote = PROMOTE if levels < 5 else ()
    return ProofRun(replace(d, levels=levels, c_pages=least_c_pages(d.nc_pages, d.cvms, levels)),
                    ("riscv/pt_",) + CVM_TABLES + promote)


def _three_cvms() -> ProofRun:
    d = Sizes()
    return ProofRun(replace(d, cvms=3, c_pages=least_c_pages(d.nc_pages, 3, d.levels)),
                    ("riscv->canonical/walk/", "riscv->canonical/cvm_walk/", "riscv->canonical/promote_to_tvm/"))


DEPTH_TEST = "test_the_walk_and_copy_obligations_are_proven_at_sv48x4_and_sv57x4_depth"
RUNS: Dict[str, ProofRun] = {
    "test_every_obligation_is_proven_at_the_second_configuration":
        ProofRun(replace(Sizes(), **SECOND), None, second=True),
    **{f"{DEPTH_TEST}[{levels}]": _depth(levels) for levels in (3, 4, 5)},
    "test_the_cvm_tables_obligations_are_proven_with_three_cvms": _three_cvms(),
}


def rows_of(name: str, background: Dict[str, Any]) -> List[Dict[str, Any]]:
    """One row per obligation of run `name` (id, verdict, note, transition, outcomes, sizes):
    from its background child's JSON report once it is done, else proven here, both jobs."""
    run = RUNS[name]
    if name not in background:
        from refinement.checker import CheckOptions, check_all
        results = check_all(run.chosen(), CheckOptions(sizes=run.sizes, timeout=90), jobs=os.cpu_count() or 1)
        return [{"id": r.id, "verdict": r.verdict.value, "note": r.evidence.note, "transition": r.transition,
                 "outcomes": r.evidence.outcomes, "sizes": r.sizes} for r in results]
    child, report, log = background[name]
    child.wait(timeout=60 * 60)
    assert report.exists(), f"`refine prove {' '.join(run.cli_args())}` wrote no report " \
                            f"(exit {child.returncode}):\n{log.read_text()[-3000:]}"
    data = json.loads(report.read_text())
    assert {k: data["config"][k] for k in run.sizes.as_dict()} == run.sizes.as_dict(), "the report's configuration"
    return [{"id": o["id"], "verdict": o["verdict"], "note": o["evidence"]["note"], "transition": o["transition"],
             "outcomes": o["evidence"].get("outcomes") or [], "sizes": o["sizes"]} for o in data["obligations"]]
