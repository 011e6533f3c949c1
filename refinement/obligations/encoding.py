"""Encodings at the edge of the RISC-V layer: the model keeps decoded fields, and these
obligations prove that words and fields convert consistently (and that every register value
decodes to something defined).

Two kinds, and the report says which (in each statement's first line): the SBI and
trap-cause decoders run in every step that reads a7/a6 or scause, and hgatp is a word the
monitor builds at promote, the hart's CSR takes on every entry and the hardware walk decodes,
so their lemmas are about code that runs; the pmpcfg and PTE formats are not run by any step,
because the model holds those registers as decoded fields. Their lemmas fix the formats for a
later model that stores words (the issue on multi-level G-stage tables); until then they are
format lemmas, not proofs about the monitor."""
from __future__ import annotations

import itertools
from typing import Iterator, Tuple

import icontract

from abstract.config import G, K, PAGE_SIZE, PAGES
from abstract import abi
from concrete.riscv import gstage, pmp, sbi, trap
from abstract.logic import lnot
from concrete.riscv.machine import RISCV
from concrete.riscv.state import RvHw, RvState  # noqa: F401  (counterexample reprs)
from refinement.riscv_to_canonical import riscv_shapes_ok
from refinement.registry import Kind, Layers, Method, obligation


def all_cfg_bytes() -> Iterator[Tuple[int]]:
    """The finite domain of a pmpcfg byte."""
    return ((b,) for b in range(256))


@obligation(Layers.RISCV, "pmpcfg", Kind.ENCODING, Method.ENUMERATION, domain="all_cfg_bytes")
@icontract.require(lambda byte: 0 <= byte < 256 and byte & pmp.CFG_RESERVED == 0,
                   "a byte with reserved bits 5-6 zero")
@icontract.ensure(lambda byte, result: result == byte, "encode(decode(byte)) == byte")
def pmpcfg_roundtrip(byte: int) -> int:
    """Every pmpcfg byte with its reserved bits clear decodes to fields that encode back to it (a format lemma: no step runs this code)."""
    return pmp.encode_cfg(pmp.decode_cfg(byte))


@obligation(Layers.RISCV, "hgatp", Kind.ENCODING)
@icontract.require(lambda mode, vmid, ppn: 0 <= mode < 16 and 0 <= vmid < (1 << gstage.HGATP_VMID_BITS)
                   and 0 <= ppn < (1 << gstage.HGATP_PPN_BITS))
@icontract.ensure(lambda mode, vmid, ppn, result: result == (mode, vmid, ppn), "decode(encode(f)) == f")
def hgatp_roundtrip(mode: int, vmid: int, ppn: int) -> Tuple[int, int, int]:
    """hgatp fields (MODE 63..60, VMID from bit 44, PPN in the low 44 bits) survive the encoding the monitor builds words with and the decoding the hardware walk reads them with."""
    return gstage.decode_hgatp(gstage.encode_hgatp(mode, vmid, ppn))


def hgatp_well_formed(word: int, root: int) -> bool:
    """Sv48x4, rooted at page `root`, a nonzero VMID inside its 14-bit field, no other bit."""
    mode, vmid, ppn = gstage.decode_hgatp(word)
    return (mode == gstage.MODE_SV48X4) & (ppn == root) & (vmid >= 1) & (gstage.encode_hgatp(mode, vmid, ppn) == word)


@obligation(Layers.RISCV, "hgatp_word", Kind.ENCODING)
@icontract.require(lambda k, j, id_k, id_j, root_k, root_j: 0 <= k < K and 0 <= j < K and k != j and id_k >= 0
                   and id_j >= 0 and id_k != id_j and 0 <= root_k < PAGES and 0 <= root_j < PAGES,
                   "two live CVMs, whatever their ids (they grow without bound) and wherever their roots")
@icontract.ensure(lambda root_k, root_j, result: hgatp_well_formed(result[0], root_k) and hgatp_well_formed(result[1], root_j),
                  "each word is well formed")
@icontract.ensure(lambda result: gstage.decode_hgatp(result[0])[1] != gstage.decode_hgatp(result[1])[1],
                  "their VMIDs differ")
def hgatp_words(k: int, j: int, id_k: int, id_j: int, root_k: int, root_j: int) -> Tuple[int, int]:
    """The hgatp words the monitor builds at promote for two CVMs are well-formed Sv48x4 words with their own roots and distinct VMIDs, so the hart's CSR takes them (a word with a reserved MODE would not be written at all) and no TLB entry of one serves the other."""
    return RISCV.hgatp_word(k, id_k, root_k), RISCV.hgatp_word(j, id_j, root_j)


@obligation(Layers.RISCV, "hgatp_mode", Kind.ENCODING)
@icontract.require(lambda s, word, g: riscv_shapes_ok(s.hw) and 0 <= g < G)
@icontract.ensure(lambda word, result: result[0] == result[1],
                  "a walk finds a leaf only under Sv48x4 or Sv57x4: an hgatp in another mode translates nothing here")
def hgatp_mode_walk(s: RvState, word: int, g: int) -> Tuple[bool, bool]:
    """The hardware walk reads the MODE of the hgatp word it starts from: under Bare (no
    translation; the hypervisor's own G-stage off) or a mode the model has no tables for, it
    finds no leaf of any CVM's tables, whatever their entries and whatever root the word names."""
    mode = gstage.decode_hgatp(word)[0]
    paged = (mode == gstage.MODE_SV48X4) | (mode == gstage.MODE_SV57X4)
    return RISCV.walk_word(s.hw, word, g)[0] & lnot(paged), False


def all_flag_bits() -> Iterator[Tuple[bool, ...]]:
    """The finite domain of the eight PTE flag bits."""
    return itertools.product((False, True), repeat=8)


@obligation(Layers.RISCV, "pte_flags", Kind.ENCODING, Method.ENUMERATION, domain="all_flag_bits")
@icontract.ensure(lambda v, r, w, x, u, g, a, d, result: result == (v, r, w, x, u, g, a, d),
                  "bits(flags(b)) == b")
def pte_flags_roundtrip(v: bool, r: bool, w: bool, x: bool, u: bool, g: bool, a: bool, d: bool) -> Tuple[bool, ...]:
    """The PTE flag bits V R W X U G A D survive packing into the flag byte and back (a format lemma: no step runs this code)."""
    return gstage.pte_bits(gstage.pte_flags(v, r, w, x, u, g, a, d))


@obligation(Layers.RISCV, "pte_word", Kind.ENCODING)
@icontract.require(lambda flags, ppn: 0 <= flags < 256 and 0 <= ppn < (1 << gstage.PTE_PPN_BITS))
@icontract.ensure(lambda flags, ppn, result: result == (flags, ppn), "unpack(pack(f, p)) == (f, p)")
def pte_word_roundtrip(flags: int, ppn: int) -> Tuple[int, int]:
    """A PTE word keeps its flag byte (bits 0-7) and PPN (from bit 10) apart (a format lemma: no step runs this code). With pte_flags this
    gives decode_pte(encode_pte(fields)) == fields, since encode_pte and decode_pte are the
    compositions of these two steps."""
    return gstage.unpack_pte(gstage.pack_pte(flags, ppn))


# The calls the model handles, written from the specifications and not from the model's own
# table (`abi.CALLS`): RISC-V SBI v2.0 (Base ch. 4, HSM ch. 9, IPI ch. 7, RFENCE ch. 8, SRST
# ch. 10, NACL ch. 15) and the CoVE specification (COVH, COVG). Extension ids are the ASCII of their names.
SPECIFIED_CALLS = (
    (0x434F5648, 0, "CALL_TSM_GET_INFO"),        # "COVH" sbi_covh_get_tsm_info
    (0x434F5648, 7, "CALL_PROMOTE_TO_TVM"),      # "COVH" sbi_covh_promote_to_tvm
    (0x434F5648, 8, "CALL_DESTROY_TVM"),         # "COVH" sbi_covh_destroy_tvm
    (0x434F5648, 15, "CALL_TVM_VCPU_RUN"),       # "COVH" sbi_covh_run_tvm_vcpu
    (0x4E41434C, 1, "CALL_NACL_SET_SHMEM"),      # "NACL" sbi_nacl_set_shmem
    (0x434F5647, 0, "CALL_ADD_MMIO_REGION"),     # "COVG" sbi_covg_add_mmio_region
    (0x434F5647, 1, "CALL_REMOVE_MMIO_REGION"),  # "COVG" sbi_covg_remove_mmio_region
    (0x434F5647, 2, "CALL_SHARE_MEMORY"),        # "COVG" sbi_covg_share_memory
    (0x434F5647, 3, "CALL_UNSHARE_MEMORY"),      # "COVG" sbi_covg_unshare_memory
    (0x434F5647, 4, "CALL_ALLOW_EXT_INTERRUPT"), # "COVG" sbi_covg_allow_external_interrupt
    (0x434F5647, 9, "CALL_RETRIEVE_SECRET"),     # "COVG" (ACE) retrieve secret
    (0x48534D, 0, "CALL_HART_START"),            # "HSM" sbi_hart_start
    (0x48534D, 1, "CALL_HART_STOP"),             # "HSM" sbi_hart_stop
    (0x48534D, 2, "CALL_HART_STATUS"),           # "HSM" sbi_hart_get_status
    (0x48534D, 3, "CALL_HART_SUSPEND"),          # "HSM" sbi_hart_suspend
    (0x53525354, 0, "CALL_SYSTEM_RESET"),        # "SRST" sbi_system_reset
    (0x735049, 0, "CALL_SEND_IPI"),              # "sPI" sbi_send_ipi
    (0x52464E43, 0, "CALL_REMOTE_FENCE"),        # "RFNC" sbi_remote_fence_i
    (0x52464E43, 1, "CALL_REMOTE_FENCE"),        # "RFNC" sbi_remote_sfence_vma
    (0x52464E43, 2, "CALL_REMOTE_FENCE"),        # "RFNC" sbi_remote_sfence_vma_asid
    (0x52464E43, 3, "CALL_REMOTE_FENCE"),        # "RFNC" sbi_remote_hfence_gvma_vmid
    (0x52464E43, 4, "CALL_REMOTE_FENCE"),        # "RFNC" sbi_remote_hfence_gvma
    (0x52464E43, 5, "CALL_REMOTE_FENCE"),        # "RFNC" sbi_remote_hfence_vvma_asid
    (0x52464E43, 6, "CALL_REMOTE_FENCE"),        # "RFNC" sbi_remote_hfence_vvma
    (0x10, 0, "CALL_SBI_BASE"),                  # Base sbi_get_spec_version
    (0x10, 1, "CALL_SBI_BASE"),                  # Base sbi_get_sbi_impl_id
    (0x10, 2, "CALL_SBI_BASE"),                  # Base sbi_get_sbi_impl_version
    (0x10, 3, "CALL_SBI_BASE"),                  # Base sbi_probe_extension
    (0x10, 4, "CALL_SBI_BASE"),                  # Base sbi_get_mvendorid
    (0x10, 5, "CALL_SBI_BASE"),                  # Base sbi_get_marchid
    (0x10, 6, "CALL_SBI_BASE"),                  # Base sbi_get_mimpid
    (0x4E41434C, 0, "CALL_NACL_PROBE_FEATURE"),  # "NACL" sbi_nacl_probe_feature
)
_SPECIFIED = tuple((e, f, getattr(abi, name)) for e, f, name in SPECIFIED_CALLS)


def _named(eid: int, fid: int, call: int) -> bool:
    return any(eid == e and fid == f and call == c for e, f, c in _SPECIFIED)


@obligation(Layers.RISCV, "sbi_call", Kind.ENCODING)
@icontract.ensure(lambda eid, fid, result: result == sbi.UNKNOWN or _named(eid, fid, result),
                  "a decoded call is the one the SBI and CoVE specifications give its (EID, FID)")
@icontract.ensure(lambda eid, fid, result: result != sbi.UNKNOWN
                  or not any(eid == e and fid == f for e, f, _ in _SPECIFIED),
                  "UNKNOWN only for an (EID, FID) the specifications' table does not list")
def sbi_call_decoding(eid: int, fid: int) -> int:
    """Every (a7, a6) a caller can pass decodes to the call the SBI v2.0 and CoVE specifications
    name (an independent table, `SPECIFIED_CALLS`, not the decoder's own) or to UNKNOWN."""
    return sbi.decode_call(eid, fid)


@obligation(Layers.CANONICAL, "guest_address", Kind.ENCODING)
@icontract.ensure(lambda gpa, size, result: result < 0 or (result * PAGE_SIZE == gpa and 1 <= result < G
                                                           and size == PAGE_SIZE), "a decoded page is exact")
@icontract.ensure(lambda gpa, size, result: result >= 0 or size != PAGE_SIZE or gpa % PAGE_SIZE != 0
                  or not 0 < gpa < G * PAGE_SIZE, "every well-formed request decodes")
@icontract.ensure(lambda gpa, size, result: (result == abi.INVALID_PARAM) == ((gpa == 0) or (gpa % PAGE_SIZE == 0 and size != PAGE_SIZE)),
                  "INVALID_PARAM exactly for gpa 0, or an aligned gpa with a size other than 4 KiB (ACE's order)")
@icontract.ensure(lambda result: result >= 0 or result in (abi.INVALID_PARAM, abi.INVALID_ADDRESS),
                  "any other refusal is INVALID_ADDRESS")
def guest_address_decoding(gpa: int, size: int) -> int:
    """A (gpa, size) request decodes to its guest page exactly when it is aligned, non-zero,
    inside guest memory and one page long; otherwise to ACE's error for it
    (`share_page_request.rs`, `unshare_page_request.rs`)."""
    return abi.guest_page(gpa, size)


@obligation(Layers.RISCV, "trap_cause", Kind.ENCODING)
@icontract.require(lambda scause: trap.csr_value(scause), "a 64-bit scause value")
@icontract.ensure(lambda scause, result: result == abi.exit_kind(scause), "decode_exit(scause) == the reference's exit kind")
def trap_cause_decoding(scause: int) -> int:
    """Every value scause can hold decodes (interrupt bit 63, then the exception code) to the
    exit kind of the reference's declassification table, or to no exit."""
    return trap.decode_exit(scause)


@obligation(Layers.RISCV, "store_source", Kind.ENCODING)
@icontract.ensure(lambda instr, result: result == abi.store_source(instr), "rs2(instr) == the reference's source register")
@icontract.ensure(lambda instr, result: result == (instr >> 20) & 0x1F, "rs2(instr) is bits 24..20 of instr, shifted and masked")
def store_source_decoding(instr: int) -> int:
    """The RISC-V machine's store-source primitive is the rs2 field, bit for bit, and the
    reference's store source register, for every integer the trapped-instruction CSR can hold."""
    return RISCV.trap_store_source(instr)


@obligation(Layers.RISCV, "load_dest", Kind.ENCODING)
@icontract.ensure(lambda instr, result: result == abi.load_dest(instr), "rd(instr) == the reference's destination register")
@icontract.ensure(lambda instr, result: result == (instr >> 7) & 0x1F, "rd(instr) is bits 11..7 of instr, shifted and masked")
def load_dest_decoding(instr: int) -> int:
    """The rd field, bit for bit, is the reference's load destination register, where an MMIO
    load's result goes, for every integer htinst can hold."""
    return RISCV.trap_load_dest(instr)


@obligation(Layers.RISCV, "instr_length", Kind.ENCODING)
@icontract.ensure(lambda instr, result: result == abi.instr_length(instr), "length(instr) == the reference's length")
@icontract.ensure(lambda instr, result: result == (4 if (instr >> 1) & 1 else 2), "4 exactly when bit 1 of instr is set, shifted and masked")
def instr_length_decoding(instr: int) -> int:
    """Bit 1 of the transformed instruction gives the trapped instruction's length, as the
    reference computes it, for every integer htinst can hold."""
    return trap.length(instr)


# ACE's Base answers, written from its handlers (`confidential_flow/handlers/sbi_base_extension/`,
# `non_confidential_flow/handlers/supervisor_binary_interface/probe_sbi_extension.rs`) and the SBI
# v2.0 spec (ch. 4: spec version 2.0 is major 2 in bits 30..24), not from `abi.sbi_base`'s tables.
ACE_GUEST_BASE = {0: 0x2000000, 1: 1, 2: 1, 4: 0, 5: 0, 6: 0}  # FID -> value; 3 is the probe
ACE_GUEST_PROBED = (0x10, 0x735049, 0x52464E43, 0x48534D, 0x53525354, 0x434F5647)  # Base IPI RFNC HSM SRST COVG
ACE_HOST_PROBED = (0x434F5648, 0x4E41434C)  # COVH, NACL


def _ace_guest_base(fid: int, a0: int) -> Tuple[int, int]:
    if fid == 3:
        return abi.SUCCESS, int(any(a0 == e for e in ACE_GUEST_PROBED))
    return abi.SUCCESS, ACE_GUEST_BASE[fid]


@obligation(Layers.CANONICAL, "sbi_base_answers", Kind.ENCODING)
@icontract.require(lambda fid: 0 <= fid <= 6, "a Base FID (the decoder sends no other here)")
@icontract.ensure(lambda fid, a0, result: result[0] == _ace_guest_base(fid, a0), "a CVM gets ACE's answer")
@icontract.ensure(lambda fid, a0, result: result[1] == ((abi.SUCCESS, 1) if fid == 3 and a0 in ACE_HOST_PROBED
                                                        else (abi.INVALID_PARAM, 0)),
                  "the hypervisor's probe finds COVH and NACL; the rest is OpenSBI's (INVALID_PARAM here)")
def sbi_base_answers(fid: int, a0: int) -> Tuple[Tuple[int, int], Tuple[int, int]]:
    """Every Base call a CVM or the hypervisor can make is answered as ACE answers it (the
    monitor's one `abi.sbi_base`, which every layer calls, against ACE's handlers' values)."""
    return abi.sbi_base(fid, a0, True), abi.sbi_base(fid, a0, False)
