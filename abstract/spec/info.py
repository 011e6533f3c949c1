"""Spec: COVH TSM_GET_INFO, the hypervisor asking the monitor to describe itself."""
from __future__ import annotations

from dataclasses import replace
from typing import Tuple

from abstract import abi
from abstract.config import NC, PAGE_SIZE
from abstract.logic import put_at
from abstract.spec.state import HYPERVISOR, SpecState

Result = Tuple[int, int]


def tsm_get_info(s: SpecState, buf: int, length: int) -> Tuple[SpecState, Result]:
    """Write the TSM info record to [buf, buf + length): a length shorter than the record gives
    INVALID_PARAM, a range not wholly in NC gives INVALID_ADDRESS. The record reaches every NC
    page it touches (page contents are abstract values). Answers the record's size."""
    if (s.run_cvm != HYPERVISOR) | (length < abi.TSM_INFO_SIZE):
        return s, (abi.INVALID_PARAM, 0)
    if (buf < 0) | (buf + length > NC * PAGE_SIZE):
        return s, (abi.INVALID_ADDRESS, 0)
    first, last = buf // PAGE_SIZE, (buf + abi.TSM_INFO_SIZE - 1) // PAGE_SIZE
    mem = put_at(put_at(s.mem, first, abi.TSM_INFO_WORD), last, abi.TSM_INFO_WORD)
    return replace(s, mem=mem), (abi.SUCCESS, abi.TSM_INFO_SIZE)
