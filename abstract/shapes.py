"""Fixed-length tuple types built from the configured sizes.

Fields typed `Tuple[int, int, int]` rather than `Tuple[int, ...]` make CrossHair create tuples
of exactly that length (no symbolic length to fork on) and let typeguard check the shape."""
from __future__ import annotations

from typing import Any, Tuple

from abstract.abi import ATTEST_DIGESTS
from abstract.config import C, G, H, K, NCSRS, NFREGS, NIRQ, NREGS, P, PAGES, R


def ints(n: int) -> Any:
    return Tuple[(int,) * n] if n else Tuple[()]


def bools(n: int) -> Any:
    return Tuple[(bool,) * n] if n else Tuple[()]


PageData = ints(PAGES)       # contents of every physical page
Owners = ints(C)             # owner of every confidential page
SlotFlags = bools(K)         # one flag per CVM slot
SlotInts = ints(K)
HartInts = ints(K * H)       # one value per vCPU
HartFlags = bools(K * H)
EntryFlags = bools(K * G)    # one flag per guest-map entry
EntryInts = ints(K * G)
IrqFlags = bools(K * NIRQ)         # line j allowed for CVM k: entry k*NIRQ+j
PendingFlags = bools(K * H * NIRQ)  # line j pending for vCPU i = k*H+h: entry i*NIRQ+j
RegionInts = ints(K * R)     # one value per MMIO region slot, slot k*R+r of CVM k
Digests = ints(ATTEST_DIGESTS)  # digest slots of an attestation payload
Regs = ints(NREGS)
VcpuRegs = Tuple[(Regs,) * (K * H)]
Fregs = ints(NFREGS)
VcpuFregs = Tuple[(Fregs,) * (K * H)]
ExitCsrs = ints(NCSRS)
OtherHarts = ints(P - 1)     # what physical harts 1..P-1 run: vCPU index + 1, or 0 (their hypervisor)
OtherTlbFlags = bools(K * (P - 1) * G)  # hart p's cached translation of CVM k's guest page g: entry (k*(P-1)+p-1)*G+g
OtherTlbInts = ints(K * (P - 1) * G)
OtherFences = bools(K * (P - 1))  # a fence of CVM k's VMID queued for hart p: entry k*(P-1)+p-1
