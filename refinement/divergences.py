"""The model against ACE b64f6c8, row by row of the audit (`ace-audit.md`, "call by call"): for
each divergence the audit found, whether it is gone (the model now does as ACE, and the rows
named prove it), deliberate (the model differs on purpose, and says why), a finding (ACE is
weaker than the model: `refinement/findings.py` refutes ACE's behaviour) or open (still to do,
and where). The reports print this table beside the ABI coverage table, so a certifier sees every
difference from the code the model describes.
"""
from __future__ import annotations

from typing import Any, Dict, List, Tuple

GONE, DELIBERATE, FINDING, OPEN = "as ACE", "deliberate", "finding", "open"
STATUSES = (GONE, DELIBERATE, FINDING, OPEN)

# (audit row, status, what the model does now and why, obligation subjects or finding names)
DIVERGENCES: Tuple[Tuple[str, str, str, Tuple[str, ...]], ...] = (
    ("COVH TSM_GET_INFO: checks", GONE,
     "ACE's order (both addresses in NC, the NC end refused, then the length); the misaligned M-mode store is not "
     "modelled (page contents are abstract); ACE's end sum panics on overflow (ace-tsm-info-overflow-panic)",
     ("tsm_get_info", "ace-tsm-info-overflow-panic")),
    ("COVH PROMOTE_TO_TVM: entry", DELIBERATE,
     "reached through the hypervisor's ecall with the entry pc in a2; on RISC-V the VM arrives as its G-stage "
     "tables (hv_tables; the entries are step inputs, as a page's contents are one abstract value), with hgatp's "
     "MODE and root as inputs rather than read from the hypervisor's hgatp CSR (it writes that register freely, so "
     "the values are the same; decoding the word doubled the paths of PROMOTE's RISC-V proofs and took the "
     "invariant at 5 levels past its time limit); the device tree is not parsed (its address only reaches the boot "
     "hart's a1), the TAP address is unread (the payload is the step's input), and a VM that maps no page stands "
     "in for ACE's missing device tree (INVALID_PARAM)",
     ("promote_to_tvm",)),
    ("PROMOTE: copying the hypervisor's tables", DELIBERATE,
     "the RISC-V row reads the hypervisor's tables as ACE's copy does (hv_tables.read_vm: the 16 KiB root in NC, "
     "ACE's decoding of V and R/W/X (riscv/hv_entry/encoding: every flag byte), a pointer's address checked before its level, PageTableCorrupted for a pointer "
     "at the last level, a huge leaf's whole span in NC, the tables read G entries wide), over the entries the model's guest pages use (entry 0 "
     "above the last level, the last table's first G), and riscv/pt_read_vm/simulation proves that "
     "reading, as the map the row's input abstraction hands the canonical layer (hv_tables.as_map), the walk of each guest page (hv_tables.vm_of), itself the whole-tree "
     "walk of any tables in NC pages holding those entries (pt_hv_reading, at any depth). The entries no guest page uses reach "
     "the row as two inputs, what ACE's copy finds there: its code and the pages it takes (pagetable.off_path, hv_tables.read_off_path); "
     "their refusal is answered after every guest entry's, as ACE visits them last, and their pages are the CVM's, as table pages, on every layer "
     "(the spec's and canonical inputs off and extra). On any tables the NC pages hold, ACE's whole-tree "
     "copy answers what the row answers from its reading and those two inputs, FAILED exactly where it runs out of pages before its first "
     "refusal (see error precedence), and takes the row's pages when it succeeds, from any free run, at every depth proven (2 to 5 "
     "levels in CI): the copy is run as parts, each summarised by its code and the pages it takes up to that code, and two parts run "
     "in turn answer as their summary run once (riscv/pt_copy_then/entry, at any depth, width and free run); the copy run step by "
     "step is the summary of its parts in the same order, at any depth and width, by induction on the copy's tree: the run folds the "
     "steps the summary's own recursion logs (pagetable.copy_steps), and every case is pt_copy_then's (two parts in turn, a part gated "
     "under a pointer as its table is, a part not reached); riscv/pt_copy_run/lift checks it whole from a free run of up to 8 pages, on "
     "tables 2 entries wide at 2 levels and 1 deeper, and tests/test_pagetable.py at the row's width of G entries; and that "
     "summary, told along the guest's path with each path table's entries off the path given (riscv/pt_summary_path/simulation at "
     "every depth; the tables off_path folds are the reading's, riscv/pt_path_tables/simulation), is the "
     "row's answer (riscv/pt_path_copy/simulation). At 2 levels the whole is proven at once too "
     "(pt_copy_summary). A copy that succeeds maps each guest page to a "
     "fresh copy of the page the row maps, the page after the root, the path's tables and the guest's earlier pages, so that the pages "
     "off the path come after the data, where the row takes them (riscv/pt_promote_path/simulation at every depth, the entries off "
     "the path as parts that write nothing, what they write tested to change nothing on the path, and pt_promote_copy whole at 2 "
     "levels). Differences kept: the copies of the tables and leaves off the guest's path "
     "take their pages but their contents are not held, and no obligation could see them if they were: no walk of the model's guest "
     "pages reads an entry off their path (pt_hv_reading: on any tables, the whole-tree walk is the path's reading), and no step reads "
     "what a CVM's table pages hold (spec/<row>/unread, every row, and through the squares every layer as far as the "
     "abstractions keep, which is all but the RISC-V-only fields; seeded fault 39), "
     "and they are taken last, after the data and a huge leaf's block, as ACE's depth-first copy takes them (which free pages is the "
     "model's choice, as for the root); ACE's tables are 512 entries wide, so a "
     "huge leaf's span is 512^(l-1) pages where the model's is G^(l-1), and from 3 levels the configuration keeps NC below G^2 "
     "pages, so the model's hypervisor never maps its guest with a leaf wider than the guest; the CVM's tables are a chain along its guest's path "
     "(a 16 KiB root on its boundary as ACE's, then one page per lower level, one table per level of the hypervisor's), "
     "and a huge leaf is copied whole as ACE copies it: the chain stops at a leaf to one block of G C pages on its span's boundary "
     "(concrete/riscv/cvm_tables.py: ptr_rwx; the spec's free_block and the canonical allocate_block), with no table below it "
     "(owners_ok counts the leaf in that table's place); the CVM records it "
     "(huge, set by the row from ACE's reading, the lift's hv_tables.leaf_above_last), so SHARE answers under it as ACE's (see SHARE's "
     "completion), and every guest page stays a private page under it (the spec invariant's huge_ok), so no page fault arises there, as in ACE. "
     "Which free block the allocator picks is the model's choice (the lowest), as for the root. ACE's "
     "whole-tree copy is written apart (concrete/riscv/pagetable.py) and proven per level at any level and width "
     "(pt_walk_level) and whole for confinement and translation (pt_copy); ACE keeps a partial copy on error "
     "(finding ace-promote-leaks-partial-copy). The row runs the copy as that proven summary, not step by step: the whole "
     "copy unrolled at the row's width was one solver query of about 30 s at 2 levels (the former pt_off_path; "
     "docs/design-notes.md), and the CVM's tables as general trees in the RISC-V state made the squares that read them "
     "2.3 times slower on the chain alone, with nothing more for an obligation to see",
     ("promote_to_tvm", "hv_entry", "pt_read_vm", "pt_hv_reading", "pt_copy_then", "pt_copy_run", "pt_path_copy",
      "pt_copy_summary", "pt_summary_path", "pt_path_tables", "pt_promote_path", "pt_promote_copy", "pt_walk_level", "pt_entry", "pt_copy", "cvm_walk",
      "walk", "ace-promote-leaks-partial-copy")),
    ("PROMOTE: hgatp / VMID", FINDING,
     "the CVM's word is Sv48x4 with a bounded VMID (slot + 1); ACE's unmasked id reaches MODE (ace-vmid-unmasked); "
     "the hypervisor's mode is not kept, and the CVM's walk reads `levels` levels whatever MODE says "
     "(Sv48x4's four with --levels 4)",
     ("ace-vmid-unmasked", "hgatp_word")),
    ("PROMOTE: measurement / attestation", DELIBERATE,
     "an abstract digest of the map, the copied pages in guest order and the boot hart's registers and pc stands "
     "for SHA3-384 PCRs; what the proofs need is that "
     "the secret is released only on a match, which holds of any digest", ("promote_to_tvm", "retrieve_secret")),
    ("PROMOTE: FDT and vCPU count", DELIBERATE,
     "the vCPU count is the configuration's H (every proof quantifies over all H vCPUs); the FDT is not parsed",
     ()),
    ("PROMOTE: boot state", DELIBERATE,
     "vCPU 0 boots as ACE's from_vm_hart has it: at the entry pc (a2), with the registers the hypervisor left in "
     "the NACL area, a0 = 0 and a1 = the device tree's address (its a0), and the measurement covers them and the "
     "pc; the VS CSRs ACE also takes from the NACL area are not modelled, except vsie, which starts at 0",
     ("promote_to_tvm",)),
    ("PROMOTE: error precedence", DELIBERATE,
     "ACE fails on its 2 MiB scratch page before checking the mode; the model has no scratch page (deliberate). The rest "
     "is ACE's: its copy takes pages as it reads the hypervisor's tables, so every layer answers an entry it refuses "
     "FAILED where the copy runs out of pages before it (abi.runs_out: the 16 KiB root's block, then single pages), "
     "counting the pages it takes along the guest's path before the refusal (the spec's and canonical input reach: "
     "the row's reading counts them, hv_tables.read_vm, and riscv/pt_path_pages/simulation proves that count the one "
     "said apart by the walk, hv_tables.path_pages; seeded fault 37) and off it up to its refusal "
     "(pagetable.off_path); a VM that maps no page is copied before its missing device tree is answered; "
     "ACE's whole-tree copy of the same tables answers FAILED exactly when those pages do not fit in its free run, else "
     "the row's code, from any free run at every depth proven (riscv/pt_path_copy/simulation with pt_summary_path, "
     "pt_copy_then and pt_copy_run). The model's K CVM slots are checked last (ACE has no "
     "such bound)", ("promote_to_tvm", "pt_path_copy", "pt_summary_path", "pt_copy_then", "pt_copy_run", "pt_path_pages",
                     "runs_out")),
    ("CVM ids", GONE, "from 0, the largest live id + 1; K slots, a full table FAILED (a configuration bound)",
     ("promote_to_tvm",)),
    ("COVH DESTROY_TVM", DELIBERATE,
     "ACE's checks and codes; the model also zeroes the vCPUs' saved state (stronger); SRST removes a CVM without DESTROY too, as ACE's (SRST row)",
     ("destroy_tvm",)),
    ("TVM_VCPU_RUN: what crosses into the CVM", GONE,
     "the allowed hvip lines less VSSIP and VSTIP, and stimecmp + 10 (ACE's sum panics from 2^64 - 10: "
     "ace-stimecmp-overflow-panic); no other injection", ("tvm_vcpu_run", "ace-stimecmp-overflow-panic")),
    ("TVM_VCPU_RUN: answer to the last exit", GONE,
     "ACE's ResumableOperation: nothing after an SBI request, SHARE's completion, rd after an MMIO load, ResumeHart",
     ("tvm_vcpu_run",)),
    ("Exit: \"forwarded SBI call\" (cause 10)", GONE, "no ecall of a vCPU is forwarded", ("vcpu_exit_ecall",)),
    ("Exit: values in each SbiRequest", GONE, "stop, suspend and SRST show (EID, FID, 0, 0)",
     ("hart_stop", "hart_suspend", "system_reset")),
    ("Exits the model omits", GONE,
     "ADD/REMOVE_MMIO_REGION, ALLOW_EXT_INTERRUPT, UNSHARE and hart_start exit with ACE's request; SHARE is a "
     "request and a completion", ("add_mmio_region", "remove_mmio_region", "allow_ext_interrupt", "unshare_memory",
                                  "hart_start", "share_memory")),
    ("Every exit: enabled interrupts", GONE, "vsie and vstimecmp declassified on every exit, hvip 0",
     ("exit_interrupt", "exit_mmio_load", "exit_mmio_store")),
    ("Exit: MMIO load / store", GONE, "stval = the guest virtual address, htval = GPA >> 2, htinst",
     ("exit_mmio_load", "exit_mmio_store")),
    ("MMIO region hit test", GONE, "8 bytes ending strictly inside a region", ("guest_load_fault_mmio",)),
    ("MMIO decode failure", FINDING,
     "the assert on htinst bit 0 is ace-panic-on-mmio-load-htinst; ACE's exit with -1 for an instruction whose "
     "register cannot be decoded is not modelled, as the model's decoding of a transformed load always names one",
     ("ace-panic-on-mmio-load-htinst",)),
    ("Guest page fault outside MMIO", DELIBERATE,
     "address 0 itself faults, as ACE; the faultable space is the model's G guest pages (ACE: any GPA, so one CVM "
     "can take all of C memory); a fault on a mapped page answers without change (ACE maps a fresh page over it, "
     "freeing the old one: reachable when two harts fault on one page at once, which the one modelled guest hart "
     "cannot show); the injected fault is the ACCESS_FAULT code", ("guest_load_fault_page", "guest_store_fault_page")),
    ("Interrupt exit", GONE, "scause bit 63 only", ("exit_interrupt",)),
    ("Virtual instruction (cause 22)", FINDING,
     "WFI is handled in the monitor with no exit; ACE's panic on anything else is ace-panic-on-virtual-instruction",
     ("wfi", "ace-panic-on-virtual-instruction")),
    ("Other traps", GONE, "the CVM shuts down as on SRST (ACE's ShutdownRequest): the request (SRST, 0, 0, 0), the "
     "CVM removed", ("vcpu_shutdown",)),
    ("COVG ADD_MMIO_REGION", DELIBERATE,
     "ACE's codes and order; an empty region is refused (a free slot has size 0), where ACE accepts it",
     ("add_mmio_region",)),
    ("COVG REMOVE_MMIO_REGION", DELIBERATE, "as ADD", ("remove_mmio_region",)),
    ("COVG SHARE_MEMORY: request", DELIBERATE,
     "ACE's codes and order; a gpa beyond the model's G guest pages is INVALID_ADDRESS (ACE has no bound)",
     ("share_memory",)),
    ("COVG SHARE_MEMORY: completion", GONE,
     "on the next TVM_VCPU_RUN from the exit area's a0/a1, as share_page_complete.rs, in its order: a0 not 0 FAILED, "
     "the address, then under a huge leaf FAILED with nothing mapped (map_page's PageTableConfiguration), so UNSHARE there "
     "answers FAILED too (unmap_shared_page finds no shared page)", ("tvm_vcpu_run", "promote_to_tvm", "unshare_memory")),
    ("COVG UNSHARE_MEMORY", GONE, "ACE's codes; unmapped, fenced, then the exit", ("unshare_memory",)),
    ("COVG ALLOW_EXT_INTERRUPT", DELIBERATE,
     "lines 0..NIRQ-1 of the mask are modelled (a configuration bound); VSSIP and VSTIP never pass in; the pending "
     "lines are replaced at each run", ("allow_ext_interrupt", "tvm_vcpu_run")),
    ("COVG RETRIEVE_SECRET", DELIBERATE,
     "ACE's checks, codes and order; the secret is one 8-byte word, the only length ACE's loop handles (from 9 "
     "bytes it overruns its buffer and panics, which needs secrets of several lengths)", ("retrieve_secret",)),
    ("HSM hart_start", GONE,
     "ACE's checks and codes (a running target INVALID_PARAM, one not Stopped ALREADY_AVAILABLE); the started hart "
     "begins at the start address with a0 = its number, a1 = opaque, nothing awaited; exits with ACE's request",
     ("hart_start",)),
    ("HSM hart_stop / hart_suspend", GONE, "(EID, FID, 0, 0); a suspended hart resumes as ResumeHart",
     ("hart_stop", "hart_suspend", "tvm_vcpu_run")),
    ("HSM hart_get_status", GONE, "matches", ("hart_status",)),
    ("SRST system_reset", GONE,
     "the request shows (EID, FID, 0, 0), the CVM comes off every hart and is removed, so DESTROY then finds no "
     "such id; ACE's asynchronous teardown through IPIs is one step (the other harts are abstract)",
     ("system_reset",)),
    ("IPI send_ipi", GONE, "no mask refused, bits naming no hart ignored", ("send_ipi",)),
    ("RFENCE", GONE, "FID checked, the mask not; HFENCE FIDs answered SUCCESS", ("remote_fence",)),
    ("NACL SET_SHMEM", DELIBERATE,
     "the SBI NACL checks (all ones disables, reserved flags and misalignment refused, hi 0), stricter than ACE's "
     "(a0 only, no alignment); both keep the area wholly in NC, the property the proofs need", ("nacl_set_shmem",)),
    ("NACL exit area", DELIBERATE,
     "the exit area is the hypervisor's own state, apart from NC memory: its aliasing with NC pages and other "
     "harts' races are not modelled", ("nacl_write",)),
    ("Other hypervisor ecalls", DELIBERATE, "INVALID_PARAM stands for OpenSBI's answer, which the model does not have",
     ("hypervisor_ecall_other",)),
    ("Guest Base extension", GONE, "answered in the monitor as ACE", ("sbi_base",)),
    ("Guest ecall return", DELIBERATE,
     "a0/a1 answered; the running vCPU's live pc is not modelled (its saved pc is, and moves past the ecall on "
     "the next run after an exit)", ("guest_ecall_other",)),
    ("PMP", DELIBERATE, "entries 0-1 for C, firmware at 14-15; the sfence.vma after each change is not modelled",
     ("isolation_allows",)),
    ("TLB / fences", FINDING,
     "a G-stage TLB per physical hart, filled by the hardware (tlb_fill on any hart) and emptied at each of its "
     "switches, as ACE's clear_hart_tlbs; a fence that frees nothing (UNSHARE) runs here and is queued for the other "
     "harts, as ACE; one that frees a page is a shootdown the monitor waits for before the free (deliberate: ACE "
     "frees first, finding ace-free-before-remote-fence); a queued fence runs when its hart takes the IPI "
     "(other_hart_interrupt, no exit, as ACE's handle_interrupt) or next switches (each drops that hart's entries "
     "and queue and no other's: hart_fences_run, hart_tlb_clear), and is queued for every other "
     "hart, not only those running the CVM (a superset); the running vCPU's loads and stores consult this hart's "
     "TLB (a miss walks and caches)",
     ("tlb_fill", "tvm_vcpu_run", "unshare_memory", "guest_load", "guest_store", "hart_fences_run", "hart_tlb_clear",
      "ace-free-before-remote-fence")),
    ("FPU switch", FINDING, "the model saves and restores exactly; ACE's inverted fld/fsd is ace-fpu-save-restore-inverted",
     ("ace-fpu-save-restore-inverted",)),
    ("Vector state", DELIBERATE, "not modelled, as ACE does not switch it either", ()),
    ("Multi-hart", OPEN,
     "where each vCPU runs, never on two harts, and each hart's TLB and queued fences; the other harts' exits, "
     "NACL areas and in-monitor traps are still absent",
     ("other_hart_run", "other_hart_exit", "other_hart_interrupt")),
)


def divergence_rows() -> List[Dict[str, Any]]:
    return [{"row": row, "status": status, "note": note, "evidence": list(evidence)}
            for row, status, note, evidence in DIVERGENCES]


def divergence_counts() -> Dict[str, int]:
    return {status: sum(s == status for _, s, _, _ in DIVERGENCES) for status in STATUSES}
