"""Numbers of the public ACE / SBI ABI shared by every layer (the ABI is part of the spec)."""
from __future__ import annotations

from typing import Tuple

from abstract.config import G, NC, NTRAP_CSRS, PAGE_SIZE
from abstract.logic import all_of, any_of, keep, lnot, reused

# SBI error codes.
SUCCESS = 0
FAILED = -1
NOT_SUPPORTED = -2  # exists in SBI, never returned by ACE
INVALID_PARAM = -3
INVALID_ADDRESS = -5
ALREADY_AVAILABLE = -6

# Outcome of a memory access or a guest page fault (not an SBI code).
ACCESS_OK = 0
ACCESS_FAULT = 1

# Extension and function ids.
EID_COVH = 0x434F5648
EID_COVG = 0x434F5647
EID_NACL = 0x4E41434C
EID_HSM = 0x48534D
EID_IPI = 0x735049
EID_RFENCE = 0x52464E43
EID_SRST = 0x53525354
EID_BASE = 0x10

COVH_TSM_GET_INFO = 0
COVH_PROMOTE_TO_TVM = 7
COVH_DESTROY_TVM = 8
COVH_TVM_VCPU_RUN = 15

COVG_ADD_MMIO_REGION = 0
COVG_REMOVE_MMIO_REGION = 1
COVG_SHARE_MEMORY = 2
COVG_UNSHARE_MEMORY = 3
COVG_ALLOW_EXT_INTERRUPT = 4
COVG_RETRIEVE_SECRET = 9

# The calls the monitor handles, by (EID, FID): the SBI and CoVE numbers above. Every layer
# decodes a7/a6 with `decode_call`; UNKNOWN is answered with INVALID_PARAM.
UNKNOWN = 0
CALL_PROMOTE_TO_TVM = 1
CALL_DESTROY_TVM = 2
CALL_TVM_VCPU_RUN = 3
CALL_SHARE_MEMORY = 4
CALL_UNSHARE_MEMORY = 5
CALL_HART_START = 6
CALL_HART_STOP = 7
CALL_HART_STATUS = 8
CALL_HART_SUSPEND = 9
CALL_TSM_GET_INFO = 10
CALL_SYSTEM_RESET = 11
CALL_ADD_MMIO_REGION = 12
CALL_REMOVE_MMIO_REGION = 13
CALL_ALLOW_EXT_INTERRUPT = 14
CALL_SEND_IPI = 15
CALL_REMOTE_FENCE = 16
CALL_RETRIEVE_SECRET = 17
CALL_NACL_SET_SHMEM = 18
CALL_SBI_BASE = 19          # the SBI Base extension: any of its FIDs 0..6
CALL_NACL_PROBE_FEATURE = 20


# Result registers of the calling convention, as indices into the x1..x31 tuple.
A0 = 9   # x10
A1 = 10  # x11
A2 = 11  # x12
A6 = 15  # x16
A7 = 16  # x17

# Trap causes (scause) that end in an exit to the hypervisor; interrupts have the top bit set.
CAUSE_ECALL_VS = 10
CAUSE_LOAD_GUEST_PAGE_FAULT = 21
CAUSE_VIRTUAL_INSTRUCTION = 22
CAUSE_STORE_GUEST_PAGE_FAULT = 23
INTERRUPT = 1 << 63

# Kinds of exit to the hypervisor, each with its own declassification.
EXIT_NONE = 0        # the trap is handled inside the monitor: no exit
EXIT_SBI = 1         # the monitor's own SBI request to the hypervisor (ACE's `SbiRequest`)
EXIT_MMIO_LOAD = 2
EXIT_MMIO_STORE = 3
EXIT_INTERRUPT = 4
EXIT_WFI = 5         # a virtual-instruction trap (WFI): handled in the monitor, no exit (as ACE)
MMIO_ACCESS = 8  # bytes an MMIO fault must fit, region end excluded (ACE's `contains(fault_address, 8)`)
WFI_INSTRUCTION = 0x10500073  # what mtval holds after a virtual-instruction trap on WFI

# What an SBI request to the hypervisor shows: the EID, FID and two arguments (the monitor's).
SBI_FORWARDED = (A7, A6, A0, A1)


HTINST = 3  # the exit CSR record: (scause, stval, htval, htinst)


def trap_csrs(kind: int, cause: int, gpa: int, instr: int, gva: int) -> Tuple[int, ...]:
    """(scause, stval, htval, htinst) an exit of `kind` for `cause` shows the hypervisor:
    - MMIO load or store, as ACE's `mmio_load_request.rs` / `mmio_store_request.rs` write them:
      the cause, the guest *virtual* address (mtval), the guest physical address >> 2 (mtval2),
      the transformed instruction (mtinst);
    - interrupt: only bit 63. ACE (`handle_interrupt.rs`) sets that bit in the hypervisor's own
      scause and copies nothing of the interrupt; the model keeps no hypervisor scause, so the
      low bits are 0 here;
    - the monitor's SBI request: its cause."""
    if (kind == EXIT_MMIO_LOAD) | (kind == EXIT_MMIO_STORE):
        return cause, gva, gpa // 4, instr
    return (INTERRUPT if kind == EXIT_INTERRUPT else cause,) + (0,) * (NTRAP_CSRS - 1)


def exit_kind(cause: int) -> int:
    """The kind of exit a trap cause leads to (the reference's declassification table)."""
    if cause >= INTERRUPT:
        return EXIT_INTERRUPT
    if cause == CAUSE_ECALL_VS:
        return EXIT_SBI
    if cause == CAUSE_LOAD_GUEST_PAGE_FAULT:
        return EXIT_MMIO_LOAD
    if cause == CAUSE_STORE_GUEST_PAGE_FAULT:
        return EXIT_MMIO_STORE
    if cause == CAUSE_VIRTUAL_INSTRUCTION:
        return EXIT_WFI
    return EXIT_NONE


def store_source(instr: int) -> int:
    """The source register number (x0..x31) of a trapped store: the rs2 field, bits 24..20 of
    the RISC-V S-type encoding. Arithmetic rather than masks keeps CrossHair off bit-vectors."""
    return (instr // (1 << 20)) % 32

def load_dest(instr: int) -> int:
    """The destination register number (x0..x31) of a trapped load: the rd field, bits 11..7.
    `instr` is the transformed instruction of htinst, where a compressed load is already in its
    32-bit form, so one field serves both."""
    return (instr // (1 << 7)) % 32


def instr_length(instr: int) -> int:
    """Bytes the trapped instruction occupies, from htinst's transformed form: bit 1 is 1 for a
    32-bit instruction and 0 for a compressed one (the privileged spec's convention)."""
    return 2 + 2 * ((instr // 2) % 2)


ECALL_LENGTH = 4  # ecall and wfi are never compressed


# Attestation: digest slots in a PROMOTE payload, and the secret a CVM may retrieve.
ATTEST_DIGESTS = 2
SECRET_LEN = 8            # bytes; the model's secret is one abstract value
SECRET_ALIGN = 8
SECRET_MAX_BUFFER = 4096


# The hypervisor's VM as PROMOTE reads it, one value per guest page: the NC page its translation
# reaches, or one of these two (ACE's `PageTableEntry::deserialize`: an entry not mapped; a
# pointer where only a leaf may be, ACE's PageTableCorrupted). A value outside NC that is neither
# is a translation that leaves NC.
VM_UNMAPPED = -1
VM_MALFORMED = -2


def vm_refused(vm: Tuple[int, ...]) -> int:
    """PROMOTE's answer to the VM's map, guest page by guest page in order, as ACE's copy reads
    the entries: the first malformed page INVALID_PARAM, the first mapped page outside NC
    INVALID_ADDRESS; SUCCESS if there is neither."""
    code, failed = SUCCESS, False
    for page in vm:  # branch-free: a fork per page multiplied the paths of every PROMOTE proof
        malformed = page == VM_MALFORMED
        outside = (page != VM_UNMAPPED) & lnot(malformed) & ((page < 0) | (page >= NC))
        first = lnot(failed) & (malformed | outside)
        code = code + keep(INVALID_PARAM, first & malformed) + keep(INVALID_ADDRESS, first & outside)
        failed = failed | malformed | outside
    return code


def runs_out(pages: int, root: bool, rest: bool) -> bool:
    """ACE's copy of the hypervisor's tables runs out of C pages before it has taken `pages`
    (a count the tables decide; none if it is not positive), as it acquires them one by one:
    first its 16 KiB root, a block of ROOT_PAGES on its boundary (`root`: one is free), then
    single pages (`rest`: pages - ROOT_PAGES more are free besides it). PROMOTE answers FAILED then,
    whatever entry it would have refused after them (ACE's error precedence)."""
    return (pages > 0) & lnot(root & rest)


def off_path_pages(extra: int) -> int:
    """The pages PROMOTE takes for the hypervisor's entries no guest page uses (ACE's copy
    follows them too), given as `extra`: a count, so a negative one is none."""
    return keep(extra, extra > 0)


def vm_mapped(vm: Tuple[int, ...]) -> Tuple[bool, ...]:
    """Which guest pages the VM maps (of a map `vm_refused` accepts)."""
    return tuple(page != VM_UNMAPPED for page in vm)


def vm_decoded(vm: Tuple[int, ...], huge: bool, reach: int) -> Tuple[int, Tuple[int, ...], bool, int]:
    """How a machine that receives the hypervisor's VM as a map reads it for PROMOTE: the
    answer to the map (`vm_refused`), the map, whether one huge leaf maps the VM (a leaf maps
    every page of its span: a VM with an unmapped page lies under none), and the pages the copy
    takes along the guest's path (a count: a negative one is none)."""
    return vm_refused(vm), vm, huge & all_of(vm_mapped(vm)), keep(reach, reach > 0)


def vm_image(mapped: Tuple[bool, ...], copies: Tuple[int, ...], boot: Tuple[int, ...], pc: int) -> Tuple[int, ...]:
    """What PROMOTE measures of the VM it copied: which guest pages are mapped, each one's
    contents in guest order (0 for an unmapped page), then the boot hart's registers and pc
    (ACE's `ConfidentialHart::measure`)."""
    return tuple(keep(1, m) for m in mapped) + tuple(copies) + tuple(boot) + (pc,)


def with_hart_args(regs: Tuple[int, ...], hart: int, arg: int) -> Tuple[int, ...]:
    """`regs` with a0 = the hart's number and a1 = `arg`, as a hart starts: HSM hart_start's
    opaque argument, or at PROMOTE the device tree's address for the boot hart."""
    return regs[:A0] + (hart, arg) + regs[A1 + 1:]


def measure(values: tuple) -> int:
    """The measurement of page contents in guest order. ACE uses SHA3-384; the model's digest
    is a fixed linear combination (cheap for the solver). It may collide, which can only make
    an attestation pass that SHA3 would fail: no obligation relies on collision resistance."""
    return sum((g + 1) * v for g, v in enumerate(values)) + len(values)


def attested(measurement: int, ndigests: int, digests: tuple) -> bool:
    """The payload's first `ndigests` digests (1..ATTEST_DIGESTS) all equal the measurement;
    an empty or oversized list attests nothing."""
    named = (ndigests >= 1) & (ndigests <= ATTEST_DIGESTS)
    return named & all_of((j >= ndigests) | (digests[j] == measurement) for j in range(ATTEST_DIGESTS))


# IPI and RFENCE function ids a CVM may call. A CVM has no H extension, so the HFENCE variants
# (3-6) have nothing to fence; ACE answers them SUCCESS without doing anything (`NoOperation`).
IPI_SEND_IPI = 0
RFENCE_FENCE_I = 0
RFENCE_SFENCE_VMA = 1
RFENCE_SFENCE_VMA_ASID = 2
RFENCE_HFENCES = (3, 4, 5, 6)  # HFENCE.GVMA with VMID, HFENCE.GVMA, HFENCE.VVMA with ASID, HFENCE.VVMA
RFENCE_FIDS = (RFENCE_FENCE_I, RFENCE_SFENCE_VMA, RFENCE_SFENCE_VMA_ASID) + RFENCE_HFENCES
HART_MASK_ALL = -1       # hart_mask_base = -1: every hart, the mask ignored ...
HART_MASK_ALL_XLEN = 2 ** 64 - 1  # ... as the register holds it


# TVM_VCPU_RUN (ACE's RunConfidentialHart::declassify_to_confidential_hart): the vCPU's timer is
# the hypervisor's stimecmp plus a delay against single-stepping ("TODO: generate random number"
# in ACE: a constant 10), and its hvip the hypervisor's, less VSSIP and VSTIP, masked by what
# the CVM allowed. Interrupt lines are hvip bits; VSSIP is bit 2 and VSTIP bit 6.
RUN_TIMER_DELAY = 10
HVIP_VSSIP, HVIP_VSTIP = 2, 6


def hvip_line(hvip: int, line: int) -> bool:
    """Does the hypervisor's hvip ask TVM_VCPU_RUN to raise `line` (concrete) in the vCPU? The
    remainder first: CrossHair forks `x // y` on the sign of x, and hvip is any value."""
    return (line != HVIP_VSSIP) & (line != HVIP_VSTIP) & (hvip % (1 << (line + 1)) >= 1 << line)


def hart_mask(mask: int, base: int, harts: int) -> tuple:
    """The harts of the caller's VM (`harts` of them) an SBI hart mask names: hart h when bit
    h - base is set, every hart when base is -1. As ACE (`Ipi::is_hart_selected`), no mask is
    refused: a bit naming a hart the VM does not have names nothing. Bits are read by division
    by constants."""
    every = (base == HART_MASK_ALL) | (base == HART_MASK_ALL_XLEN)
    return tuple(
        every | any_of((base == b) & ((mask // (1 << (h - b))) % 2 == 1) for b in range(h + 1))
        for h in range(harts)
    )


# HSM (hart state management) function ids, and the SBI's hart status values.
HSM_HART_START = 0
HSM_HART_STOP = 1
HSM_HART_GET_STATUS = 2
HSM_HART_SUSPEND = 3
HSM_STATUS_STARTED = 0
HSM_STATUS_STOPPED = 1
HSM_STATUS_SUSPENDED = 4

# TSM_GET_INFO: the record the monitor writes (state, implementation id, version, capabilities,
# max vCPUs), as one abstract value per page it touches, and its size in bytes.
TSM_INFO_SIZE = 48
TSM_INFO_WORD = 0x5453_4D01  # "TSM", state ready: page contents are abstract values

# The hgatp.MODE of the VM PROMOTE_TO_TVM takes over: only these two are accepted.
GSTAGE_SV48X4 = 9
GSTAGE_SV57X4 = 10


# NACL (SBI nested acceleration): the hypervisor hands the monitor the shared memory of the
# calling hart with SET_SHMEM(lo, hi, flags); all-ones in lo and hi disables it. Its size on
# RV64 is 4096 + 1024 * XLEN/8 bytes, i.e. three pages, 4 KiB aligned.
NACL_PROBE_FEATURE = 0
NACL_SET_SHMEM = 1
NACL_SHMEM_PAGES = 3
NACL_NONE = -1            # no shared memory set up (the monitor's record)


def all_ones(value: int) -> bool:
    """A register that holds -1, however the model writes it (signed or XLEN-wide)."""
    return (value == -1) | (value == 2 ** 64 - 1)


# SRST (system reset) function id.
SRST_SYSTEM_RESET = 0


# SBI Base extension (SBI v2.0 ch. 4): FIDs 0..6 are get_spec_version, get_impl_id,
# get_impl_version, probe_extension, get_mvendorid, get_marchid, get_mimpid.
BASE_FIDS = tuple(range(7))
BASE_PROBE_EXTENSION = 3
SBI_SPEC_VERSION = 2 << 24   # SBI v2.0: major in bits 30..24, minor 0 (`get_spec_version.rs`)
IMPL_ID = 1                  # ACE's get_impl_id.rs and get_impl_version.rs answer 1
IMPL_VERSION = 1
MACHINE_IDS = (0, 0, 0)      # mvendorid, marchid, mimpid: the platform's constants (0 on QEMU virt)
# What a probe answers 1 for: a CVM's extensions (`extension_probe.rs`), the hypervisor's
# (`probe_sbi_extension.rs`: ACE hands every other probe of the hypervisor to OpenSBI).
GUEST_EXTENSIONS = (EID_BASE, EID_IPI, EID_RFENCE, EID_HSM, EID_SRST, EID_COVG)
HOST_EXTENSIONS = (EID_COVH, EID_NACL)


def sbi_base(fid: int, a0: int, guest: bool) -> Tuple[int, int]:
    """The answer to a Base call (FID `fid`, a0 the probed extension). A CVM gets every FID
    answered in the monitor, as ACE's `sbi_base_extension` handlers do. The hypervisor gets a
    probe of COVH or NACL answered 1; ACE hands all its other Base calls to OpenSBI, which the
    model does not have, so they are INVALID_PARAM here (a deliberate difference, in coverage)."""
    probed = any_of(a0 == e for e in (GUEST_EXTENSIONS if guest else HOST_EXTENSIONS))
    if not guest:
        if (fid == BASE_PROBE_EXTENSION) & probed:
            return SUCCESS, 1
        return INVALID_PARAM, 0
    answers = (SBI_SPEC_VERSION, IMPL_ID, IMPL_VERSION, keep(1, probed)) + MACHINE_IDS
    return SUCCESS, sum(keep(v, fid == f) for f, v in zip(BASE_FIDS, answers))


# (EID, FID) -> call. The hypervisor's entry carries COVH and NACL, a CVM's entry the rest.
CALLS = {
    (EID_COVH, COVH_TSM_GET_INFO): CALL_TSM_GET_INFO,
    (EID_COVH, COVH_PROMOTE_TO_TVM): CALL_PROMOTE_TO_TVM,
    (EID_COVH, COVH_DESTROY_TVM): CALL_DESTROY_TVM,
    (EID_COVH, COVH_TVM_VCPU_RUN): CALL_TVM_VCPU_RUN,
    (EID_NACL, NACL_SET_SHMEM): CALL_NACL_SET_SHMEM,
    (EID_COVG, COVG_ADD_MMIO_REGION): CALL_ADD_MMIO_REGION,
    (EID_COVG, COVG_REMOVE_MMIO_REGION): CALL_REMOVE_MMIO_REGION,
    (EID_COVG, COVG_SHARE_MEMORY): CALL_SHARE_MEMORY,
    (EID_COVG, COVG_UNSHARE_MEMORY): CALL_UNSHARE_MEMORY,
    (EID_COVG, COVG_ALLOW_EXT_INTERRUPT): CALL_ALLOW_EXT_INTERRUPT,
    (EID_COVG, COVG_RETRIEVE_SECRET): CALL_RETRIEVE_SECRET,
    (EID_HSM, HSM_HART_START): CALL_HART_START,
    (EID_HSM, HSM_HART_STOP): CALL_HART_STOP,
    (EID_HSM, HSM_HART_GET_STATUS): CALL_HART_STATUS,
    (EID_HSM, HSM_HART_SUSPEND): CALL_HART_SUSPEND,
    (EID_SRST, SRST_SYSTEM_RESET): CALL_SYSTEM_RESET,
    (EID_IPI, IPI_SEND_IPI): CALL_SEND_IPI,
    **{(EID_RFENCE, fid): CALL_REMOTE_FENCE for fid in RFENCE_FIDS},
    **{(EID_BASE, fid): CALL_SBI_BASE for fid in BASE_FIDS},
    (EID_NACL, NACL_PROBE_FEATURE): CALL_NACL_PROBE_FEATURE,
}
# The calls ACE completes with a request to the hypervisor (`ResumableOperation::SbiRequest`):
# on success the caller is answered (SUCCESS, 0), as ACE does when it resumes, and leaves with
# (EID, FID, a0, a1), the arguments past the count given here zeroed (HART_START: the hart;
# ALLOW_EXT_INTERRUPT: the mask). A refused call is answered without an exit. SHARE_MEMORY's
# request (`ResumableOperation::SharePage`) is answered instead when the hypervisor's reply
# completes it, on the next TVM_VCPU_RUN.
REQUEST_ARGS = {CALL_ADD_MMIO_REGION: 2, CALL_REMOVE_MMIO_REGION: 2, CALL_SHARE_MEMORY: 2, CALL_UNSHARE_MEMORY: 2,
                CALL_ALLOW_EXT_INTERRUPT: 1, CALL_HART_START: 1}


def request_args(call: int, a0: int, a1: int) -> Tuple[int, int, bool]:
    """(a0, a1) of the request that completes `call`, and whether it has one. Branch-free in
    the (symbolic) call: at most one term of each sum is not zero."""
    n = sum(keep(count, call == c) for c, count in REQUEST_ARGS.items())
    return keep(a0, n >= 1), keep(a1, n >= 2), n > 0


# The calls each entry handles; any other is INVALID_PARAM. The Base extension is on both.
HYPERVISOR_CALLS = (CALL_TSM_GET_INFO, CALL_PROMOTE_TO_TVM, CALL_DESTROY_TVM, CALL_TVM_VCPU_RUN, CALL_NACL_SET_SHMEM,
                    CALL_SBI_BASE, CALL_NACL_PROBE_FEATURE)
GUEST_CALLS = (CALL_ADD_MMIO_REGION, CALL_REMOVE_MMIO_REGION, CALL_SHARE_MEMORY, CALL_UNSHARE_MEMORY,
               CALL_ALLOW_EXT_INTERRUPT, CALL_RETRIEVE_SECRET, CALL_HART_START, CALL_HART_STOP, CALL_HART_STATUS,
               CALL_HART_SUSPEND, CALL_SYSTEM_RESET, CALL_SEND_IPI, CALL_REMOTE_FENCE, CALL_SBI_BASE)


@reused
def decode_call(eid: int, fid: int) -> int:
    """The call named by a7 = eid, a6 = fid, or UNKNOWN; compares with constants only. The
    (eid, fid) pairs are distinct, so at most one term is not zero; summing them decodes
    without forking once per known call. Each distinct eid and fid is compared once (a third
    fewer symbolic operations than comparing both per call: the guest calls' confidentiality
    obligations decode on every path)."""
    is_eid = {e: eid == e for e in sorted({e for e, _ in CALLS})}
    is_fid = {f: fid == f for f in sorted({f for _, f in CALLS})}
    return sum(keep(call, is_eid[e] & is_fid[f]) for (e, f), call in CALLS.items())


def guest_page(gpa: int, size: int) -> int:
    """The guest page a COVG SHARE/UNSHARE_MEMORY request (gpa, size) names, or the error ACE
    answers (negative), in ACE's order (`share_page_request.rs`, `unshare_page_request.rs`):
    INVALID_PARAM for gpa 0, INVALID_ADDRESS if it is not 4 KiB aligned, INVALID_PARAM for a
    size other than 4 KiB. The model's guest memory is G pages, so a gpa beyond it (ACE has no
    bound) is INVALID_ADDRESS as well. `canonical/guest_address/encoding` proves it so."""
    if gpa == 0:
        return INVALID_PARAM
    if gpa % PAGE_SIZE != 0:
        return INVALID_ADDRESS
    if size != PAGE_SIZE:
        return INVALID_PARAM
    if (gpa < 0) | (gpa >= G * PAGE_SIZE):
        return INVALID_ADDRESS
    return gpa // PAGE_SIZE


def in_nc(addr: int) -> bool:
    """Is byte address `addr` in NC memory, the pages below the first C page (ACE's
    `NonConfidentialMemoryAddress::new`: the NC end itself is not)?"""
    return (0 <= addr) & (addr < NC * PAGE_SIZE)


def requested_page(request: int) -> int:
    """The guest page a vCPU's pending SHARE request names (kept as the page + 1, 0 for none), or
    -1 when it names none: only a page `guest_page` can give (1..G-1, gpa 0 being refused), as
    ACE's completion checks the request's address again (`ConfidentialVmPhysicalAddress::new`)."""
    page = request - 1
    return keep(page + 1, (1 <= page) & (page < G)) - 1


def sbi_request(regs: tuple, eid: int, fid: int, arg0: int, arg1: int) -> tuple:
    """A register file x1..x31 carrying the SBI call (eid, fid) with arguments arg0, arg1."""
    return sbi_answer(regs[:A6] + (fid, eid) + regs[A7 + 1:], (arg0, arg1))


def sbi_answer(regs: tuple, result: tuple) -> tuple:
    """A register file x1..x31 after an SBI call returns (error, value) in a0, a1."""
    return regs[:A0] + (result[0], result[1]) + regs[A1 + 1:]
