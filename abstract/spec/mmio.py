"""Spec: MMIO regions of a CVM (COVG ADD/REMOVE_MMIO_REGION) and the guest faults that are
forwarded to the hypervisor as MMIO requests when they hit one."""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Tuple

from abstract import abi
from abstract.config import PAGE_SIZE, R
from abstract.logic import any_of, keep, lnot
from abstract.spec.memory import guest_page_fault
from abstract.spec.state import HYPERVISOR, SpecState, regions_overlap
from abstract.spec.switch import exit_mmio_load, exit_mmio_store

Result = Tuple[int, int]


def region_error(base: int, length: int) -> int:
    """What ACE answers a region request [base, base + length) before looking at the regions,
    in its order: misaligned (or, in the model, empty) INVALID_ADDRESS, then base 0
    INVALID_PARAM; 0 when it passes."""
    aligned = (base >= 0) & (length > 0) & (base % PAGE_SIZE == 0) & (length % PAGE_SIZE == 0)
    if not aligned:
        return abi.INVALID_ADDRESS
    return abi.INVALID_PARAM if base == 0 else 0


def add_mmio_region(s: SpecState, base: int, length: int) -> Tuple[SpecState, Result]:
    """Register [base, base + length) for the calling CVM: misaligned or empty gives
    INVALID_ADDRESS, then base 0 INVALID_PARAM (ACE's order); an overlap with one of its
    regions, or no free slot, gives FAILED. (ACE accepts an empty region; the model refuses it:
    a free slot is one of size 0.)"""
    if s.run_cvm == HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    refused = region_error(base, length)
    if refused:
        return s, (refused, 0)
    first = s.run_cvm * R
    slots = range(first, first + R)
    if any_of((s.mmio_size[j] > 0) & regions_overlap(base, length, s.mmio_base[j], s.mmio_size[j]) for j in slots):
        return s, (abi.FAILED, 0)
    free = [j for j in slots if s.mmio_size[j] == 0]
    if not free:
        return s, (abi.FAILED, 0)
    j = free[0]
    return replace(s, mmio_base=s.mmio_base[:j] + (base,) + s.mmio_base[j + 1:],
                   mmio_size=s.mmio_size[:j] + (length,) + s.mmio_size[j + 1:]), (abi.SUCCESS, 0)


def remove_mmio_region(s: SpecState, base: int, length: int) -> Tuple[SpecState, Result]:
    """Remove every region of the calling CVM that overlaps [base, base + length); the request
    is checked as ADD's is."""
    if s.run_cvm == HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    refused = region_error(base, length)
    if refused:
        return s, (refused, 0)
    mine = tuple(j // R == s.run_cvm for j in range(len(s.mmio_size)))
    gone = tuple(mine[j] & (s.mmio_size[j] > 0) & regions_overlap(base, length, s.mmio_base[j], s.mmio_size[j])
                 for j in range(len(mine)))
    return replace(s, mmio_base=tuple(keep(b, lnot(g)) for b, g in zip(s.mmio_base, gone)),
                   mmio_size=tuple(keep(n, lnot(g)) for n, g in zip(s.mmio_size, gone))), (abi.SUCCESS, 0)


def in_mmio_region(s: Any, gpa: int) -> bool:
    """Does an access of `abi.MMIO_ACCESS` bytes at gpa lie in one of the running CVM's
    regions, ending strictly before the region does? As ACE's `contains(fault_address, 8)`, so a
    fault in a region's last 8 bytes is an ordinary page fault. (Any layer's state: the region
    table is the monitor's data on every layer, and the transition table selects the
    guest-fault rows with this.)"""
    first = s.run_cvm * R
    return any_of((s.mmio_base[j] <= gpa) & (gpa + abi.MMIO_ACCESS < s.mmio_base[j] + s.mmio_size[j])
                  for j in range(first, first + R))


def guest_load_fault(s: SpecState, gpa: int, instr: int, gva: int = 0) -> Tuple[SpecState, Result]:
    """A guest load page fault (cause 21): an MMIO load request inside a region, else the page
    fault handling of `guest_page_fault`."""
    if s.run_cvm == HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    if in_mmio_region(s, gpa):
        return exit_mmio_load(s, gpa, instr, gva)
    return guest_page_fault(s, gpa)


def guest_store_fault(s: SpecState, gpa: int, instr: int, gva: int = 0) -> Tuple[SpecState, Result]:
    """A guest store page fault (cause 23): an MMIO store request inside a region, else the
    page fault handling of `guest_page_fault`."""
    if s.run_cvm == HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    if in_mmio_region(s, gpa):
        return exit_mmio_store(s, gpa, instr, gva)
    return guest_page_fault(s, gpa)
