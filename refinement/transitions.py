"""The transition relation, declared once: every way the machine's state can change, one row each.

A row is a raw step on all three layers, through the entry the hardware really takes: the
hypervisor's ecall with whatever it left in a7, a6, a0..a5; a vCPU's ecall likewise; a trap
through the dispatcher by scause (`vcpu_exit`) or the guest page-fault handlers; the
hypervisor's own memory accesses; a hardware TLB fill; the other physical harts. Where one
entry serves several calls, its input space is split into rows by `select` (which call the
caller's registers name, which exit the cause is, whether the fault hits an MMIO region), and
each entry has a catch-all row for everything else, so the rows of an entry cover all of its
inputs. `refinement/obligations/standard.py` generates every row's standard obligations from one
generic statement per kind; `tests/test_transitions.py` checks that every public step function
is a row's entry or the operation a row reaches.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Callable, Optional, Tuple

import concrete.riscv as rv
from concrete.riscv import hv_tables
from abstract import abi, canonical, spec
from abstract.config import G, H, P
from abstract.domain import HYPERVISOR
from abstract.logic import any_of, implies, lnot, read_at, same
from abstract.shapes import Digests, bools, ints
from abstract.spec.mmio import in_mmio_region
from abstract.spec.security import answer_only, cvm_state_kept
from abstract.spec.state import slot_of
from abstract.spec.switch import declassified


class Party(str, Enum):
    HYPERVISOR = "hypervisor"   # the untrusted hypervisor, on the modelled hart
    GUEST = "guest"             # the vCPU running on the modelled hart (its CVM is the party)
    HARDWARE = "hardware"       # the processor itself
    OTHER_HART = "other hart"   # the hypervisor on another physical hart


SBI_CODES = (abi.SUCCESS, abi.FAILED, abi.INVALID_PARAM, abi.INVALID_ADDRESS, abi.ALREADY_AVAILABLE)
ACCESS_CODES = (abi.ACCESS_OK, abi.ACCESS_FAULT)
REFUSED = (abi.INVALID_PARAM,)  # a catch-all row: every input it covers is refused
DONE = (abi.SUCCESS,)
DONE_OR_REFUSED = (abi.SUCCESS, abi.INVALID_PARAM)
MEMORY_CODES = (abi.SUCCESS, abi.FAILED, abi.INVALID_ADDRESS)  # no room or a bad address
CHECKED_CODES = MEMORY_CODES + (abi.INVALID_PARAM,)  # and a bad argument
# Outcome names: SBI error codes; a guest fault's own codes share 0 with SUCCESS.
CODE_NAMES = {abi.SUCCESS: "SUCCESS", abi.FAILED: "FAILED", abi.INVALID_PARAM: "INVALID_PARAM",
              abi.INVALID_ADDRESS: "INVALID_ADDRESS", abi.ALREADY_AVAILABLE: "ALREADY_AVAILABLE",
              abi.ACCESS_FAULT: "ACCESS_FAULT"}
ACCESS_NAMES = {abi.ACCESS_OK: "ACCESS_OK", abi.ACCESS_FAULT: "ACCESS_FAULT"}
CALL_REGISTERS = tuple(range(abi.A0, abi.A7 + 1))  # a0..a5, a6 (FID), a7 (EID)


@dataclass(frozen=True)
class Transition:
    name: str
    party: Party
    spec: Callable           # the raw step on each layer: (state, *inputs) -> (state, (code, value))
    canonical: Callable
    riscv: Callable
    inputs: Tuple[Tuple[str, Any], ...] = ()   # (name, type) of the step's arguments after the state
    operation: str = ""      # the decoded operation the row reaches (its name on every layer)
    select: Optional[Callable] = None     # (state, caller registers, *inputs) -> the row's inputs
    shows: Optional[Callable] = None      # (regs1, regs2, *inputs) -> what the step declassifies is equal
    shows_text: str = "nothing beyond the hypervisor's view"
    exempt: Callable = lambda s, regs, *x: -1   # the CVM slot party to the step (-1: none)
    keeps: Optional[Callable] = None      # (before, after, k, regs, *inputs): what the party CVM keeps
    codes: Tuple[int, ...] = SBI_CODES   # exactly the answers the step can give (coverage: each reached)
    riscv_confidentiality: bool = False   # also noninterference on the RISC-V machine itself
    exits: bool = False      # the step may hand the hart to the hypervisor: it then shows EXIT_SHOWS
    # Where the RISC-V step reads its input in another form than the layers above: its inputs,
    # and their abstraction `lift` (RISC-V state, *RISC-V inputs) -> the canonical inputs.
    riscv_inputs: Optional[Tuple[Tuple[str, Any], ...]] = None
    lift: Optional[Callable] = None
    line: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        if self.exits and EXIT_SHOWS not in self.shows_text:  # said wherever the row's declassification is
            object.__setattr__(self, "shows_text", f"{self.shows_text}; {EXIT_SHOWS}")

    @property
    def outcomes(self) -> Tuple[Tuple[int, str], ...]:
        """The codes the row's step may answer, named, its success (the first code) first."""
        # The hypervisor's and the hardware's memory steps answer ACCESS_OK or ACCESS_FAULT; a
        # guest's page fault SUCCESS (a fresh page) or ACCESS_FAULT.
        access = set(self.codes) <= set(ACCESS_CODES) and self.party is not Party.GUEST
        names = ACCESS_NAMES if access else CODE_NAMES
        return tuple((code, names[code]) for code in self.codes)

    @property
    def input_type(self) -> Any:
        return _tuple_type(self.inputs)

    @property
    def riscv_input_type(self) -> Any:
        return _tuple_type(self.inputs if self.riscv_inputs is None else self.riscv_inputs)

    def lifted(self, s: Any, x: Tuple) -> Tuple:
        """The canonical inputs of RISC-V state `s` and RISC-V inputs `x`."""
        return x if self.lift is None else self.lift(s, *x)


def _tuple_type(inputs: Tuple[Tuple[str, Any], ...]) -> Any:
    # None, not Tuple[()]: CrossHair 0.0.113 fills a Tuple[()] parameter with any tuple.
    return Tuple[tuple(t for _, t in inputs)] if inputs else type(None)


# --- selectors: which inputs of an entry a row covers ------------------------------------------

def runs(s: Any, party: Party) -> bool:
    return (s.run_cvm == HYPERVISOR) if party is Party.HYPERVISOR else (s.run_cvm != HYPERVISOR)


def names_call(regs: Tuple[int, ...], calls: Tuple[int, ...]) -> bool:
    call = abi.decode_call(regs[abi.A7], regs[abi.A6])
    return any_of(call == c for c in calls)


HV_CALLS = abi.HYPERVISOR_CALLS
GUEST_CALLS = abi.GUEST_CALLS


def call(party: Party, code: int) -> Callable:
    return lambda s, regs, *x: runs(s, party) and names_call(regs, (code,))


def other_call(party: Party) -> Callable:
    known = HV_CALLS if party is Party.HYPERVISOR else GUEST_CALLS
    return lambda s, regs, *x: runs(s, party) and lnot(names_call(regs, known))


def exit_of(kind: int) -> Callable:
    return lambda s, regs, cause, addr, instr, gva: runs(s, Party.GUEST) and abi.exit_kind(cause) == kind


def fault_in_region(hit: bool) -> Callable:
    return lambda s, regs, gpa, instr, gva: runs(s, Party.GUEST) and in_mmio_region(s, gpa) == hit


# --- declassification: what a row lets the hypervisor learn beyond its view ---------------------

def registers_shown(registers: Tuple[int, ...]) -> Callable:
    """The two callers agree on these registers (indices into x1..x31); the others may differ."""
    def shown(r1: Tuple[int, ...], r2: Tuple[int, ...], *x: Any) -> bool:
        return same(tuple(r1[j] for j in registers), tuple(r2[j] for j in registers))
    return shown


call_shown = registers_shown(CALL_REGISTERS)


def exit_shown(cause_of: Callable) -> Callable:
    """The exit's declassified registers (`spec.switch.declassified`) are equal."""
    def shown(r1: Tuple[int, ...], r2: Tuple[int, ...], *x: Any) -> bool:
        cause, addr, instr = cause_of(*x)
        return same(declassified(r1, cause, addr, instr)[0], declassified(r2, cause, addr, instr)[0])
    return shown


def stored_register_shown(r1: Tuple[int, ...], r2: Tuple[int, ...], g: int, reg: int) -> bool:
    """A guest store's source register x`reg` is equal: stored into a page the CVM shares, it is
    the hypervisor's to read (the CVM's own choice). Declassified for every store, private or
    shared, since what a row shows cannot depend on the state; a private store shows nothing."""
    return implies((1 <= reg) & (reg <= len(r1)), read_at(r1, reg - 1) == read_at(r2, reg - 1))


# --- who is party to a step ---------------------------------------------------------------------

def running_cvm(s: Any, regs: Tuple[int, ...], *x: Any) -> int:
    return s.run_cvm


def filling_cvm(s: Any, regs: Tuple[int, ...], g: int, phys: int) -> int:
    """The CVM whose vCPU runs on physical hart `phys` (-1: none, or no such hart)."""
    if phys == 0:
        return s.run_cvm
    if (phys < 0) | (phys >= P):
        return -1
    mark = read_at(s.other_harts, phys - 1)
    return (mark - 1) // H if mark > 0 else -1


def named_cvm(s: Any, regs: Tuple[int, ...], *x: Any) -> int:
    return slot_of(s, regs[abi.A0])


def argument_cvm(position: int) -> Callable:
    return lambda s, regs, *x: slot_of(s, x[position])


def state_kept(before: Any, after: Any, k: int, regs: Tuple[int, ...], *x: Any) -> bool:
    return cvm_state_kept(before, after, k)


def answered_only(before: Any, after: Any, k: int, regs: Tuple[int, ...], *x: Any) -> bool:
    return answer_only(before, after, k, regs[abi.A1])


# --- the table ----------------------------------------------------------------------------------

EXIT_INPUTS = (("cause", int), ("addr", int), ("instr", int), ("gva", int))
FAULT_INPUTS = (("gpa", int), ("instr", int), ("gva", int))
PAYLOAD_INPUTS = (("ndigests", int), ("digests", Digests), ("secret", int), ("mode", int))
PROMOTE_INPUTS = (("vm", ints(G)),) + PAYLOAD_INPUTS + (("huge", bool), ("off", int), ("extra", int), ("reach", int))
# RISC-V: the hypervisor's G-stage tables, its root and the entries its guest pages use
# (`hv_tables`), then what ACE's copy finds in the others: its code and the pages it takes
# (`pagetable.off_path`, which `riscv/pt_path_copy/simulation` proves, with the reading, the whole-tree copy's).
PROMOTE_TABLES = (("root", int), ("v", bools(hv_tables.ENTRIES)), ("rwx", bools(hv_tables.ENTRIES)),
                  ("ppn", ints(hv_tables.ENTRIES))) + PAYLOAD_INPUTS + (("off_code", int), ("off_pages", int))


def vm_described(s: Any, root: int, v: Tuple[bool, ...], rwx: Tuple[bool, ...], ppn: Tuple[int, ...],
                 *rest: Any) -> Tuple:
    """PROMOTE's canonical inputs: the VM the hypervisor's tables describe, whether a huge leaf
    maps it and the pages the copy takes along the guest's path, as the RISC-V machine reads
    them (`hv_tables.as_map`), then the copy's finding off the guest's path as a mark of the
    map's (a pointer at the last level malformed, any other refusal an address outside NC) with
    its pages. That the canonical machine reads that VM as the walk of each guest page
    (`hv_tables.vm_of`, `hv_tables.leaf_above_last`) is `riscv/pt_read_vm/simulation`, and the
    count the walk's (`hv_tables.path_pages`) `riscv/pt_path_pages/simulation`, on every table:
    the square does not compare the two, which made it ten times slower."""
    vm, payload, (off_code, off_pages) = (root, v, rwx, ppn), rest[:-2], rest[-2:]
    pages, huge, reach = hv_tables.as_map(hv_tables.read_vm(vm))
    return (pages,) + payload + (huge, hv_tables.map_mark(off_code), off_pages, reach)


CALL_SHOWS = "the call itself: the caller's a7, a6 and a0..a5"
EXIT_SHOWS = "as every exit, the vCPU's vsie and vstimecmp (ACE's expose_enabled_interrupts.rs)"
ID_SHOWS = "which call it is (a7, a6): the request ACE sends carries a0 = a1 = 0"
# The calls that always leave with ACE's request carrying no argument (the caller stops, is
# suspended or shuts its CVM down); the calls that leave on success are `abi.REQUEST_ARGS`.
LEAVING_CALLS = (abi.CALL_HART_STOP, abi.CALL_HART_SUSPEND, abi.CALL_SYSTEM_RESET)


def request_shown(count: int) -> Callable:
    """The call and the first `count` arguments its request to the hypervisor carries: ACE
    shows nothing else of the caller, whether the call exits or not."""
    return registers_shown((abi.A7, abi.A6) + tuple(abi.A0 + j for j in range(count)))


def _hv_ecall(name: str, code: int, **kw: Any) -> Transition:
    return Transition(name, Party.HYPERVISOR, spec.hypervisor_ecall, canonical.hypervisor_ecall,
                      rv.hypervisor_ecall, operation=name, select=call(Party.HYPERVISOR, code), **kw)


def _guest_ecall(name: str, code: int, **kw: Any) -> Transition:
    if code in abi.REQUEST_ARGS or code in LEAVING_CALLS:  # ACE's request is all it shows
        count = abi.REQUEST_ARGS.get(code, 0)
        kw.setdefault("shows", request_shown(count))
        kw.setdefault("shows_text", f"the call and its request's arguments (a0..a{count - 1})" if count else ID_SHOWS)
        kw.setdefault("riscv_confidentiality", True)  # it can hand the hart back to the hypervisor
        kw.setdefault("exits", True)
    kw.setdefault("shows", call_shown)  # the call and its arguments, unless the row says less
    kw.setdefault("shows_text", CALL_SHOWS)
    return Transition(name, Party.GUEST, spec.guest_ecall, canonical.guest_ecall, rv.guest_ecall,
                      operation=name, select=call(Party.GUEST, code), exempt=running_cvm, **kw)


def _exit(name: str, kind: int, **kw: Any) -> Transition:
    kw.setdefault("codes", DONE)  # an exit always happens; the catch-all refuses
    kw.setdefault("select", exit_of(kind))
    kw.setdefault("keeps", state_kept)  # the vCPU's CVM keeps its state, unless the row says otherwise
    return Transition(name, Party.GUEST, spec.vcpu_exit, canonical.vcpu_exit, rv.vcpu_exit, EXIT_INPUTS,
                      operation=name, exempt=running_cvm, **kw)


def _fault(name: str, entry: str, hit: bool, cause: int, **kw: Any) -> Transition:
    shows = dict(shows=exit_shown(lambda gpa, instr, gva: (cause, gpa, instr)), exits=True,
                 shows_text="the MMIO request: cause, guest virtual address (stval), guest physical address >> 2 (htval), instruction and, for a store, its source register",
                 keeps=state_kept) if hit else {}
    return Transition(name, Party.GUEST, getattr(spec, entry), getattr(canonical, entry), getattr(rv, entry),
                      FAULT_INPUTS, operation="exit_mmio_" + entry[6:-6] if hit else "guest_page_fault",
                      select=fault_in_region(hit), exempt=running_cvm,
                      codes=DONE if hit else ACCESS_CODES,  # an MMIO exit, or a page or a fault
                      **shows, **kw)


def _step(name: str, party: Party, inputs: Tuple[Tuple[str, Any], ...], **kw: Any) -> Transition:
    """A step that is its own entry: the same function name on every layer."""
    return Transition(name, party, getattr(spec, name), getattr(canonical, name), getattr(rv, name), inputs,
                      operation=name, **kw)


TRANSITIONS: Tuple[Transition, ...] = (
    # The hypervisor's ecall (scause 9), split by the call its a7/a6 name.
    _hv_ecall("tsm_get_info", abi.CALL_TSM_GET_INFO, codes=(abi.SUCCESS, abi.INVALID_PARAM, abi.INVALID_ADDRESS)),
    _hv_ecall("promote_to_tvm", abi.CALL_PROMOTE_TO_TVM, codes=CHECKED_CODES, inputs=PROMOTE_INPUTS,
              riscv_inputs=PROMOTE_TABLES, lift=vm_described),
    _hv_ecall("destroy_tvm", abi.CALL_DESTROY_TVM, codes=DONE_OR_REFUSED, exempt=named_cvm),
    _hv_ecall("tvm_vcpu_run", abi.CALL_TVM_VCPU_RUN, codes=DONE_OR_REFUSED, exempt=named_cvm, keeps=answered_only),
    _hv_ecall("nacl_set_shmem", abi.CALL_NACL_SET_SHMEM, codes=(abi.SUCCESS, abi.INVALID_PARAM, abi.INVALID_ADDRESS)),
    _hv_ecall("nacl_probe_feature", abi.CALL_NACL_PROBE_FEATURE, codes=DONE),
    _hv_ecall("hypervisor_sbi_base", abi.CALL_SBI_BASE, codes=DONE_OR_REFUSED),
    Transition("hypervisor_ecall_other", Party.HYPERVISOR, spec.hypervisor_ecall, canonical.hypervisor_ecall,
               rv.hypervisor_ecall, operation="hypervisor_ecall", select=other_call(Party.HYPERVISOR), codes=REFUSED),
    # A vCPU's ecall handled in the monitor (scause 10), split likewise.
    _guest_ecall("add_mmio_region", abi.CALL_ADD_MMIO_REGION, codes=CHECKED_CODES),
    _guest_ecall("remove_mmio_region", abi.CALL_REMOVE_MMIO_REGION, codes=(abi.SUCCESS, abi.INVALID_ADDRESS, abi.INVALID_PARAM)),
    _guest_ecall("share_memory", abi.CALL_SHARE_MEMORY, codes=(abi.SUCCESS, abi.INVALID_PARAM, abi.INVALID_ADDRESS)),
    _guest_ecall("unshare_memory", abi.CALL_UNSHARE_MEMORY, codes=CHECKED_CODES),
    _guest_ecall("allow_ext_interrupt", abi.CALL_ALLOW_EXT_INTERRUPT, codes=DONE),
    _guest_ecall("retrieve_secret", abi.CALL_RETRIEVE_SECRET, codes=(abi.SUCCESS, abi.INVALID_ADDRESS, abi.INVALID_PARAM)),
    _guest_ecall("hart_start", abi.CALL_HART_START, codes=(abi.SUCCESS, abi.INVALID_PARAM, abi.ALREADY_AVAILABLE)),
    _guest_ecall("hart_stop", abi.CALL_HART_STOP, codes=DONE),
    _guest_ecall("hart_suspend", abi.CALL_HART_SUSPEND, codes=DONE),
    _guest_ecall("hart_status", abi.CALL_HART_STATUS, codes=DONE_OR_REFUSED),
    _guest_ecall("system_reset", abi.CALL_SYSTEM_RESET, codes=DONE),
    _guest_ecall("send_ipi", abi.CALL_SEND_IPI, codes=DONE),
    _guest_ecall("remote_fence", abi.CALL_REMOTE_FENCE, codes=DONE),
    _guest_ecall("sbi_base", abi.CALL_SBI_BASE, codes=DONE, shows=registers_shown((abi.A7,)),
                 shows_text="the extension called (a7), as every call's exit or not depends on it; the answer stays in the CVM"),
    Transition("guest_ecall_other", Party.GUEST, spec.guest_ecall, canonical.guest_ecall, rv.guest_ecall,
               operation="guest_ecall", select=other_call(Party.GUEST), shows=call_shown, shows_text=CALL_SHOWS,
               exempt=running_cvm, codes=REFUSED),
    # A vCPU's trap that exits to the hypervisor, through the dispatcher by scause.
    _exit("exit_mmio_load", abi.EXIT_MMIO_LOAD, riscv_confidentiality=True, exits=True,
          shows_text="cause, guest virtual address (stval), guest physical address >> 2 (htval) and instruction"),
    _exit("exit_mmio_store", abi.EXIT_MMIO_STORE, shows=exit_shown(lambda c, a, i, v: (c, a, i)),
          riscv_confidentiality=True, exits=True,
          shows_text="the store's source register; cause, guest virtual and physical (>> 2) address, instruction"),
    _exit("exit_interrupt", abi.EXIT_INTERRUPT, riscv_confidentiality=True, exits=True, shows_text="nothing: the exit shows only that it is an interrupt (bit 63), as ACE"),
    _exit("wfi", abi.EXIT_WFI),  # handled in the monitor, as in ACE: no exit, nothing shown
    _exit("vcpu_exit_ecall", abi.EXIT_SBI, codes=REFUSED),  # `guest_ecall` answers every ecall; ACE forwards none
    _exit("vcpu_shutdown", abi.EXIT_NONE, keeps=None, riscv_confidentiality=True, exits=True,
          shows_text="nothing of the vCPU: the request (SRST, SYSTEM_RESET, 0, 0), as ACE's ShutdownRequest; the CVM is removed"),
    # Guest page faults: an MMIO request inside a region, a fresh page (or a fault) outside.
    _fault("guest_load_fault_mmio", "guest_load_fault", True, abi.CAUSE_LOAD_GUEST_PAGE_FAULT),
    _fault("guest_load_fault_page", "guest_load_fault", False, abi.CAUSE_LOAD_GUEST_PAGE_FAULT),
    _fault("guest_store_fault_mmio", "guest_store_fault", True, abi.CAUSE_STORE_GUEST_PAGE_FAULT),
    _fault("guest_store_fault_page", "guest_store_fault", False, abi.CAUSE_STORE_GUEST_PAGE_FAULT),
    # The running vCPU's own loads and stores: the hart translates them (RISC-V: through its
    # TLB), the monitor takes no part; an unmapped page traps instead (the fault rows above).
    _step("guest_load", Party.GUEST, (("g", int), ("reg", int)), exempt=running_cvm, codes=ACCESS_CODES),
    _step("guest_store", Party.GUEST, (("g", int), ("reg", int)), exempt=running_cvm, codes=ACCESS_CODES,
          shows=stored_register_shown, shows_text="the stored register, on every store: a page the CVM shares passes it to the hypervisor, and what a row declassifies cannot depend on the state, so a store to a private page (which shows nothing) declassifies it too"),
    # The hypervisor's own steps: its memory accesses and its answer in the exit area.
    _step("hypervisor_read", Party.HYPERVISOR, (("addr", int),), codes=ACCESS_CODES),
    _step("hypervisor_write", Party.HYPERVISOR, (("addr", int), ("value", int)), codes=ACCESS_CODES),
    _step("nacl_write", Party.HYPERVISOR, (("slot", int), ("value", int)), codes=ACCESS_CODES),
    # Hardware, and the other physical harts.
    _step("tlb_fill", Party.HARDWARE, (("g", int), ("phys", int)), exempt=filling_cvm, keeps=state_kept,
          codes=(abi.ACCESS_OK,)),
    _step("other_hart_run", Party.OTHER_HART, (("phys", int), ("cvm_id", int), ("vcpu", int)),
          exempt=argument_cvm(1), keeps=state_kept, codes=DONE_OR_REFUSED),
    _step("other_hart_exit", Party.OTHER_HART, (("phys", int),), codes=DONE_OR_REFUSED),
    _step("other_hart_interrupt", Party.HARDWARE, (("phys", int),), codes=DONE_OR_REFUSED),
)


def _declared_lines() -> Tuple[Transition, ...]:
    """Each row with the line of this file that declares it (for reports and SARIF)."""
    lines = inspect.getsource(inspect.getmodule(_declared_lines)).splitlines()
    first = next(i for i, text in enumerate(lines, 1) if text.startswith("TRANSITIONS"))
    out = []
    for row in TRANSITIONS:
        line = next((i for i, text in enumerate(lines[first - 1:], first) if f'"{row.name}"' in text), first)
        out.append(Transition(**{**row.__dict__, "line": line}))
    return tuple(out)


TRANSITIONS = _declared_lines()
BY_NAME = {row.name: row for row in TRANSITIONS}
ENTRIES = {"hypervisor_ecall", "guest_ecall", "vcpu_exit", "guest_load_fault", "guest_store_fault"}
