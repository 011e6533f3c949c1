"""The hardware primitives the canonical monitor needs, and nothing more.

A processor model implements this interface over its own hardware state `HW` (the canonical
reference hardware in `hardware.py`; RISC-V in `concrete/riscv/machine.py`). Every primitive
is a pure function from hardware state to hardware state (or to an observation), so that a
proof can compare two processors' effects on the same monitor step.

Primitives 1 (a privileged mode all relevant traps enter), 5 (interrupts), 7 (measurement)
and 8 (DMA isolation) of the canonical architecture are not modelled yet.
"""
from __future__ import annotations

from typing import Any, Protocol, Tuple, TypeVar

HW = TypeVar("HW")


class IsolationUnit(Protocol[HW]):
    """Physical-memory isolation between non-confidential (NC) and confidential (C) memory."""

    def isolation_grant(self, hw: HW) -> HW:
        """Open C memory to the domain about to run (a CVM)."""

    def isolation_revoke(self, hw: HW) -> HW:
        """Close C memory before the hypervisor runs."""

    def isolation_allows(self, hw: HW, page: int) -> bool:
        """May the running domain access physical page `page` (read and write alike)?"""


class SecondStageTranslation(Protocol[HW]):
    """Guest-physical to host-physical translation, entry i = k * G + g for CVM k, page g."""

    def vm_read(self, vm: Any) -> Tuple[int, Tuple[int, ...], bool, int, int, int]:
        """The hypervisor's VM as PROMOTE reads it from `vm`, the machine's form of it (the
        canonical machine receives the map decoded; RISC-V, the G-stage tables its hgatp roots):
        the answer of the machine's checks of the entries the guest's pages use (`abi.SUCCESS`:
        none failed), for each guest page the NC page it maps to, or `abi.VM_UNMAPPED`, whether
        the guest's pages lie under one leaf above the last level (a huge page, which ACE keeps
        whole: SHARE cannot map into it), the pages the copy takes along the guest's path before
        it refuses an entry there (all of them if it refuses none); then, for the entries no
        guest page uses (ACE copies them too, after the guest's), the checks' answer and the
        pages the copy takes there up to its refusal (all of them if there is none)."""

    def translation_load(self, hw: HW, k: int, cvm_id: int, pages: Tuple[int, ...],
                         tables: Tuple[int, ...], huge: bool = False) -> HW:
        """Create CVM k's translation (the CVM's id is there for a machine that would tag it by
        the id): guest page g maps privately to pages[g] where it is given and not negative,
        others unmapped. `tables` are LEVELS pages the CVM owns for it, the first of its root's
        block, then one per lower level (a machine with tables in memory builds them there);
        if `huge`, one leaf above the last level maps the guest's pages, a block from pages[0],
        and the last table is none (-1)."""

    def translation_clear(self, hw: HW, k: int) -> HW:
        """Remove CVM k's translation entirely (and its tag)."""

    def translation_map(self, hw: HW, i: int, page: int, private: bool) -> HW:
        """Map entry i to `page`: private entries are executable, shared ones never."""

    def translation_unmap(self, hw: HW, i: int) -> HW:
        ...

    def translation_entry(self, hw: HW, i: int) -> Tuple[bool, int]:
        """(mapped, page) of entry i."""

    def guest_translate(self, hw: HW, i: int) -> Tuple[HW, bool, int]:
        """The hart translates the running CVM's access through entry i, as the hardware does
        on its own: (hw, mapped, page), hw with whatever the hart cached on the way (RISC-V: a
        TLB hit answers from the TLB, a miss walks the tables and caches the leaf)."""

    def translation_fence(self, hw: HW, k: int) -> HW:
        """Drop every cached translation of CVM k on this hart, and ask every other hart to drop
        its own when it next switches, without waiting (RISC-V: hfence.gvma for its VMID here, a
        queued remote fence and an IPI there, as ACE's broadcast). After `translation_unmap` of
        a live entry the monitor must fence."""

    def translation_shootdown(self, hw: HW, k: int) -> HW:
        """Drop every cached translation of CVM k on every hart, waiting until the others have
        (RISC-V: the remote hfence.gvma run before the monitor goes on). Required before a page
        the old translation reached is freed: a hart that still caches it would reach the page
        after its next owner has it. Loading or clearing a CVM's translation shoots it down as
        part of the primitive."""

    def hart_fences_run(self, hw: HW, phys: int) -> HW:
        """Physical hart `phys` (1..P-1) runs the fences queued for it: each drops its cached
        translations of the CVM it names (ACE's queued RemoteHfenceGvmaVmid, run on the IPI)."""

    def hart_tlb_clear(self, hw: HW, phys: int) -> HW:
        """Physical hart `phys` (1..P-1) switches between its hypervisor and a vCPU: every
        translation it caches is dropped, which performs any fence queued for it (ACE clears a
        hart's TLBs at every switch)."""


class HartStateSwitch(Protocol[HW]):
    """Per-hart architectural state saved, cleared and restored on a domain switch."""

    def hart_enter(self, hw: HW, vcpu: int) -> HW:
        """Save the hypervisor's state (general and FPU registers) and load vCPU `vcpu`'s
        (index k * H + h)."""

    def hart_exit(self, hw: HW, vcpu: int, err: int, value: int) -> HW:
        """Save vCPU `vcpu`'s state and restore the hypervisor's, every register of it,
        delivering (err, value) as the result of its TVM_VCPU_RUN call."""

    def hart_regs(self, hw: HW) -> Tuple[int, ...]:
        """The general registers live on the hart (x1..x31)."""

    def hart_reg_set(self, hw: HW, r: int, value: int) -> HW:
        """The live general register at index r (x(r + 1)) takes `value`: a guest load."""

    def hart_answer(self, hw: HW, err: int, value: int) -> HW:
        """Return (err, value) from the call the hart's live caller made (SBI: a0, a1)."""

    def exit_publish(self, hw: HW, gprs: Tuple[int, ...], csrs: Tuple[int, ...]) -> HW:
        """Write what an exit declassifies where the hypervisor reads it: registers into the
        shared exit area, (cause, address, instruction) into its trap CSRs."""

    def exit_area_write(self, hw: HW, slot: int, value: int) -> HW:
        """The hypervisor writes register slot `slot` (x1..x31 at 0..30) of the shared exit area."""

    def exit_area_regs(self, hw: HW) -> Tuple[int, ...]:
        """The register slots of the shared exit area, as the hypervisor left them."""

    def hart_saved_regs(self, hw: HW, vcpu: int) -> Tuple[int, ...]:
        """The general registers saved for vCPU `vcpu` while it does not run."""

    def harts_clear(self, hw: HW, k: int) -> HW:
        """Zero the saved state (general and FPU registers, pc) of every vCPU of CVM slot k."""

    def hart_boot(self, hw: HW, k: int, pc: int, regs: Tuple[int, ...]) -> HW:
        """Set CVM k's vCPU 0 for its first run: its saved pc `pc` and general registers `regs`;
        the others' pcs 0 (HSM hart_start gives them theirs)."""

    def hart_resume(self, hw: HW, vcpu: int, regs: Tuple[int, ...], step: int) -> HW:
        """Replace vCPU `vcpu`'s saved general registers by `regs` and move its saved pc `step`
        bytes on: how an answer to an exit is delivered before the vCPU runs again."""

    def hart_vs_interrupts(self, hw: HW, vcpu: int) -> Tuple[int, int]:
        """vCPU `vcpu`'s (vsie, vstimecmp): the interrupts it enables and its timer compare."""

    def hart_timer_in(self, hw: HW, vcpu: int, stimecmp: int) -> HW:
        """Set vCPU `vcpu`'s timer compare (vstimecmp) to `stimecmp`."""

    def hart_resume_at(self, hw: HW, vcpu: int, regs: Tuple[int, ...], pc: int) -> HW:
        """Replace vCPU `vcpu`'s saved general registers by `regs` and set its saved pc to `pc`:
        how a suspended vCPU resumes at the address it chose."""


class Failure(Protocol[HW]):
    """What is left of the hardware when the monitor stops for good (its panic handler)."""

    def machine_halt(self, hw: HW, hypervisor_runs: bool) -> HW:
        """The hardware once confidential memory is zeroed and the hart parked: no translation,
        no saved vCPU state, C closed; the hypervisor's own registers, translation register,
        CSRs and exit area as they were (live while it ran, saved otherwise)."""


class TrapInformation(Protocol):
    """What a trap tells the monitor (primitive 6), decoded from the processor's own encoding."""

    def trap_kind(self, cause: int) -> int:
        """The exit kind (abi.EXIT_*) of a trap cause."""

    def trap_call(self, regs: Tuple[int, ...]) -> Tuple[int, Tuple[int, ...]]:
        """(call, arguments) of an ecall made with the live registers `regs` (abi.CALL_*,
        abi.UNKNOWN for a call the monitor does not know)."""

    def trap_store_source(self, instr: int) -> int:
        """The source register number (0..31) of a trapped store instruction."""

    def trap_load_dest(self, instr: int) -> int:
        """The destination register number (0..31) of a trapped load instruction."""

    def trap_instr_length(self, instr: int) -> int:
        """Bytes the trapped instruction occupies."""


class RootOfTrust(Protocol):
    """Measurement (primitive 7): a digest of page contents, computed inside the trusted domain."""

    def measure(self, values: Tuple[int, ...]) -> int:
        """The digest of page contents in guest order."""


class ConfidentialPageAllocator(Protocol):
    """Hands out, and takes back zeroed, the confidential pages the monitor owns. It works on the
    monitor's owner table, so processors share the software implementation in `allocator.py`."""

    def allocate(self, owner: Tuple[int, ...], n: int) -> Tuple[int, ...]:
        """Up to n free pages (global numbers), lowest first."""

    def allocate_places(self, owner: Tuple[int, ...], n: int) -> Tuple[bool, Tuple[int, ...]]:
        """Whether n pages are free, and each C page's place among the first n free ones
        (0 .. n - 1, lowest first), -1 for the others: the pages `allocate` gives, by place."""

    def claim_places(self, s: Any, places: Tuple[int, ...], first: int, end: int, tag: int) -> Any:
        """Give the pages at places first .. end - 1 the owner value `tag`."""

    def allocate_run(self, owner: Tuple[int, ...], n: int) -> Tuple[int, ...]:
        """The lowest block of n consecutive free pages whose first global number is a multiple
        of n (a naturally aligned page of n times the size, as a 16 KiB G-stage root), or none."""

    def allocate_block(self, owner: Tuple[int, ...], n: int) -> Tuple[bool, Tuple[bool, ...]]:
        """Whether `allocate_run`'s block is free, and for each C page whether it lies in it."""

    def claim_flagged(self, s: Any, flags: Tuple[bool, ...], tag: int) -> Any:
        """Give the C pages whose flag holds the owner value `tag`."""

    def claim(self, s: Any, pages: Tuple[int, ...], tag: int) -> Any:
        """Give `pages` the owner value `tag` (a CVM's data or table pages)."""

    def release(self, s: Any, page: int) -> Any:
        """Zero `page` and return it to the free pool."""

    def release_all(self, s: Any, k: int) -> Any:
        """Zero and free every page CVM slot k owns, its tables' pages too."""


class Primitives(IsolationUnit[HW], SecondStageTranslation[HW], HartStateSwitch[HW], Failure[HW],
                 TrapInformation, RootOfTrust, ConfidentialPageAllocator, Protocol[HW]):
    """Everything a processor must provide to run the canonical monitor."""
