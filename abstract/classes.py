"""Every state field's security class, written once per layer: what the hypervisor may see, and
whose it is. The spec's observation function (`spec.security.hypervisor_view`) and integrity
(`spec.security.integrity`) are derived from `SPEC_FIELDS`; `tests/test_classes.py` fails when
a field of SpecState, CanonState or RvState (and their hardware parts) is not classified here or
in `concrete/riscv/classes.py`.

A class is (seen, owner, unit):
- seen: the hypervisor observes the field (directly, or through the monitor's answers);
- owner: HYPERVISOR (its own state), CVM (entries of CVM slot k, in blocks of `unit` entries:
  integrity keeps every block of a CVM not party to a step), PAGES (C pages by the owner
  table; NC pages are the hypervisor's and seen), or MONITOR (the monitor's own bookkeeping).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict

from abstract.config import G, H, NIRQ, R

HYPERVISOR, CVM, PAGES, MONITOR = "hypervisor", "cvm", "pages", "monitor"
SLOT, VCPU, ENTRY, REGION, IRQ, VCPU_IRQ = 1, H, G, R, NIRQ, H * NIRQ  # entries per CVM slot


@dataclass(frozen=True)
class Field:
    seen: bool
    owner: str
    unit: int = 0      # for owner CVM: entries per CVM slot
    reason: str = ""


def cvm(seen: bool, unit: int, reason: str) -> Field:
    return Field(seen, CVM, unit, reason)


def field_value(s: Any, name: str) -> Any:
    """The value of a table's field `name` in state `s`; a dotted name reaches into a part
    (`hw.regs`)."""
    for part in name.split("."):
        s = getattr(s, part)
    return s


SPEC_FIELDS: Dict[str, Field] = {
    "mem": Field(True, PAGES, 0, "NC pages are the hypervisor's memory; a C page is its owner's and never seen"),
    "owner": Field(True, PAGES, 0, "who owns each C page: the allocation the hypervisor learns from the answers; a CVM's entries are its own"),
    "live": cvm(True, SLOT, "the CVM table the hypervisor manages by promote and destroy"),
    "ids": cvm(True, SLOT, "ids are returned to the hypervisor by promote"),
    "hart": cvm(True, VCPU, "lifecycle states the hypervisor schedules by (TVM_VCPU_RUN fails on a stopped hart)"),
    "private": cvm(True, ENTRY, "the guest map's shape follows from the hypervisor's own tables and the faults it sees"),
    "shared": cvm(True, ENTRY, "shared pages are NC pages the hypervisor gave"),
    "page": cvm(True, ENTRY, "which C page backs an entry follows from the allocation the hypervisor observes"),
    "run_cvm": Field(True, HYPERVISOR, 0, "who runs on the hart: the hypervisor scheduled it"),
    "run_vcpu": Field(True, HYPERVISOR, 0, "which vCPU runs: the hypervisor scheduled it"),
    "hv_regs": Field(True, HYPERVISOR, 0, "the hypervisor's own registers"),
    "vcpu_regs": cvm(False, VCPU, "a vCPU's registers: confidential except what an exit declassifies"),
    "hv_fpu": Field(True, HYPERVISOR, 0, "the hypervisor's own FPU registers"),
    "hv_stage2": Field(True, HYPERVISOR, 0, "the hypervisor's own second-stage translation register: no monitor step may change it"),
    "vcpu_fpu": cvm(False, VCPU, "a vCPU's FPU registers: never declassified"),
    "exit_gprs": Field(True, HYPERVISOR, 0, "the exit area is the hypervisor's memory (NACL)"),
    "exit_csrs": Field(True, HYPERVISOR, 0, "the hypervisor's trap CSRs after an exit"),
    "mmio_base": cvm(True, REGION, "MMIO regions the hypervisor serves requests for"),
    "mmio_size": cvm(True, REGION, "MMIO regions the hypervisor serves requests for"),
    "irq_allowed": cvm(True, IRQ, "the lines the hypervisor may raise in the CVM's vCPUs (it is told by the ALLOW request)"),
    "irq_pending": cvm(True, VCPU_IRQ, "the lines the hypervisor's hvip raised at the vCPU's last run: its hvip and the allowed lines"),
    "vcpu_pc": cvm(False, VCPU, "a vCPU's saved pc: confidential"),
    "vcpu_vsie": cvm(False, VCPU, "a vCPU's enabled interrupts: confidential except on an exit, which shows the running vCPU's"),
    "vcpu_vstimecmp": cvm(False, VCPU, "a vCPU's timer compare: confidential except on an exit, which shows the running vCPU's"),
    "reply_a": cvm(False, VCPU, "which register the next answer writes: decides what the hypervisor may change"),
    "reply_b": cvm(False, VCPU, "the second register the next answer writes"),
    "reply_step": cvm(False, VCPU, "how far the answer moves the vCPU's pc"),
    "share_req": cvm(True, VCPU, "the guest page a vCPU's pending SHARE request names: the request showed it to the hypervisor"),
    "ipi_pending": cvm(False, VCPU, "IPIs between a CVM's own vCPUs"),
    "has_secret": cvm(True, SLOT, "whether attestation at promote released the secret: the hypervisor chose the payload"),
    "secret": cvm(False, SLOT, "the secret itself"),
    "huge": cvm(True, SLOT, "whether the CVM's guest pages lie under one huge leaf: the hypervisor wrote the tables PROMOTE copied"),
    "nacl_page": Field(True, HYPERVISOR, 0, "where the hypervisor's shared memory is: it chose it"),
    "other_harts": Field(True, HYPERVISOR, 0, "what the other physical harts run: their hypervisor scheduled it"),
    "hv_hvip": Field(True, HYPERVISOR, 0, "the hypervisor's own hvip: what it asks TVM_VCPU_RUN to inject"),
    "hv_stimecmp": Field(True, HYPERVISOR, 0, "the hypervisor's own stimecmp: TVM_VCPU_RUN sets the vCPU's timer from it"),
    "halted": Field(True, MONITOR, 0, "whether the monitor has stopped: the hypervisor sees its hart never come back"),
}

# The monitor's data is the same on the canonical and RISC-V machines as in the spec; the
# hardware parts differ.
MONITOR_DATA = ("mem", "owner", "live", "ids", "hart", "run_cvm", "run_vcpu", "mmio_base", "mmio_size",
                "irq_allowed", "irq_pending", "reply_a", "reply_b", "reply_step", "share_req", "ipi_pending", "has_secret",
                "secret", "huge", "nacl_page", "other_harts", "hv_hvip", "hv_stimecmp", "halted")
CANON_FIELDS: Dict[str, Field] = {
    **{f: SPEC_FIELDS[f] for f in MONITOR_DATA},
    "hw.iso_open": Field(True, MONITOR, 0, "whether C is open follows from who runs"),
    "hw.t_valid": cvm(True, ENTRY, "the guest map (spec private/shared)"),
    "hw.t_exec": cvm(False, ENTRY, "not observed: the invariant makes private entries executable and shared ones not, and the view reads the entry and its page"),
    "hw.t_page": cvm(True, ENTRY, "spec page"),
    "hw.regs": Field(False, MONITOR, 0, "live registers: the hypervisor's while it runs (seen), a vCPU's otherwise"),
    "hw.hv_saved": Field(True, HYPERVISOR, 0, "the hypervisor's registers saved while a vCPU runs"),
    "hw.vcpu_saved": cvm(False, VCPU, "spec vcpu_regs of a vCPU that does not run"),
    "hw.fregs": Field(False, MONITOR, 0, "live FPU registers: the hypervisor's while it runs, a vCPU's otherwise"),
    "hw.hv_fregs": Field(True, HYPERVISOR, 0, "the hypervisor's FPU registers saved while a vCPU runs"),
    "hw.hv_stage2": Field(True, HYPERVISOR, 0, "the hypervisor's second-stage translation register (spec hv_stage2)"),
    "hw.vcpu_fregs": cvm(False, VCPU, "spec vcpu_fpu of a vCPU that does not run"),
    "hw.x_gprs": Field(True, HYPERVISOR, 0, "spec exit_gprs"),
    "hw.x_csrs": Field(True, HYPERVISOR, 0, "spec exit_csrs"),
    "hw.vcpu_pc": cvm(False, VCPU, "spec vcpu_pc"),
    "hw.vcpu_vsie": cvm(False, VCPU, "spec vcpu_vsie"),
    "hw.vcpu_vstimecmp": cvm(False, VCPU, "spec vcpu_vstimecmp"),
}
