"""Spec: local attestation at PROMOTE_TO_TVM, and COVG RETRIEVE_SECRET.

PROMOTE measures the pages it copied into confidential memory; the attestation payload names
up to `abi.ATTEST_DIGESTS` expected digests and a secret. The secret is released to the new
CVM only if the payload names at least one digest and every one matches the measurement; a
failed attestation releases nothing and does not fail the promote. A CVM retrieves a released
secret into its own private memory only.

Whether a CVM holds a secret is observable (the hypervisor chose the digests and knows what it
promoted); the secret's value is not.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Tuple

from abstract import abi
from abstract.config import G, NC, PAGE_SIZE
from abstract.logic import flag_at, put_at, read_at
from abstract.spec.state import HYPERVISOR, SpecState

Result = Tuple[int, int]


def released(copied: Tuple[int, ...], ndigests: int, digests: Tuple[int, ...]) -> bool:
    """Does the payload (`ndigests` of `digests`) attest the pages `copied` (their contents in
    guest order, as measured in confidential memory)?"""
    return abi.attested(abi.measure(copied), ndigests, digests)


def retrieve_secret(s: SpecState, gpa: int, size: int) -> Tuple[SpecState, Result]:
    """The running vCPU asks for its CVM's secret into the buffer at guest address `gpa`. As ACE
    (`retrieve_secret.rs`), in its order: gpa 0 is INVALID_PARAM; a gpa not 8-byte aligned or a
    `size` above 4096 INVALID_ADDRESS; a CVM without a released secret INVALID_PARAM; a buffer
    shorter than the secret INVALID_ADDRESS; the secret's page must be a private page of the CVM
    (INVALID_ADDRESS), which then holds the secret. Answers the secret's length. (The secret is
    one aligned 8-byte word, so it never crosses a page.)"""
    if s.run_cvm == HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    if gpa == 0:
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
    i = s.run_cvm * G + g
    page = read_at(s.page, i)
    if not flag_at(s.private, i) or page < NC:  # private means backed by confidential memory
        return s, (abi.INVALID_ADDRESS, 0)
    return replace(s, mem=put_at(s.mem, page, read_at(s.secret, s.run_cvm))), (abi.SUCCESS, abi.SECRET_LEN)
