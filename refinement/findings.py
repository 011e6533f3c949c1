"""Findings against ACE (IBM/ACE-RISCV, commit b64f6c8): where ACE's code is weaker than the
model, as variants applied like the seeded faults (`refinement.faults.apply`).

The model describes the secure monitor and is proven. A finding swaps in ACE's behaviour as
its Rust source has it, and names the obligations that then refute it; `refine findings`
lists them, `refine prove --finding NAME` applies one, and the full `refine prove` checks each
and reports it in "Findings against ACE b64f6c8". docs/findings.md explains each one for an
ACE maintainer, with a suggested fix.
"""
from __future__ import annotations

import ast
import functools
import hashlib
import os
import platform
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Dict, Optional, Tuple

try:  # typeguard instruments the test suite only (a dev dependency)
    from typeguard import suppress_type_checks
except ImportError:  # pragma: no cover - a plain install runs no type checks to suppress
    from contextlib import nullcontext as suppress_type_checks

from abstract.logic import set_at
from abstract.spec.state import slot_of
from concrete.riscv.hv_tables import tables_for

ACE_COMMIT = "b64f6c8"
# The hypervisor's tables of the VMs the scenarios promote: one guest page, or two, at NC page 0.
ONE_PAGE, TWO_PAGES = tables_for((0,)), tables_for((0, 0))


@dataclass(frozen=True)
class Finding:
    name: str
    title: str
    rust: Tuple[Tuple[str, str], ...]  # (file under security-monitor/src, function), where ACE does it
    module: str                         # where the replaced attribute lives (as `faults.Fault`)
    attribute: str
    variant: Callable
    refuted_by: Tuple[str, ...]
    attack: str                         # what the hypervisor does, and what it learns or changes
    scenario: Callable[[], Dict[str, Any]]  # the attack from power-on, plain Python: what the victim sees
    also: Tuple[Tuple[str, str, Callable], ...] = ()


@functools.lru_cache(maxsize=None)  # deterministic, and one attack takes 131071 rounds to set up
def replay_scenario(name: str) -> Dict[str, Dict[str, Any]]:
    """A finding's attack run from power-on on the RISC-V model in plain Python, once as the
    model has it and once with ACE's behaviour swapped in: {"model": ..., "ace": ...}. The
    outcome is kept on disk under the hash of every source file it can depend on, as a proof's
    verdict is, so that the VMID attack's rounds run once per version of the model and not in
    every process that reports it."""
    from refinement.faults import applied
    path = _scenario_file(name)
    if path is None:
        return _replay_now(name, applied)
    try:
        return ast.literal_eval(path.read_text())
    except (OSError, ValueError, SyntaxError):
        pass  # not kept yet, or unreadable: replay
    outcome = _replay_now(name, applied)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(repr(outcome))
        tmp.replace(path)  # atomic: a crash never leaves half an entry
    except OSError:
        pass  # a read-only tree replays every time
    return outcome


def _replay_now(name: str, applied: Callable) -> Dict[str, Dict[str, Any]]:
    finding = FINDINGS[name]
    model = finding.scenario()
    with applied([name]):
        ace = finding.scenario()
    return {"model": model, "ace": ace}


SCENARIO_CACHE_ENV = "REFINE_SCENARIO_CACHE"  # a folder, or "off"; default .refine-cache/scenarios in the tree


def _scenario_file(name: str) -> Optional[Path]:
    """Where the replay of finding `name` is kept: named by the hash of the model's and the
    variants' source (abstract/, concrete/, refinement/findings.py and faults.py) and Python's
    version, so any edit replays it again. None when caching is off."""
    setting = os.environ.get(SCENARIO_CACHE_ENV, "")
    if setting == "off":
        return None
    digest = hashlib.sha256(f"{name}\0{platform.python_version()}\0{_source_digest()}".encode()).hexdigest()
    folder = Path(setting) if setting else ROOT / ".refine-cache" / "scenarios"
    return folder / f"{name}-{digest[:32]}.txt"


ROOT = Path(__file__).resolve().parents[1]


@functools.lru_cache(maxsize=None)  # the tree does not change under a running process
def _source_digest() -> str:
    """The hash of every source a replay can depend on, read once per process."""
    files = sorted(p for d in ("abstract", "concrete") for p in (ROOT / d).rglob("*.py"))
    files += [ROOT / "refinement" / "findings.py", ROOT / "refinement" / "faults.py"]
    h = hashlib.sha256()
    for p in files:
        h.update(f"\0{p.relative_to(ROOT)}\0".encode() + p.read_bytes())
    return h.hexdigest()


# --- the FPU primitives as written -----------------------------------------------------------------
# `FloatingPointUnit::save_in_main_memory` runs `fld` (memory into the register) and
# `restore_from_main_memory` runs `fsd` (the register into memory): each does the other's job.
# Entering a CVM, ACE saves the hypervisor hart's FPU only if the hypervisor's mstatus.FS is not
# Off (`HypervisorHart::save_in_main_memory`), then restores the confidential hart's; leaving, it
# saves the confidential hart's and restores the hypervisor hart's, both unconditionally.

def _enter_with_fsd(self: Any, hw: Any, vcpu: int) -> Any:
    """`enter_from_non_confidential_flow` after the hypervisor turned its FPU off (FS = Off, its
    choice): its "save" is skipped, and the confidential hart's "restore" (`fsd`) stores the
    live f-registers, which the hypervisor set, over the vCPU's image; the vCPU runs with them."""
    return replace(hw, hv_saved=hw.regs, regs=hw.vcpu_saved[vcpu],
                   vcpu_fregs=set_at(hw.vcpu_fregs, vcpu, hw.fregs))


def _exit_with_fld_fsd(self: Any, hw: Any, vcpu: int) -> Any:
    """`into_non_confidential_flow`: the confidential hart's "save" (`fld`) loads the vCPU's
    image into f0..f31, the hypervisor hart's "restore" (`fsd`) stores them over its image."""
    live = hw.vcpu_fregs[vcpu]
    return replace(hw, fregs=live, hv_fregs=live)


def _fpu_injection() -> Dict[str, Any]:
    """A CVM computes 7.0's bits into its f-registers and is interrupted; the hypervisor puts
    0x41 into its own (then turns its FPU off, which the model need not show) and resumes the
    vCPU. What is in the vCPU's f-registers when it runs again?"""
    import concrete.riscv as rv
    from abstract.config import G, NFREGS
    from concrete.riscv.state import riscv_initial
    s, promoted = rv.promote_to_tvm(riscv_initial(), ONE_PAGE)
    cvm = promoted[1]
    s, _ = rv.tvm_vcpu_run(s, cvm, 0)
    s = replace(s, hw=replace(s.hw, fregs=(0x401C000000000000,) * NFREGS))  # the CVM's computation
    s, _ = rv.exit_interrupt(s, 2 ** 63 + 7)                                 # a timer interrupt
    s = replace(s, hw=replace(s.hw, fregs=(0x41,) * NFREGS))                 # the hypervisor's choice
    s, _ = rv.tvm_vcpu_run(s, cvm, 0)
    # The whole file, never one register (`tests/test_fp_registers.py`: the model moves files whole).
    return {"promote": promoted, "vCPU f-registers after resuming": " ".join(hex(v) for v in s.hw.fregs),
            "vCPU f-registers the CVM computed": " ".join(hex(0x401C000000000000) for _ in range(NFREGS))}


# --- the VMID as written --------------------------------------------------------------------------
# `Hgatp::new(address, mode, vmid)` is `vmid << 44 | mode << 60 | ppn` with the VMID not masked to
# its 14 bits, and `set_confidential_vm_id` passes the CVM id, which `unique_id` makes the largest
# live id + 1 with no bound. From id 2^14 the VMID spills into bits 58-59 (reserved), from 2^16
# into MODE: with Sv48x4 (9), an id with bit 17 set makes MODE 11, which no hart implements, and
# writing such a word to hgatp has no effect at all.
ACE_ATTACKER_ID = 1 << 17


def _ace_hgatp_word(self: Any, k: int, cvm_id: int, root: int) -> int:
    """ACE's word for the root at page `root` and VMID = the CVM id. The `|` of the Rust is
    written with `//` and `%` (CrossHair finds no model for `|` terms); tests/test_findings.py
    checks that the two agree."""
    from concrete.riscv import gstage
    high = cvm_id // (1 << 16)                       # the id's bits that land on MODE
    mode = high + gstage.MODE_SV48X4 - high % 2 - 8 * (high // 8 % 2)  # high | 9, 9 = 0b1001
    return root + cvm_id % (1 << 16) * (1 << gstage.HGATP_VMID_SHIFT) + mode * (1 << gstage.HGATP_MODE_SHIFT)


def _cross_cvm_translation() -> Dict[str, Any]:
    """The hypervisor raises CVM ids to 2^17 by creating a CVM and destroying the previous one,
    keeping the newest alive (131072 rounds from id 0), so a victim (id 2^17 - 1) and the attacker's CVM
    (id 2^17) are live. It points its own hgatp at the victim's root table and runs the
    attacker's vCPU. Where does the attacker's guest page 0 lead?"""
    import concrete.riscv as rv
    from abstract.config import G
    from abstract.config import LEVELS
    from concrete.riscv import gstage
    from concrete.riscv.state import riscv_initial
    s, (_, victim) = rv.promote_to_tvm(riscv_initial(), ONE_PAGE)
    with suppress_type_checks():  # 262142 steps of two functions every other test type-checks
        while victim + 1 < ACE_ATTACKER_ID:
            s, (_, newer) = rv.promote_to_tvm(s, ONE_PAGE)
            s, _ = rv.destroy_tvm(s, victim)
            victim = newer
    s, (_, attacker) = rv.promote_to_tvm(s, ONE_PAGE)
    v, a = slot_of(s, victim), slot_of(s, attacker)
    victim_page = s.hw.pt_ppn[v * G]
    s = replace(s, mem=set_at(s.mem, victim_page, 0x5EC2E7))                 # the victim's data
    s = replace(s, hw=replace(s.hw, hgatp_csr=gstage.encode_hgatp(gstage.MODE_SV48X4, 0, s.hw.pt_table[v * LEVELS])))
    s, _ = rv.tvm_vcpu_run(s, attacker, 0)
    s, _ = rv.tlb_fill(s, 0)                                                  # the attacker's load
    page = s.hw.tlb_ppn[a * G] if s.hw.tlb_v[a * G] else None
    owner = "nobody" if page is None else ("the victim" if page == victim_page else
                                           "the attacker" if page == s.hw.pt_ppn[a * G] else f"page owner {s.owner[page]}")
    return {"victim id": victim, "attacker id": attacker,
            "attacker's hgatp word": hex(s.hw.hgatp[a]), "mode of that word": gstage.decode_hgatp(s.hw.hgatp[a])[0],
            "hart's hgatp while the attacker runs": hex(s.hw.hgatp_csr),
            "attacker's guest page 0 reaches": owner,
            "what the attacker reads there": None if page is None else hex(s.mem[page])}


# --- the virtual-instruction handler as written ----------------------------------------------------
# `VirtualInstruction::handle` continues past WFI and `panic!`s on any other instruction;
# `core/panic.rs` then zeroes all of confidential memory and parks the hart for good.
HSTATUS_READ = 0x60002573  # csrr a0, hstatus: from VS-mode, a virtual-instruction trap


def _panic_unless_wfi(hwp: Any, s: Any, instr: int) -> Any:
    """ACE's handler: WFI goes on, anything else panics, and the panic handler halts the monitor
    (`failure.halt`: confidential memory zeroed, the hart parked for good). The answer code is
    never delivered; it is SUCCESS as WFI's so that only the halt differs."""
    from abstract import abi
    from abstract.canonical.monitor import failure
    from abstract.domain import HYPERVISOR
    if s.run_cvm == HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    if instr == abi.WFI_INSTRUCTION:
        return s, (abi.SUCCESS, 0)
    return failure.halt(hwp, s), (abi.SUCCESS, 0)


def _virtual_instruction_wipe() -> Dict[str, Any]:
    """A victim CVM holds data in its page; the attacker's CVM, also running, reads hstatus."""
    import concrete.riscv as rv
    from abstract import abi
    from abstract.config import G
    from concrete.riscv.state import riscv_initial
    s, (_, victim) = rv.promote_to_tvm(riscv_initial(), ONE_PAGE)
    page = s.hw.pt_ppn[slot_of(s, victim) * G]
    s = replace(s, mem=set_at(s.mem, page, 0x5EC2E7))                         # the victim's data
    s, (_, attacker) = rv.promote_to_tvm(s, ONE_PAGE)
    s, _ = rv.tvm_vcpu_run(s, attacker, 0)
    s, _ = rv.vcpu_exit(s, abi.CAUSE_VIRTUAL_INSTRUCTION, HSTATUS_READ, 0)
    return {"attacker executes": f"csrr a0, hstatus ({hex(HSTATUS_READ)})",
            "victim's page afterwards": hex(s.mem[page]), "monitor halted": s.halted,
            "victim CVM still exists": bool(s.live[slot_of(s, victim)]) if slot_of(s, victim) >= 0 else False}


# --- the MMIO load handler as written --------------------------------------------------------------
# `MmioLoadRequest::handle` asserts `mtinst & 1 > 0` once the fault is known to hit an MMIO region.
# The privileged spec lets mtinst be 0 on any trap, and makes it a pseudoinstruction with bit 0
# clear for an implicit access of the VS-stage walk (0x3000: a 64-bit page-table read). The
# model forwards every such fault as an MMIO load request.
VS_WALK_READ = 0x3000  # htinst's pseudoinstruction for a VS-stage page-table read (RV64)
from abstract.canonical.monitor.switch import exit_mmio_load as _model_mmio_load  # noqa: E402  (before any variant)


def _assert_transformed_htinst(hwp: Any, s: Any, addr: int, instr: int, gva: int = 0) -> Any:
    """ACE's MMIO load handler: a fault in a region whose htinst (the model's `instr`) has bit 0
    clear fails the assert, and the panic halts the monitor; otherwise the model's MMIO exit."""
    from abstract import abi
    from abstract.canonical.monitor import failure
    from abstract.domain import HYPERVISOR
    if (s.run_cvm != HYPERVISOR) & (instr % 2 == 0):
        return failure.halt(hwp, s), (abi.SUCCESS, 0)
    return _model_mmio_load(hwp, s, addr, instr, gva)


def _mmio_walk_wipe() -> Dict[str, Any]:
    """A victim CVM holds data in its page. The attacker's CVM registers an MMIO region and
    points its own VS-stage page table into it: the hart's walk faults there with htinst 0x3000."""
    import concrete.riscv as rv
    from abstract import abi
    from abstract.config import G, PAGE_SIZE
    from concrete.riscv.state import riscv_initial
    s, (_, victim) = rv.promote_to_tvm(riscv_initial(), ONE_PAGE)
    page = s.hw.pt_ppn[slot_of(s, victim) * G]
    s = replace(s, mem=set_at(s.mem, page, 0x5EC2E7))                         # the victim's data
    s, (_, attacker) = rv.promote_to_tvm(s, ONE_PAGE)
    s, _ = rv.tvm_vcpu_run(s, attacker, 0)
    region = (G + 1) * PAGE_SIZE                                              # beyond its memory
    s, _ = rv.add_mmio_region(s, region, PAGE_SIZE)                           # leaves with ACE's request
    s, _ = rv.tvm_vcpu_run(s, attacker, 0)
    s, _ = rv.guest_load_fault(s, region, VS_WALK_READ, 0)                    # satp points into the region
    return {"attacker's VS-stage walk reads": hex(region), "htinst": hex(VS_WALK_READ),
            "victim's page afterwards": hex(s.mem[page]), "monitor halted": s.halted,
            "hypervisor saw an MMIO request": s.hw.exit_scause == abi.CAUSE_LOAD_GUEST_PAGE_FAULT}


# --- integer overflow as built -------------------------------------------------------------------
# ACE's release profile sets `overflow-checks = true` (security-monitor/Cargo.toml): an arithmetic
# overflow panics, and the panic handler halts the monitor (`failure.halt`). Two sums take their
# operands from the hypervisor's registers and CSRs, which are 64-bit words.
WORD = 1 << 64


def _tsm_info_overflow(hwp: Any, s: Any, buf: int, length: int) -> Any:
    """`fill_tsm_info_state` computes `tsm_info_address + tsm_info_len` on usize: a sum of 2^64 or
    more panics; otherwise the model's checks, which are ACE's."""
    from abstract import abi
    from abstract.canonical.monitor import failure
    from abstract.domain import HYPERVISOR
    if (s.run_cvm == HYPERVISOR) & (buf % WORD + length % WORD >= WORD):
        return failure.halt(hwp, s), (abi.SUCCESS, 0)
    return _model_tsm_get_info(hwp, s, buf, length)


def _enter_with_timer_overflow(hwp: Any, s: Any, k: int, vcpu: int) -> Any:
    """`RunConfidentialHart::declassify_to_confidential_hart` writes `self.stimecmp + delay`
    (delay 10) on usize: a hypervisor stimecmp of 2^64 - 10 or more panics as the vCPU is entered."""
    from abstract import abi
    from abstract.canonical.monitor import failure
    if s.hv_stimecmp % WORD + abi.RUN_TIMER_DELAY >= WORD:
        return failure.halt(hwp, s), (abi.SUCCESS, 0)
    return _model_entered(hwp, s, k, vcpu)


def _tsm_info_panic() -> Dict[str, Any]:
    """A victim CVM holds data; the hypervisor asks for the TSM info record with a1 = 2^64 - 1."""
    import concrete.riscv as rv
    from abstract.config import G, NC, PAGE_SIZE
    from concrete.riscv.state import riscv_initial
    s, (_, victim) = rv.promote_to_tvm(riscv_initial(), ONE_PAGE)
    page = s.hw.pt_ppn[slot_of(s, victim) * G]
    s = replace(s, mem=set_at(s.mem, page, 0x5EC2E7))
    s, answer = rv.tsm_get_info(s, NC * PAGE_SIZE - 8, WORD - 1)
    return {"TSM_GET_INFO a0, a1": (hex(NC * PAGE_SIZE - 8), hex(WORD - 1)), "monitor halted": s.halted,
            "victim's page afterwards": hex(s.mem[page])}


def _timer_off_panic() -> Dict[str, Any]:
    """A victim CVM holds data; the hypervisor has turned its own timer off the usual way
    (stimecmp = all ones) and runs the victim's vCPU."""
    import concrete.riscv as rv
    from abstract.config import G
    from concrete.riscv.state import riscv_initial
    s, (_, victim) = rv.promote_to_tvm(riscv_initial(), ONE_PAGE)
    page = s.hw.pt_ppn[slot_of(s, victim) * G]
    s = replace(s, mem=set_at(s.mem, page, 0x5EC2E7), hv_stimecmp=WORD - 1)
    s, answer = rv.tvm_vcpu_run(s, victim, 0)
    return {"hypervisor's stimecmp": hex(WORD - 1), "monitor halted": s.halted,
            "victim's page afterwards": hex(s.mem[page]), "victim runs": s.run_cvm == slot_of(s, victim) >= 0}


# --- remapping a shared page as written ------------------------------------------------------------
# `PageTable::set_entry` releases the replaced private page to the allocator at once; only then does
# `SharePageComplete::map_shared_page` broadcast `RemoteHfenceGvmaVmid`: the sender fences, the other
# confidential harts get it queued and an IPI, and nobody waits for them
# (`ConfidentialFlow::broadcast_remote_command`, `ConfidentialVm::broadcast_remote_command`).

def _free_then_queue_fence(hwp: Any, s: Any, k: int, e: int, nc_page: int) -> Any:
    """ACE's order: free the old private page, write the new leaf, fence here and queue the
    fence for the other harts."""
    from abstract.canonical.monitor.memory import holds_private_page
    mapped, page = hwp.translation_entry(s.hw, e)
    if holds_private_page(mapped, page):
        s = hwp.release(s, page)
    return replace(s, hw=hwp.translation_fence(hwp.translation_map(s.hw, e, nc_page, False), k))


def _stale_translation() -> Dict[str, Any]:
    """CVM A runs vCPU 0 on hart 0 and vCPU 1 on hart 1, which has touched A's guest page 1.
    vCPU 0 shares guest page 1 (the hypervisor answers with an NC page); the hypervisor then
    creates CVM B, whose G-stage tables take the freed page first (its root takes an aligned
    block of four, its next table the lowest free page: ACE's copy acquires its tables before
    the data pages). Where does hart 1's cached translation of A's
    guest page 1 lead while vCPU 1 runs on, and what does it read there?"""
    import concrete.riscv as rv
    from abstract import abi
    from abstract.config import G, LEVELS, P, PAGE_SIZE
    from concrete.riscv import gstage
    from concrete.riscv.state import riscv_initial

    def call(s: Any, eid_fid: Tuple[int, int], *args: int) -> Any:  # a7, a6, a0.. then the ecall
        regs = list(s.hw.regs)
        regs[abi.A7], regs[abi.A7 - 1] = eid_fid
        for j, a in enumerate(args):
            regs[abi.A0 + j] = a
        return rv.guest_ecall(replace(s, hw=replace(s.hw, regs=tuple(regs))))[0]

    calls = {c: ef for ef, c in abi.CALLS.items()}
    s, (_, a) = rv.promote_to_tvm(riscv_initial(), TWO_PAGES)
    ka = slot_of(s, a)
    page = s.hw.pt_ppn[ka * G + 1]                                           # A's guest page 1
    s, _ = rv.tvm_vcpu_run(s, a, 0)
    s = call(s, calls[abi.CALL_HART_START], 1, 0, 0)                          # A starts vCPU 1
    s, _ = rv.other_hart_run(s, 1, a, 1)                                      # ... on hart 1
    s, _ = rv.tlb_fill(s, 1, 1)                                               # which touches page 1
    s, _ = rv.tvm_vcpu_run(s, a, 0)
    s = call(s, calls[abi.CALL_SHARE_MEMORY], PAGE_SIZE, PAGE_SIZE)          # vCPU 0 shares page 1
    s, _ = rv.nacl_write(s, abi.A0, 0)
    s, _ = rv.nacl_write(s, abi.A1, 0)                                        # NC page 0
    s, _ = rv.tvm_vcpu_run(s, a, 0)                                           # the completion
    s, _ = rv.exit_interrupt(s, abi.INTERRUPT | 5)                           # back to the hypervisor
    s, (_, b) = rv.promote_to_tvm(s, ONE_PAGE)
    kb = slot_of(s, b)
    tables = s.hw.pt_table[kb * LEVELS:(kb + 1) * LEVELS]                 # B's root, then each lower table
    e = (ka * (P - 1) + 0) * G + 1                                         # hart 1, A, page 1
    cached = s.hw.other_tlb_ppn[e] if s.hw.other_tlb_v[e] else None
    j = tables.index(cached) if cached in tables else None
    names = {0: "CVM B's root table", LEVELS - 1: "CVM B's leaf table"}
    reaches = "nothing" if cached is None else (f"page {cached}" if j is None else names.get(j, f"CVM B's table {j}"))
    # What a load there reads: entry 0 of that table, a pointer to B's next table (V alone) or,
    # in the leaf table, B's leaf for its guest page 0; a store there rewrites it, and with it
    # where B's guest memory leads.
    b = kb * G
    entry = (gstage.encode_pte(True, False, False, False, False, False, False, False, s.hw.ptr_ppn[kb * (LEVELS - 1) + j])
             if j is not None and j < LEVELS - 1 else
             gstage.encode_pte(s.hw.pt_v[b], s.hw.pt_r[b], s.hw.pt_w[b], s.hw.pt_x[b], s.hw.pt_u[b], False,
                               s.hw.pt_a[b], s.hw.pt_d[b], s.hw.pt_ppn[b]))
    return {"A's page given up": page, "B's table pages": tables,
            "hart 1 (A's vCPU 1) still caches A's guest page 1 ->": reaches,
            "what A's vCPU 1 reads there (entry 0)": None if j is None else hex(entry),
            "fence still queued for hart 1": bool(s.hw.other_fence[ka * (P - 1)])}


# --- the copy of the hypervisor's tables as written ---------------------------------------------------
# `PageTable::copy_from_non_confidential_memory` returns the first error with `?`: the pages it
# acquired so far are dropped with the partial tables, and `Page` has no `Drop` that would give
# them back to the `PageAllocator`, so they are gone for good, with the hypervisor's data in them.
from concrete.riscv.pagetable import copy_tables as _model_copy_tables  # noqa: E402  (before any variant)


def _copy_keeping_on_error(src: Any, mem: Any, nc: int, root: int, levels: int, base: int, capacity: int,
                           free_on_error: bool = True) -> Any:
    """ACE's copy: on an error, what it acquired stays taken."""
    return _model_copy_tables(src, mem, nc, root, levels, base, capacity, free_on_error=False)


def _leaked_copies() -> Dict[str, Any]:
    """The hypervisor points PROMOTE at tables whose root maps a 2-page leaf and then points into
    C memory, eight times. How much of a free run of 48 C pages is left?"""
    from abstract import abi
    from concrete.riscv import pagetable as pt
    nc, free, w = 8, 48, 2
    kinds, ppns = [pt.NOT_MAPPED] * (nc * w), [0] * (nc * w)
    kinds[0], ppns[0], kinds[1], ppns[1] = pt.LEAF, 2, pt.POINTER, nc       # a leaf, then a pointer into C
    mem = tuple(range(0x100, 0x100 + nc)) + (0,) * free
    base, left, answers = nc, free, []
    with suppress_type_checks():
        for _ in range(8):
            out = pt.copy_tables(pt.Tables(tuple(kinds), tuple(ppns), w), mem, nc, 0, 2, base, left)
            answers.append(out.error)
            base, left, mem = base + out.used, left - out.used, out.mem
        last = pt.copy_tables(pt.Tables((pt.NOT_MAPPED,) * (nc * w), (0,) * (nc * w), w), mem, nc, 0, 2, base, left)
    return {"each PROMOTE answers": sorted(set(answers)), "C pages the failed copies keep": free - left,
            "free C pages left": left, "hypervisor data left in them": sorted({hex(v) for v in mem[nc:] if v}),
            "a well-formed PROMOTE then answers": "FAILED (no memory)" if last.error == abi.FAILED else last.error}


from abstract.canonical.monitor.info import tsm_get_info as _model_tsm_get_info  # noqa: E402  (before any variant)
from abstract.canonical.monitor.switch import entered as _model_entered  # noqa: E402


FINDINGS: Dict[str, Finding] = {f.name: f for f in (
    Finding(
        "ace-fpu-save-restore-inverted",
        "The FPU save and restore are inverted: the hypervisor chooses a CVM's f0..f31 at every entry",
        (("core/architecture/riscv/extensions/floating_point_unit.rs", "FloatingPointUnit::save_in_main_memory"),
         ("core/architecture/riscv/extensions/floating_point_unit.rs", "FloatingPointUnit::restore_from_main_memory"),
         ("confidential_flow/finite_state_machine.rs", "enter_from_non_confidential_flow / into_non_confidential_flow")),
        "concrete.riscv.machine", "RiscvMachine.hart_enter", _enter_with_fsd,
        ("riscv->canonical/tvm_vcpu_run/simulation", "riscv->canonical/exit_interrupt/simulation"),
        "The hypervisor writes the values it wants into f0..f31, clears mstatus.FS and calls "
        "TVM_VCPU_RUN: ACE skips saving the hypervisor's FPU, and its inverted restore stores the "
        "live registers over the vCPU's saved image, so the vCPU resumes with the hypervisor's "
        "values in f0..f31 instead of its own. At the exit the vCPU's f-registers are discarded "
        "(the inverted save loads the image back over them). So the hypervisor chooses a CVM's "
        "floating-point registers at every entry, and a CVM's own are lost at every exit. The "
        "refutations show the vCPU entering with the hypervisor's live values and leaving with its "
        "f-registers unsaved.",
        _fpu_injection,
        also=(("concrete.riscv.machine", "RiscvMachine.fpu_exit", _exit_with_fld_fsd),)),
    Finding(
        "ace-vmid-unmasked",
        "The VMID is the unmasked CVM id: from id 2^17 it turns hgatp's MODE reserved, and the CVM runs on the hypervisor's hgatp",
        (("core/architecture/riscv/mmu/hgatp.rs", "Hgatp::new"),
         ("core/memory_protector/confidential_vm_memory_protector.rs", "ConfidentialVmMemoryProtector::set_confidential_vm_id"),
         ("core/control_data/storage.rs", "ControlDataStorage::unique_id")),
        "concrete.riscv.machine", "RiscvMachine.hgatp_word", _ace_hgatp_word,
        ("riscv/hgatp_word/encoding",),
        "The hypervisor creates CVMs and destroys the previous one, keeping the newest alive, until "
        "ids reach 2^17 (ids are the largest live id + 1, unbounded). ACE shifts the id into hgatp "
        "without masking it to the 14-bit VMID field, so the new CVM's word has MODE 11, which is "
        "reserved; writing it to hgatp has no effect, and the hart keeps the hypervisor's hgatp. "
        "The hypervisor points its own hgatp at a victim CVM's root table before TVM_VCPU_RUN: its "
        "CVM then translates through the victim's tables with confidential memory open, and reads "
        "and writes the victim's pages. Ids from 2^14 already share VMIDs and set reserved bits. "
        "The refutation shows an id whose word is not a well-formed Sv48x4 word, or two ids with "
        "the same VMID.",
        _cross_cvm_translation),
    Finding(
        "ace-panic-on-virtual-instruction",
        "Any CVM wipes every CVM's memory and halts the machine by executing a virtual instruction other than WFI",
        (("confidential_flow/handlers/virtual_instructions/mod.rs", "VirtualInstruction::handle"),
         ("core/panic.rs", "panic")),
        "abstract.canonical.monitor.switch", "wfi", _panic_unless_wfi,
        ("canonical->spec/wfi/simulation",),
        "A CVM, which the hypervisor may run with any image, executes an instruction that traps "
        "from VS-mode as a virtual instruction, such as `csrr a0, hstatus`. ACE's handler accepts "
        "only WFI and `panic!`s on anything else; the panic handler zeroes all of confidential "
        "memory and parks the hart for good. Every other CVM loses its memory, and the machine "
        "stops. The refutation shows the step halting the monitor (`failure.halt`: C zeroed, no "
        "CVM left, halted) where the spec goes on past the instruction.",
        _virtual_instruction_wipe),
    Finding(
        "ace-panic-on-mmio-load-htinst",
        "Any CVM with an MMIO region wipes every CVM's memory and halts the machine by a load fault whose htinst has bit 0 clear",
        (("confidential_flow/handlers/mmio/mmio_load_request.rs", "MmioLoadRequest::handle"),
         ("core/panic.rs", "panic")),
        "abstract.canonical.monitor.mmio", "exit_mmio_load", _assert_transformed_htinst,
        ("canonical->spec/guest_load_fault_mmio/simulation", "canonical->spec/exit_mmio_load/simulation"),
        "A CVM registers an MMIO region (ADD_MMIO_REGION, which the hypervisor cannot refuse) and "
        "points its own VS-stage page table into it. The hart's implicit page-table read faults at "
        "the G-stage inside the region, and the privileged spec reports it with htinst = 0x3000, a "
        "pseudoinstruction with bit 0 clear (a hart may also write htinst = 0 on any trap). ACE "
        "asserts `mtinst & 1 > 0` after finding the fault in a region, so the monitor panics: every "
        "CVM's memory is zeroed and the hart parked. The refutations show the step halting the "
        "monitor where the spec forwards an MMIO load request.",
        _mmio_walk_wipe,
        also=(("abstract.canonical.monitor.switch", "exit_mmio_load", _assert_transformed_htinst),)),
    Finding(
        "ace-tsm-info-overflow-panic",
        "TSM_GET_INFO adds the hypervisor's address and length with overflow checks on: the hypervisor halts the monitor and wipes every CVM",
        (("non_confidential_flow/handlers/cove_host_extension/get_security_monitor_info.rs",
          "GetSecurityMonitorInfo::fill_tsm_info_state"),),
        "abstract.canonical.monitor.info", "tsm_get_info", _tsm_info_overflow,
        ("canonical->spec/tsm_get_info/simulation",),
        "The hypervisor calls TSM_GET_INFO with a1 = 2^64 - 1. ACE computes a0 + a1 to check the "
        "buffer's end; its release profile sets overflow-checks = true (Cargo.toml), so the addition panics and the "
        "panic handler zeroes all confidential memory and parks the hart. (Without the checks the "
        "sum would wrap into NC and the 48-byte record would be written across the NC end into "
        "confidential memory.) The refutation shows the step halting the monitor where the spec "
        "answers INVALID_ADDRESS.",
        _tsm_info_panic),
    Finding(
        "ace-stimecmp-overflow-panic",
        "TVM_VCPU_RUN adds 10 to the hypervisor's stimecmp with overflow checks on: a hypervisor with its timer off halts the monitor",
        (("non_confidential_flow/handlers/cove_host_extension/run_confidential_hart.rs",
          "RunConfidentialHart::declassify_to_confidential_hart"),),
        "abstract.canonical.monitor.switch", "entered", _enter_with_timer_overflow,
        ("canonical->spec/tvm_vcpu_run/simulation",),
        "A hypervisor turns its own timer off the usual way, stimecmp = 2^64 - 1 (all ones), and "
        "runs a vCPU. ACE writes stimecmp + 10 into the vCPU's timer; its release profile sets "
        "overflow-checks = true (Cargo.toml), so the addition panics, and every CVM's memory is zeroed and the hart parked. "
        "Any stimecmp from 2^64 - 10 does it. The refutation shows the step halting the monitor "
        "where the spec runs the vCPU.",
        _timer_off_panic),
    Finding(
        "ace-free-before-remote-fence",
        "Sharing a page frees the private page before the other harts fence: a sibling vCPU keeps reaching it after another CVM gets it",
        (("core/architecture/riscv/mmu/page_table.rs", "PageTable::set_entry"),
         ("confidential_flow/handlers/shared_page/share_page_complete.rs", "SharePageComplete::map_shared_page"),
         ("confidential_flow/finite_state_machine.rs", "ConfidentialFlow::broadcast_remote_command")),
        "abstract.canonical.monitor.memory", "remap_shared", _free_then_queue_fence,
        ("riscv->canonical/tvm_vcpu_run/invariant",),
        "A CVM runs two vCPUs on two harts, and the second has touched a private page, so that hart "
        "caches the translation. The first shares that guest page; on the next TVM_VCPU_RUN ACE "
        "maps the hypervisor's page there and `set_entry` frees the private page to the allocator at "
        "once, then broadcasts the G-stage fence: it fences its own hart and only queues the fence "
        "for the other, with an IPI, and nobody waits. Until that hart next traps into the monitor, "
        "its TLB still leads to the freed page. The hypervisor, which decides when that hart is "
        "interrupted, creates another CVM meanwhile, whose G-stage tables take the page first (ACE's "
        "copy acquires the tables before the data pages): the first CVM's vCPU reads the new CVM's "
        "page table and can rewrite it, and with it where that CVM's memory leads. The "
        "refutation shows a hart's cached translation reaching a C page the CVM no longer owns.",
        _stale_translation),
    Finding(
        "ace-promote-leaks-partial-copy",
        "A PROMOTE whose tables fail half-way keeps every page it copied: a few malformed PROMOTEs exhaust confidential memory",
        (("core/architecture/riscv/mmu/page_table.rs", "PageTable::copy_from_non_confidential_memory"),
         ("core/page_allocator/page.rs", "Page (no Drop)")),
        "concrete.riscv.pagetable", "copy_tables", _copy_keeping_on_error,
        ("riscv/pt_copy/isolation",),
        "The hypervisor calls PROMOTE with G-stage tables whose root first maps a leaf and then "
        "holds a pointer into confidential memory. ACE copies depth first: it acquires the 16 KiB "
        "root and the leaf's pages and copies the hypervisor's data into them, then meets the bad "
        "pointer and returns the error with `?`. The pages acquired so far are dropped with the "
        "partial tables, and `Page` has no `Drop` that would give them back, so they stay taken "
        "for good. Each such PROMOTE costs six C pages here (a 2 MiB leaf, 512 pages, on real "
        "tables); a few of them exhaust confidential memory, after which no CVM can be created "
        "and no running CVM can fault in a page. The refutation shows a failed copy keeping "
        "pages. The model's copy, which no step runs yet (PROMOTE's row takes decoded pages), "
        "gives them back.",
        _leaked_copies)
)}
