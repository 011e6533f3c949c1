"""Seeded faults of the reference (ace-monitor.md, "Seeded faults"), as swappable variants.

A fault is applied by replacing one attribute of a model module in the process that proves or
replays, so the model's source is never edited. Each fault names the obligations expected to
refute it.
"""
from __future__ import annotations

import contextlib
import importlib
from dataclasses import dataclass, replace
from typing import Any, Callable, Dict, Iterable, Iterator, List, Tuple

from abstract import abi
from abstract.config import C, H, K, LEVELS, NC, NREGS
from abstract.domain import CVM_BASE, FREE, HYPERVISOR, TABLE_BASE, owned_by
from abstract.logic import keep, lnot, put_at, read_at, set_at
from abstract.spec.memory import _guest_access as _model_guest_access
from concrete.riscv.cvm_tables import CHAIN
from concrete.riscv.machine import _root_leaves as _model_root_leaves


@dataclass(frozen=True)
class Fault:
    number: int          # its number in the reference's list
    name: str
    description: str
    module: str          # where the replaced attribute lives
    attribute: str       # "function" or "Class.method"
    variant: Callable
    refuted_by: Tuple[str, ...]
    also: Tuple[Tuple[str, str, Callable], ...] = ()  # more (module, attribute, variant): spec and monitor alike
    sizes: Tuple[Tuple[str, int], ...] = ()  # sizes the fault needs to show (two CVMs, say)


def _reclaimed_without_zeroing(owner: int, data: int, k: int) -> Tuple[int, int]:
    """Fault 3: destroy frees the CVM's pages but leaves their contents in memory."""
    return owner + keep(FREE - owner, owned_by(owner, k)), data


def _table_pages_kept(owner: int, data: int, k: int) -> Tuple[int, int]:
    """Fault 28: destroy frees and zeroes the CVM's data pages, but its table pages stay
    allocated: the pool shrinks by `levels` + 3 pages with every CVM, until PROMOTE always fails."""
    mine = owner == CVM_BASE + k
    return owner + keep(FREE - owner, mine), data - keep(data, mine)


def _any_leaf_is_shared(mapped: bool, page: int, nc: int = NC) -> bool:
    """Fault 5: unshare removes any leaf, a private page included."""
    return mapped


def _private_page_not_freed(mapped: bool, page: int, nc: int = NC) -> bool:
    """Fault 4: mapping a new page over a private leaf does not free (or zero) the old page."""
    return False


def _map_originals(copies: Tuple[int, ...], src: Tuple[int, ...]) -> Tuple[int, ...]:
    """Fault 7: promote maps the hypervisor's original pages instead of the copies (an unmapped
    page's -1 stays unmapped)."""
    return tuple(src)


def _keep_pmp_open(self: Any, hw: Any) -> Any:
    """Fault 6: the exit to the hypervisor leaves the PMP entry over C granting R/W/X."""
    return hw


def _restore_gprs_partially(self: Any, hw: Any, vcpu: int, err: int, value: int) -> Any:
    """Fault 1: the exit restores the hypervisor's registers except the temporaries t0..t2
    (x5..x7), which keep the CVM's values."""
    from concrete.riscv import sbi
    mixed = hw.hv_saved[:4] + hw.regs[4:7] + hw.hv_saved[7:]
    return replace(hw, vcpu_saved=set_at(hw.vcpu_saved, vcpu, hw.regs), regs=sbi.sbi_return(mixed, err, value))


def _store_source_from_rs1(self: Any, instr: int) -> int:
    """Fault 2: the MMIO store exit reads the rs1 field (the address base register) as the
    register to declassify, instead of rs2."""
    return (instr >> 15) & 0x1F


def _fpu_left_live(self: Any, hw: Any, vcpu: int) -> Any:
    """Fault 10: the exit neither saves the vCPU's FPU registers nor restores the hypervisor's."""
    return hw


def _never_running_elsewhere(s: Any, i: int) -> bool:
    """Fault 8: TVM_VCPU_RUN does not check whether the vCPU already runs on another physical
    hart, so one vCPU can run on two harts at once."""
    return False


def _unmap_without_fence(hwp: Any, hw: Any, k: int, i: int) -> Any:
    """Fault 9: unshare unmaps the leaf but issues no G-stage fence, so a cached translation
    of the page survives."""
    return hwp.translation_unmap(hw, i)


# Bug classes in the entries and dispatchers (issue 14): each is refuted by a row's standard
# obligation, never trusted. Variants call the real code where they can, so they differ from it
# in exactly the bug.

def _exit_dispatch_inverted(hwp: Any, s: Any, gpa: int, instr: int, gva: int = 0) -> Any:
    """A guest load fault inside an MMIO region maps a page, and outside one exits as an MMIO
    request: the region test of the dispatcher inverted."""
    from abstract.canonical.monitor import mmio
    if s.run_cvm == HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    if mmio._hits_region(s, gpa):
        return mmio.guest_page_fault(hwp, s, gpa)
    return mmio.exit_mmio_load(hwp, s, gpa, instr, gva)


def _run_arguments_swapped(hwp: Any, s: Any, *inputs: Any) -> Any:
    """The hypervisor's ecall passes TVM_VCPU_RUN its arguments swapped (vCPU as the CVM id)."""
    from abstract.canonical.monitor import ecall, switch
    call, a = hwp.trap_call(hwp.hart_regs(s.hw))
    if (s.run_cvm != HYPERVISOR) | (call != abi.CALL_TVM_VCPU_RUN):
        return _REAL_HYPERVISOR_ECALL(hwp, s, *inputs)
    s2, result = switch.tvm_vcpu_run(hwp, s, a[1], a[0])
    return (s2, result) if s2.run_cvm != HYPERVISOR else ecall._answered(hwp, s2, result)


def _answer_not_delivered(hwp: Any, s: Any, cvm_id: int, vcpu: int) -> Any:
    """TVM_VCPU_RUN enters the vCPU without delivering the hypervisor's answer to its last exit."""
    from abstract.canonical.monitor import switch
    return switch.enter_vcpu(hwp, s, cvm_id, vcpu)


def _answer_to_hypervisor(hwp: Any, s: Any, result: Tuple[int, int]) -> Any:
    """An ecall's result is written into the hypervisor's saved a0/a1, not the caller's live ones."""
    return replace(s, hw=replace(s.hw, hv_saved=abi.sbi_answer(s.hw.hv_saved, result))), result


def _wfi_exits(hwp: Any, s: Any, cause: int, addr: int, instr: int, gva: int = 0) -> Any:
    """The trap dispatcher sends WFI to the hypervisor (as the model did before it followed ACE,
    which handles WFI in the monitor): an exit the specification does not have."""
    from abstract.canonical.monitor import switch
    if hwp.trap_kind(cause) == abi.EXIT_WFI and s.run_cvm != HYPERVISOR:
        return switch.exit_to_hypervisor(hwp, s, cause, 0, 0)
    return _REAL_VCPU_EXIT(hwp, s, cause, addr, instr, gva)


# Slips around a per-entry function and in the RISC-V-only state (issue 15): each is refuted by a
# lift or a RISC-V integrity obligation, at sizes where the confused sizes differ.

def _reclaim_at_wrong_offset(s: Any, k: int) -> Any:
    """Destroy reclaims the C pages reading their contents from offset C, not NC: the same
    memory whenever the two sizes coincide."""
    from abstract.canonical import allocator
    from abstract.config import C
    from abstract.logic import each
    pages = each(allocator.reclaimed, C, (s.owner, s.mem[C:]), k)
    return replace(s, owner=tuple(o for o, _ in pages), mem=s.mem[:NC] + tuple(d for _, d in pages))


def _srst_counts_slots(s: Any, k: int) -> Any:
    """SRST takes vCPUs off the other harts counting CVM slots, not vCPUs per slot, per CVM."""
    from abstract.canonical.monitor import physical
    from abstract.config import K, P
    from abstract.logic import each
    return each(physical.interrupted, P - 1, (s.other_harts,), k, K)


def _fill_next_cvm(self: Any, hw: Any, i: int) -> Any:
    """The TLB fill caches the next CVM slot's entry, not the running CVM's."""
    from abstract.config import G, K
    return _REAL_TLB_FILL(self, hw, (i + G) % (K * G))


def _spec_fault_leaks(s: Any, gpa: int) -> Any:
    """Spec: the page-fault path copies the faulting vCPU's registers into the exit area."""
    from abstract.spec import memory
    s2, result = memory.guest_page_fault(s, gpa)
    if s.run_cvm == HYPERVISOR:
        return s2, result
    return replace(s2, exit_gprs=s.vcpu_regs[s.run_cvm * H + s.run_vcpu]), result


def _monitor_fault_leaks(hwp: Any, s: Any, gpa: int) -> Any:
    """Monitor: the same leak, through the exit area primitive."""
    from abstract.canonical.monitor import memory
    s2, result = memory.guest_page_fault(hwp, s, gpa)
    if s.run_cvm == HYPERVISOR:
        return s2, result
    hw, regs = s2.hw, hwp.hart_regs(s.hw)
    for j in range(NREGS):
        hw = hwp.exit_area_write(hw, j, regs[j])
    return replace(s2, hw=hw), result


def _secret_answer_reads_table_page(s: Any, gpa: int, size: int) -> Any:
    """Fault 39: RETRIEVE_SECRET's answer adds what the first C page holds when it is a table
    page (a read of the wrong page): only the guest sees it, so no hypervisor-facing statement
    can, and the contents of a table page become observable."""
    from abstract.spec import attestation
    after, (code, value) = attestation.retrieve_secret(s, gpa, size)
    return after, (code, value + keep(s.mem[NC], s.owner[0] >= TABLE_BASE))


def _spec_stop_shows_arguments(s: Any, state: int) -> Any:
    """Spec: HSM stop and suspend leave as a forwarded SBI call, showing the vCPU's a0 and a1
    (the model before it followed ACE's request, which carries zeros there)."""
    from abstract.spec import switch
    if s.run_cvm == HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    i = s.run_cvm * H + s.run_vcpu
    regs = s.vcpu_regs[i]
    return switch.exit_sbi_request(replace(s, hart=set_at(s.hart, i, state)), regs[abi.A0], regs[abi.A1])


def _monitor_stop_shows_arguments(hwp: Any, s: Any, state: int) -> Any:
    """Monitor: the same, publishing the vCPU's live a0 and a1."""
    from abstract.canonical.monitor import switch
    if s.run_cvm == HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    i = s.run_cvm * H + s.run_vcpu
    return switch.exit_to_hypervisor(hwp, replace(s, hart=set_at(s.hart, i, state)), abi.CAUSE_ECALL_VS, 0, 0)


def _spec_next_page_access(s: Any, g: int, reg: int) -> Any:
    """Fault 29, spec: a guest access to a confidential page reaches the next one (wrapping), the
    next CVM's at the default sizes. A store then changes memory and not the owner table."""
    v, p = _model_guest_access(s, g, reg)
    return v, keep(NC + (p - NC + 1) % C, p >= NC) + keep(p, p < NC)


def _spec_removes_any_region(s: Any, base: int, length: int) -> Any:
    """Spec: REMOVE_MMIO_REGION removes the overlapping regions of every CVM, not the caller's."""
    from abstract.spec.mmio import region_error
    if s.run_cvm == HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    refused = region_error(base, length)
    if refused:
        return s, (refused, 0)
    gone = tuple((n > 0) & (base < b + n) & (b < base + length) for b, n in zip(s.mmio_base, s.mmio_size))
    return replace(s, mmio_base=tuple(keep(b, lnot(g)) for b, g in zip(s.mmio_base, gone)),
                   mmio_size=tuple(keep(n, lnot(g)) for n, g in zip(s.mmio_size, gone))), (abi.SUCCESS, 0)


def _monitor_removes_any_region(hwp: Any, s: Any, base: int, length: int) -> Any:
    """Monitor: the same, on the monitor's region table."""
    return _spec_removes_any_region(s, base, length)


def _shootdown_here_only(self: Any, hw: Any, k: int) -> Any:
    """The monitor fences CVM k on its own hart and queues the fence for the others, without
    waiting for them, where it must wait (ACE's broadcast everywhere)."""
    return self.translation_fence(hw, k)


def _tlb_entry_unchecked(self: Any, hw: Any, i: int) -> Any:
    """The hart answers the vCPU's access from TLB entry i without checking that it is valid:
    a miss reaches whatever page the entry last held, and walks nothing."""
    return hw, True, read_at(hw.tlb_ppn, i)


def _leaf_permissions_ignored(flags: int) -> int:
    """The copy decodes an entry by its V bit alone, R, W and X unread: every valid entry is
    taken for a pointer (a leaf's data page is then read as a table), every other one as unmapped."""
    from concrete.riscv.pagetable import NOT_MAPPED, POINTER
    return POINTER if flags % 2 == 1 else NOT_MAPPED


def _chain_to_next_slot(hw: Any, k: int, pages: Tuple[int, ...], tables: Tuple[int, ...], huge: bool = False) -> Any:
    """The monitor loads CVM slot k's tables with its root's pointer leading into the next
    slot's tables: the CVM's walk continues through another CVM's leaves."""
    hw = _model_root_leaves(hw, k, pages, tables, huge)
    if not tables:
        return hw
    return replace(hw, ptr_ppn=put_at(hw.ptr_ppn, k * CHAIN, read_at(hw.pt_table, (k + 1) % K * LEVELS + 1)))


def _pointer_into_c_accepted(kind: int, ppn: int, bottom: bool, span: int, nc: int) -> Any:
    """ACE's entry check with the NC bound off by one: a pointer to the first C page passes."""
    from concrete.riscv import pagetable
    if (kind == pagetable.POINTER) & (ppn == nc) & (not bottom):
        return abi.SUCCESS, 1
    return _REAL_COPY_ENTRY(kind, ppn, bottom, span, nc)


def _pointer_at_last_level_accepted(kind: int, ppn: int, bottom: bool, span: int, nc: int) -> Any:
    """The entry check forgets the level: a pointer at the last level is followed."""
    return _REAL_COPY_ENTRY(kind, ppn, False, span, nc)


def _leaf_start_in_nc(ppn: int, span: int, nc: int) -> bool:
    """The check of a leaf's data reads its first page only: a huge leaf running past NC passes."""
    return (0 <= ppn) & (ppn < nc)


def _share_splits_huge_leaf(hwp: Any, s: Any, k: int, i: int, hv_err: int, hv_addr: int) -> Any:
    """SHARE's completion maps the hypervisor's page under a huge leaf, as if the leaf were 4 KiB
    leaves (ACE's `map_page` refuses: PageTableConfiguration)."""
    done, result = _REAL_SHARE_COMPLETE(hwp, replace(s, huge=set_at(s.huge, k, False)), k, i, hv_err, hv_addr)
    return replace(done, huge=s.huge), result


def _huge_leaf_forgotten(vm: Any) -> Any:
    """PROMOTE's reading of the hypervisor's tables does not record a huge leaf."""
    code, pages, _, reach = _REAL_READ_VM(vm)
    return code, pages, False, reach


def _block_off_its_boundary(owner: Tuple[int, ...], n: int) -> Any:
    """The allocator gives a huge leaf's copy the lowest n consecutive free pages, wherever they
    start: a leaf's page must lie on its span's boundary, which hardware takes for granted."""
    seen, inside = False, [False] * len(owner)
    for p in range(len(owner) - n + 1):
        chosen = lnot(seen) & all(owner[p + i] == FREE for i in range(n))
        seen = seen | chosen
        for i in range(n):
            inside[p + i] = inside[p + i] | chosen
    return seen, tuple(inside)


def _walk_through_huge_leaf(hw: Any, page: int, j: int, q: int) -> Any:
    """The hardware walk of a CVM's tables takes every valid entry above the last table for a
    pointer, R, W and X unread: a huge leaf's data page is then read as the next table."""
    v, rwx, ppn = _REAL_CVM_ENTRY(hw, page, j, q)
    return v, rwx if j >= CHAIN else False, ppn


def _real(module: str, name: str) -> Callable:
    return getattr(importlib.import_module(module), name)


_REAL_HYPERVISOR_ECALL = _real("abstract.canonical.monitor.ecall", "hypervisor_ecall")
_REAL_VCPU_EXIT = _real("abstract.canonical.monitor.switch", "vcpu_exit")
_REAL_TLB_FILL = _real("concrete.riscv.machine", "RiscvMachine").tlb_fill
_REAL_COPY_ENTRY = _real("concrete.riscv.pagetable", "copy_entry")
_REAL_SHARE_COMPLETE = _real("abstract.canonical.monitor.memory", "share_complete")
_REAL_READ_VM = _real("concrete.riscv.hv_tables", "read_vm")
_REAL_CVM_ENTRY = _real("concrete.riscv.cvm_tables", "_entry")
_REAL_COPY_STEPS = _real("concrete.riscv.pagetable", "copy_steps")


def _leaf_entered_as_table(src: Any, nc: int, root: int, levels: int, *how: Any) -> Any:
    """ACE's copy run with its gate reading any mapped entry as a pointer: the page a leaf maps
    is entered and copied as the next table. (A step standing for entries off the guest's path,
    `copy_steps`'s `off`, has no entry above it and keeps its gate.)"""
    from concrete.riscv import pagetable
    gate: Dict[int, bool] = {}
    kind_at: Dict[Tuple[int, int], int] = {}
    out = []
    for step in _REAL_COPY_STEPS(src, nc, root, levels, *how):
        e = step.event
        if e.entry < 0:
            gate[e.node] = step.reached if e.parent not in kind_at else \
                gate[e.parent[0]] & (kind_at[e.parent] != pagetable.NOT_MAPPED)
        else:
            kind_at[(e.node, e.entry)] = step.kind
        out.append(replace(step, reached=gate[e.node]))
    return tuple(out)


def _off_path_refusal_ignored(off_code: int, off_pages: int) -> Any:
    """PROMOTE answers the guest's entries' code alone: what ACE's copy refused off the guest's
    path is dropped (its pages still taken)."""
    return abi.SUCCESS, keep(off_pages, off_pages >= 0)


def _refusal_before_its_pages(vm: Any) -> Any:
    """PROMOTE's reading says its copy took no page before the entry it refuses on the guest's
    path, so the row answers that entry's code where ACE's copy, which takes pages as it reads,
    runs out of them first and answers FAILED."""
    code, pages, huge, reach = _REAL_READ_VM(vm)
    return code, pages, huge, keep(reach, code == abi.SUCCESS)


def _off_path_pages_dropped(extra: int) -> int:
    """The pages ACE's copy takes for the entries off the guest's path are not taken."""
    return 0


FAULTS: Dict[str, Fault] = {f.name: f for f in sorted((
    Fault(3, "destroy-without-zeroing", "Destroy frees pages without zeroing them.",
          "abstract.canonical.allocator", "reclaimed", _reclaimed_without_zeroing,
          ("canonical->spec/destroy_tvm/entry", "canonical->spec/destroy_tvm/simulation")),
    Fault(5, "unshare-any-leaf", "Unshare removes any leaf, including a private page.",
          "abstract.canonical.monitor.memory", "holds_shared_page", _any_leaf_is_shared,
          ("canonical->spec/unshare_memory/entry", "canonical->spec/unshare_memory/simulation")),
    Fault(4, "map-over-private-without-free",
          "Mapping a new page over a private leaf without freeing the old page.",
          "abstract.canonical.monitor.memory", "holds_private_page", _private_page_not_freed,
          ("canonical->spec/share_memory/entry", "canonical->spec/tvm_vcpu_run/simulation")),
    Fault(7, "promote-maps-originals", "Promote maps the hypervisor's original pages instead of the copies.",
          "abstract.canonical.monitor.lifecycle", "guest_backing", _map_originals,
          ("canonical->spec/promote_to_tvm/simulation",)),
    Fault(6, "pmp-open-after-exit", "The isolation unit is not reconfigured on the exit to the hypervisor.",
          "concrete.riscv.machine", "RiscvMachine.isolation_revoke", _keep_pmp_open,
          ("riscv->canonical/exit_interrupt/simulation", "riscv/exit_interrupt/isolation")),
    Fault(1, "exit-restores-registers-partially",
          "Exit to the hypervisor restores its registers incompletely, leaking CVM values.",
          "concrete.riscv.machine", "RiscvMachine.gprs_exit", _restore_gprs_partially,
          ("riscv->canonical/exit_interrupt/simulation", "riscv/exit_interrupt/confidentiality")),
    Fault(2, "mmio-store-wrong-register", "MMIO store declassifies a register other than the source register.",
          "concrete.riscv.machine", "RiscvMachine.trap_store_source", _store_source_from_rs1,
          ("riscv/store_source/encoding", "riscv->canonical/exit_mmio_store/simulation",
           "riscv/exit_mmio_store/confidentiality")),
    Fault(10, "fpu-not-switched-on-exit", "FPU state is not switched on exit, leaking CVM floating-point registers.",
          "concrete.riscv.machine", "RiscvMachine.fpu_exit", _fpu_left_live,
          ("riscv->canonical/exit_interrupt/simulation", "riscv/exit_interrupt/confidentiality")),
    Fault(8, "vcpu-on-two-harts", "One vCPU is allowed to run on two physical harts at once.",
          "abstract.canonical.monitor.physical", "running_elsewhere", _never_running_elsewhere,
          ("canonical->spec/tvm_vcpu_run/simulation",)),
    Fault(9, "unshare-without-fence", "No G-stage fence after unshare, so a stale translation survives.",
          "abstract.canonical.monitor.memory", "unmap_fenced", _unmap_without_fence,
          ("riscv->canonical/unshare_memory/invariant",)),
    Fault(11, "fault-dispatch-inverted", "The guest load fault dispatcher's MMIO-region test is inverted.",
          "abstract.canonical.monitor.mmio", "guest_load_fault", _exit_dispatch_inverted,
          ("canonical->spec/guest_load_fault_mmio/simulation", "canonical->spec/guest_load_fault_page/simulation")),
    Fault(12, "run-arguments-swapped", "The hypervisor's ecall passes TVM_VCPU_RUN its arguments swapped.",
          "abstract.canonical.monitor.ecall", "hypervisor_ecall", _run_arguments_swapped,
          ("canonical->spec/tvm_vcpu_run/simulation",)),
    Fault(13, "answer-not-delivered", "TVM_VCPU_RUN never delivers the hypervisor's answer to the last exit.",
          "abstract.canonical.monitor.switch", "tvm_vcpu_run", _answer_not_delivered,
          ("canonical->spec/tvm_vcpu_run/simulation",)),
    Fault(14, "answer-to-wrong-party", "An ecall's result is written into the hypervisor's a0/a1, not the caller's.",
          "abstract.canonical.monitor.ecall", "_answered", _answer_to_hypervisor,
          ("canonical->spec/add_mmio_region/simulation", "canonical->spec/tsm_get_info/simulation")),
    Fault(15, "wfi-exits", "The trap dispatcher sends WFI to the hypervisor instead of handling it.",
          "abstract.canonical.monitor.switch", "vcpu_exit", _wfi_exits,
          ("canonical->spec/wfi/simulation",)),
    Fault(16, "page-fault-leaks-registers",
          "The guest page-fault path copies the vCPU's registers into the exit area, in spec and monitor alike.",
          "abstract.spec.mmio", "guest_page_fault", _spec_fault_leaks,
          ("spec/guest_load_fault_page/confidentiality", "spec/guest_store_fault_page/confidentiality"),
          also=(("abstract.canonical.monitor.mmio", "guest_page_fault", _monitor_fault_leaks),)),
    Fault(17, "remove-other-cvms-regions",
          "REMOVE_MMIO_REGION removes other CVMs' regions too, in spec and monitor alike.",
          "abstract.spec.ecall", "remove_mmio_region", _spec_removes_any_region,
          ("spec/remove_mmio_region/integrity",),
          also=(("abstract.canonical.monitor.mmio", "remove_mmio_region", _monitor_removes_any_region),),
          sizes=(("cvms", 2),)),
    Fault(18, "reclaim-at-wrong-offset",
          "DESTROY_TVM reclaims the C pages reading their contents at offset C instead of NC.",
          "abstract.canonical.allocator", "release_all", _reclaim_at_wrong_offset,
          ("canonical/destroy_tvm/lift",), sizes=(("nc_pages", 7), ("c_pages", 6))),  # C < NC: offset C reads memory
    Fault(19, "srst-counts-slots",
          "SRST takes vCPUs off the other harts with the number of CVM slots as the vCPUs per slot.",
          "abstract.canonical.monitor.physical", "taken_off_other_harts", _srst_counts_slots,
          ("canonical/system_reset/lift",), sizes=(("cvms", 2), ("harts", 3), ("phys_harts", 2))),
    Fault(20, "tlb-fill-next-cvm", "The hardware's TLB fill caches another CVM's translation.",
          "concrete.riscv.machine", "RiscvMachine.tlb_fill", _fill_next_cvm,
          ("riscv/tlb_fill/integrity",), sizes=(("cvms", 2),)),
    Fault(21, "stop-shows-arguments",
          "HSM stop and suspend show the vCPU's a0 and a1 to the hypervisor, in spec and monitor alike.",
          "abstract.spec.hsm", "_leave", _spec_stop_shows_arguments,
          ("spec/hart_stop/confidentiality", "riscv/hart_suspend/confidentiality"),
          also=(("abstract.canonical.monitor.hsm", "_leave", _monitor_stop_shows_arguments),)),
    Fault(22, "shootdown-without-remote-fence",
          "Before freeing a page, the monitor fences only its own hart and leaves the other harts' fences queued.",
          "concrete.riscv.machine", "RiscvMachine.translation_shootdown", _shootdown_here_only,
          ("riscv->canonical/tvm_vcpu_run/invariant",), sizes=(("phys_harts", 2), ("harts", 2))),
    Fault(23, "pt-pointer-into-c",
          "Copying the hypervisor's tables, a pointer to the first confidential page is followed.",
          "concrete.riscv.pagetable", "copy_entry", _pointer_into_c_accepted,
          ("riscv/pt_walk_level/entry", "riscv/pt_read_vm/simulation")),
    Fault(24, "pt-pointer-at-last-level",
          "Copying the hypervisor's tables, a pointer at the last level is accepted.",
          "concrete.riscv.pagetable", "copy_entry", _pointer_at_last_level_accepted,
          ("riscv/pt_walk_level/entry", "riscv/pt_read_vm/simulation")),
    Fault(25, "tlb-entry-unchecked",
          "The hart answers a vCPU's load or store from its TLB entry without checking that it is valid.",
          "concrete.riscv.machine", "RiscvMachine.guest_translate", _tlb_entry_unchecked,
          ("riscv->canonical/guest_store/simulation",)),
    Fault(27, "table-chain-to-next-slot",
          "Loading a CVM's G-stage tables, the monitor points its root at the next slot's table.",
          "concrete.riscv.machine", "_root_leaves", _chain_to_next_slot,
          ("riscv->canonical/promote_to_tvm/invariant",),
          sizes=(("cvms", 2),)),
    Fault(28, "table-pages-kept-at-destroy",
          "Destroy frees the CVM's data pages but not the pages of its G-stage tables.",
          "abstract.canonical.allocator", "reclaimed", _table_pages_kept,
          ("canonical->spec/destroy_tvm/entry", "canonical->spec/destroy_tvm/simulation")),
    Fault(29, "access-next-page",
          "A guest load or store to a confidential page reaches the next one, another CVM's (spec only).",
          "abstract.spec.memory", "_guest_access", _spec_next_page_access,
          ("spec/guest_store/integrity",), sizes=(("cvms", 2),)),
    Fault(26, "pt-leaf-permissions-ignored",
          "The decoding of the hypervisor's table entries reads the V bit alone, a leaf's R, W and X bits unread.",
          "concrete.riscv.pagetable", "entry_kind", _leaf_permissions_ignored,
          ("riscv/pt_entry/encoding",)),
    Fault(30, "pt-huge-leaf-past-nc",
          "Reading the hypervisor's tables, a huge leaf is checked at its first page only, so one running past NC is copied.",
          "concrete.riscv.pagetable", "leaf_in_nc", _leaf_start_in_nc,
          ("riscv->canonical/promote_to_tvm/simulation",)),
    Fault(31, "share-splits-huge-leaf",
          "SHARE's completion maps the hypervisor's page into a CVM whose guest pages lie under one huge leaf.",
          "abstract.canonical.monitor.memory", "share_complete", _share_splits_huge_leaf,
          ("canonical->spec/tvm_vcpu_run/simulation",)),
    Fault(32, "huge-leaf-forgotten",
          "PROMOTE's reading of the hypervisor's tables does not record that a huge leaf maps the guest's pages.",
          "concrete.riscv.hv_tables", "read_vm", _huge_leaf_forgotten,
          ("riscv/pt_read_vm/simulation",)),
    Fault(33, "huge-block-off-boundary",
          "A huge leaf's copy takes the lowest free run of its span's pages wherever it starts, off the span's boundary.",
          "abstract.canonical.allocator", "allocate_block", _block_off_its_boundary,
          ("canonical->spec/promote_to_tvm/simulation",)),
    Fault(34, "walk-through-huge-leaf",
          "The hardware walk of a CVM's tables takes its huge leaf for a pointer and reads the leaf's data page as a table.",
          "concrete.riscv.cvm_tables", "_entry", _walk_through_huge_leaf,
          ("riscv->canonical/cvm_walk/simulation",)),
    Fault(35, "off-path-refusal-ignored",
          "PROMOTE answers from the entries its guest's pages use alone, an entry off their path that ACE's copy refuses accepted.",
          "concrete.riscv.hv_tables", "read_off_path", _off_path_refusal_ignored,
          ("riscv->canonical/promote_to_tvm/simulation",)),
    Fault(36, "off-path-pages-dropped",
          "PROMOTE takes no pages for the entries off the guest's path, which ACE's copy copies too.",
          "abstract.abi", "off_path_pages", _off_path_pages_dropped,
          ("riscv->canonical/promote_to_tvm/simulation",)),
    Fault(37, "refusal-before-its-pages",
          "PROMOTE answers an entry it refuses on the guest's path even when ACE's copy, which takes pages as it reads, ran out of them before it.",
          "concrete.riscv.hv_tables", "read_vm", _refusal_before_its_pages,
          ("riscv/pt_path_pages/simulation",)),
    Fault(38, "copy-enters-leaf-page",
          "ACE's copy, run step by step, enters the page a leaf maps as the next table, as if every mapped entry were a pointer.",
          "concrete.riscv.pagetable", "copy_steps", _leaf_entered_as_table,
          ("riscv/pt_copy_run/lift",)),
    Fault(39, "secret-answer-reads-table-page",
          "RETRIEVE_SECRET's answer to the guest carries what one of the CVMs' table pages holds (spec only).",
          "abstract.spec.ecall", "retrieve_secret", _secret_answer_reads_table_page,
          ("spec/retrieve_secret/unread",)),
), key=lambda f: f.number)}


class UnknownFault(KeyError):
    pass


def variants() -> Dict[str, Any]:
    """Everything `apply` can swap in by name: the seeded faults and the findings against ACE
    (`refinement.findings`), which are applied the same way."""
    from refinement.findings import FINDINGS
    return {**FAULTS, **FINDINGS}


def apply(names: Iterable[str]) -> List[Tuple[Any, str, Any]]:
    """Swap each named fault's variants into their model modules (in this process only);
    returns what was replaced, for `restore`."""
    replaced = []
    known = variants()
    for name in names:
        if name not in known:
            raise UnknownFault(f"unknown fault {name!r}; known: {', '.join(sorted(known))}")
        fault = known[name]
        for module, attribute, variant in ((fault.module, fault.attribute, fault.variant), *fault.also):
            target: Any = importlib.import_module(module)
            *owners, attr = attribute.split(".")
            for owner in owners:
                target = getattr(target, owner)
            if not hasattr(target, attr):
                raise UnknownFault(f"fault {name!r} targets {module}.{attribute}, which no longer exists")
            replaced.append((target, attr, getattr(target, attr)))
            setattr(target, attr, variant)
    return replaced


@contextlib.contextmanager
def applied(names: Iterable[str]) -> Iterator[None]:
    """Run a block with the named faults swapped in, and put the real model back afterwards
    (used by the replay snippets in reports)."""
    replaced = apply(names)
    try:
        yield
    finally:
        for target, attr, original in reversed(replaced):
            setattr(target, attr, original)
