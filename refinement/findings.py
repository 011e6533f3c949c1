"""Findings against ACE (IBM/ACE-RISCV, commit b64f6c8): where ACE's code is weaker than the
model, as variants applied like the seeded faults (`refinement.faults.apply`).

The model describes the secure monitor and is proven. A finding swaps in ACE's behaviour as
its Rust source has it, and names the obligations that then refute it; `refine findings`
lists them, `refine prove --finding NAME` applies one, and the full `refine prove` checks each
and reports it in "Findings against ACE b64f6c8". docs/findings.md explains each one for an
ACE maintainer, with a suggested fix.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Dict, Tuple

from abstract.logic import set_at

ACE_COMMIT = "b64f6c8"


@dataclass(frozen=True)
class Finding:
    name: str
    title: str
    rust: Tuple[Tuple[str, str], ...]  # (file under security-monitor/src, function), where ACE does it
    module: str                         # where the replaced attribute lives (as `faults.Fault`)
    attribute: str
    variant: Callable
    refuted_by: Tuple[str, ...]
    attack: str                         # what the hypervisor does, and what it learns or changes
    also: Tuple[Tuple[str, str, Callable], ...] = ()
    sizes: Tuple[Tuple[str, int], ...] = ()


# --- the FPU primitives as written -----------------------------------------------------------------
# `FloatingPointUnit::save_in_main_memory` runs `fld` (memory into the register) and
# `restore_from_main_memory` runs `fsd` (the register into memory): each does the other's job.
# Entering a CVM, ACE saves the hypervisor hart's FPU and restores the confidential hart's;
# leaving, it saves the confidential hart's and restores the hypervisor hart's.

def _enter_with_fld_fsd(self: Any, hw: Any, vcpu: int) -> Any:
    """`enter_from_non_confidential_flow`: the hypervisor hart's "save" loads its stale image
    into f0..f31, the confidential hart's "restore" stores them over the vCPU's image."""
    live = hw.hv_fregs
    return replace(hw, hv_saved=hw.regs, regs=hw.vcpu_saved[vcpu],
                   fregs=live, vcpu_fregs=set_at(hw.vcpu_fregs, vcpu, live))


def _exit_with_fld_fsd(self: Any, hw: Any, vcpu: int) -> Any:
    """`into_non_confidential_flow`: the confidential hart's "save" loads the vCPU's image
    into f0..f31, the hypervisor hart's "restore" stores them over the hypervisor's image."""
    live = hw.vcpu_fregs[vcpu]
    return replace(hw, fregs=live, hv_fregs=live)


FINDINGS: Dict[str, Finding] = {f.name: f for f in (
    Finding(
        "ace-fpu-save-restore-inverted",
        "The FPU save and restore are inverted: a CVM's f0..f31 do not survive an exit",
        (("core/architecture/riscv/extensions/floating_point_unit.rs", "FloatingPointUnit::save_in_main_memory"),
         ("core/architecture/riscv/extensions/floating_point_unit.rs", "FloatingPointUnit::restore_from_main_memory"),
         ("confidential_flow/finite_state_machine.rs", "enter_from_non_confidential_flow / into_non_confidential_flow")),
        "concrete.riscv.machine", "RiscvMachine.hart_enter", _enter_with_fld_fsd,
        ("riscv->canonical/tvm_vcpu_run/simulation", "riscv->canonical/exit_interrupt/simulation"),
        "The hypervisor needs no action beyond scheduling: on every TVM_VCPU_RUN the vCPU starts with "
        "f0..f31 loaded from the monitor's stale image of the hypervisor's registers, and its own "
        "image is overwritten with them; on every exit the hypervisor's live f-registers are "
        "replaced by the vCPU's image. So a CVM's floating-point state is not preserved across "
        "a timer interrupt (in ACE as written both images stay at their initial zeros, so a CVM "
        "finds its f-registers zeroed whenever it was descheduled), and the hypervisor's own are "
        "lost on every exit. The refutations show the vCPU entering with the hypervisor image's "
        "values, and the hypervisor resuming with the vCPU image's.",
        also=(("concrete.riscv.machine", "RiscvMachine.fpu_exit", _exit_with_fld_fsd),)),
)}
