"""Canonical monitor: the failure mode, a halt (ACE's panic handler, `core/panic.rs`)."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from abstract.canonical.state import initial_monitor_data
from abstract.config import C, NC
from abstract.domain import HYPERVISOR


def halt(hwp: Any, s: Any) -> Any:
    """Zero all of confidential memory and park the hart for good. The monitor's data lives in
    confidential memory, so the CVM table, the page owners and every vCPU's saved state go with
    it (`hwp.machine_halt`); NC memory and the hypervisor's own state stay."""
    data = initial_monitor_data()
    data.update(mem=s.mem[:NC] + (0,) * C, hv_hvip=s.hv_hvip, hv_stimecmp=s.hv_stimecmp, halted=True)
    return replace(s, **data, hw=hwp.machine_halt(s.hw, s.run_cvm == HYPERVISOR))
