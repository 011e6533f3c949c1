"""Spec: NACL shared-memory set-up (SBI nested acceleration, EID 0x4E41434C, FID 1 SET_SHMEM).

The hypervisor names the shared memory of the calling hart, through which the monitor shows it
each exit. The reference's rule is that it lies wholly in NC: the monitor writes there on
every exit, and a range reaching C memory would let the hypervisor aim those writes at a CVM's
pages. All-ones in both address halves disables it.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Tuple

from abstract import abi
from abstract.config import NC, PAGE_SIZE
from abstract.spec.state import HYPERVISOR, SpecState

Result = Tuple[int, int]


def nacl_set_shmem(s: SpecState, lo: int, hi: int, flags: int) -> Tuple[SpecState, Result]:
    """SET_SHMEM(lo, hi, flags) from the hypervisor:
    - lo and hi all ones: no shared memory from now on;
    - non-zero flags (reserved) or lo not 4 KiB aligned: INVALID_PARAM;
    - hi not zero, or [lo, lo + 3 pages) not wholly in NC: INVALID_ADDRESS;
    - else the shared memory starts at lo."""
    if s.run_cvm != HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    if abi.all_ones(lo) & abi.all_ones(hi):
        return replace(s, nacl_page=abi.NACL_NONE), (abi.SUCCESS, 0)
    if (flags != 0) | (lo % PAGE_SIZE != 0):
        return s, (abi.INVALID_PARAM, 0)
    if (hi != 0) | (lo < 0) | (lo + abi.NACL_SHMEM_PAGES * PAGE_SIZE > NC * PAGE_SIZE):
        return s, (abi.INVALID_ADDRESS, 0)
    return replace(s, nacl_page=lo // PAGE_SIZE), (abi.SUCCESS, 0)
