"""Spec: COVH TSM_GET_INFO, the hypervisor asking the monitor to describe itself."""
from __future__ import annotations

from dataclasses import replace
from typing import Tuple

from abstract import abi
from abstract.config import PAGE_SIZE
from abstract.logic import lnot, put_at
from abstract.spec.state import HYPERVISOR, SpecState

Result = Tuple[int, int]


def tsm_get_info(s: SpecState, buf: int, length: int) -> Tuple[SpecState, Result]:
    """Write the TSM info record at buf, in ACE's order (`get_security_monitor_info.rs`): buf
    and buf + length must both be NC addresses (the end itself too, as ACE checks it with
    `NonConfidentialMemoryAddress::new`), else INVALID_ADDRESS; then a length shorter than the
    record gives INVALID_PARAM. The record reaches every NC page it touches (page contents are
    abstract values). Answers the record's size."""
    if s.run_cvm != HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    if lnot(abi.in_nc(buf)) | lnot(abi.in_nc(buf + length)):
        return s, (abi.INVALID_ADDRESS, 0)
    if length < abi.TSM_INFO_SIZE:
        return s, (abi.INVALID_PARAM, 0)
    first, last = buf // PAGE_SIZE, (buf + abi.TSM_INFO_SIZE - 1) // PAGE_SIZE
    mem = put_at(put_at(s.mem, first, abi.TSM_INFO_WORD), last, abi.TSM_INFO_WORD)
    return replace(s, mem=mem), (abi.SUCCESS, abi.TSM_INFO_SIZE)
