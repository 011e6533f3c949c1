"""Encodings at the edge of the RISC-V layer: the model keeps decoded fields, and these
obligations prove that words and fields convert consistently (and that every register value
decodes to something defined)."""
from __future__ import annotations

import itertools
from typing import Iterator, Tuple

import icontract

from abstract.canonical.monitor.memory import decode_guest_page
from abstract.config import G, PAGE_SIZE
from abstract import abi
from concrete.riscv import gstage, pmp, sbi, trap
from concrete.riscv.machine import RISCV
from refinement.registry import Kind, Layers, Method, obligation


def all_cfg_bytes() -> Iterator[Tuple[int]]:
    """The finite domain of a pmpcfg byte."""
    return ((b,) for b in range(256))


@obligation(Layers.RISCV, "pmpcfg", Kind.ENCODING, Method.ENUMERATION, domain="all_cfg_bytes")
@icontract.require(lambda byte: 0 <= byte < 256 and byte & pmp.CFG_RESERVED == 0,
                   "a byte with reserved bits 5-6 zero")
@icontract.ensure(lambda byte, result: result == byte, "encode(decode(byte)) == byte")
def pmpcfg_roundtrip(byte: int) -> int:
    """Every pmpcfg byte with its reserved bits clear decodes to fields that encode back to it."""
    return pmp.encode_cfg(pmp.decode_cfg(byte))


@obligation(Layers.RISCV, "hgatp", Kind.ENCODING)
@icontract.require(lambda mode, vmid, ppn: 0 <= mode < 16 and 0 <= vmid < (1 << gstage.HGATP_VMID_BITS)
                   and 0 <= ppn < (1 << gstage.HGATP_PPN_BITS))
@icontract.ensure(lambda mode, vmid, ppn, result: result == (mode, vmid, ppn), "decode(encode(f)) == f")
def hgatp_roundtrip(mode: int, vmid: int, ppn: int) -> Tuple[int, int, int]:
    """hgatp fields (MODE 63..60, VMID from bit 44, PPN in the low 44 bits) survive encoding."""
    return gstage.decode_hgatp(gstage.encode_hgatp(mode, vmid, ppn))


def all_flag_bits() -> Iterator[Tuple[bool, ...]]:
    """The finite domain of the eight PTE flag bits."""
    return itertools.product((False, True), repeat=8)


@obligation(Layers.RISCV, "pte_flags", Kind.ENCODING, Method.ENUMERATION, domain="all_flag_bits")
@icontract.ensure(lambda v, r, w, x, u, g, a, d, result: result == (v, r, w, x, u, g, a, d),
                  "bits(flags(b)) == b")
def pte_flags_roundtrip(v: bool, r: bool, w: bool, x: bool, u: bool, g: bool, a: bool, d: bool) -> Tuple[bool, ...]:
    """The PTE flag bits V R W X U G A D survive packing into the flag byte and back."""
    return gstage.pte_bits(gstage.pte_flags(v, r, w, x, u, g, a, d))


@obligation(Layers.RISCV, "pte_word", Kind.ENCODING)
@icontract.require(lambda flags, ppn: 0 <= flags < 256 and 0 <= ppn < (1 << gstage.PTE_PPN_BITS))
@icontract.ensure(lambda flags, ppn, result: result == (flags, ppn), "unpack(pack(f, p)) == (f, p)")
def pte_word_roundtrip(flags: int, ppn: int) -> Tuple[int, int]:
    """A PTE word keeps its flag byte (bits 0-7) and PPN (from bit 10) apart. With pte_flags this
    gives decode_pte(encode_pte(fields)) == fields, since encode_pte and decode_pte are the
    compositions of these two steps."""
    return gstage.unpack_pte(gstage.pack_pte(flags, ppn))


def _named(eid: int, fid: int, call: int) -> bool:
    return any(eid == e and fid == f and call == c for (e, f), c in sbi.CALLS.items())


@obligation(Layers.RISCV, "sbi_call", Kind.ENCODING)
@icontract.ensure(lambda eid, fid, result: result == sbi.UNKNOWN or _named(eid, fid, result),
                  "a decoded call is exactly the one its (EID, FID) names")
@icontract.ensure(lambda eid, fid, result: result != sbi.UNKNOWN
                  or not any(eid == e and fid == f for (e, f) in sbi.CALLS),
                  "UNKNOWN only for an (EID, FID) the model does not handle")
def sbi_call_decoding(eid: int, fid: int) -> int:
    """Every (a7, a6) a caller can pass decodes to the call it names or to UNKNOWN (INVALID_PARAM)."""
    return sbi.decode_call(eid, fid)


@obligation(Layers.CANONICAL, "guest_address", Kind.ENCODING)
@icontract.ensure(lambda gpa, size, result: result < 0 or (result * PAGE_SIZE == gpa and 1 <= result < G
                                                           and size == PAGE_SIZE), "a decoded page is exact")
@icontract.ensure(lambda gpa, size, result: result >= 0 or size != PAGE_SIZE or gpa % PAGE_SIZE != 0
                  or not 0 < gpa < G * PAGE_SIZE, "every well-formed request decodes")
def guest_address_decoding(gpa: int, size: int) -> int:
    """A (gpa, size) request decodes to its guest page exactly when it is aligned, non-zero,
    inside guest memory and one page long; otherwise INVALID_ADDRESS."""
    return decode_guest_page(gpa, size)


@obligation(Layers.RISCV, "trap_cause", Kind.ENCODING)
@icontract.require(lambda scause: trap.csr_value(scause), "a 64-bit scause value")
@icontract.ensure(lambda scause, result: result == abi.exit_kind(scause), "decode_exit(scause) == the reference's exit kind")
def trap_cause_decoding(scause: int) -> int:
    """Every value scause can hold decodes (interrupt bit 63, then the exception code) to the
    exit kind of the reference's declassification table, or to no exit."""
    return trap.decode_exit(scause)


@obligation(Layers.RISCV, "store_source", Kind.ENCODING)
@icontract.ensure(lambda instr, result: result == abi.store_source(instr), "rs2(instr) == the reference's source register")
@icontract.ensure(lambda result: 0 <= result < 32, "a register number")
def store_source_decoding(instr: int) -> int:
    """The RISC-V machine's store-source primitive (rs2, read with shifts and masks) is the
    reference's store source register, for every integer the trapped-instruction CSR can hold."""
    return RISCV.trap_store_source(instr)


@obligation(Layers.RISCV, "load_dest", Kind.ENCODING)
@icontract.ensure(lambda instr, result: result == abi.load_dest(instr), "rd(instr) == the reference's destination register")
@icontract.ensure(lambda result: 0 <= result < 32, "a register number")
def load_dest_decoding(instr: int) -> int:
    """The rd field read with shifts and masks is the reference's load destination register,
    where an MMIO load's result goes, for every integer htinst can hold."""
    return RISCV.trap_load_dest(instr)


@obligation(Layers.RISCV, "instr_length", Kind.ENCODING)
@icontract.ensure(lambda instr, result: result == abi.instr_length(instr), "length(instr) == the reference's length")
@icontract.ensure(lambda result: result == 2 or result == 4, "2 or 4 bytes")
def instr_length_decoding(instr: int) -> int:
    """Bit 1 of the transformed instruction gives the trapped instruction's length, as the
    reference computes it, for every integer htinst can hold."""
    return trap.length(instr)
