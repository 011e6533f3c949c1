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
    scenario: Callable[[], Dict[str, Any]]  # the attack from power-on, plain Python: what the victim sees
    also: Tuple[Tuple[str, str, Callable], ...] = ()


def replay_scenario(name: str) -> Dict[str, Dict[str, Any]]:
    """A finding's attack run from power-on on the RISC-V model in plain Python, once as the
    model has it and once with ACE's behaviour swapped in: {"model": ..., "ace": ...}."""
    from refinement.faults import applied
    finding = FINDINGS[name]
    model = finding.scenario()
    with applied([name]):
        ace = finding.scenario()
    return {"model": model, "ace": ace}


# --- the FPU primitives as written -----------------------------------------------------------------
# `FloatingPointUnit::save_in_main_memory` runs `fld` (memory into the register) and
# `restore_from_main_memory` runs `fsd` (the register into memory): each does the other's job.
# Entering a CVM, ACE saves the hypervisor hart's FPU only if the hypervisor's mstatus.FS is not
# Off (`HypervisorHart::save_in_main_memory`), then restores the confidential hart's; leaving, it
# saves the confidential hart's and restores the hypervisor hart's, both unconditionally.

def _enter_with_fsd(self: Any, hw: Any, vcpu: int) -> Any:
    """`enter_from_non_confidential_flow` after the hypervisor turned its FPU off (FS = Off, its
    choice): its "save" is skipped, and the confidential hart's "restore" (`fsd`) stores the
    live f-registers, which the hypervisor set, over the vCPU's image; the vCPU runs with them."""
    return replace(hw, hv_saved=hw.regs, regs=hw.vcpu_saved[vcpu],
                   vcpu_fregs=set_at(hw.vcpu_fregs, vcpu, hw.fregs))


def _exit_with_fld_fsd(self: Any, hw: Any, vcpu: int) -> Any:
    """`into_non_confidential_flow`: the confidential hart's "save" (`fld`) loads the vCPU's
    image into f0..f31, the hypervisor hart's "restore" (`fsd`) stores them over its image."""
    live = hw.vcpu_fregs[vcpu]
    return replace(hw, fregs=live, hv_fregs=live)


def _fpu_injection() -> Dict[str, Any]:
    """A CVM computes 7.0's bits into its f-registers and is interrupted; the hypervisor puts
    0x41 into its own (then turns its FPU off, which the model need not show) and resumes the
    vCPU. What is in the vCPU's f-registers when it runs again?"""
    import concrete.riscv as rv
    from abstract.config import G, NFREGS
    from concrete.riscv.state import riscv_initial
    s, promoted = rv.promote_to_tvm(riscv_initial(), 1, (0,) * G)
    s, _ = rv.tvm_vcpu_run(s, 1, 0)
    s = replace(s, hw=replace(s.hw, fregs=(0x401C000000000000,) * NFREGS))  # the CVM's computation
    s, _ = rv.exit_interrupt(s, 2 ** 63 + 7)                                 # a timer interrupt
    s = replace(s, hw=replace(s.hw, fregs=(0x41,) * NFREGS))                 # the hypervisor's choice
    s, _ = rv.tvm_vcpu_run(s, 1, 0)
    # The whole file, never one register (`tests/test_fp_registers.py`: the model moves files whole).
    return {"promote": promoted, "vCPU f-registers after resuming": " ".join(hex(v) for v in s.hw.fregs),
            "vCPU f-registers the CVM computed": " ".join(hex(0x401C000000000000) for _ in range(NFREGS))}


FINDINGS: Dict[str, Finding] = {f.name: f for f in (
    Finding(
        "ace-fpu-save-restore-inverted",
        "The FPU save and restore are inverted: the hypervisor chooses a CVM's f0..f31 at every entry",
        (("core/architecture/riscv/extensions/floating_point_unit.rs", "FloatingPointUnit::save_in_main_memory"),
         ("core/architecture/riscv/extensions/floating_point_unit.rs", "FloatingPointUnit::restore_from_main_memory"),
         ("confidential_flow/finite_state_machine.rs", "enter_from_non_confidential_flow / into_non_confidential_flow")),
        "concrete.riscv.machine", "RiscvMachine.hart_enter", _enter_with_fsd,
        ("riscv->canonical/tvm_vcpu_run/simulation", "riscv->canonical/exit_interrupt/simulation"),
        "The hypervisor writes the values it wants into f0..f31, clears mstatus.FS and calls "
        "TVM_VCPU_RUN: ACE skips saving the hypervisor's FPU, and its inverted restore stores the "
        "live registers over the vCPU's saved image, so the vCPU resumes with the hypervisor's "
        "values in f0..f31 instead of its own. At the exit the vCPU's f-registers are discarded "
        "(the inverted save loads the image back over them). So the hypervisor chooses a CVM's "
        "floating-point registers at every entry, and a CVM's own are lost at every exit. The "
        "refutations show the vCPU entering with the hypervisor's live values and leaving with its "
        "f-registers unsaved.",
        _fpu_injection,
        also=(("concrete.riscv.machine", "RiscvMachine.fpu_exit", _exit_with_fld_fsd),)),
)}
