"""hgatp and G-stage page-table entries: field layouts and their encodings.

hgatp is held as the word the hart holds: the monitor builds each CVM's word with
`encode_hgatp`, the hart's CSR takes it through `csr_write_hgatp` (a WARL write) and the
hardware walk reads it back with `decode_hgatp`. The model keeps tables as struct-of-arrays of
decoded PTE fields (one tuple per field); PTE words are only built and taken apart by
`encode_pte`/`decode_pte`, a format lemma no step runs yet.
"""
from __future__ import annotations

from abstract import abi
from abstract.logic import any_of

from typing import Tuple

# hgatp
MODE_BARE, MODE_SV39X4 = 0, 8
MODE_SV48X4, MODE_SV57X4 = abi.GSTAGE_SV48X4, abi.GSTAGE_SV57X4
HGATP_MODE_SHIFT = 60
HGATP_VMID_SHIFT = 44
HGATP_VMID_BITS = 14
HGATP_PPN_BITS = 44

# PTE bits, from bit 0.
PTE_V, PTE_R, PTE_W, PTE_X, PTE_U, PTE_G, PTE_A, PTE_D = (1 << b for b in range(8))
PTE_PPN_SHIFT = 10
PTE_PPN_BITS = 44

Hgatp = Tuple[int, int, int]  # mode, vmid, ppn
Pte = Tuple[bool, bool, bool, bool, bool, bool, bool, bool, int]  # v r w x u g a d, ppn


def encode_hgatp(mode: int, vmid: int, ppn: int) -> int:
    """The hgatp word. Fields do not overlap, so `+` equals `|` here and stays cheap for CrossHair."""
    return (mode << HGATP_MODE_SHIFT) + (vmid << HGATP_VMID_SHIFT) + ppn


def decode_hgatp(word: int) -> Hgatp:
    """(MODE, VMID, PPN) as the hart reads them. `//` and `%` by powers of two, not shifts and
    masks, keep CrossHair in linear integer arithmetic (it finds no model for `|`/`&` terms)."""
    return (
        word // (1 << HGATP_MODE_SHIFT) % 16,
        word // (1 << HGATP_VMID_SHIFT) % (1 << HGATP_VMID_BITS),
        word % (1 << HGATP_PPN_BITS),
    )


# The G-stage modes this hart implements; writing hgatp with any other MODE has no effect at
# all (the privileged spec: "the entire write has no effect; no fields in hgatp are modified").
SUPPORTED_MODES = (MODE_BARE, MODE_SV39X4, MODE_SV48X4, MODE_SV57X4)


def csr_write_hgatp(old: int, new: int) -> int:
    """`csrw hgatp, new` on a hart that holds `old`."""
    mode = decode_hgatp(new)[0]
    return new if any_of(mode == m for m in SUPPORTED_MODES) else old


def pte_flags(v: bool, r: bool, w: bool, x: bool, u: bool, g: bool, a: bool, d: bool) -> int:
    """The flag byte V R W X U G A D (bit 0 upwards)."""
    bits = (v, r, w, x, u, g, a, d)
    return sum((1 << b) if bits[b] else 0 for b in range(8))


def pte_bits(flags: int) -> Tuple[bool, bool, bool, bool, bool, bool, bool, bool]:
    v, r, w, x, u, g, a, d = ((flags >> b) & 1 == 1 for b in range(8))
    return v, r, w, x, u, g, a, d


def pack_pte(flags: int, ppn: int) -> int:
    """Flags in bits 0-7, PPN from bit 10 (fields disjoint, so `+` is `|`, and cheap to prove)."""
    return flags + (ppn << PTE_PPN_SHIFT)


def unpack_pte(word: int) -> Tuple[int, int]:
    """(flag byte, PPN); `//` and `%` by powers of two keep CrossHair in integer arithmetic."""
    return word % 256, (word // (1 << PTE_PPN_SHIFT)) % (1 << PTE_PPN_BITS)


def encode_pte(v: bool, r: bool, w: bool, x: bool, u: bool, g: bool, a: bool, d: bool, ppn: int) -> int:
    return pack_pte(pte_flags(v, r, w, x, u, g, a, d), ppn)


def decode_pte(word: int) -> Pte:
    flags, ppn = unpack_pte(word)
    return (*pte_bits(flags), ppn)
