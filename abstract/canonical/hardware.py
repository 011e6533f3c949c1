"""The canonical reference hardware: the primitives at their most abstract."""
from __future__ import annotations

from dataclasses import replace
from typing import Tuple

from abstract import abi
from abstract.config import G, H, NC, NFREGS, NREGS, PAGES
from abstract.canonical.allocator import SoftwareAllocator
from abstract.canonical.state import CanonHw, canonical_initial
from abstract.logic import flag_at, flag_put, keep, put_at, read_at, set_at


def isolation_decides(is_open: bool, page: int, nc: int, pages: int) -> bool:
    """The isolation unit's answer for one page of memory of `pages` pages, the first `nc` NC:
    NC always, C only while open, nothing past the end. The sizes are parameters so that the
    per-page lemma relating it to PMP holds at every size."""
    return ((0 <= page) & (page < nc)) | (is_open & (nc <= page) & (page < pages))


def backing(pages: Tuple[int, ...]) -> Tuple[Tuple[bool, ...], Tuple[int, ...]]:
    """(mapped, page) of each guest page 0..G-1 given `translation_load`'s pages: pages[g] if it
    is there and not negative, else unmapped (page 0)."""
    full = tuple(pages) + (-1,) * (G - len(pages))
    valid = tuple(p >= 0 for p in full)
    return valid, tuple(keep(p, v) for p, v in zip(full, valid))


class CanonicalHardware(SoftwareAllocator):
    """Implements `Primitives[CanonHw]`."""

    def isolation_grant(self, hw: CanonHw) -> CanonHw:
        return replace(hw, iso_open=True)

    def isolation_revoke(self, hw: CanonHw) -> CanonHw:
        return replace(hw, iso_open=False)

    def isolation_allows(self, hw: CanonHw, page: int) -> bool:
        return isolation_decides(hw.iso_open, page, NC, PAGES)

    def vm_read(self, vm: Tuple[Tuple[int, ...], bool, int, int, int]) -> Tuple[int, Tuple[int, ...], bool, int, int, int]:
        """This machine receives the hypervisor's VM decoded: its guest pages, whether they lie
        under one huge leaf, the pages the copy takes along the guest's path (`abi.vm_decoded`),
        and for the entries no guest page uses a mark as the pages' and the pages they take; it
        checks the marks as the ABI says. Counts are pages, so a negative one is none."""
        pages, huge, off, extra, reach = vm
        return abi.vm_decoded(pages, huge, reach) + (abi.vm_refused((off,)), abi.off_path_pages(extra))

    def translation_load(self, hw: CanonHw, k: int, cvm_id: int, pages: Tuple[int, ...],
                         tables: Tuple[int, ...], huge: bool = False) -> CanonHw:
        """The translation as a map: the table pages, and whether one huge leaf maps the guest's
        pages, hold nothing this machine reads."""
        (valid, page), base = backing(pages), k * G
        return replace(
            hw,
            t_valid=hw.t_valid[:base] + valid + hw.t_valid[base + G:],
            t_exec=hw.t_exec[:base] + valid + hw.t_exec[base + G:],
            t_page=hw.t_page[:base] + page + hw.t_page[base + G:],
        )

    def translation_clear(self, hw: CanonHw, k: int) -> CanonHw:
        return self.translation_load(hw, k, 0, (), ())

    def translation_map(self, hw: CanonHw, i: int, page: int, private: bool) -> CanonHw:
        return replace(
            hw,
            t_valid=flag_put(hw.t_valid, i, True),
            t_exec=flag_put(hw.t_exec, i, private),
            t_page=put_at(hw.t_page, i, page),
        )

    def translation_unmap(self, hw: CanonHw, i: int) -> CanonHw:
        return replace(
            hw,
            t_valid=flag_put(hw.t_valid, i, False),
            t_exec=flag_put(hw.t_exec, i, False),
            t_page=put_at(hw.t_page, i, 0),
        )

    def translation_entry(self, hw: CanonHw, i: int) -> Tuple[bool, int]:
        return flag_at(hw.t_valid, i), read_at(hw.t_page, i)

    def guest_translate(self, hw: CanonHw, i: int) -> Tuple[CanonHw, bool, int]:
        return (hw,) + self.translation_entry(hw, i)

    def translation_fence(self, hw: CanonHw, k: int) -> CanonHw:
        """The canonical translation has no cache, so there is nothing to drop; the RISC-V
        model's TLB is where a missing fence shows."""
        return hw

    def translation_shootdown(self, hw: CanonHw, k: int) -> CanonHw:
        """No cache to drop here either (RISC-V: every hart's TLB entries of CVM k)."""
        return hw

    def hart_fences_run(self, hw: CanonHw, phys: int) -> CanonHw:
        """No cache, so no fence to run (RISC-V: the fences queued for hart `phys`)."""
        return hw

    def hart_tlb_clear(self, hw: CanonHw, phys: int) -> CanonHw:
        """No cache to drop (RISC-V: physical hart `phys`'s TLB and its queued fences)."""
        return hw

    def hart_boot(self, hw: CanonHw, k: int, pc: int, regs: Tuple[int, ...]) -> CanonHw:
        return replace(hw, vcpu_pc=hw.vcpu_pc[:k * H] + (pc,) + (0,) * (H - 1) + hw.vcpu_pc[(k + 1) * H:],
                       vcpu_saved=hw.vcpu_saved[:k * H] + (regs,) + hw.vcpu_saved[k * H + 1:])

    def hart_enter(self, hw: CanonHw, vcpu: int) -> CanonHw:
        return replace(hw, hv_saved=hw.regs, regs=hw.vcpu_saved[vcpu],
                       hv_fregs=hw.fregs, fregs=hw.vcpu_fregs[vcpu])

    def hart_exit(self, hw: CanonHw, vcpu: int, err: int, value: int) -> CanonHw:
        back = set_at(set_at(hw.hv_saved, abi.A0, err), abi.A1, value)
        return replace(hw, vcpu_saved=set_at(hw.vcpu_saved, vcpu, hw.regs), regs=back,
                       vcpu_fregs=set_at(hw.vcpu_fregs, vcpu, hw.fregs), fregs=hw.hv_fregs)

    def hart_regs(self, hw: CanonHw) -> Tuple[int, ...]:
        return hw.regs

    def hart_reg_set(self, hw: CanonHw, r: int, value: int) -> CanonHw:
        return replace(hw, regs=put_at(hw.regs, r, value))

    def hart_answer(self, hw: CanonHw, err: int, value: int) -> CanonHw:
        return replace(hw, regs=abi.sbi_answer(hw.regs, (err, value)))

    def exit_publish(self, hw: CanonHw, gprs: Tuple[int, ...], csrs: Tuple[int, ...]) -> CanonHw:
        return replace(hw, x_gprs=gprs, x_csrs=csrs)

    def exit_area_write(self, hw: CanonHw, slot: int, value: int) -> CanonHw:
        return replace(hw, x_gprs=put_at(hw.x_gprs, slot, value))

    def harts_clear(self, hw: CanonHw, k: int) -> CanonHw:
        lo, hi = k * H, (k + 1) * H
        return replace(hw, vcpu_saved=hw.vcpu_saved[:lo] + ((0,) * NREGS,) * H + hw.vcpu_saved[hi:],
                       vcpu_fregs=hw.vcpu_fregs[:lo] + ((0,) * NFREGS,) * H + hw.vcpu_fregs[hi:],
                       vcpu_pc=hw.vcpu_pc[:lo] + (0,) * H + hw.vcpu_pc[hi:],
                       vcpu_vsie=hw.vcpu_vsie[:lo] + (0,) * H + hw.vcpu_vsie[hi:],
                       vcpu_vstimecmp=hw.vcpu_vstimecmp[:lo] + (0,) * H + hw.vcpu_vstimecmp[hi:])

    def hart_timer_in(self, hw: CanonHw, vcpu: int, stimecmp: int) -> CanonHw:
        return replace(hw, vcpu_vstimecmp=put_at(hw.vcpu_vstimecmp, vcpu, stimecmp))

    def hart_vs_interrupts(self, hw: CanonHw, vcpu: int) -> Tuple[int, int]:
        return hw.vcpu_vsie[vcpu], hw.vcpu_vstimecmp[vcpu]

    def exit_area_regs(self, hw: CanonHw) -> Tuple[int, ...]:
        return hw.x_gprs

    def hart_saved_regs(self, hw: CanonHw, vcpu: int) -> Tuple[int, ...]:
        return hw.vcpu_saved[vcpu]

    def hart_resume(self, hw: CanonHw, vcpu: int, regs: Tuple[int, ...], step: int) -> CanonHw:
        return self.hart_resume_at(hw, vcpu, regs, hw.vcpu_pc[vcpu] + step)

    def hart_resume_at(self, hw: CanonHw, vcpu: int, regs: Tuple[int, ...], pc: int) -> CanonHw:
        return replace(hw, vcpu_saved=set_at(hw.vcpu_saved, vcpu, regs), vcpu_pc=set_at(hw.vcpu_pc, vcpu, pc))

    def machine_halt(self, hw: CanonHw, hypervisor_runs: bool) -> CanonHw:
        return replace(canonical_initial().hw, regs=hw.regs if hypervisor_runs else hw.hv_saved,
                       fregs=hw.fregs if hypervisor_runs else hw.hv_fregs, hv_stage2=hw.hv_stage2,
                       x_gprs=hw.x_gprs, x_csrs=hw.x_csrs)

    def trap_call(self, regs: Tuple[int, ...]) -> Tuple[int, Tuple[int, ...]]:
        return abi.decode_call(regs[abi.A7], regs[abi.A6]), regs[abi.A0:abi.A0 + 6]

    def trap_kind(self, cause: int) -> int:
        return abi.exit_kind(cause)

    def trap_store_source(self, instr: int) -> int:
        return abi.store_source(instr)

    def measure(self, values: Tuple[int, ...]) -> int:
        return abi.measure(values)

    def trap_load_dest(self, instr: int) -> int:
        return abi.load_dest(instr)

    def trap_instr_length(self, instr: int) -> int:
        return abi.instr_length(instr)


CANONICAL = CanonicalHardware()
