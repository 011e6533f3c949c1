"""RISC-V Physical Memory Protection, held as decoded fields (never as raw CSR words).

The monitor uses entry 0 (OFF, supplying the base: pmpaddr0 = start of C >> 2) and entry 1
(TOR, pmpaddr1 = end of C >> 2) to cover [start of C, end of C); it grants R/W/X there on entry
to a CVM and removes it on the exit. Firmware entries start at index 2; the lowest-priority one
grants all physical memory to S/U modes. Lower index wins; an S/U access no entry matches fails.
"""
from __future__ import annotations

from typing import Tuple

from abstract.config import NC, PAGE_SIZE, PAGES
from abstract.logic import all_of, lnot

ENTRIES = 16
OFF, TOR, NA4, NAPOT = 0, 1, 2, 3
MONITOR_BASE, MONITOR_TOR = 0, 1   # the monitor's entries
FIRMWARE_BASE, FIRMWARE_ALL = 14, 15  # firmware: all memory to S/U, lowest priority
C_START = NC * PAGE_SIZE
C_END = PAGES * PAGE_SIZE
WORDS_PER_PAGE = PAGE_SIZE // 4  # pmpaddr holds an address >> 2

# pmpcfg byte layout.
CFG_R, CFG_W, CFG_X = 1, 2, 4
CFG_A_SHIFT = 3
CFG_L = 0x80
CFG_RESERVED = 0x60

PmpFields = Tuple[bool, bool, bool, int, bool]  # r, w, x, A (mode), L


def decode_cfg(byte: int) -> PmpFields:
    """One pmpcfg byte to (r, w, x, mode, locked)."""
    return (byte & CFG_R != 0, byte & CFG_W != 0, byte & CFG_X != 0,
            (byte >> CFG_A_SHIFT) & 3, byte & CFG_L != 0)


def encode_cfg(fields: PmpFields) -> int:
    r, w, x, mode, locked = fields
    return (CFG_R if r else 0) | (CFG_W if w else 0) | (CFG_X if x else 0) \
        | (mode << CFG_A_SHIFT) | (CFG_L if locked else 0)


def matches(lo: int, hi: int, mode: int, addr: int) -> bool:
    """Does a TOR entry with pmpaddr bounds lo, hi (addresses >> 2) cover byte addr?"""
    return (mode == TOR) & (lo * 4 <= addr) & (addr < hi * 4)


def allows(mode: Tuple[int, ...], addr_reg: Tuple[int, ...], perm: Tuple[bool, ...], addr: int) -> bool:
    """Priority scan, branch-free: the lowest-index matching entry decides `perm`; no match denies."""
    decided = False
    for i in reversed(range(ENTRIES)):
        lo = addr_reg[i - 1] if i > 0 else 0
        hit = matches(lo, addr_reg[i], mode[i], addr)
        decided = (hit & perm[i]) | (lnot(hit) & decided)
    return decided


def page_words(page: int) -> Tuple[int, int]:
    """The first and the last word of physical page `page`. PMP decides per word, and the
    monitor's bounds are page-aligned, so a bound one word off shows at one of these two."""
    return page * PAGE_SIZE, page * PAGE_SIZE + PAGE_SIZE - 4


def grants_rw(mode: Tuple[int, ...], addr_reg: Tuple[int, ...], r: Tuple[bool, ...], w: Tuple[bool, ...],
              page: int) -> bool:
    """May S/U mode read and write all of physical page `page`, its first and its last word?
    (The isolation unit's answer.)"""
    first, last = page_words(page)
    return (allows(mode, addr_reg, r, first) & allows(mode, addr_reg, w, first)
            & allows(mode, addr_reg, r, last) & allows(mode, addr_reg, w, last))


def grants_r_or_w(mode: Tuple[int, ...], addr_reg: Tuple[int, ...], r: Tuple[bool, ...], w: Tuple[bool, ...],
                  page: int) -> bool:
    """May S/U mode read or write any of physical page `page`, at its first or its last word?
    (What confinement must deny over C.)"""
    first, last = page_words(page)
    return (allows(mode, addr_reg, r, first) | allows(mode, addr_reg, w, first)
            | allows(mode, addr_reg, r, last) | allows(mode, addr_reg, w, last))


def layout_ok(mode: Tuple[int, ...], addr_reg: Tuple[int, ...], r: Tuple[bool, ...], w: Tuple[bool, ...],
              x: Tuple[bool, ...], nc: int, pages: int) -> bool:
    """The monitor's layout for memory of `pages` pages, the first `nc` of them NC: entry 0 OFF
    at the start of C, entry 1 TOR to the end of C with R = W = X; entries 2..13 OFF; firmware
    entry 15 TOR over all memory (base from entry 14) with R W X. The sizes are parameters so
    that the per-page lemmas can take them as free variables."""
    monitor = (
        (mode[0] == OFF) & (addr_reg[0] == nc * WORDS_PER_PAGE) & lnot(r[0] | w[0] | x[0])
        & (mode[1] == TOR) & (addr_reg[1] == pages * WORDS_PER_PAGE) & (r[1] == w[1]) & (w[1] == x[1])
    )
    unused = all_of((mode[i] == OFF) for i in range(2, FIRMWARE_ALL))
    firmware = (
        (addr_reg[FIRMWARE_BASE] == 0) & (mode[FIRMWARE_ALL] == TOR)
        & (addr_reg[FIRMWARE_ALL] == pages * WORDS_PER_PAGE)
        & r[FIRMWARE_ALL] & w[FIRMWARE_ALL] & x[FIRMWARE_ALL]
    )
    return monitor & unused & firmware
