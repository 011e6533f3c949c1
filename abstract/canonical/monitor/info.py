"""Canonical monitor: COVH TSM_GET_INFO."""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Tuple

from abstract import abi
from abstract.config import NC, PAGE_SIZE
from abstract.domain import HYPERVISOR
from abstract.logic import put_at

Result = Tuple[int, int]


def tsm_get_info(hwp: Any, s: Any, buf: int, length: int) -> Tuple[Any, Result]:
    """The record goes to NC memory through the monitor's own view of memory, never to C."""
    if (s.run_cvm != HYPERVISOR) | (length < abi.TSM_INFO_SIZE):
        return s, (abi.INVALID_PARAM, 0)
    end = buf + length
    if (buf < 0) | (end > NC * PAGE_SIZE):
        return s, (abi.INVALID_ADDRESS, 0)
    mem = s.mem
    for page in (buf // PAGE_SIZE, (buf + abi.TSM_INFO_SIZE - 1) // PAGE_SIZE):
        mem = put_at(mem, page, abi.TSM_INFO_WORD)
    return replace(s, mem=mem), (abi.SUCCESS, abi.TSM_INFO_SIZE)
