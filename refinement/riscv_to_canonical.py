"""Abstraction from the RISC-V model to the canonical machine, and the RISC-V representation
invariant (PMP layout, the CVMs' table entries, hgatp of each slot)."""
from __future__ import annotations

from typing import Tuple

from abstract.canonical.state import CanonHw, CanonState
from abstract.config import C, G, H, K, LEVELS, NC, NFREGS, NREGS, P, PAGES, ROOT_PAGES, root_starts
from abstract.domain import CVM_BASE, HYPERVISOR, TABLE_BASE
from abstract.logic import all_of, any_of, holds_all, implies, keep, lnot, reused, same
from abstract.spec.switch import declassified
from concrete.riscv import cvm_tables, pmp
from concrete.riscv.machine import RISCV
from concrete.riscv.state import RvHw, RvState
from refinement.canonical_to_spec import canonical_invariant, running_ok


def abs_iso_open(hw: RvHw) -> bool:
    """C memory is open when the monitor's TOR entry grants access."""
    return hw.pmp_r[pmp.MONITOR_TOR] & hw.pmp_w[pmp.MONITOR_TOR] & hw.pmp_x[pmp.MONITOR_TOR]


def exit_csrs(hw: RvHw) -> Tuple[int, ...]:
    """The CSRs the last exit showed: the hypervisor's trap CSRs, then the NACL CSR area's."""
    return (hw.exit_scause, hw.exit_stval, hw.exit_htval, hw.exit_htinst, hw.exit_vsie, hw.exit_vstimecmp,
            hw.exit_hvip)


def abs_hw(hw: RvHw, hypervisor_runs: bool) -> CanonHw:
    # The hypervisor's hgatp: live while it runs, saved by the monitor otherwise (branch-free).
    hv_stage2 = hw.hv_hgatp + keep(hw.hgatp_csr - hw.hv_hgatp, hypervisor_runs)
    valid, execute, page = cvm_tables.leaves(hw)  # the last tables' leaves, or a huge leaf's pages
    return CanonHw(
        iso_open=abs_iso_open(hw),
        t_valid=valid, t_exec=execute, t_page=page,
        regs=hw.regs, hv_saved=hw.hv_saved, vcpu_saved=hw.vcpu_saved,
        fregs=hw.fregs, hv_fregs=hw.hv_fregs, vcpu_fregs=hw.vcpu_fregs,
        hv_stage2=hv_stage2,
        x_gprs=hw.nacl_gprs, x_csrs=exit_csrs(hw), vcpu_pc=hw.vcpu_mepc,
        vcpu_vsie=hw.vcpu_vsie, vcpu_vstimecmp=hw.vcpu_vstimecmp,
    )


@reused
def abs_riscv(s: RvState) -> CanonState:
    return CanonState(
        mem=s.mem, owner=s.owner, live=s.live, ids=s.ids, hart=s.hart,
        run_cvm=s.run_cvm, run_vcpu=s.run_vcpu, mmio_base=s.mmio_base, mmio_size=s.mmio_size,
        irq_allowed=s.irq_allowed, irq_pending=s.irq_pending, reply_a=s.reply_a,
        reply_b=s.reply_b, reply_step=s.reply_step, share_req=s.share_req, ipi_pending=s.ipi_pending, has_secret=s.has_secret, huge=s.huge,
        secret=s.secret, nacl_page=s.nacl_page, other_harts=s.other_harts, hv_hvip=s.hv_hvip,
        hv_stimecmp=s.hv_stimecmp, halted=s.halted, hw=abs_hw(s.hw, s.run_cvm == HYPERVISOR),
    )


def riscv_shapes_ok(hw: RvHw) -> bool:
    pmp_fields = (hw.pmp_mode, hw.pmp_r, hw.pmp_w, hw.pmp_x, hw.pmp_addr)
    ptes = tuple(getattr(hw, f) for f in cvm_tables.LEAF_FIELDS) + (hw.pt_ppn, hw.tlb_v, hw.tlb_ppn)
    return (
        all(len(f) == pmp.ENTRIES for f in pmp_fields)
        and len(hw.hgatp) == K and len(hw.pt_table) == K * LEVELS
        and len(hw.ptr_v) == K * cvm_tables.CHAIN and len(hw.ptr_rwx) == K
        and len(hw.ptr_ppn) == K * cvm_tables.CHAIN
        and all(len(f) == K * G for f in ptes)
        and len(hw.regs) == NREGS and len(hw.hv_saved) == NREGS
        and len(hw.vcpu_saved) == K * H and all(len(r) == NREGS for r in hw.vcpu_saved)
        and len(hw.fregs) == NFREGS and len(hw.hv_fregs) == NFREGS
        and len(hw.vcpu_fregs) == K * H and all(len(r) == NFREGS for r in hw.vcpu_fregs)
        and len(hw.nacl_gprs) == NREGS and len(hw.vcpu_mepc) == K * H
        and len(hw.vcpu_vsie) == K * H and len(hw.vcpu_vstimecmp) == K * H
        and len(hw.other_tlb_v) == K * (P - 1) * G and len(hw.other_tlb_ppn) == K * (P - 1) * G
        and len(hw.other_fence) == K * (P - 1)
    )


def pmp_layout_ok(hw: RvHw) -> bool:
    """The monitor's PMP layout at the configured memory size (`pmp.layout_ok`)."""
    return pmp.layout_ok(hw.pmp_mode, hw.pmp_addr, hw.pmp_r, hw.pmp_w, hw.pmp_x, NC, PAGES)


# Where a root may start: a C page on a 16 KiB boundary with the root's block inside C; where a
# huge leaf's block may start: a C page on its span's boundary with the block inside C. Listed,
# as equalities, rather than `%`: a modulo in every invariant check slows the solver.
ROOTS = tuple(root_starts(NC, C))
RUNS = tuple(p for p in range(NC, PAGES - G + 1) if p % G == 0)


def tables_ok(s: RvState) -> bool:
    """A live CVM's tables are in distinct C pages it owns as table pages (its 16 KiB root,
    ROOT_PAGES consecutive pages from one on a 16 KiB boundary, as hgatp's PPN must be, then one
    page per lower level, but for the last under a huge leaf, which maps an aligned block of C
    pages), besides any its PROMOTE took for entries off its guest's path; an empty slot's tables
    are nowhere and it owns no table page; a live CVM's leaf into C, a 4 KiB one or a page of its huge leaf's block, maps a
    data page of its own, and no other leaf maps it. So a CVM's table pages are its own, none leaks, and
    no leaf maps one: freeing the page a leaf maps frees neither a table nor a page another leaf
    still reaches."""
    hw = s.hw
    at = [[hw.pt_table[k * LEVELS + j] for j in range(LEVELS)] for k in range(K)]
    lower = [at[k][1:] for k in range(K)]
    big = [cvm_tables.huge_leaf(hw, k) for k in range(K)]
    run = [cvm_tables.leaf_page(hw, k) for k in range(K)]
    last = [((NC <= at[k][-1]) & (at[k][-1] < PAGES) & lnot(big[k]))
            | (big[k] & (at[k][-1] == cvm_tables.NO_TABLE) & any_of(run[k] == r for r in RUNS)) for k in range(K)]
    placed = all_of(
        implies(s.live[k], any_of(at[k][0] == r for r in ROOTS) & all_of((NC <= t) & (t < PAGES) for t in lower[k][:-1])
                & last[k] & all_of((t < at[k][0]) | (t >= at[k][0] + ROOT_PAGES) for t in lower[k])
                & all_of(lower[k][i] != lower[k][j] for i in range(LEVELS - 1) for j in range(i + 1, LEVELS - 1)))
        & implies(lnot(s.live[k]), all_of(t == cvm_tables.NO_TABLE for t in at[k]))
        for k in range(K))
    # Page p is in slot k's root block when the root is the one candidate whose block holds p:
    # one equality per page rather than one per page of the block.
    in_root = [[any_of(at[k][0] == r for r in ROOTS if r <= NC + p < r + ROOT_PAGES) for p in range(C)] for k in range(K)]
    # A live CVM may own table pages beside these: those its PROMOTE took for the hypervisor's
    # entries off the guest's path, which no walk of its guest pages reaches.
    owned = all_of(implies(s.live[k] & (in_root[k][p] | any_of(t == NC + p for t in lower[k])), s.owner[p] == TABLE_BASE + k)
                   & implies(s.owner[p] == TABLE_BASE + k, s.live[k])
                   for k in range(K) for p in range(C))
    # The 4 KiB leaves and the huge leaves' blocks apart, each over plain page numbers (a huge
    # CVM has no 4 KiB leaf: ptes_ok), rather than over the guest map's `keep`s. No leaf of
    # another CVM reaches a block: its pages are this CVM's, and such a leaf maps its own.
    data = all_of(implies(hw.pt_v[i] & s.live[i // G] & (hw.pt_ppn[i] == NC + p), s.owner[p] == CVM_BASE + i // G)
                  for i in range(K * G) for p in range(C))
    block = all_of(implies(big[k] & (run[k] <= NC + p) & (NC + p < run[k] + G), s.owner[p] == CVM_BASE + k)
                   for k in range(K) for p in range(C))
    live_c = [hw.pt_v[i] & s.live[i // G] & (hw.pt_ppn[i] >= NC) for i in range(K * G)]
    once = all_of(lnot(live_c[i] & live_c[j] & (hw.pt_ppn[i] == hw.pt_ppn[j])) for i in range(K * G) for j in range(i + 1, K * G))
    return placed & owned & data & block & once


def ptes_ok(s: RvState) -> bool:
    """The tables are as the monitor writes them: a live CVM's chain of pointers leads from its
    root to its leaf table, but that the entry above the last table is a huge leaf exactly when
    the CVM records one (its page is `tables_ok`'s); an empty slot's entries are clear; every
    valid leaf has R W U A D (X only if private), invalid ones are zero, and none is valid under
    a huge leaf (there is no table there)."""
    hw = s.hw
    n = cvm_tables.CHAIN  # pointer j: slot j // n's table j % n, leading to its next table (stated apart from the step)
    pointers = entry_kinds_ok(s) & all_of(hw.ptr_v[j] == s.live[j // n] for j in range(K * n)) & all_of(
        (hw.ptr_ppn[j] == keep(hw.pt_table[j // n * LEVELS + j % n + 1], s.live[j // n])) | (hw.ptr_rwx[j // n] & (j % n == n - 1))
        for j in range(K * n))
    rest = (hw.pt_r, hw.pt_w, hw.pt_u, hw.pt_a, hw.pt_d)
    leaves = all_of(all_of(f[i] == hw.pt_v[i] for f in rest) & implies(lnot(hw.pt_v[i]), lnot(hw.pt_x[i]))
                    & implies(s.huge[i // G], lnot(hw.pt_v[i]))
                    for i in range(K * G))
    return pointers & leaves


def entry_kinds_ok(s: RvState) -> bool:
    """A CVM's entry above its last table has R, W or X set (is a huge leaf) exactly when the CVM
    records one: what the guest map's reading (`cvm_tables.leaves`) takes from it follows from
    `huge`, which the hypervisor sees."""
    return all_of(s.hw.ptr_rwx[k] == s.huge[k] for k in range(K))


def tlb_ok(s: RvState) -> bool:
    """No hart reaches a page through its TLB that the CVM's tables do not give it: this hart's
    cached translations are the current leaves (it fences at once); another hart caches only
    the CVM whose vCPU it runs (it empties its TLB at each switch), and only the current leaves,
    or, while a fence of the CVM is queued for it, NC pages. So no cached translation reaches a
    C page the CVM does not own: none that was freed, and none that another CVM got since."""
    hw = s.hw
    valid, _, ppn = cvm_tables.leaves(hw)
    here = all_of(implies(hw.tlb_v[i], valid[i] & (hw.tlb_ppn[i] == ppn[i])) for i in range(K * G))
    return here & all_of(other_entry_ok(hw, valid, ppn, s.other_harts[q], k, q, g)
                         for k in range(K) for q in range(P - 1) for g in range(G))


def other_entry_ok(hw: RvHw, valid: Tuple[bool, ...], ppn: Tuple[int, ...], mark: int, k: int, q: int, g: int) -> bool:
    """Hart q + 1, which runs vCPU `mark` - 1 (0: none): its cached translation of CVM k's
    guest page g, given the guest map (`cvm_tables.leaves`: see `tlb_ok`)."""
    e, i = (k * (P - 1) + q) * G + g, k * G + g
    runs_k = (k * H < mark) & (mark <= (k + 1) * H)
    current = valid[i] & (hw.other_tlb_ppn[e] == ppn[i])
    queued_nc = hw.other_fence[k * (P - 1) + q] & (hw.other_tlb_ppn[e] < NC)
    return implies(hw.other_tlb_v[e], runs_k & (current | queued_nc))


def hgatp_ok(s: RvState) -> bool:
    """A live slot's hgatp word is Sv48x4 with VMID k + 1 and its root's page, an empty slot's 0;
    only a live CVM runs, and while it does the hart's hgatp CSR holds its word (the
    hypervisor's own is free), so the hart's own walks translate by the CVM's tables."""
    hw = s.hw
    return all_of(
        (hw.hgatp[k] == keep(RISCV.hgatp_word(k, s.ids[k], hw.pt_table[k * LEVELS]), s.live[k]))
        & implies(s.run_cvm == k, s.live[k] & (hw.hgatp_csr == hw.hgatp[k]))
        for k in range(K)
    )


def layout_ok(s: RvState) -> bool:
    return pmp_layout_ok(s.hw)


RISCV_PARTS = (layout_ok, tables_ok, ptes_ok, tlb_ok, hgatp_ok)


def riscv_local(s: RvState) -> bool:
    """What the RISC-V layer adds, inductive on its own: PMP layout, the CVMs' table pages,
    table entries as the monitor writes them, a TLB coherent with the tables, hgatp."""
    return riscv_shapes_ok(s.hw) and holds_all(RISCV_PARTS, s)


def riscv_invariant(s: RvState) -> bool:
    """The representation invariant: the local part and the canonical invariant of the abstraction."""
    return riscv_local(s) and canonical_invariant(abs_riscv(s))


def pmp_configured(s: RvState) -> bool:
    """The monitor's PMP configuration for who runs: the layout holds, and the monitor's TOR
    entry grants C exactly while a CVM runs. `riscv/state/isolation` proves that this confines
    a running hypervisor, so each operation's isolation obligation need only establish it."""
    return riscv_shapes_ok(s.hw) and (pmp_layout_ok(s.hw) & (abs_iso_open(s.hw) == (s.run_cvm != HYPERVISOR)))


def hypervisor_confined(s: RvState) -> bool:
    """While the hypervisor runs, PMP (all 16 entries, priority scan) allows it every NC page and
    denies every C page and everything past the end of memory, for reads and writes alike."""
    hw = s.hw
    confined = all_of(pmp.grants_r_or_w(hw.pmp_mode, hw.pmp_addr, hw.pmp_r, hw.pmp_w, p) == (p < NC)
                      for p in range(PAGES + 1))
    return implies(s.run_cvm == HYPERVISOR, confined)


def riscv_hypervisor_view(s: RvState) -> tuple:
    """What the hypervisor observes of the RISC-V model, read off RISC-V fields: NC memory, its
    GPRs (live while it runs, in the monitor's save area otherwise), the monitor's tables, the
    G-stage leaves (private = a leaf into C), who runs, its FPU registers and hgatp (likewise
    live or saved), the NACL GPR image and the trap CSRs the monitor set on the last exit. The
    guest map is read as the tables give it (`cvm_tables.leaves`: a huge leaf's pages too)."""
    hw = s.hw
    hv = s.run_cvm == HYPERVISOR
    regs = hw.regs if hv else hw.hv_saved
    fregs = hw.fregs if hv else hw.hv_fregs
    hgatp = hw.hgatp_csr if hv else hw.hv_hgatp
    valid, _, ppn = cvm_tables.leaves(hw)
    private = tuple(valid[i] & (ppn[i] >= NC) for i in range(K * G))
    shared = tuple(valid[i] & (ppn[i] < NC) for i in range(K * G))
    return (s.mem[:NC], s.owner, s.live, s.ids, s.hart, private, shared, ppn, s.run_cvm, s.run_vcpu,
            regs, fregs, hgatp, hw.nacl_gprs, exit_csrs(hw), s.mmio_base,
            s.mmio_size, s.irq_allowed, s.irq_pending, s.share_req, s.has_secret, s.huge, s.nacl_page, s.other_harts, s.hv_hvip,
            s.hv_stimecmp, s.halted)


def riscv_low_equal(s1: RvState, s2: RvState) -> bool:
    """The hypervisor cannot tell the two RISC-V machines apart."""
    return same(riscv_hypervisor_view(s1), riscv_hypervisor_view(s2))


def riscv_pair_ok(s1: RvState, s2: RvState) -> bool:
    """What a two-copy RISC-V obligation assumes of each copy: shapes, who runs, and which
    entries above the last tables are pointers and which huge leaves (`entry_kinds_ok`). Without
    the last, a copy with a huge leaf the other lacks, both mapping the same pages, would look
    alike to the hypervisor and part when UNSHARE writes a 4 KiB leaf the huge one masks; the
    monitor never writes such a state, and the hypervisor sees `live` and `huge`."""
    # The shapes are a real fork (the rest indexes by them); the rest is one symbolic conjunction,
    # not a fork per `and`.
    return (riscv_shapes_ok(s1.hw) and riscv_shapes_ok(s2.hw)
            and running_ok(s1.run_cvm, s1.run_vcpu) & running_ok(s2.run_cvm, s2.run_vcpu)
            & entry_kinds_ok(s1) & entry_kinds_ok(s2))


def riscv_declassification_equal(s1: RvState, s2: RvState, cause: int, addr: int, instr: int) -> bool:
    """The running vCPUs' registers (live on the hart) agree on what the spec lets an exit for
    `cause` show: the reference's declassification, read off the RISC-V registers."""
    shown1 = declassified(s1.hw.regs, cause, addr, instr)
    shown2 = declassified(s2.hw.regs, cause, addr, instr)
    return same(shown1[0], shown2[0])
