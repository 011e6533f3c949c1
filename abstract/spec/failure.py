"""Spec: the monitor's failure mode, a halt (ACE's panic handler, `core/panic.rs`).

The secure monitor never halts: no row of the transition table reaches `halt`, and the spec
invariant says the monitor runs (`halted` is False), so a halted monitor takes no further step.
The halt is specified for what it must guarantee when an implementation does stop (the findings
against ACE reach it): no CVM's data survives, and the hypervisor learns only that the monitor
stopped (`spec/halt/erasure`).
"""
from __future__ import annotations

from dataclasses import replace

from abstract.config import C, NC
from abstract.spec.state import SpecState, spec_initial


def halt(s: SpecState) -> SpecState:
    """The monitor stops for good: all of confidential memory is zeroed and, with it, every CVM,
    its pages, its vCPUs' saved state and the monitor's bookkeeping (ACE keeps them all in
    confidential memory); the hart never returns to the hypervisor or a vCPU. The hypervisor's
    own state stays: NC memory, its registers, its second-stage translation and CSRs, the exit
    area it shares with the monitor."""
    return replace(
        spec_initial(), mem=s.mem[:NC] + (0,) * C, hv_regs=s.hv_regs, hv_fpu=s.hv_fpu,
        hv_stage2=s.hv_stage2, exit_gprs=s.exit_gprs, exit_csrs=s.exit_csrs, hv_hvip=s.hv_hvip,
        hv_stimecmp=s.hv_stimecmp, halted=True,
    )
