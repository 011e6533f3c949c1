"""Canonical monitor: COVH TSM_GET_INFO."""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Tuple

from abstract import abi
from abstract.config import NC, PAGE_SIZE
from abstract.domain import HYPERVISOR
from abstract.logic import lnot, put_at

Result = Tuple[int, int]


def nc_address(addr: int) -> bool:
    """Is byte address `addr` in NC memory (ACE's `NonConfidentialMemoryAddress::new`)? Written
    here, not taken from the spec's `abi.in_nc`, so that the square compares two statements of
    ACE's check: with one shared formula an off-by-one at the NC end would prove."""
    return (0 <= addr) & (addr < NC * PAGE_SIZE)


def tsm_get_info(hwp: Any, s: Any, buf: int, length: int) -> Tuple[Any, Result]:
    """The record goes to NC memory through the monitor's own view of memory, never to C."""
    if s.run_cvm != HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    if lnot(nc_address(buf)) | lnot(nc_address(buf + length)):
        return s, (abi.INVALID_ADDRESS, 0)
    if length < abi.TSM_INFO_SIZE:
        return s, (abi.INVALID_PARAM, 0)
    mem = s.mem
    for page in (buf // PAGE_SIZE, (buf + abi.TSM_INFO_SIZE - 1) // PAGE_SIZE):
        mem = put_at(mem, page, abi.TSM_INFO_WORD)
    return replace(s, mem=mem), (abi.SUCCESS, abi.TSM_INFO_SIZE)
