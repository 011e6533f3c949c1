"""The coverage table: every call and trap of the reference's ABI, the obligations that cover
it, and their verdicts. A row with no subject is listed as not modelled, so a certifier sees the
gaps as plainly as the proofs."""
from __future__ import annotations

from typing import Any, Dict, List, Tuple

from refinement.results import ObligationResult, Verdict

# (ABI item, obligation subjects that cover it, note)
ABI_ITEMS: Tuple[Tuple[str, Tuple[str, ...], str], ...] = (
    ("COVH TSM_GET_INFO (FID 0)", ("tsm_get_info",),
     "ACE's checks in ACE's order: the buffer's start and end NC addresses (the NC end itself refused), else "
     "INVALID_ADDRESS, then a length under 48 INVALID_PARAM; the end is the true sum (ACE's overflow panics: "
     "finding ace-tsm-info-overflow-panic); the record is one abstract value per NC page it touches"),
    ("COVH PROMOTE_TO_TVM (FID 7)", ("promote_to_tvm", "pt_read_vm", "pt_path_copy", "pt_summary_path", "pt_copy_then", "pt_copy_run", "pt_promote_path", "pt_promote_copy",
                                      "pt_path_pages", "runs_out"),
     "pages copied, then measured; the payload's secret released only if every digest matches (abstract digest, not SHA3); "
     "hgatp.MODE Sv48x4 or Sv57x4, else INVALID_PARAM; the CVM's hgatp word is Sv48x4 with VMID slot + 1 (ACE: the "
     "unmasked id, finding ace-vmid-unmasked); vCPU 0 boots at the entry pc with the NACL area's registers, a0 = 0 and a1 = the device tree's address, all measured; the new id is the largest live id + 1, 0 when none is live (ACE's unique_id); "
     "the model has K CVM slots, a full table answers FAILED (ACE: no limit but memory); "
     "RISC-V: the hypervisor's tables read with ACE's decoding, checks, codes and order over the entries the model's "
     "guest pages use (pt_read_vm: read as the walk of each guest page), then what ACE's copy finds in the others (two inputs: its code, answered after every guest entry's, and the pages it "
     "takes up to its refusal, the CVM's as table pages taken after its data as ACE takes them, their contents not held); "
     "a refusal is answered FAILED where ACE's copy, which takes pages as it reads, runs out of them before it (the pages it takes "
     "along the guest's path before the refusal, counted by the row's reading, pt_path_pages: the walk's count), and a VM that maps no page "
     "once it is copied (pt_path_copy, pt_summary_path, pt_copy_then, pt_copy_run: ACE's whole-tree copy answers FAILED exactly when the pages before its "
     "first refusal do not fit, else the row's code, and takes the row's pages when it succeeds, from any free run at every depth proven, "
     "the run step by step is the summary of its parts by induction on the copy's tree, its cases pt_copy_then's, checked whole by pt_copy_run on tables 2 entries wide at 2 levels and 1 deeper; "
     "pt_promote_path at every depth, pt_promote_copy whole at 2 levels: it maps the same pages, each after the root, the path's tables and the guest's earlier pages); "
     "a huge leaf, its whole span checked in NC at the model's width of G entries (ACE: 512), copied whole as ACE's: one leaf to a block of G "
     "C pages on its boundary, no table below it, FAILED when no such block is free (spec/free_block/allocation), and recorded as the CVM's "
     "(huge: SHARE cannot then map into it, as ACE's); a VM that maps no page INVALID_PARAM (ACE: no device tree)"),
    ("COVH DESTROY_TVM (FID 8)", ("destroy_tvm",), ""),
    ("COVH TVM_VCPU_RUN (FID 15)", ("tvm_vcpu_run",),
     "the answer to the last exit, then the entry, as one step"),
    ("COVH TVM_VCPU_RUN on other physical harts",
     ("other_hart_run", "other_hart_exit", "tvm_vcpu_run", "destroy_tvm", "hart_tlb_clear"),
     "where each vCPU runs: never on two harts at once; a CVM running anywhere cannot be destroyed; "
     "RISC-V: a switch empties that hart's TLB and queue, no other's (hart_tlb_clear); "
     "the other harts' registers and PMP are not modelled"),
    ("The monitor's IPI on another hart: its queued fences run, no exit (ACE's handle_interrupt)",
     ("other_hart_interrupt", "hart_fences_run"),
     "RISC-V: the hart's TLB entries of each CVM with a queued fence go, and only those (hart_fences_run)"),
    ("COVH other FIDs: INVALID_PARAM", ("hypervisor_ecall_other", "sbi_call"),
     "decoded from any a7/a6; ACE answers other COVH and NACL FIDs so too, but hands every other EID of the "
     "hypervisor to OpenSBI, which the model does not have: INVALID_PARAM stands for OpenSBI's answer"),
    ("NACL PROBE_FEATURE (FID 0)", ("nacl_probe_feature",), "SUCCESS, 0: no feature (ACE's nacl_probe_feature.rs)"),
    ("Base probe_extension from the hypervisor (EID 0x10, FID 3)", ("hypervisor_sbi_base", "sbi_base_answers"),
     "1 for COVH and NACL (probe_sbi_extension.rs); ACE hands every other Base call of the hypervisor to OpenSBI, "
     "which the model does not have: INVALID_PARAM there"),
    ("Base extension from a CVM (EID 0x10, FIDs 0-6)", ("sbi_base", "sbi_base_answers", "sbi_call"),
     "answered in the monitor as ACE's sbi_base_extension handlers: spec version 2.0, implementation id and "
     "version 1, probe 1 for Base, IPI, RFENCE, HSM, SRST and COVG; mvendorid, marchid and mimpid are the "
     "platform's constants (0 here, as on QEMU virt)"),
    ("NACL SET_SHMEM (FID 1)", ("nacl_set_shmem",),
     "three pages, wholly in NC (spec invariant); all ones disables; the exit area's bytes are not modelled"),
    ("COVG ADD/REMOVE_MMIO_REGION (FID 0, 1)", ("add_mmio_region", "remove_mmio_region"),
     "ACE's checks in ACE's order (misaligned INVALID_ADDRESS, then base 0 INVALID_PARAM); an empty region is "
     "refused (INVALID_ADDRESS) where ACE accepts it, since a free slot has size 0; region slots per CVM come "
     "from the configuration (ACE: 1024)"),
    ("COVG SHARE_MEMORY (FID 2): request, then completion on the next TVM_VCPU_RUN", ("share_memory", "tvm_vcpu_run"),
     "as ACE's share_page_request.rs and share_page_complete.rs: the request checks in ACE's order (gpa 0 or a size "
     "other than 4 KiB INVALID_PARAM, misaligned INVALID_ADDRESS; a gpa beyond the model's guest memory INVALID_ADDRESS, "
     "where ACE has no bound), is kept as the vCPU's pending request, leaves with (COVG, 2, gpa, size) and maps nothing; "
     "the hypervisor's a0/a1 in the exit area complete it when it next runs the vCPU (a0 not 0 FAILED, a1 not a whole "
     "NC page INVALID_ADDRESS, else mapped shared, a private page there zeroed and freed, the CVM fenced), the result in "
     "the vCPU's a0 with a1 = 0; SRST and DESTROY drop a pending request; in a CVM whose guest pages lie under a "
     "huge leaf, FAILED after the address checks and nothing mapped (ACE's map_page: PageTableConfiguration), so UNSHARE "
     "finds nothing shared and the page stays private; a run on another physical hart does not complete it (the other harts are abstract)"),
    ("COVG UNSHARE_MEMORY (FID 3)", ("unshare_memory",),
     "checks as SHARE; unmapped, then the CVM's translations fenced (hfence.gvma) before the hypervisor is told"),
    ("G-stage TLBs: hardware fill on each hart, fences after share and unshare",
     ("tlb_fill", "tvm_vcpu_run", "unshare_memory", "guest_load", "guest_store"),
     "RISC-V only: a TLB per physical hart, consulted by the running vCPU's loads and stores (a miss walks and "
     "caches); every step keeps each hart's entries the current leaves, or NC pages while a fence is queued for "
     "that hart; a page is freed only once every hart has dropped it"),
    ("COVG ALLOW_EXT_INTERRUPT (FID 4)", ("allow_ext_interrupt",), "lines 0..3 of the mask modelled"),
    ("TVM_VCPU_RUN: the hypervisor's hvip and stimecmp into the vCPU (run_confidential_hart.rs)", ("tvm_vcpu_run",),
     "as ACE: the vCPU's pending lines become the hypervisor's hvip lines the CVM allowed, less VSSIP and VSTIP, and "
     "its vstimecmp the hypervisor's stimecmp + 10; lines 0-3 of the masks are modelled, and the sum is unbounded "
     "(ACE's panics from 2^64 - 10: finding ace-stimecmp-overflow-panic); ACE has no other injection, nor has the model"),
    ("COVG RETRIEVE_SECRET (FID 9)", ("retrieve_secret",),
     "ACE's checks, codes and order; into a private page only; the secret is one 8-byte word (ACE: any length, "
     "and its loop overruns its buffer from 9 bytes, a panic the model cannot reach)"),
    ("HSM hart_start / hart_stop / hart_suspend / hart_get_status",
     ("hart_start", "hart_stop", "hart_suspend", "hart_status", "tvm_vcpu_run"),
     "start as ACE's transition_from_stopped_to_started: a running target (the caller, or on another physical hart) "
     "INVALID_PARAM, one not Stopped ALREADY_AVAILABLE, else it begins at a1 with a0 = its number and a1 = the "
     "opaque a2, no earlier answer awaited; a suspended vCPU resumes on the next TVM_VCPU_RUN as ACE's ResumeHart: "
     "at the suspend call's a1, with a1 = its a2; the suspend type (a0) is ignored, as in ACE, so a retentive "
     "suspend is not honoured either"),
    ("SRST system reset", ("system_reset",),
     "the hypervisor gets the hart back with ACE's request (SRST, 0, 0, 0) and the CVM is removed, as ACE's "
     "remove_confidential_vm once every hart is back: pages zeroed and freed, the id gone"),
    ("IPI send_ipi", ("send_ipi",),
     "marks the named harts of the caller's CVM; as ACE, no mask is refused (bits naming no hart are ignored); "
     "delivery through hvip not modelled"),
    ("RFENCE remote FENCE.I, SFENCE.VMA(.ASID)", ("remote_fence",),
     "FID checked, the mask not (as ACE); FIDs 3-6 (HFENCE) answered SUCCESS with nothing to do, as ACE; the guest's own (VS-stage) translations and instruction fetches are not "
     "modelled, so there is nothing for these fences to flush (the G-stage TLB is the monitor's to fence)"),
    ("Unknown COVG/HSM calls: INVALID_PARAM", ("guest_ecall_other", "sbi_call"), "decoded from any a7/a6"),
    ("Trap: ecall from VS (cause 10): never forwarded", ("vcpu_exit_ecall",),
     "as ACE: guest_ecall answers every call, or leaves with the monitor's own request (HSM stop, suspend, "
     "SRST: the call, a0 = a1 = 0)"),
    ("Trap: guest load page fault (cause 21) in an MMIO region", ("guest_load_fault_mmio", "exit_mmio_load", "trap_cause"),
     "forwarded as an MMIO load request when 8 bytes at the address end strictly inside a region, as ACE "
     "(a fault in a region's last 8 bytes is a page fault); "
     "scause, stval = guest virtual address, htval = guest physical address >> 2, htinst, as ACE"),
    ("Trap: guest store page fault (cause 23) in an MMIO region",
     ("guest_store_fault_mmio", "exit_mmio_store", "trap_cause", "store_source"), "declassifies rs2 only, and the CSRs of the load"),
    ("Trap: guest page fault outside MMIO: fresh zeroed page or access fault",
     ("guest_load_fault_page", "guest_store_fault_page"), ""),
    ("Every exit: the vCPU's vsie and vstimecmp, hvip 0 (expose_enabled_interrupts.rs)",
     ("exit_interrupt", "exit_mmio_load", "exit_mmio_store", "hart_stop", "hart_suspend", "system_reset"),
     "declassified by every row that may exit; TVM_VCPU_RUN writes vstimecmp (above); nothing in the model "
     "writes vsie (the guest's own CSR writes are arbitrary state to the proofs)"),
    ("Trap: interrupt exit", ("exit_interrupt", "trap_cause"), "shows only that it is an interrupt (scause bit 63, as ACE's handle_interrupt.rs; ACE's low bits are the hypervisor's own scause, which the model does not keep: 0 here)"),
    ("Trap: virtual instruction (WFI, cause 22)", ("wfi", "trap_cause"),
     "handled in the monitor with no exit, as ACE handles WFI, for any instruction; ACE panics on any other "
     "(finding ace-panic-on-virtual-instruction)"),
    ("Trap: any other cause: the CVM shuts down", ("vcpu_shutdown", "trap_cause"),
     "as ACE's route_trap_from_confidential_hart: ShutdownRequest, the request (SRST, SYSTEM_RESET, 0, 0) whatever "
     "the vCPU's registers hold, and the CVM removed"),
    ("Monitor panic (core/panic.rs): the halted monitor", ("halt",),
     "no row halts (the secure monitor never panics; the spec invariant says it runs, so a halted monitor takes no "
     "step); a halt zeroes C memory and with it every CVM and the monitor's data, keeps the hypervisor's own state, "
     "and depends on no CVM's data; the findings ace-panic-on-* reach it; ACE's handler does not yet halt the other "
     "harts (its TODO), which the model's other harts, being abstract, cannot show"),
    ("Hypervisor memory accesses (PMP)", ("hypervisor_read", "hypervisor_write"), ""),
    ("Answer to an exit: hypervisor to CVM on TVM_VCPU_RUN", ("nacl_write", "tvm_vcpu_run", "load_dest", "instr_length"),
     "as ACE's ResumableOperation: nothing after the monitor's own SBI request (the caller left answered (0, 0)), "
     "the completion's result after SHARE, rd after an MMIO load; the pc past the ecall or trapped instruction; "
     "the hypervisor's values read from the NACL GPR slots"),
)


def coverage_rows(results: List[ObligationResult]) -> List[Dict[str, Any]]:
    """One row per ABI item: its obligations, how many are proven, and the note."""
    rows = []
    for item, subjects, note in ABI_ITEMS:
        chosen = [r for r in results if r.id.split("/")[1] in subjects]
        rows.append({"item": item, "obligations": [r.id for r in chosen], "total": len(chosen),
                     "proven": sum(r.verdict is Verdict.PROVEN for r in chosen),
                     "modelled": bool(subjects), "note": note})
    return rows


def coverage_status(row: Dict[str, Any]) -> str:
    if not row["modelled"]:
        return "not modelled"
    if row["total"] == 0:
        return "not run"
    return "PROVEN" if row["proven"] == row["total"] else f"{row['total'] - row['proven']} not proven"
