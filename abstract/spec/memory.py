"""Spec: confidential and shared memory (COVG SHARE/UNSHARE_MEMORY, guest page faults) and
the hypervisor's own memory accesses."""
from __future__ import annotations

from dataclasses import replace
from typing import Tuple

from abstract import abi
from abstract.config import C, G, H, K, NC, NREGS, PAGE_SIZE
from abstract.logic import flag_at, flag_put, keep, lnot, put_at, read_at, set_at
from abstract.spec.state import CVM_BASE, FREE, HYPERVISOR, SpecState, free_pages

Result = Tuple[int, int]


def _free_page(s: SpecState, p: int) -> SpecState:
    """Zero confidential page p (global index) and give it back to the allocator."""
    return replace(s, owner=put_at(s.owner, p - NC, FREE), mem=put_at(s.mem, p, 0))


def share_memory(s: SpecState, gpa: int, size: int) -> Tuple[SpecState, Result]:
    """The running vCPU asks to share guest page gpa (ACE's `share_page_request.rs`). A valid
    request is remembered as the vCPU's pending one and leaves with it to the hypervisor
    (`guest_ecall`: the call, gpa and size); nothing is mapped until the hypervisor answers on
    the next TVM_VCPU_RUN (`share_complete`). An invalid one is answered at once."""
    if s.run_cvm == HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    g = abi.guest_page(gpa, size)
    if g < 0:
        return s, (g, 0)
    return replace(s, share_req=put_at(s.share_req, s.run_cvm * H + s.run_vcpu, g + 1)), (abi.SUCCESS, 0)


def share_complete(s: SpecState, k: int, i: int) -> Tuple[SpecState, Result]:
    """vCPU i (of CVM slot k)'s pending SHARE request is answered by the hypervisor's a0 (error) and a1 (its
    page's address) in the exit area (ACE's `share_page_complete.rs`), and is no longer pending.
    The answer must be success and a whole NC page; that page is mapped shared (never
    executable) at the requested guest page, and a private page that was there is zeroed and
    freed. Under a huge leaf nothing is mapped and the answer is FAILED (ACE's `map_page` finds a
    leaf above the 4 KiB level: PageTableConfiguration). The result is the vCPU's, not the
    hypervisor's."""
    g = abi.requested_page(read_at(s.share_req, i))
    hv_err, hv_addr = s.exit_gprs[abi.A0], s.exit_gprs[abi.A1]
    s = replace(s, share_req=put_at(s.share_req, i, 0))
    if hv_err != abi.SUCCESS:
        return s, (abi.FAILED, 0)
    bad = (hv_addr < 0) | (hv_addr % PAGE_SIZE != 0) | (hv_addr >= NC * PAGE_SIZE)
    if bad | flag_at(s.huge, k):  # ACE's order, the address first; one path for both refusals
        return s, (keep(abi.INVALID_ADDRESS, bad) + keep(abi.FAILED, lnot(bad)), 0)
    e = k * G + g
    if flag_at(s.private, e):
        s = _free_page(s, read_at(s.page, e))
    return replace(
        s,
        private=flag_put(s.private, e, False),
        shared=flag_put(s.shared, e, True),
        page=put_at(s.page, e, hv_addr // PAGE_SIZE),
    ), (abi.SUCCESS, 0)


def unshare_memory(s: SpecState, gpa: int, size: int) -> Tuple[SpecState, Result]:
    """The running CVM stops sharing guest page gpa, which must hold a shared page (FAILED)."""
    if s.run_cvm == HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    g = abi.guest_page(gpa, size)
    if g < 0:
        return s, (g, 0)
    i = s.run_cvm * G + g
    if not flag_at(s.shared, i):
        return s, (abi.FAILED, 0)
    return replace(s, shared=flag_put(s.shared, i, False), page=put_at(s.page, i, 0)), (abi.SUCCESS, 0)


def guest_page_fault(s: SpecState, gpa: int) -> Tuple[SpecState, Result]:
    """A guest load/store page fault at gpa outside MMIO: an unmapped guest page gets a fresh
    zeroed private page; with no free page, outside guest memory, or at address 0 exactly (ACE's
    `ConfidentialVmPhysicalAddress::new` refuses 0, `mmio_access_fault.rs`), an access fault."""
    if s.run_cvm == HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    if (gpa <= 0) | (gpa >= G * PAGE_SIZE):
        return s, (abi.ACCESS_FAULT, 0)
    i = s.run_cvm * G + gpa // PAGE_SIZE
    if flag_at(s.private, i) | flag_at(s.shared, i):
        return s, (abi.ACCESS_OK, 0)
    found = free_pages(s.owner, 1)
    if found:
        p = found[0]
        return replace(
            s,
            owner=put_at(s.owner, p, CVM_BASE + s.run_cvm),
            mem=put_at(s.mem, NC + p, 0),
            private=flag_put(s.private, i, True),
            page=put_at(s.page, i, NC + p),
        ), (abi.ACCESS_OK, 0)
    return s, (abi.ACCESS_FAULT, 0)


def _hypervisor_page(s: SpecState, addr: int) -> int:
    """The page the hypervisor may access at addr, or -1: only NC memory is its."""
    if (s.run_cvm != HYPERVISOR) | (addr < 0) | (addr >= NC * PAGE_SIZE):
        return -1
    return addr // PAGE_SIZE


def hypervisor_read(s: SpecState, addr: int) -> Tuple[SpecState, Result]:
    """The hypervisor loads from physical address addr: NC memory reads, anything else faults."""
    p = _hypervisor_page(s, addr)
    if p < 0:
        return s, (abi.ACCESS_FAULT, 0)
    return s, (abi.ACCESS_OK, s.mem[p])


def hypervisor_write(s: SpecState, addr: int, value: int) -> Tuple[SpecState, Result]:
    """The hypervisor stores value at physical address addr: only NC memory changes."""
    p = _hypervisor_page(s, addr)
    if p < 0:
        return s, (abi.ACCESS_FAULT, 0)
    return replace(s, mem=put_at(s.mem, p, value)), (abi.ACCESS_OK, 0)


def _guest_access(s: SpecState, g: int, reg: int) -> Tuple[int, int]:
    """(vCPU, physical page) of the running vCPU's access to guest page g with register x`reg`
    (1..31), the page -1 where there is no access: the hypervisor runs, the page is outside guest
    memory or unmapped (the hardware traps: `guest_load_fault` and `guest_store_fault`)."""
    if (s.run_cvm == HYPERVISOR) | (g < 0) | (g >= G) | (reg < 1) | (reg > NREGS):
        return -1, -1
    i = s.run_cvm * G + g
    if not (flag_at(s.private, i) | flag_at(s.shared, i)):
        return -1, -1
    return s.run_cvm * H + s.run_vcpu, read_at(s.page, i)


def guest_load(s: SpecState, g: int, reg: int) -> Tuple[SpecState, Result]:
    """The running vCPU loads guest page g's contents into x`reg`: its own private page or the
    NC page it shares. The monitor takes no part; the answer is the guest's."""
    v, p = _guest_access(s, g, reg)
    if p < 0:
        return s, (abi.ACCESS_FAULT, 0)
    regs = put_at(s.vcpu_regs[v], reg - 1, read_at(s.mem, p))
    return replace(s, vcpu_regs=set_at(s.vcpu_regs, v, regs)), (abi.ACCESS_OK, 0)


def guest_store(s: SpecState, g: int, reg: int) -> Tuple[SpecState, Result]:
    """The running vCPU stores x`reg` into guest page g: its own private page or the NC page it
    shares, nothing else."""
    v, p = _guest_access(s, g, reg)
    if p < 0:
        return s, (abi.ACCESS_FAULT, 0)
    return replace(s, mem=put_at(s.mem, p, read_at(s.vcpu_regs[v], reg - 1))), (abi.ACCESS_OK, 0)
