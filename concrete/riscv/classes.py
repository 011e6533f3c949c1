"""The security class of every RISC-V state field (the vocabulary is `abstract/classes.py`)."""
from __future__ import annotations

from typing import Dict

from abstract.config import LEVELS
from concrete.riscv.cvm_tables import CHAIN

from abstract.classes import CANON_FIELDS, ENTRY, HYPERVISOR, MONITOR, MONITOR_DATA, SLOT, VCPU, Field, cvm

_PMP = Field(False, MONITOR, 0, "M-mode CSRs: the hypervisor can neither read nor write them")
_LEAF = cvm(True, ENTRY, "a CVM's G-stage leaf: the guest map the hypervisor observes (spec private/shared/page)")
_LEAF_BITS = cvm(False, ENTRY, "a leaf's permission bits: not observed; the invariant (ptes_ok) fixes them by V and the PPN, which the view reads")
_TABLE_AT = cvm(False, LEVELS, "where a CVM's tables are: pages of the owner table, which the hypervisor sees; fixed by it (tables_ok)")
_POINTER = cvm(False, CHAIN, "where a CVM's G-stage entries above its last table lead: its next table, fixed by where "
               "the tables are (ptes_ok), or under a huge leaf its block, which the guest map the view reads gives")
_POINTER_V = cvm(False, CHAIN, "whether a CVM's entries above its last table are valid: fixed by whether it is live (ptes_ok)")
_POINTER_RWX = cvm(True, SLOT, "whether the entry above a CVM's last table is a huge leaf (R, W or X set): the guest map "
                   "the view reads goes through it, and it follows the CVM's huge flag, which the hypervisor sees (entry_kinds_ok)")
_TLB = cvm(False, ENTRY, "hardware's cached translations: no instruction reads them back")
_OTHER_TLB = Field(False, MONITOR, 0, "another hart's cached translations and its queued fences: no instruction reads them "
                   "back; a switch empties the hart's TLB whatever CVM it held, and tlb_ok bounds what an entry may reach")

RV_FIELDS: Dict[str, Field] = {
    **{f: CANON_FIELDS[f] for f in MONITOR_DATA},
    **{f"hw.pmp_{x}": _PMP for x in ("mode", "r", "w", "x", "addr")},
    "hw.hgatp": cvm(False, SLOT, "the hgatp word the monitor keeps for a CVM: fixed by its slot (hgatp_ok)"),
    "hw.hgatp_csr": Field(False, MONITOR, 0, "the hart's hgatp: the hypervisor's own while it runs (seen), the running CVM's word otherwise"),
    "hw.hv_hgatp": Field(True, HYPERVISOR, 0, "the hypervisor's hgatp, saved while a CVM runs (canonical hv_stage2)"),
    **{f"hw.{f}": _LEAF for f in ("pt_v", "pt_ppn")},
    **{f"hw.{f}": _LEAF_BITS for f in ("pt_r", "pt_w", "pt_x", "pt_u", "pt_a", "pt_d")},
    "hw.pt_table": _TABLE_AT,
    "hw.ptr_v": _POINTER_V,
    "hw.ptr_rwx": _POINTER_RWX,
    "hw.ptr_ppn": _POINTER,
    "hw.tlb_v": _TLB,
    "hw.tlb_ppn": _TLB,
    "hw.other_tlb_v": _OTHER_TLB,
    "hw.other_tlb_ppn": _OTHER_TLB,
    "hw.other_fence": _OTHER_TLB,
    "hw.regs": CANON_FIELDS["hw.regs"],
    "hw.hv_saved": CANON_FIELDS["hw.hv_saved"],
    "hw.vcpu_saved": CANON_FIELDS["hw.vcpu_saved"],
    "hw.fregs": CANON_FIELDS["hw.fregs"],
    "hw.hv_fregs": CANON_FIELDS["hw.hv_fregs"],
    "hw.vcpu_fregs": CANON_FIELDS["hw.vcpu_fregs"],
    "hw.nacl_gprs": Field(True, HYPERVISOR, 0, "the GPR image in the NACL shared memory (spec exit_gprs)"),
    "hw.exit_scause": Field(True, HYPERVISOR, 0, "the hypervisor's scause after an exit"),
    "hw.exit_stval": Field(True, HYPERVISOR, 0, "the hypervisor's stval after an exit"),
    "hw.exit_htval": Field(True, HYPERVISOR, 0, "the hypervisor's htval after an exit"),
    "hw.exit_htinst": Field(True, HYPERVISOR, 0, "the hypervisor's htinst after an exit"),
    "hw.exit_vsie": Field(True, HYPERVISOR, 0, "the NACL CSR area's vsie after an exit"),
    "hw.exit_vstimecmp": Field(True, HYPERVISOR, 0, "the NACL CSR area's vstimecmp after an exit"),
    "hw.exit_hvip": Field(True, HYPERVISOR, 0, "the NACL CSR area's hvip after an exit (0)"),
    "hw.vcpu_mepc": cvm(False, VCPU, "a vCPU's saved pc (spec vcpu_pc)"),
    "hw.vcpu_vsie": CANON_FIELDS["hw.vcpu_vsie"],
    "hw.vcpu_vstimecmp": CANON_FIELDS["hw.vcpu_vstimecmp"],
}
