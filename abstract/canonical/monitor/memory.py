"""Canonical monitor: shared memory, guest page faults and the hypervisor's memory accesses."""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Tuple

from abstract import abi
from abstract.domain import CVM_BASE, HYPERVISOR
from abstract.config import G, H, NC, NREGS, PAGE_SIZE
from abstract.logic import flag_at, keep, lnot, put_at, read_at

Result = Tuple[int, int]


def share_memory(hwp: Any, s: Any, gpa: int, size: int) -> Tuple[Any, Result]:
    """The request half (ACE's SharePageRequest): a valid request is kept as the vCPU's pending
    one, and the caller leaves with it; the page is mapped by `share_complete`."""
    if s.run_cvm == HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    g = abi.guest_page(gpa, size)
    if g < 0:
        return s, (g, 0)
    return replace(s, share_req=put_at(s.share_req, s.run_cvm * H + s.run_vcpu, g + 1)), (abi.SUCCESS, 0)


def share_complete(hwp: Any, s: Any, k: int, i: int, hv_err: int, hv_addr: int) -> Tuple[Any, Result]:
    """ACE's SharePageComplete for vCPU i of CVM slot k: the hypervisor answered its pending
    request with (hv_err, hv_addr); the request is no longer pending. Under a huge leaf ACE's
    `map_page` answers PageTableConfiguration (FAILED) and maps nothing."""
    g = abi.requested_page(read_at(s.share_req, i))
    s = replace(s, share_req=put_at(s.share_req, i, 0))
    if hv_err != abi.SUCCESS:
        return s, (abi.FAILED, 0)
    bad = (hv_addr < 0) | (hv_addr % PAGE_SIZE != 0) | (hv_addr >= NC * PAGE_SIZE)
    if bad | flag_at(s.huge, k):  # ACE's order, the address first; one path for both refusals
        return s, (keep(abi.INVALID_ADDRESS, bad) + keep(abi.FAILED, lnot(bad)), 0)
    return remap_shared(hwp, s, k, k * G + g, hv_addr // PAGE_SIZE), (abi.SUCCESS, 0)


def remap_shared(hwp: Any, s: Any, k: int, e: int, nc_page: int) -> Any:
    """Entry e of CVM k leads to NC page `nc_page`. The old leaf may be cached on any hart
    running one of the CVM's vCPUs: every hart drops it before its page, if private, is freed,
    or a hart could reach the page once its next owner has it (ACE frees first and only queues
    the remote fences: finding ace-free-before-remote-fence)."""
    mapped, page = hwp.translation_entry(s.hw, e)
    s = replace(s, hw=hwp.translation_shootdown(hwp.translation_map(s.hw, e, nc_page, False), k))
    return hwp.release(s, page) if holds_private_page(mapped, page) else s


def holds_private_page(mapped: bool, page: int, nc: int = NC) -> bool:
    """Is a translation entry a private leaf (into C, the pages from `nc` on)? Mapping over one
    must free its page."""
    return mapped & (page >= nc)


def holds_shared_page(mapped: bool, page: int, nc: int = NC) -> bool:
    """Is a translation entry a shared leaf (into NC, the pages below `nc`)? Unshare removes only those."""
    return mapped & (page < nc)


def unshare_memory(hwp: Any, s: Any, gpa: int, size: int) -> Tuple[Any, Result]:
    if s.run_cvm == HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    g = abi.guest_page(gpa, size)
    if g < 0:
        return s, (g, 0)
    i = s.run_cvm * G + g
    mapped, page = hwp.translation_entry(s.hw, i)
    if not holds_shared_page(mapped, page):
        return s, (abi.FAILED, 0)
    return replace(s, hw=unmap_fenced(hwp, s.hw, s.run_cvm, i)), (abi.SUCCESS, 0)


def unmap_fenced(hwp: Any, hw: Any, k: int, i: int) -> Any:
    """Unmap entry i of CVM k, then fence CVM k here and queue the fence for the other harts,
    as ACE does: without the fence a stale translation of the page would survive. Not waiting
    is safe here because the page is the hypervisor's (NC) and nothing is freed: a sibling vCPU
    may reach it until its hart next switches, which is the guest's own race."""
    return hwp.translation_fence(hwp.translation_unmap(hw, i), k)


def guest_page_fault(hwp: Any, s: Any, gpa: int) -> Tuple[Any, Result]:
    if s.run_cvm == HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    if (gpa <= 0) | (gpa >= G * PAGE_SIZE):  # ACE refuses the address 0 itself
        return s, (abi.ACCESS_FAULT, 0)
    i = s.run_cvm * G + gpa // PAGE_SIZE
    mapped, _ = hwp.translation_entry(s.hw, i)
    if mapped:
        return s, (abi.ACCESS_OK, 0)
    pages = hwp.allocate(s.owner, 1)
    if not pages:
        return s, (abi.ACCESS_FAULT, 0)
    s = hwp.claim(replace(s, mem=put_at(s.mem, pages[0], 0)), pages, CVM_BASE + s.run_cvm)
    return replace(s, hw=hwp.translation_map(s.hw, i, pages[0], True)), (abi.ACCESS_OK, 0)


def _hypervisor_page(hwp: Any, s: Any, addr: int) -> int:
    """The page at addr if the hypervisor runs and the isolation unit lets it through, else -1."""
    if (s.run_cvm != HYPERVISOR) | (addr < 0):
        return -1
    page = addr // PAGE_SIZE
    return page if hwp.isolation_allows(s.hw, page) else -1


def hypervisor_read(hwp: Any, s: Any, addr: int) -> Tuple[Any, Result]:
    p = _hypervisor_page(hwp, s, addr)
    if p < 0:
        return s, (abi.ACCESS_FAULT, 0)
    return s, (abi.ACCESS_OK, s.mem[p])


def hypervisor_write(hwp: Any, s: Any, addr: int, value: int) -> Tuple[Any, Result]:
    p = _hypervisor_page(hwp, s, addr)
    if p < 0:
        return s, (abi.ACCESS_FAULT, 0)
    return replace(s, mem=put_at(s.mem, p, value)), (abi.ACCESS_OK, 0)


def _guest_access(hwp: Any, s: Any, g: int, reg: int) -> Tuple[Any, int]:
    """The hardware's half of the running vCPU's access to guest page g with x`reg`: the hart
    translates it (on RISC-V through its TLB, walking and caching on a miss) and gives the
    physical page, -1 where the access traps instead (`guest_load_fault`, `guest_store_fault`)
    or is no access (the hypervisor runs, no such page or register). The monitor takes no part."""
    if (s.run_cvm == HYPERVISOR) | (g < 0) | (g >= G) | (reg < 1) | (reg > NREGS):
        return s, -1
    hw, valid, page = hwp.guest_translate(s.hw, s.run_cvm * G + g)
    return replace(s, hw=hw), page if valid else -1


def guest_load(hwp: Any, s: Any, g: int, reg: int) -> Tuple[Any, Result]:
    s, p = _guest_access(hwp, s, g, reg)
    if p < 0:
        return s, (abi.ACCESS_FAULT, 0)
    return replace(s, hw=hwp.hart_reg_set(s.hw, reg - 1, read_at(s.mem, p))), (abi.ACCESS_OK, 0)


def guest_store(hwp: Any, s: Any, g: int, reg: int) -> Tuple[Any, Result]:
    s, p = _guest_access(hwp, s, g, reg)
    if p < 0:
        return s, (abi.ACCESS_FAULT, 0)
    return replace(s, mem=put_at(s.mem, p, read_at(hwp.hart_regs(s.hw), reg - 1))), (abi.ACCESS_OK, 0)
