"""Abstraction from the canonical machine to the spec, and the canonical representation invariant.

Each `abs_*` helper is named after the spec field it builds. Private/shared are read off the
translation entry without branching: an entry into C is private, an entry into NC is shared.
"""
from __future__ import annotations

from typing import Tuple

from abstract.canonical.state import CanonHw, CanonState, canon_hw_shapes_ok
from abstract.config import G, H, K, NC, NIRQ, NREGS, P, PAGES, R
from abstract.domain import HYPERVISOR
from abstract.logic import all_of, each, holds_all, implies, lnot, reused
from abstract.spec.state import SpecState, spec_invariant


def abs_entry(valid: bool, page: int, nc: int) -> Tuple[bool, bool]:
    """The spec's (private, shared) flags of one translation entry, for memory whose first `nc`
    pages are NC: a valid entry into C is private, one into NC is shared."""
    return valid & (page >= nc), valid & (page < nc)


def abs_private(hw: CanonHw) -> Tuple[bool, ...]:
    return tuple(private for private, _ in each(abs_entry, K * G, (hw.t_valid, hw.t_page), NC))


def abs_shared(hw: CanonHw) -> Tuple[bool, ...]:
    return tuple(shared for _, shared in each(abs_entry, K * G, (hw.t_valid, hw.t_page), NC))


def abs_hv_regs(s: CanonState) -> Tuple[int, ...]:
    """The hypervisor's registers are live on the hart while it runs, saved otherwise."""
    return s.hw.regs if s.run_cvm == HYPERVISOR else s.hw.hv_saved


def abs_vcpu_regs(s: CanonState) -> Tuple[Tuple[int, ...], ...]:
    """A vCPU's registers are live on the hart while it runs, saved otherwise."""
    return tuple(
        s.hw.regs if (s.run_cvm == k) & (s.run_vcpu == h) else s.hw.vcpu_saved[k * H + h]
        for k in range(K) for h in range(H)
    )


def abs_hv_fpu(s: CanonState) -> Tuple[int, ...]:
    return s.hw.fregs if s.run_cvm == HYPERVISOR else s.hw.hv_fregs


def abs_vcpu_fpu(s: CanonState) -> Tuple[Tuple[int, ...], ...]:
    return tuple(
        s.hw.fregs if (s.run_cvm == k) & (s.run_vcpu == h) else s.hw.vcpu_fregs[k * H + h]
        for k in range(K) for h in range(H)
    )


@reused
def abs_canonical(s: CanonState) -> SpecState:
    return SpecState(
        mem=s.mem, owner=s.owner, live=s.live, ids=s.ids, hart=s.hart,
        private=abs_private(s.hw), shared=abs_shared(s.hw), page=s.hw.t_page,
        run_cvm=s.run_cvm, run_vcpu=s.run_vcpu, mmio_base=s.mmio_base, mmio_size=s.mmio_size,
        irq_allowed=s.irq_allowed, irq_pending=s.irq_pending,
        hv_regs=abs_hv_regs(s), vcpu_regs=abs_vcpu_regs(s),
        hv_fpu=abs_hv_fpu(s), hv_stage2=s.hw.hv_stage2, vcpu_fpu=abs_vcpu_fpu(s), exit_gprs=s.hw.x_gprs, exit_csrs=s.hw.x_csrs,
        vcpu_pc=s.hw.vcpu_pc, vcpu_vsie=s.hw.vcpu_vsie, vcpu_vstimecmp=s.hw.vcpu_vstimecmp,
        reply_a=s.reply_a, reply_b=s.reply_b,
        reply_step=s.reply_step, share_req=s.share_req, ipi_pending=s.ipi_pending, has_secret=s.has_secret, huge=s.huge, secret=s.secret,
        nacl_page=s.nacl_page, other_harts=s.other_harts, hv_hvip=s.hv_hvip, hv_stimecmp=s.hv_stimecmp,
        halted=s.halted,
    )


def translations_ok(s: CanonState) -> bool:
    """Private entries are executable, shared ones never; unmapped entries are all zero."""
    hw = s.hw
    return all_of(
        implies(hw.t_valid[i], hw.t_exec[i] == (hw.t_page[i] >= NC))
        & implies(lnot(hw.t_valid[i]), lnot(hw.t_exec[i]) & (hw.t_page[i] == 0))
        for i in range(K * G)
    )


def canonical_shapes_ok(s: CanonState) -> bool:
    return canon_hw_shapes_ok(s.hw) and len(s.mmio_base) == K * R and len(s.mmio_size) == K * R \
        and len(s.irq_allowed) == K * NIRQ and len(s.irq_pending) == K * H * NIRQ \
        and len(s.reply_a) == K * H and len(s.reply_b) == K * H and len(s.reply_step) == K * H \
        and len(s.share_req) == K * H \
        and len(s.ipi_pending) == K * H and len(s.has_secret) == K and len(s.secret) == K and len(s.huge) == K \
        and len(s.other_harts) == P - 1 and len(s.ids) == K \
        and len(s.hw.vcpu_saved) == K * H and all(
        len(r) == NREGS for r in s.hw.vcpu_saved
    )


def running_ok(run_cvm: int, run_vcpu: int) -> bool:
    """Either the hypervisor runs (vCPU field 0) or some vCPU k, h in range does."""
    hv = (run_cvm == HYPERVISOR) & (run_vcpu == 0)
    return hv | ((0 <= run_cvm) & (run_cvm < K) & (0 <= run_vcpu) & (run_vcpu < H))


def runs_in_range(s: CanonState) -> bool:
    return running_ok(s.run_cvm, s.run_vcpu)


def open_while_a_cvm_runs(s: CanonState) -> bool:
    return s.hw.iso_open == (s.run_cvm != HYPERVISOR)


CANONICAL_PARTS = (runs_in_range, open_while_a_cvm_runs, translations_ok)


def canonical_local(s: CanonState) -> bool:
    """What the canonical layer adds to the spec invariant, inductive on its own: C memory is
    open exactly while a CVM runs, and translation entries are in canonical form."""
    return canonical_shapes_ok(s) and holds_all(CANONICAL_PARTS, s)


def canonical_invariant(s: CanonState) -> bool:
    """The representation invariant: the local part and the spec invariant of the abstraction.
    Its preservation is proven in two halves: `canonical_local` by the canonical invariant
    obligations, the spec part by simulation plus the spec's own invariant preservation."""
    return canonical_local(s) and spec_invariant(abs_canonical(s))



def canonical_hypervisor_view(s: CanonState) -> tuple:
    """What the hypervisor observes of the canonical machine, read off its own fields: NC memory,
    its registers (live on the hart while it runs, saved otherwise), the monitor's tables, the
    translation entries, who runs, its FPU and second-stage registers and the exit area. Compared with the spec's `hypervisor_view` of the
    abstraction by the observation obligation."""
    return (s.mem[:NC], s.owner, s.live, s.ids, s.hart, abs_private(s.hw), abs_shared(s.hw), s.hw.t_page,
            s.run_cvm, s.run_vcpu, abs_hv_regs(s), abs_hv_fpu(s), s.hw.hv_stage2, s.hw.x_gprs, s.hw.x_csrs, s.mmio_base,
            s.mmio_size, s.irq_allowed, s.irq_pending, s.share_req, s.has_secret, s.huge, s.nacl_page, s.other_harts, s.hv_hvip,
            s.hv_stimecmp, s.halted)


def canonical_confined(s: CanonState) -> bool:
    """While the hypervisor runs, the isolation unit lets it reach every NC page and no C page."""
    from abstract.canonical.hardware import CANONICAL
    confined = all_of(CANONICAL.isolation_allows(s.hw, p) == (p < NC) for p in range(PAGES + 1))
    return implies(s.run_cvm == HYPERVISOR, confined)
