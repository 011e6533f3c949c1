"""Spec: external interrupts. A CVM allows lines (COVG ALLOW_EXT_INTERRUPT ORs a mask into its
allowed set); the hypervisor injects interrupts into a vCPU, and only allowed lines get through.
Lines 0..NIRQ-1 of the 64-bit masks are modelled."""
from __future__ import annotations

from dataclasses import replace
from typing import Tuple

from abstract import abi
from abstract.config import H, K, NIRQ
from abstract.logic import flag_put, lnot
from abstract.spec.state import HYPERVISOR, SpecState, slot_of

Result = Tuple[int, int]


def mask_bit(mask: int, j: int) -> bool:
    """Bit j of a register value (j concrete: division by a constant, no bit-vectors)."""
    return (mask // (1 << j)) % 2 == 1


def allow_ext_interrupt(s: SpecState, mask: int) -> Tuple[SpecState, Result]:
    """The calling CVM allows every line whose bit is set in `mask`, keeping those it allowed."""
    if s.run_cvm == HYPERVISOR:
        return s, (abi.INVALID_PARAM, 0)
    allowed = tuple(
        s.irq_allowed[j] | ((j // NIRQ == s.run_cvm) & mask_bit(mask, j % NIRQ)) for j in range(K * NIRQ)
    )
    return replace(s, irq_allowed=allowed), (abi.SUCCESS, 0)


def inject_interrupt(s: SpecState, cvm_id: int, vcpu: int, line: int) -> Tuple[SpecState, Result]:
    """The hypervisor asks for external interrupt `line` on vCPU `vcpu` of CVM `cvm_id`: an
    unknown CVM, vCPU or line, or a line the CVM does not allow, gives INVALID_PARAM and
    nothing is injected."""
    if (s.run_cvm != HYPERVISOR) | lnot((0 <= vcpu) & (vcpu < H) & (0 <= line) & (line < NIRQ)):
        return s, (abi.INVALID_PARAM, 0)
    k = slot_of(s, cvm_id)
    if k < 0 or not s.irq_allowed[k * NIRQ + line]:
        return s, (abi.INVALID_PARAM, 0)
    i = k * H + vcpu
    return replace(s, irq_pending=flag_put(s.irq_pending, i * NIRQ + line, True)), (abi.SUCCESS, 0)
