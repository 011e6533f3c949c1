"""Pure renderers: result records in, report text out."""
from __future__ import annotations

import json
import platform
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Dict, List

from abstract.config import Sizes
from refinement import __version__
from refinement.coverage import coverage_rows, coverage_status
from refinement.divergences import divergence_counts, divergence_rows
from refinement.results import ObligationResult, Verdict, margin_note, summary

ASSUMPTIONS = (
    "Hardware behaves as the RISC-V model says (PMP priority scan, G-stage leaf PTEs, GPR file).",
    "Sizes are those in the configuration table: every obligation is proven at exactly these sizes, "
    "except the per-entry lemmas (kind `entry`), which take the sizes as free variables and so hold "
    "at every size. That a whole step is its per-entry function mapped over the right entries is "
    "proven at the configured sizes by the lift obligations (kind `lift`): a claim about a whole "
    "step holds at the configured sizes.",
    "Single-step obligations, one set per row of the transition table (refinement/transitions.py), "
    "which lists every way the state changes (tests/test_transitions.py checks that every public "
    "step function is in a row); refinement of whole traces follows by induction on steps.",
    "The representation invariant of each lower layer is its local invariant plus the upper "
    "invariant of its abstraction; the upper half is carried by simulation and the spec's own "
    "invariant-preservation (`spec/<row>/totality`) obligations.",
    "Page contents are abstract values (one integer per 4 KiB page); physical memory starts at 0.",
    "Floating-point register files are `fp_registers` wide (configuration table; f0..f31 is 32). The "
    "monitor only saves, restores, swaps and zeroes whole files (a test checks that no model code "
    "indexes into one), so each register is moved as register 0 is and one register stands for all "
    "(data independence); the FP-switching obligations are also proven at width 32 in the test suite.",
    "A CVM's G-stage tables are `levels` deep (configuration table), in `levels` + 3 table pages PROMOTE "
    "takes from the allocator before the data pages (ACE's depth-first order), owned by the CVM as "
    "table pages and freed with it: a 16 KiB root, the lowest free block of four pages on a 16 KiB "
    "boundary (hgatp's PPN names its first), then one page per lower level, chained by a pointer in "
    "entry 0 of each, the last holding one leaf per guest page. Which free pages the allocator "
    "picks is the model's (lowest first); ACE's allocator may pick others, and fails for a 16 KiB "
    "page under fragmentation as the model's does (spec/free_block/allocation). "
    "Entries are held as their decoded fields, whose word format the encoding lemmas state; the other "
    "entries of each table, which would map guest pages beyond the model's, are not held, and the pages "
    "PROMOTE takes for ACE's copies off the guest's path are the CVM's table pages with their contents not "
    "written: no step reads what a table page holds (`spec/<row>/unread`). The hardware "
    "walk reads `levels` levels from the hart's hgatp word, whatever its MODE (Sv48x4 has four: "
    "`--levels 4`). Each physical hart has a G-stage TLB, VMID-tagged, one entry per guest "
    "page, filled by the hardware while a guest runs there (`tlb_fill`) and emptied by hfence.gvma: "
    "on the monitor's hart at once, on the others when they next switch (a queued fence, as ACE), "
    "or at once on every hart before a page is freed (a shootdown). The running vCPU's loads and "
    "stores (`guest_load`, `guest_store`) consult this hart's TLB: a hit answers from it, a miss walks "
    "and caches the leaf. The RISC-V local invariant "
    "(`tlb_ok`) requires every cached entry to be the current leaf, or an NC page while a fence is "
    "queued for its hart.",
    "The exit area is fields the hypervisor reads (NACL GPR image, scause/stval/htinst), not bytes "
    "in an NC page; other CSRs (mstatus, S/HS/VS CSRs, timers) and fcsr are not modelled.",
    "The answer to an exit is read from the NACL GPR slots the hypervisor wrote (`nacl_write`); a "
    "vCPU's pc is its saved mepc, moved only by answers (of the guest's own execution, only its loads "
    "and stores of whole guest pages are modelled).",
    "Measurement is an abstract linear digest of which guest pages are mapped, the copied pages and the "
    "boot hart's registers and pc (ACE: SHA3-384 over kernel, initrd, device tree and boot hart); the payload holds up to two digests; a secret is one abstract value "
    "written into one private page.",
    "One physical hart is modelled in full (registers, PMP, exits). Of the other physical harts, "
    "which vCPU each runs (`other_hart_run`, `other_hart_exit`), so that a vCPU never runs on two harts "
    "at once and a CVM running anywhere cannot be destroyed, and each one's G-stage TLB with the "
    "fences queued for it (`tlb_fill`, `other_hart_interrupt`); their registers, PMP and exits are "
    "assumed to behave as this hart's do.",
    "PROMOTE_TO_TVM on the RISC-V machine reads the hypervisor's G-stage tables as inputs of the step "
    "(a page's contents are one abstract value, so a table is not stored in one): its root and the "
    "entries a walk of the model's guest pages reads, with hgatp's MODE and root given rather than read "
    "from its hgatp CSR. The hypervisor's tables are read as G entries wide below the root (RISC-V: "
    "512), so a huge leaf at level l spans G^(l-1) pages, all of which must lie in NC; the CVM keeps "
    "it as one leaf to a block of G C pages on its boundary, without the table below it, and records it "
    "(`huge`), which is what SHARE's answer depends on. From 3 levels the configuration keeps NC below "
    "G^2 pages, so every leaf PROMOTE accepts spans exactly the guest's G pages. Above RISC-V the "
    "VM is its map, one NC page (or none) per guest page; the abstraction is the RISC-V reading as that map "
    "(`hv_tables.as_map`), proven the walk of each guest page (`hv_tables.vm_of`, `riscv/pt_read_vm/simulation`), and the pages ACE's copy takes along the guest's path before a refusal "
    "(`hv_tables.path_pages`), on which the answer depends: ACE takes pages as it reads, so a refusal "
    "it meets after it ran out of them is FAILED. The entries no guest page uses reach the step as two inputs, the code "
    "and the pages ACE's copy gives them up to its refusal (`pagetable.off_path`); the pages are the CVM's, taken "
    "after its data as ACE's depth-first copy takes them, their contents not held. ACE's whole-tree copy of the hypervisor's tables is proven apart and against "
    "this reading and those inputs, not run by the step: its answer and its pages from any free run at every depth proven "
    "(`pt_path_copy`, `pt_summary_path`, `pt_copy_then`, `pt_copy_run`), its map at every depth with the entries off the guest's path as parts that write nothing (`pt_promote_path`) and whole at 2 levels (`pt_promote_copy`).",
    "Only the CVMs' G-stage tables are in the RISC-V state: a hart's walk from any other root (the "
    "hypervisor's own tables) finds no leaf.",
    "NACL shared memory is a recorded page range (checked wholly in NC); the exit area inside it is "
    "fields, not bytes.",
    "Not modelled: DMA isolation (IOPMP is a stub in ACE as well).",
    "The prover is trusted: CrossHair and z3 (versions in the tool table), and "
    "`refinement/crosshair_adapter.py`, which builds the model's boolean combinators "
    "(`abstract/logic.py`) as one z3 term each, reuses an invariant part's term on one path for the "
    "same field objects and on the paths of one analysis for the same field terms (only a term built "
    "before the path decided anything), decides an invariant in a postcondition part by part (the "
    "parts already built as one question, each part built there on its own), does a subscript or `set_at` with a plain int once the "
    "path has pinned its index to one value (asked of the solver), remembers per path which signs "
    "a subscript key can have, gives back on one path the value of a function the model marks "
    "`logic.reused` for the same argument objects, builds `//` and `%` by a positive plain int as "
    "z3's div and mod (Python's floor division and remainder there) without CrossHair's forks, "
    "keeps z3 constants by name for one analysis, "
    "uses z3's incremental solver instead of one built from the smt tactic, and reads a "
    "counterexample from the failing path's model. "
    "Every counterexample is replayed in plain Python before it is reported, and "
    "`tests/test_checker.py` checks fixtures that a wrong reuse or a wrongly pinned index would "
    "turn from PROVEN to refuted or from REFUTED to proven, or that a wrong division would, and "
    "that each of these patches is in place.",
)


SECURITY_PROPERTIES = (
    ("Isolation",
     "Every confidential page has one owner; no NC page is mapped private; shared pages are NC and "
     "never executable (spec invariant, preserved by every transition); after every transition PMP is "
     "configured for who runs, and so configured lets a running hypervisor reach every NC page and "
     "no C page, at the first and the last word of every page (at the configured sizes; the PMP "
     "scan's answer for one page is also proven at any memory size: `riscv/hypervisor_reach/entry`).",
     ("totality", "isolation", "observation", "riscv/hypervisor_reach/entry", "riscv->canonical/isolation_allows/entry")),
    ("Confidentiality",
     "Noninterference with declassification: two states that differ only in what the field "
     "classification hides (C page contents, vCPU registers, FPU and pcs, awaited answers, IPIs, "
     "the secret's value), and agree on what the transition declassifies, stay indistinguishable "
     "to the hypervisor after every transition, with equal answers unless the answer goes to the "
     "guest; the hypervisor's view commutes with each abstraction, so this carries down to RISC-V, "
     "where the steps that return the hart to the hypervisor are also proven noninterfering directly; "
     "the canonical and RISC-V field classifications match their views field by field.",
     ("confidentiality", "observation")),
    ("Integrity",
     "No transition changes anything a CVM that is not party to it owns (its C pages and their "
     "contents, and its part of every CVM-owned field: table entry, harts, guest map, registers, "
     "FPU, pcs, awaited answers, MMIO regions, interrupt lines, IPIs, secret); resuming a vCPU "
     "changes its registers only where the hypervisor's answer may write (a0/a1 after an SBI "
     "call, rd after an MMIO load). On the RISC-V machine, no transition changes the fields only it "
     "has (TLB entries, hgatp, leaf permission bits, saved pcs) of a CVM not party to it.",
     ("integrity",)),
)

SECURITY_ASSUMPTIONS = (
    "The observation function is derived from the field classification (abstract/classes.py): "
    "everything but C page contents, vCPU registers, FPU and pcs, awaited answers, IPIs and the "
    "secret's value is observable. Exits declassify the reference's table (abstract/spec/switch.py "
    "`declassified`, `exit_to_hypervisor`): the monitor's own SBI request shows the call (a7, a6) "
    "and the request's a0, a1 (0, 0 for HSM stop, suspend and SRST); an MMIO request shows scause, "
    "the guest virtual address, the guest physical address >> 2 and the instruction, and a store "
    "its one source register; an interrupt shows that it is one (scause bit 63); every exit shows "
    "the vCPU's vsie and vstimecmp. Into a CVM flow only the hypervisor's answer to its last exit "
    "and, on TVM_VCPU_RUN, the allowed lines of the hypervisor's hvip and its stimecmp + 10.",
    "The measurement's hash is abstract (a linear digest, not SHA3-384): no obligation relies on "
    "collision resistance. Whether a CVM holds a secret is observable; the secret's value is not.",
    "A vCPU's ecall declassifies the call: its a7, a6 and a0..a5 count as public.",
    "DMA isolation (IOPMP) is a stub, as in ACE: devices are assumed unable to reach C memory.",
    "Timing and other side channels are out of scope.",
)


def security_rows(results: List[ObligationResult]) -> List[Dict[str, Any]]:
    """One row per security property: its obligations and how many are proven."""
    rows = []
    for name, claim, kinds in SECURITY_PROPERTIES:  # a kind of obligation, or one obligation's id
        chosen = [r for r in results if r.kind in kinds or r.id in kinds]
        rows.append({"property": name, "claim": claim, "obligations": [r.id for r in chosen],
                     "proven": sum(r.verdict is Verdict.PROVEN for r in chosen), "total": len(chosen),
                     "not_proven": [(r.id, r.verdict.value) for r in chosen if r.verdict is not Verdict.PROVEN]})
    return rows


def _inputs_md(row: Dict[str, Any]) -> str:
    """A row's inputs beyond the state; the RISC-V step's own, and their abstraction, where they differ."""
    text = ", ".join(row["inputs"]) or "none"
    if row["riscv_inputs"] is not None:
        text += f"; RISC-V: {', '.join(row['riscv_inputs'])}, abstracted by `{row['lift']}`"
    return text


def transition_rows(results: List[ObligationResult]) -> List[Dict[str, Any]]:
    """The transition table (refinement/transitions.py) with each row's obligations and verdicts."""
    from refinement.transitions import TRANSITIONS
    rows = []
    for row in TRANSITIONS:
        mine = [r for r in results if r.transition == row.name]
        rows.append({"name": row.name, "party": row.party.value,
                     "layers": {"spec": row.spec.__name__, "canonical": row.canonical.__name__,
                                "riscv": row.riscv.__name__},
                     "inputs": [name for name, _ in row.inputs], "declassifies": row.shows_text,
                     "riscv_inputs": None if row.riscv_inputs is None else [name for name, _ in row.riscv_inputs],
                     "lift": None if row.lift is None else row.lift.__name__,
                     "obligations": [r.id for r in mine],
                     "proven": sum(r.verdict is Verdict.PROVEN for r in mine)})
    return rows


@dataclass
class Report:
    results: List[ObligationResult]
    sizes: Sizes
    timeout: float
    jobs: int
    wall_seconds: float
    faults: List[str]
    findings: List[Dict[str, Any]] = field(default_factory=list)  # `finding_row`s, if they were checked
    not_stated: List[str] = field(default_factory=list)  # selected, but not stated at these sizes


def finding_row(name: str, results: List[ObligationResult]) -> Dict[str, Any]:
    """One finding against ACE with the verdicts of its refuting obligations, each proven with
    the finding applied. Reproduced: every one REFUTED with a replayed counterexample."""
    from refinement.findings import ACE_COMMIT, FINDINGS, replay_scenario
    f = FINDINGS[name]
    return {
        "name": f.name, "title": f.title, "ace_commit": ACE_COMMIT,
        "rust": [{"file": f"security-monitor/src/{path}", "function": fn} for path, fn in f.rust],
        "attack": f.attack,
        "scenario": replay_scenario(name),
        "obligations": [_finding_obligation(r) for r in results],
        "reproduced": bool(results) and all(r.verdict is Verdict.REFUTED and r.counterexample for r in results),
    }


def _finding_obligation(r: ObligationResult) -> Dict[str, Any]:
    """A refuting obligation's verdict and counterexample: the call, and what it breaks (the
    fields that differ from the layer above, or for a lemma the conditions that fail)."""
    cex = r.counterexample or {}
    return {"id": r.id, "verdict": r.verdict.value, "call": cex.get("call", ""),
            "differences": cex.get("differences") or [], "failed": cex.get("failed") or [],
            "result": cex.get("result", "")}


def _crosshair_version() -> str:
    try:
        return version("crosshair-tool")
    except PackageNotFoundError:
        return "not installed"


def divergences_md() -> List[str]:
    counts = ", ".join(f"{n} {status}" for status, n in divergence_counts().items())
    lines = ["## Divergences from ACE b64f6c8", "",
             f"Every divergence the audit of ACE's source found, call by call ({counts}; "
             "`refinement/divergences.py`).", "", "| audit row | status | the model now | evidence |", "|---|---|---|---|"]
    for row in divergence_rows():
        evidence = ", ".join(f"`{e}`" for e in row["evidence"]) or "-"
        lines.append(f"| {row['row']} | {row['status']} | {row['note']} | {evidence} |")
    return lines + [""]


def to_json(report: Report) -> Dict[str, Any]:
    return {
        "tool": {"name": "refine", "version": __version__, "crosshair": _crosshair_version(),
                 "python": platform.python_version()},
        "config": {**report.sizes.as_dict(), "per_obligation_timeout": report.timeout,
                   "jobs": report.jobs, "faults": report.faults},
        "obligations": [r.to_json() for r in report.results],
        "summary": summary(report.results),
        "coverage": coverage_rows(report.results),
        "divergences": divergence_rows(),
        "transitions": transition_rows(report.results),
        "wall_seconds": round(report.wall_seconds, 1),
        "findings": report.findings,
        "not_stated": report.not_stated,
    }


def render_json(report: Report) -> str:
    return json.dumps(to_json(report), indent=2) + "\n"


def _evidence(r: ObligationResult, timeout: float) -> str:
    e = r.evidence
    if e.method == "enumeration":
        how = f"enumerated {e.paths} values" + (" (complete)" if e.exhaustive else "")
    elif e.method == "witness":
        how = "witness replayed" if r.verdict is Verdict.PROVEN else f"{e.paths} paths"
    else:
        how = f"{e.paths} paths" + (", all exhausted" if e.exhaustive else ", not exhausted")
        if e.shared_with:
            how += f" (one run with {len(e.shared_with)} more)"
    return (f"{how}, {e.seconds:.1f} s" + (" (cached: no dependency changed)" if r.cached else "")
            + (f"; {outcomes_text(e.outcomes)}" if e.outcomes else "") + _margin_text(r, timeout))


def _margin_text(r: ObligationResult, timeout: float) -> str:
    note = margin_note(r, timeout)
    return "; " + note.replace("no solver margin", "**no solver margin**", 1) if note else ""


def outcomes_text(outcomes: List[Dict[str, Any]]) -> str:
    """`reached SUCCESS, INVALID_PARAM; not FAILED`: which answers a replayed witness reaches."""
    hit = [o["outcome"] for o in outcomes if o["reached"]]
    miss = [o["outcome"] for o in outcomes if not o["reached"]]
    return "reached " + (", ".join(hit) or "nothing") + (f"; not {', '.join(miss)}" if miss else "")


def proven_at(r: ObligationResult) -> str:
    """The sizes an obligation's verdict speaks for, in a few words."""
    if r.any_size:
        return "any size"
    z = r.sizes or {}
    return (f"{z.get('nc_pages')}+{z.get('c_pages')} pages, {z.get('cvms')} CVMs x {z.get('harts')} harts, "
            f"{z.get('guest_pages')} guest pages, {z.get('levels')} table levels, {z.get('mmio_regions')} MMIO regions, "
            f"{z.get('phys_harts')} physical harts, {z.get('fp_registers')} FP registers")


def _not_stated_md(ids: List[str]) -> List[str]:
    """The selected obligations this run left out because they are not stated at its sizes."""
    if not ids:
        return []
    return ["Not stated at these sizes, so not run (their depths are in their declarations): "
            + ", ".join(f"`{i}`" for i in ids) + ".", ""]


def render_markdown(report: Report) -> str:
    counts = summary(report.results)
    any_size = sum(r.any_size for r in report.results)
    lines = [
        "# Proof report",
        "",
        "Generated by `refine prove`; do not edit by hand. Verdicts: PROVEN = every path "
        "exhausted by CrossHair, a finite domain enumerated completely, or (non-vacuity) a "
        "witness replayed; BOUNDED = nothing found but the search did not finish; REFUTED = "
        "counterexample replayed in plain Python; VACUOUS = precondition unsatisfiable; ERROR.",
        "",
        "## Summary",
        "",
        "| " + " | ".join(counts) + " | total |",
        "|" + "---|" * (len(counts) + 1),
        "| " + " | ".join(str(n) for n in counts.values()) + f" | {len(report.results)} |",
        "",
        f"{any_size} of the obligations are per-entry lemmas that hold at any size (the sizes are "
        "free variables in them); the others hold at the sizes of the configuration table.",
        "",
        *_not_stated_md(report.not_stated),
        "## Configuration",
        "",
        "| setting | value |",
        "|---|---|",
    ]
    lines += [f"| {k} | {v} |" for k, v in report.sizes.as_dict().items()]
    lines += [f"| per-obligation timeout | {report.timeout:g} s |", f"| jobs | {report.jobs} |",
              f"| CrossHair | {_crosshair_version()} |"]
    if report.faults:
        lines += [f"| seeded faults applied | {', '.join(report.faults)} |"]
    lines += ["", "## Obligations", ""]
    for layers in sorted({r.layers for r in report.results}):
        lines += [f"### {layers}", "", "| obligation | verdict | evidence | proven at | statement |",
                  "|---|---|---|---|---|"]
        for r in (r for r in report.results if r.layers == layers):
            short = r.id[len(layers) + 1:]
            lines.append(f"| [`{short}`]({_link(r.source)}) | **{r.verdict.value}** | {_evidence(r, report.timeout)} "
                         f"| {proven_at(r)} | {r.statement} |")
        lines.append("")
    failures = [r for r in report.results if r.counterexample and r.verdict is not Verdict.PROVEN]
    if failures:
        lines += ["## Counterexamples", ""]
        for r in failures:
            lines += _counterexample_md(r)
    lines += ["## Transitions", "",
              "Every way the state changes (`refinement/transitions.py`), through the entry the hardware takes; "
              "each row's standard obligations are generated from one statement per kind.", "",
              "| transition | party | entry (spec / canonical / RISC-V) | inputs | declassifies | proven |",
              "|---|---|---|---|---|---|"]
    for row in transition_rows(report.results):
        entry = " / ".join(dict.fromkeys(row["layers"].values()))
        lines.append(f"| `{row['name']}` | {row['party']} | `{entry}` | {_inputs_md(row)} | {row['declassifies']} "
                     f"| {row['proven']} of {len(row['obligations'])} |")
    lines += [""]
    lines += ["## ABI coverage", "", "| call or trap | obligations | proven | status | note |", "|---|---|---|---|---|"]
    for row in coverage_rows(report.results):
        lines.append(f"| {row['item']} | {row['total']} | {row['proven']} | {coverage_status(row)} | {row['note']} |")
    lines += [""] + divergences_md()
    lines += ["## Security properties", "", "| property | claim | obligations | proven |", "|---|---|---|---|"]
    for row in security_rows(report.results):
        ids = ", ".join(f"`{i}`" for i in row["obligations"][:4]) + (" ..." if len(row["obligations"]) > 4 else "")
        lines.append(f"| {row['property']} | {row['claim']} | {ids} | {row['proven']} / {row['total']} |")
    lines += ["", "Assumed for the security properties:", ""] + [f"- {a}" for a in SECURITY_ASSUMPTIONS] + [""]
    lines += findings_md(report.findings)
    lines += ["## Assumed and trusted", ""] + [f"- {a}" for a in ASSUMPTIONS] + [""]
    return "\n".join(lines)


def findings_md(findings: List[Dict[str, Any]]) -> List[str]:
    if not findings:
        return []
    lines = [f"## Findings against ACE {findings[0]['ace_commit']}", "",
             "Where ACE's code is weaker than the model: ACE's behaviour swapped in as a variant "
             "(`refine prove --finding NAME`) and refuted by the named obligations, each counterexample "
             "replayed in plain Python. `docs/findings.md` explains each one, with a suggested fix.", "",
             "| finding | ACE source | refuted by | reproduced |", "|---|---|---|---|"]
    for f in findings:
        where = "; ".join(f"`{r['file']}` `{r['function']}`" for r in f["rust"])
        by = ", ".join(f"`{o['id']}` {o['verdict']}" for o in f["obligations"])
        lines.append(f"| **{f['name']}**: {f['title']} | {where} | {by} | {'yes' if f['reproduced'] else '**no**'} |")
    lines.append("")
    for f in findings:
        lines += [f"### {f['name']}", "", f["attack"], "",
                  "Replayed from power-on in plain Python (`refinement.findings.replay_scenario`):", "",
                  "| | as modelled | with ACE's code |", "|---|---|---|"]
        lines += [f"| {k} | `{v}` | `{f['scenario']['ace'].get(k)}` |" for k, v in f["scenario"]["model"].items()]
        lines.append("")
        for o in f["obligations"]:
            if o["call"]:
                lines += [f"- `{o['id']}`: `{o['call'][:400]}`"]
                lines += [f"  - `{d['path']}`: with ACE's code `{d['lower']}`, the layer above requires `{d['upper']}`"
                          for d in o["differences"][:6]]
                if not o["differences"] and o.get("failed"):
                    lines += [f"  - returns `{o['result'][:200]}`; fails: {', '.join(o['failed'])}"]
        lines.append("")
    return lines


def _link(source: str) -> str:
    path, _, line = source.rpartition(":")
    return f"../{path}#L{line}"


def _counterexample_md(r: ObligationResult) -> List[str]:
    cex = r.counterexample or {}
    out = [f"### {r.id}: {r.verdict.value}", "", f"- failed: {', '.join(cex.get('failed', [])) or cex.get('reason', '')}",
           f"- call: `{cex.get('call', '')[:400]}`"]
    diffs = cex.get("differences") or []
    if diffs:
        out += ["", "| field | lower layer (abstracted) | upper layer |", "|---|---|---|"]
        out += [f"| `{d['path']}` | `{d['lower']}` | `{d['upper']}` |" for d in diffs]
    return out + [""]
