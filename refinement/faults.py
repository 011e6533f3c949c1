"""Seeded faults of the reference (ace-monitor.md, "Seeded faults"), as swappable variants.

A fault is applied by replacing one attribute of a model module in the process that proves or
replays, so the model's source is never edited. Each fault names the obligations expected to
refute it.
"""
from __future__ import annotations

import contextlib
import importlib
from dataclasses import dataclass, replace
from typing import Any, Callable, Dict, Iterable, Iterator, List, Tuple

from abstract.config import NC
from abstract.domain import FREE
from abstract.logic import keep, set_at


@dataclass(frozen=True)
class Fault:
    number: int          # its number in the reference's list
    name: str
    description: str
    module: str          # where the replaced attribute lives
    attribute: str       # "function" or "Class.method"
    variant: Callable
    refuted_by: Tuple[str, ...]


def _reclaimed_without_zeroing(owner: int, data: int, tag: int) -> Tuple[int, int]:
    """Fault 3: destroy frees the CVM's pages but leaves their contents in memory."""
    return owner + keep(FREE - owner, owner == tag), data


def _any_leaf_is_shared(mapped: bool, page: int, nc: int = NC) -> bool:
    """Fault 5: unshare removes any leaf, a private page included."""
    return mapped


def _private_page_not_freed(mapped: bool, page: int, nc: int = NC) -> bool:
    """Fault 4: mapping a new page over a private leaf does not free (or zero) the old page."""
    return False


def _map_originals(copies: Tuple[int, ...], src: Tuple[int, ...]) -> Tuple[int, ...]:
    """Fault 7: promote maps the hypervisor's original pages instead of the copies."""
    return tuple(src[:len(copies)])


def _keep_pmp_open(self: Any, hw: Any) -> Any:
    """Fault 6: the exit to the hypervisor leaves the PMP entry over C granting R/W/X."""
    return hw


def _restore_gprs_partially(self: Any, hw: Any, vcpu: int, err: int, value: int) -> Any:
    """Fault 1: the exit restores the hypervisor's registers except the temporaries t0..t2
    (x5..x7), which keep the CVM's values."""
    from concrete.riscv import sbi
    mixed = hw.hv_saved[:4] + hw.regs[4:7] + hw.hv_saved[7:]
    return replace(hw, vcpu_saved=set_at(hw.vcpu_saved, vcpu, hw.regs), regs=sbi.sbi_return(mixed, err, value))


def _store_source_from_rs1(self: Any, instr: int) -> int:
    """Fault 2: the MMIO store exit reads the rs1 field (the address base register) as the
    register to declassify, instead of rs2."""
    return (instr >> 15) & 0x1F


def _fpu_left_live(self: Any, hw: Any, vcpu: int) -> Any:
    """Fault 10: the exit neither saves the vCPU's FPU registers nor restores the hypervisor's."""
    return hw


def _never_running_elsewhere(s: Any, i: int) -> bool:
    """Fault 8: TVM_VCPU_RUN does not check whether the vCPU already runs on another physical
    hart, so one vCPU can run on two harts at once."""
    return False


def _unmap_without_fence(hwp: Any, hw: Any, k: int, i: int) -> Any:
    """Fault 9: unshare unmaps the leaf but issues no G-stage fence, so a cached translation
    of the page survives."""
    return hwp.translation_unmap(hw, i)


FAULTS: Dict[str, Fault] = {f.name: f for f in sorted((
    Fault(3, "destroy-without-zeroing", "Destroy frees pages without zeroing them.",
          "abstract.canonical.allocator", "reclaimed", _reclaimed_without_zeroing,
          ("canonical->spec/destroy_tvm/entry", "canonical->spec/destroy_tvm/simulation")),
    Fault(5, "unshare-any-leaf", "Unshare removes any leaf, including a private page.",
          "abstract.canonical.monitor.memory", "holds_shared_page", _any_leaf_is_shared,
          ("canonical->spec/unshare_memory/entry", "canonical->spec/unshare_memory/simulation")),
    Fault(4, "map-over-private-without-free",
          "Mapping a new page over a private leaf without freeing the old page.",
          "abstract.canonical.monitor.memory", "holds_private_page", _private_page_not_freed,
          ("canonical->spec/share_memory/entry", "canonical->spec/share_memory/simulation")),
    Fault(7, "promote-maps-originals", "Promote maps the hypervisor's original pages instead of the copies.",
          "abstract.canonical.monitor.lifecycle", "guest_backing", _map_originals,
          ("canonical->spec/promote_to_tvm/simulation",)),
    Fault(6, "pmp-open-after-exit", "The isolation unit is not reconfigured on the exit to the hypervisor.",
          "concrete.riscv.machine", "RiscvMachine.isolation_revoke", _keep_pmp_open,
          ("riscv->canonical/exit_sbi_call/simulation", "riscv/exit_sbi_call/isolation")),
    Fault(1, "exit-restores-registers-partially",
          "Exit to the hypervisor restores its registers incompletely, leaking CVM values.",
          "concrete.riscv.machine", "RiscvMachine.gprs_exit", _restore_gprs_partially,
          ("riscv->canonical/exit_sbi_call/simulation", "riscv/exit_sbi_call/confidentiality")),
    Fault(2, "mmio-store-wrong-register", "MMIO store declassifies a register other than the source register.",
          "concrete.riscv.machine", "RiscvMachine.trap_store_source", _store_source_from_rs1,
          ("riscv/store_source/encoding", "riscv->canonical/exit_mmio_store/simulation",
           "riscv/exit_mmio_store/confidentiality")),
    Fault(10, "fpu-not-switched-on-exit", "FPU state is not switched on exit, leaking CVM floating-point registers.",
          "concrete.riscv.machine", "RiscvMachine.fpu_exit", _fpu_left_live,
          ("riscv->canonical/exit_interrupt/simulation", "riscv/exit_interrupt/confidentiality")),
    Fault(8, "vcpu-on-two-harts", "One vCPU is allowed to run on two physical harts at once.",
          "abstract.canonical.monitor.physical", "running_elsewhere", _never_running_elsewhere,
          ("canonical->spec/tvm_vcpu_run/simulation",)),
    Fault(9, "unshare-without-fence", "No G-stage fence after unshare, so a stale translation survives.",
          "abstract.canonical.monitor.memory", "unmap_fenced", _unmap_without_fence,
          ("riscv->canonical/unshare_memory/invariant",)),
), key=lambda f: f.number)}


class UnknownFault(KeyError):
    pass


def apply(names: Iterable[str]) -> List[Tuple[Any, str, Any]]:
    """Swap each named fault's variant into its model module (in this process only); returns
    what was replaced, for `restore`."""
    replaced = []
    for name in names:
        if name not in FAULTS:
            raise UnknownFault(f"unknown fault {name!r}; known: {', '.join(sorted(FAULTS))}")
        fault = FAULTS[name]
        target: Any = importlib.import_module(fault.module)
        *owners, attr = fault.attribute.split(".")
        for owner in owners:
            target = getattr(target, owner)
        if not hasattr(target, attr):
            raise UnknownFault(f"fault {name!r} targets {fault.module}.{fault.attribute}, which no longer exists")
        replaced.append((target, attr, getattr(target, attr)))
        setattr(target, attr, fault.variant)
    return replaced


@contextlib.contextmanager
def applied(names: Iterable[str]) -> Iterator[None]:
    """Run a block with the named faults swapped in, and put the real model back afterwards
    (used by the replay snippets in reports)."""
    replaced = apply(names)
    try:
        yield
    finally:
        for target, attr, original in reversed(replaced):
            setattr(target, attr, original)
