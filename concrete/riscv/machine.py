"""The RISC-V implementation of the canonical primitives: PMP, hgatp + G-stage PTEs, GPRs."""
from __future__ import annotations

from dataclasses import replace
from typing import Tuple

from abstract import abi
from abstract.config import G, H, K, LEVELS, NFREGS, NREGS, P
from abstract.canonical.allocator import SoftwareAllocator
from abstract.canonical.hardware import backing
from abstract.logic import flag_at, flag_put, keep, lnot, put_at, read_at, set_at
from concrete.riscv import cvm_tables, gstage, hv_tables, pmp, sbi, trap
from concrete.riscv.state import RvHw, riscv_initial

def _tor_perms(hw: RvHw, entry: int, on: bool) -> RvHw:
    return replace(
        hw,
        pmp_r=set_at(hw.pmp_r, entry, on),
        pmp_w=set_at(hw.pmp_w, entry, on),
        pmp_x=set_at(hw.pmp_x, entry, on),
    )


def _leaf(hw: RvHw, i: int, valid: bool, private: bool, ppn: int) -> RvHw:
    """Write guest-map entry i's leaf: private (R W X U A D V), shared (R W U A D V) or clear."""
    changes = {f: flag_put(getattr(hw, f), i, valid) for f in cvm_tables.LEAF_FIELDS}
    changes["pt_x"] = flag_put(hw.pt_x, i, valid & private)
    changes["pt_ppn"] = put_at(hw.pt_ppn, i, ppn)
    return replace(hw, **changes)


def _root_leaves(hw: RvHw, k: int, pages: Tuple[int, ...], tables: Tuple[int, ...], huge: bool = False) -> RvHw:
    """CVM slot k's tables written at once in its table pages `tables`: where each table is,
    the chain of pointers from its root to its leaf table (`cvm_tables.chain_of`), and guest
    page g a private leaf to pages[g] where one is given (`hardware.backing`); under a huge
    leaf, that leaf above the last table to the block at pages[0] and no leaf below it; no
    tables, every entry clear and the slot's tables nowhere. One `replace`, branch-free in a
    symbolic k, where G calls of `_leaf` were G (the VMID attack's 131072 promotes spent half
    their time there)."""
    valid, run = backing(pages)
    valid, ppn = tuple(v & lnot(huge) for v in valid), tuple(keep(p, lnot(huge)) for p in run)
    at = tuple(tables) if tables else (cvm_tables.NO_TABLE,) * LEVELS
    slot = tuple(q == k for q in range(K))
    chain = cvm_tables.chain_of(tables, huge, run[0]) * K
    n = cvm_tables.CHAIN

    def flags(old: Tuple[bool, ...]) -> Tuple[bool, ...]:
        return tuple((old[j] & lnot(slot[j // G])) | (valid[j % G] & slot[j // G]) for j in range(len(old)))
    changes = {f: flags(getattr(hw, f)) for f in cvm_tables.LEAF_FIELDS}
    changes["pt_ppn"] = tuple(hw.pt_ppn[j] + keep(ppn[j % G] - hw.pt_ppn[j], slot[j // G]) for j in range(len(hw.pt_ppn)))
    changes["pt_table"] = tuple(hw.pt_table[j] + keep(at[j % LEVELS] - hw.pt_table[j], slot[j // LEVELS])
                                for j in range(len(hw.pt_table)))
    changes["ptr_v"] = tuple((hw.ptr_v[j] & lnot(slot[j // n])) | (chain[j][0] & slot[j // n]) for j in range(len(chain)))
    changes["ptr_rwx"] = tuple((hw.ptr_rwx[q] & lnot(slot[q])) | (chain[n * q + n - 1][1] & slot[q]) for q in range(K))
    changes["ptr_ppn"] = tuple(hw.ptr_ppn[j] + keep(chain[j][2] - hw.ptr_ppn[j], slot[j // n]) for j in range(len(chain)))
    return replace(hw, **changes)


def _cached(tlb_v: Tuple[bool, ...], tlb_ppn: Tuple[int, ...], i: int, valid: bool, ppn: int) -> Tuple[tuple, tuple]:
    """A TLB with entry i caching a walk's (valid, ppn); branch-free in the symbolic index."""
    hit = tuple((j == i) & valid for j in range(len(tlb_v)))
    return (tuple(tlb_v[j] | hit[j] for j in range(len(hit))),
            tuple(tlb_ppn[j] + keep(ppn - tlb_ppn[j], hit[j]) for j in range(len(hit))))


class RiscvMachine(SoftwareAllocator):
    """Implements `Primitives[RvHw]`."""

    def isolation_grant(self, hw: RvHw) -> RvHw:
        return _tor_perms(hw, pmp.MONITOR_TOR, True)

    def isolation_revoke(self, hw: RvHw) -> RvHw:
        return _tor_perms(hw, pmp.MONITOR_TOR, False)

    def isolation_allows(self, hw: RvHw, page: int) -> bool:
        return pmp.grants_rw(hw.pmp_mode, hw.pmp_addr, hw.pmp_r, hw.pmp_w, page)

    def vm_read(self, vm: Tuple[hv_tables.Vm, int, int]) -> Tuple[int, Tuple[int, ...], bool, int, int, int]:
        """The hypervisor's G-stage tables read as ACE's PROMOTE copies them: the entries the
        guest's pages use (`hv_tables.read_vm`): its code, ACE's, and the map it describes as
        any map is read (`abi.vm_decoded` of `hv_tables.as_map`), then what the copy finds in
        the others, its code and the pages it takes for them (`hv_tables.read_off_path`)."""
        tables, off_code, off_pages = vm
        reading = hv_tables.read_vm(tables)
        _, pages, huge, reach = abi.vm_decoded(*hv_tables.as_map(reading))
        return (reading[0], pages, huge, reach) + hv_tables.read_off_path(off_code, off_pages)

    def translation_load(self, hw: RvHw, k: int, cvm_id: int, pages: Tuple[int, ...],
                         tables: Tuple[int, ...], huge: bool = False) -> RvHw:
        """Build CVM k's tables in its table pages `tables` (the root first), under a huge leaf
        if `huge`, and point its hgatp word at the root; no tables, clear them and the word."""
        hw = _root_leaves(hw, k, pages, tables, huge)
        word = self.hgatp_word(k, cvm_id, tables[0]) if tables else 0
        return replace(self.translation_shootdown(hw, k), hgatp=set_at(hw.hgatp, k, word))

    def hgatp_word(self, k: int, cvm_id: int, root: int) -> int:
        """Sv48x4 rooted at page `root`, VMID k + 1: VMIDs come from the K slots, a bounded
        pool, never from the CVM id, which grows without bound (ACE uses the id: a finding)."""
        return gstage.encode_hgatp(gstage.MODE_SV48X4, k + 1, root)

    def translation_clear(self, hw: RvHw, k: int) -> RvHw:
        return self.translation_load(hw, k, 0, (), ())

    def translation_map(self, hw: RvHw, i: int, page: int, private: bool) -> RvHw:
        return _leaf(hw, i, True, private, page)

    def translation_unmap(self, hw: RvHw, i: int) -> RvHw:
        return _leaf(hw, i, False, False, 0)

    def translation_entry(self, hw: RvHw, i: int) -> Tuple[bool, int]:
        """The monitor reads guest-map entry i's leaf (it knows where its tables are), the
        huge leaf above them if there is one."""
        valid, _, ppn = cvm_tables.leaves(hw)
        return flag_at(valid, i), read_at(ppn, i)

    def translation_fence(self, hw: RvHw, k: int) -> RvHw:
        """ACE's broadcast of a remote hfence.gvma: the fence with CVM k's VMID runs on this
        hart, and is queued for every other hart, which runs it when it next switches; nobody
        waits, so until then another hart may still reach what the old translation reached."""
        lo, hi = k * G, (k + 1) * G
        queued = tuple(hw.other_fence[j] | (j // (P - 1) == k) for j in range(len(hw.other_fence)))
        return replace(hw, tlb_v=hw.tlb_v[:lo] + (False,) * G + hw.tlb_v[hi:], other_fence=queued)

    def translation_shootdown(self, hw: RvHw, k: int) -> RvHw:
        """hfence.gvma with CVM k's VMID on every hart, the monitor waiting until the others have
        run it (an IPI each, and their acknowledgement): no hart caches CVM k's translation, and
        no fence of it is left queued."""
        lo, hi = k * G, (k + 1) * G
        olo, ohi = k * (P - 1) * G, (k + 1) * (P - 1) * G
        flo, fhi = k * (P - 1), (k + 1) * (P - 1)
        return replace(hw, tlb_v=hw.tlb_v[:lo] + (False,) * G + hw.tlb_v[hi:],
                       other_tlb_v=hw.other_tlb_v[:olo] + (False,) * (ohi - olo) + hw.other_tlb_v[ohi:],
                       other_fence=hw.other_fence[:flo] + (False,) * (fhi - flo) + hw.other_fence[fhi:])

    def hart_tlb_clear(self, hw: RvHw, phys: int) -> RvHw:
        """hfence.gvma (every VMID) on physical hart `phys` at a switch, as ACE's
        `clear_hart_tlbs`: its entries of every CVM go, and so do the fences queued for it.
        Branch-free in the symbolic `phys`."""
        entry_on = tuple((j // G) % (P - 1) == phys - 1 for j in range(len(hw.other_tlb_v)))
        fence_on = tuple(j % (P - 1) == phys - 1 for j in range(len(hw.other_fence)))
        return replace(hw, other_tlb_v=tuple(hw.other_tlb_v[j] & lnot(entry_on[j]) for j in range(len(entry_on))),
                       other_fence=tuple(hw.other_fence[j] & lnot(fence_on[j]) for j in range(len(fence_on))))

    def hart_fences_run(self, hw: RvHw, phys: int) -> RvHw:
        """Physical hart `phys` runs the hfence.gvma queued for it: its entries of every CVM with
        a queued fence go, the others stay, and its queue empties. Branch-free in `phys`."""
        on = tuple(j % (P - 1) == phys - 1 for j in range(len(hw.other_fence)))
        fenced = tuple(hw.other_fence[j] & on[j] for j in range(len(on)))
        return replace(hw, other_tlb_v=tuple(hw.other_tlb_v[j] & lnot(fenced[j // G]) for j in range(len(hw.other_tlb_v))),
                       other_fence=tuple(hw.other_fence[j] & lnot(on[j]) for j in range(len(on))))

    def other_tlb_fill(self, hw: RvHw, phys: int, k: int, g: int) -> RvHw:
        """Physical hart `phys`, running a vCPU of CVM slot k, walks guest page g from CVM k's
        hgatp word (its hgatp CSR while it runs the vCPU) and caches the leaf in its TLB."""
        valid, ppn = self.walk_word(hw, read_at(hw.hgatp, k), g)
        v, p = _cached(hw.other_tlb_v, hw.other_tlb_ppn, (k * (P - 1) + phys - 1) * G + g, valid, ppn)
        return replace(hw, other_tlb_v=v, other_tlb_ppn=p)

    def guest_translate(self, hw: RvHw, i: int) -> Tuple[RvHw, bool, int]:
        """The running CVM's access through TLB entry i: a hit answers from the TLB and walks
        nothing; a miss walks from the hart's hgatp, caches the leaf (`tlb_fill`) and answers
        from the entry it filled (still invalid if the walk found no leaf)."""
        if not flag_at(hw.tlb_v, i):
            hw = self.tlb_fill(hw, i)
        return hw, flag_at(hw.tlb_v, i), read_at(hw.tlb_ppn, i)

    def tlb_fill(self, hw: RvHw, i: int) -> RvHw:
        """The hardware walk of guest page g = i % G, started from the hart's hgatp, is cached
        in TLB entry i, the one the running CVM (k = i // G) uses. Branch-free in the symbolic
        index, like `put_at`."""
        v, p = _cached(hw.tlb_v, hw.tlb_ppn, i, *self.walk(hw, i % G))
        return replace(hw, tlb_v=v, tlb_ppn=p)

    def walk(self, hw: RvHw, g: int) -> Tuple[bool, int]:
        """(valid, PPN) of guest page g's leaf, walking from the hart's hgatp CSR."""
        return self.walk_word(hw, hw.hgatp_csr, g)

    def walk_word(self, hw: RvHw, word: int, g: int) -> Tuple[bool, int]:
        """(valid, PPN) of guest page g's leaf, walking from the hgatp word `word` through the
        tables its root names (`cvm_tables.walk`), under Sv48x4 or Sv57x4. Only the CVMs' tables
        are modelled (the hypervisor's are PROMOTE's input): a walk from any other
        root finds nothing."""
        mode, _, root = gstage.decode_hgatp(word)
        return cvm_tables.walk(hw, (mode == gstage.MODE_SV48X4) | (mode == gstage.MODE_SV57X4), root, g)

    def hart_boot(self, hw: RvHw, k: int, pc: int, regs: Tuple[int, ...]) -> RvHw:
        """The boot vCPU's mepc is the entry pc and its saved x1..x31 `regs`; the others wait for
        HSM hart_start."""
        return replace(hw, vcpu_mepc=hw.vcpu_mepc[:k * H] + (pc,) + (0,) * (H - 1) + hw.vcpu_mepc[(k + 1) * H:],
                       vcpu_saved=hw.vcpu_saved[:k * H] + (regs,) + hw.vcpu_saved[k * H + 1:])

    def hart_enter(self, hw: RvHw, vcpu: int) -> RvHw:
        """Save the hypervisor's registers and hgatp; load the vCPU's, and its CVM's hgatp word
        into the CSR (`csrw`, so a word with an unsupported MODE would leave the old one)."""
        word = read_at(hw.hgatp, vcpu // H)
        return replace(hw, hv_saved=hw.regs, regs=hw.vcpu_saved[vcpu],
                       hv_fregs=hw.fregs, fregs=hw.vcpu_fregs[vcpu],
                       hv_hgatp=hw.hgatp_csr, hgatp_csr=gstage.csr_write_hgatp(hw.hgatp_csr, word))

    def hart_exit(self, hw: RvHw, vcpu: int, err: int, value: int) -> RvHw:
        return self.fpu_exit(self.gprs_exit(hw, vcpu, err, value), vcpu)

    def gprs_exit(self, hw: RvHw, vcpu: int, err: int, value: int) -> RvHw:
        """Save x1..x31 of the vCPU, restore all of the hypervisor's and its hgatp; SBI return:
        a0 = error, a1 = value."""
        back = sbi.sbi_return(hw.hv_saved, err, value)
        return replace(hw, vcpu_saved=set_at(hw.vcpu_saved, vcpu, hw.regs), regs=back, hgatp_csr=hw.hv_hgatp)

    def fpu_exit(self, hw: RvHw, vcpu: int) -> RvHw:
        """Save f0..f31 of the vCPU and restore the hypervisor's (the monitor switches the FPU
        eagerly, whatever mstatus.FS says, so no CVM value can survive the exit)."""
        return replace(hw, vcpu_fregs=set_at(hw.vcpu_fregs, vcpu, hw.fregs), fregs=hw.hv_fregs)

    def hart_regs(self, hw: RvHw) -> Tuple[int, ...]:
        return hw.regs

    def hart_reg_set(self, hw: RvHw, r: int, value: int) -> RvHw:
        return replace(hw, regs=put_at(hw.regs, r, value))

    def hart_answer(self, hw: RvHw, err: int, value: int) -> RvHw:
        """SBI return: a0 = error, a1 = value."""
        return replace(hw, regs=sbi.sbi_return(hw.regs, err, value))

    def exit_publish(self, hw: RvHw, gprs: Tuple[int, ...], csrs: Tuple[int, ...]) -> RvHw:
        """The GPR image into the NACL shared memory; scause, stval, htval and htinst for the hypervisor."""
        return replace(hw, nacl_gprs=gprs, exit_scause=csrs[0], exit_stval=csrs[1], exit_htval=csrs[2],
                       exit_htinst=csrs[3], exit_vsie=csrs[4], exit_vstimecmp=csrs[5], exit_hvip=csrs[6])

    def hart_timer_in(self, hw: RvHw, vcpu: int, stimecmp: int) -> RvHw:
        """The monitor writes vCPU `vcpu`'s vstimecmp (ACE: the CVM's stimecmp, which the hart
        holds as vstimecmp while the vCPU runs)."""
        return replace(hw, vcpu_vstimecmp=put_at(hw.vcpu_vstimecmp, vcpu, stimecmp))

    def hart_vs_interrupts(self, hw: RvHw, vcpu: int) -> Tuple[int, int]:
        return hw.vcpu_vsie[vcpu], hw.vcpu_vstimecmp[vcpu]

    def exit_area_write(self, hw: RvHw, slot: int, value: int) -> RvHw:
        """The hypervisor's store into a GPR slot of its NACL shared memory."""
        return replace(hw, nacl_gprs=put_at(hw.nacl_gprs, slot, value))

    def harts_clear(self, hw: RvHw, k: int) -> RvHw:
        """Zero the monitor's saved x1..x31, f0..f31, mepc, vsie and vstimecmp of CVM slot k's vCPUs."""
        lo, hi = k * H, (k + 1) * H
        return replace(hw, vcpu_saved=hw.vcpu_saved[:lo] + ((0,) * NREGS,) * H + hw.vcpu_saved[hi:],
                       vcpu_fregs=hw.vcpu_fregs[:lo] + ((0,) * NFREGS,) * H + hw.vcpu_fregs[hi:],
                       vcpu_mepc=hw.vcpu_mepc[:lo] + (0,) * H + hw.vcpu_mepc[hi:],
                       vcpu_vsie=hw.vcpu_vsie[:lo] + (0,) * H + hw.vcpu_vsie[hi:],
                       vcpu_vstimecmp=hw.vcpu_vstimecmp[:lo] + (0,) * H + hw.vcpu_vstimecmp[hi:])

    def machine_halt(self, hw: RvHw, hypervisor_runs: bool) -> RvHw:
        """Boot's PMP (C closed), no G-stage tables or TLB entries, no saved vCPU state; the
        hypervisor's registers and hgatp live, its NACL area and trap CSRs as they were."""
        return replace(riscv_initial().hw, regs=hw.regs if hypervisor_runs else hw.hv_saved,
                       fregs=hw.fregs if hypervisor_runs else hw.hv_fregs,
                       hgatp_csr=hw.hgatp_csr if hypervisor_runs else hw.hv_hgatp, nacl_gprs=hw.nacl_gprs,
                       exit_scause=hw.exit_scause, exit_stval=hw.exit_stval, exit_htval=hw.exit_htval,
                       exit_htinst=hw.exit_htinst, exit_vsie=hw.exit_vsie, exit_vstimecmp=hw.exit_vstimecmp,
                       exit_hvip=hw.exit_hvip)

    def exit_area_regs(self, hw: RvHw) -> Tuple[int, ...]:
        """The GPR slots of the NACL shared memory."""
        return hw.nacl_gprs

    def hart_saved_regs(self, hw: RvHw, vcpu: int) -> Tuple[int, ...]:
        return hw.vcpu_saved[vcpu]

    def hart_resume(self, hw: RvHw, vcpu: int, regs: Tuple[int, ...], step: int) -> RvHw:
        """The vCPU's saved x1..x31 with the answer in them, and its saved mepc moved past the
        trapped instruction (loaded into the hart on entry)."""
        return self.hart_resume_at(hw, vcpu, regs, hw.vcpu_mepc[vcpu] + step)

    def hart_resume_at(self, hw: RvHw, vcpu: int, regs: Tuple[int, ...], pc: int) -> RvHw:
        """The vCPU's saved x1..x31, and its saved mepc set to `pc` (ACE's
        `transition_from_suspended_to_started` writes mepc so)."""
        return replace(hw, vcpu_saved=set_at(hw.vcpu_saved, vcpu, regs), vcpu_mepc=set_at(hw.vcpu_mepc, vcpu, pc))

    def trap_call(self, regs: Tuple[int, ...]) -> Tuple[int, Tuple[int, ...]]:
        """x17 = EID, x16 = FID, x10..x15 the arguments."""
        return sbi.decode(regs)

    def trap_kind(self, cause: int) -> int:
        return trap.decode_exit(cause)

    def trap_store_source(self, instr: int) -> int:
        return trap.rs2(instr)

    def measure(self, values: Tuple[int, ...]) -> int:
        """ACE hashes with SHA3-384 in the monitor; the model uses the reference's abstract digest."""
        return abi.measure(values)

    def trap_load_dest(self, instr: int) -> int:
        return trap.rd(instr)

    def trap_instr_length(self, instr: int) -> int:
        return trap.length(instr)


RISCV = RiscvMachine()
