"""RISC-V trap information: scause and the trapped instruction (htinst), decoded.

scause is an XLEN = 64-bit CSR: bit 63 says interrupt, the rest is the exception code. The
monitor reads only these fields; the decoder compares with constants and reads bit fields by
division by constant powers of two, which CrossHair handles without enumerating bit patterns.
"""
from __future__ import annotations

from abstract import abi

XLEN = 64
_EXITS = {
    abi.CAUSE_ECALL_VS: abi.EXIT_SBI,
    abi.CAUSE_LOAD_GUEST_PAGE_FAULT: abi.EXIT_MMIO_LOAD,
    abi.CAUSE_STORE_GUEST_PAGE_FAULT: abi.EXIT_MMIO_STORE,
    abi.CAUSE_VIRTUAL_INSTRUCTION: abi.EXIT_WFI,
}


def is_interrupt(scause: int) -> bool:
    return scause >= 1 << (XLEN - 1)


def decode_exit(scause: int) -> int:
    """The exit kind of a 64-bit scause value: interrupts, then the exception codes that exit."""
    if is_interrupt(scause):
        return abi.EXIT_INTERRUPT
    for code, kind in _EXITS.items():
        if scause == code:
            return kind
    return abi.EXIT_NONE


def field(word: int, lo: int, width: int) -> int:
    """Bits lo..lo+width-1 of `word`, as the manual numbers them. Written as floor division and
    remainder by powers of two, which equal the shift and mask on every integer
    (`riscv/*/encoding` check it against the shift-and-mask reading) but give the solver terms it
    matches against the reference's: with shifts and masks, the MMIO exits' squares took about
    4 times longer."""
    return (word // (1 << lo)) % (1 << width)


def rs2(instr: int) -> int:
    """The rs2 field (bits 24..20) of a 32-bit instruction: a store's source register."""
    return field(instr, 20, 5)


def rd(instr: int) -> int:
    """The rd field (bits 11..7) of htinst's transformed instruction: a load's destination
    (a compressed load arrives already expanded to its 32-bit form)."""
    return field(instr, 7, 5)


def length(instr: int) -> int:
    """2 or 4: bit 1 of the transformed instruction is 0 exactly when the original was compressed."""
    return 4 if field(instr, 1, 1) else 2


def csr_value(v: int) -> bool:
    """Is `v` a value an XLEN-bit CSR can hold?"""
    return (0 <= v) & (v < 1 << XLEN)
