"""Canonical monitor: the MMIO region table (monitor software state) and guest-fault dispatch."""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Tuple

from abstract import abi
from abstract.config import K, PAGE_SIZE, R
from abstract.domain import HYPERVISOR
from abstract.logic import any_of, keep
from abstract.canonical.monitor.memory import guest_page_fault
from abstract.canonical.monitor.switch import exit_mmio_load, exit_mmio_store

Result = Tuple[int, int]


def _refused(base: int, length: int) -> int:
    """ACE's answer to a misaligned or empty request (INVALID_ADDRESS), then to base 0, which
    `ConfidentialVmPhysicalAddress::new` refuses (INVALID_PARAM); 0 when it passes."""
    if (base < 0) | (length <= 0) | (base % PAGE_SIZE != 0) | (length % PAGE_SIZE != 0):
        return abi.INVALID_ADDRESS
    return abi.INVALID_PARAM if base == 0 else 0


def _overlaps(s: Any, j: int, base: int, length: int) -> bool:
    """Slot j is used and shares a byte with [base, base + length)."""
    b, n = s.mmio_base[j], s.mmio_size[j]
    return (n > 0) & (base < b + n) & (b < base + length)


def add_mmio_region(hwp: Any, s: Any, base: int, length: int) -> Tuple[Any, Result]:
    if s.run_cvm == HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    refused = _refused(base, length)
    if refused:
        return s, (refused, 0)
    k = s.run_cvm
    if any_of(_overlaps(s, k * R + r, base, length) for r in range(R)):
        return s, (abi.FAILED, 0)
    for r in range(R):
        j = k * R + r
        if s.mmio_size[j] == 0:
            return replace(s, mmio_base=tuple(base if i == j else v for i, v in enumerate(s.mmio_base)),
                           mmio_size=tuple(length if i == j else v for i, v in enumerate(s.mmio_size))), (abi.SUCCESS, 0)
    return s, (abi.FAILED, 0)


def remove_mmio_region(hwp: Any, s: Any, base: int, length: int) -> Tuple[Any, Result]:
    if s.run_cvm == HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    refused = _refused(base, length)
    if refused:
        return s, (refused, 0)
    stay = tuple(((j // R) != s.run_cvm) | (_overlaps(s, j, base, length) ^ True) for j in range(K * R))
    return replace(s, mmio_base=tuple(keep(v, stay[j]) for j, v in enumerate(s.mmio_base)),
                   mmio_size=tuple(keep(v, stay[j]) for j, v in enumerate(s.mmio_size))), (abi.SUCCESS, 0)


def _hits_region(s: Any, gpa: int) -> bool:
    """An MMIO access at gpa lies in one of the running CVM's regions: [gpa, gpa + 8) inside
    it, ending strictly before the region's end (ACE's `contains(fault_address, 8)`)."""
    first = s.run_cvm * R
    return any_of((s.mmio_base[j] <= gpa) & (gpa + abi.MMIO_ACCESS < s.mmio_base[j] + s.mmio_size[j])
                  for j in range(first, first + R))


def guest_load_fault(hwp: Any, s: Any, gpa: int, instr: int, gva: int = 0) -> Tuple[Any, Result]:
    if s.run_cvm == HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    if _hits_region(s, gpa):
        return exit_mmio_load(hwp, s, gpa, instr, gva)
    return guest_page_fault(hwp, s, gpa)


def guest_store_fault(hwp: Any, s: Any, gpa: int, instr: int, gva: int = 0) -> Tuple[Any, Result]:
    if s.run_cvm == HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    if _hits_region(s, gpa):
        return exit_mmio_store(hwp, s, gpa, instr, gva)
    return guest_page_fault(hwp, s, gpa)
