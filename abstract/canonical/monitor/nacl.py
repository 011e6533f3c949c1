"""Canonical monitor: NACL shared-memory set-up. Every page of the range must be an NC page,
checked page by page, so that the monitor's writes on each exit never reach C memory."""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Tuple

from abstract import abi
from abstract.config import NC, PAGE_SIZE
from abstract.domain import HYPERVISOR
from abstract.logic import all_of, lnot

Result = Tuple[int, int]


def nacl_set_shmem(hwp: Any, s: Any, lo: int, hi: int, flags: int) -> Tuple[Any, Result]:
    """SBI NACL SET_SHMEM on this hart: record the first page of the hypervisor's shared memory,
    after checking that all of it is non-confidential; all ones in lo and hi disable it."""
    if s.run_cvm != HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    if abi.all_ones(lo) & abi.all_ones(hi):
        return replace(s, nacl_page=abi.NACL_NONE), (abi.SUCCESS, 0)
    if (flags != 0) | (lo % PAGE_SIZE != 0):
        return s, (abi.INVALID_PARAM, 0)
    first = lo // PAGE_SIZE
    if (hi != 0) | lnot(_wholly_non_confidential(first)):
        return s, (abi.INVALID_ADDRESS, 0)
    return replace(s, nacl_page=first), (abi.SUCCESS, 0)


def _wholly_non_confidential(first: int) -> bool:
    """Every page of the shared memory starting at page `first` is an NC page."""
    return all_of((0 <= first + j) & (first + j < NC) for j in range(abi.NACL_SHMEM_PAGES))
