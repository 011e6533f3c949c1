"""Canonical monitor: attestation at promote (measured by the root of trust) and RETRIEVE_SECRET
through the second-stage translation, into private pages only."""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Tuple

from abstract import abi
from abstract.config import G, NC, PAGE_SIZE
from abstract.domain import HYPERVISOR
from abstract.logic import flag_at, lnot, put_at, read_at

Result = Tuple[int, int]


def attest(hwp: Any, copied: Tuple[int, ...], ndigests: int, digests: Tuple[int, ...]) -> bool:
    """Measure the copies with the root of trust and check the payload's digests against the
    measurement (the payload format is the ABI's: `abi.attested`)."""
    return abi.attested(hwp.measure(copied), ndigests, digests)


def retrieve_secret(hwp: Any, s: Any, gpa: int, size: int) -> Tuple[Any, Result]:
    if s.run_cvm == HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    if gpa == 0:  # ACE's order: address 0, alignment and size, the secret, its length
        return s, (abi.INVALID_PARAM, 0)
    if (gpa < 0) | (gpa % abi.SECRET_ALIGN != 0) | (size > abi.SECRET_MAX_BUFFER):
        return s, (abi.INVALID_ADDRESS, 0)
    if not flag_at(s.has_secret, s.run_cvm):
        return s, (abi.INVALID_PARAM, 0)
    if size < abi.SECRET_LEN:
        return s, (abi.INVALID_ADDRESS, 0)
    g = gpa // PAGE_SIZE
    if g >= G:
        return s, (abi.INVALID_ADDRESS, 0)
    valid, page = hwp.translation_entry(s.hw, s.run_cvm * G + g)
    if lnot(valid & (page >= NC)):  # a shared page is the hypervisor's: never write it there
        return s, (abi.INVALID_ADDRESS, 0)
    return replace(s, mem=put_at(s.mem, page, read_at(s.secret, s.run_cvm))), (abi.SUCCESS, abi.SECRET_LEN)
