"""The catalogue of proof obligations, keyed by enums rather than strings.

An obligation is a plain function with icontract contracts, registered with `@obligation(...)`.
Its id is `<layers>/<subject>/<kind>`, e.g. `riscv->canonical/share_memory/simulation`.
"""
from __future__ import annotations

import importlib
import inspect
import os
from dataclasses import dataclass
from enum import Enum
from typing import Callable, Dict, Optional

OPERATION_MODULES = tuple(f"refinement.obligations.{op}" for op in (
    "promote_to_tvm", "destroy_tvm", "answer_exit", "tvm_vcpu_run", "exit_sbi_call", "exit_mmio_load",
    "exit_mmio_store", "exit_interrupt", "exit_wfi", "hart_start", "hart_stop", "hart_suspend", "hart_status",
    "system_reset", "tsm_get_info", "add_mmio_region", "remove_mmio_region", "guest_load_fault",
    "guest_store_fault", "allow_ext_interrupt", "inject_interrupt", "share_memory",
    "unshare_memory", "guest_page_fault", "hypervisor_read", "hypervisor_write", "nacl_write", "send_ipi", "remote_fence", "retrieve_secret",
    "other_hart_run", "other_hart_exit", "nacl_set_shmem",
))
OBLIGATION_MODULES = (*OPERATION_MODULES, "refinement.obligations.layers", "refinement.obligations.encoding",
                      "refinement.obligations.ecall", "refinement.obligations.tlb_fill",
                      "refinement.obligations.entries")


class Layers(str, Enum):
    CANONICAL_SPEC = "canonical->spec"
    RISCV_CANONICAL = "riscv->canonical"
    SPEC = "spec"
    CANONICAL = "canonical"
    RISCV = "riscv"


class Operation(str, Enum):
    PROMOTE_TO_TVM = "promote_to_tvm"
    DESTROY_TVM = "destroy_tvm"
    TVM_VCPU_RUN = "tvm_vcpu_run"  # its second half: entering the vCPU
    ANSWER_EXIT = "answer_exit"    # its first half: the answer to the vCPU's last exit
    EXIT_SBI_CALL = "exit_sbi_call"
    EXIT_MMIO_LOAD = "exit_mmio_load"
    EXIT_MMIO_STORE = "exit_mmio_store"
    EXIT_INTERRUPT = "exit_interrupt"
    HART_START = "hart_start"
    HART_STOP = "hart_stop"
    HART_SUSPEND = "hart_suspend"
    HART_STATUS = "hart_status"
    SYSTEM_RESET = "system_reset"
    TSM_GET_INFO = "tsm_get_info"
    EXIT_WFI = "exit_wfi"
    ADD_MMIO_REGION = "add_mmio_region"
    REMOVE_MMIO_REGION = "remove_mmio_region"
    GUEST_LOAD_FAULT = "guest_load_fault"
    GUEST_STORE_FAULT = "guest_store_fault"
    ALLOW_EXT_INTERRUPT = "allow_ext_interrupt"
    INJECT_INTERRUPT = "inject_interrupt"
    SHARE_MEMORY = "share_memory"
    UNSHARE_MEMORY = "unshare_memory"
    GUEST_PAGE_FAULT = "guest_page_fault"
    HYPERVISOR_READ = "hypervisor_read"
    HYPERVISOR_WRITE = "hypervisor_write"
    NACL_WRITE = "nacl_write"
    SEND_IPI = "send_ipi"
    REMOTE_FENCE = "remote_fence"
    RETRIEVE_SECRET = "retrieve_secret"
    OTHER_HART_RUN = "other_hart_run"    # TVM_VCPU_RUN on another physical hart
    OTHER_HART_EXIT = "other_hart_exit"  # ... and the exit there
    NACL_SET_SHMEM = "nacl_set_shmem"


class Kind(str, Enum):
    SIMULATION = "simulation"   # abs(op_L(s)) == op_U(abs(s)), results included
    INVARIANT = "invariant"     # the layer's local invariant is preserved
    INIT = "init"               # abs(init_L) == init_U and inv_L(init_L)
    NONVACUITY = "nonvacuity"   # some state satisfies the layer's invariant
    TOTALITY = "totality"       # the spec op never raises, answers a defined code, keeps inv
    ENCODING = "encoding"       # a field encoding decodes and encodes consistently
    CONFIDENTIALITY = "confidentiality"  # low-equal states stay low-equal (noninterference)
    INTEGRITY = "integrity"     # other CVMs' private memory and registers are unchanged
    ISOLATION = "isolation"     # after the step, a running hypervisor's PMP reaches NC, never C
    OBSERVATION = "observation" # the hypervisor's view commutes with the abstraction
    DECODING = "decoding"       # any register values decode to a defined call or error, invariants kept
    ENTRY = "entry"             # a per-entry lemma over scalars, the sizes free: holds at every size


class Method(str, Enum):
    CROSSHAIR = "crosshair"       # PROVEN means CrossHair exhausted every path
    ENUMERATION = "enumeration"   # PROVEN means every value of a finite domain was checked
    WITNESS = "witness"           # PROVEN means a witness was found and replayed


@dataclass(frozen=True)
class Obligation:
    id: str
    layers: Layers
    subject: str                 # an Operation value, or what an encoding/state obligation is about
    kind: Kind
    method: Method
    module: str
    qualname: str
    statement: str
    domain: Optional[str] = None  # for ENUMERATION: name of a zero-argument function in `module`
    witness: Optional[str] = None  # for WITNESS: a call (evaluated in `module`) to replay before searching

    @property
    def any_size(self) -> bool:
        """A per-entry lemma takes the sizes as arguments, so its proof covers every size;
        every other obligation is proven at the configured sizes only."""
        return self.kind is Kind.ENTRY

    @property
    def operation(self) -> Optional[str]:
        return self.subject if self.subject in {o.value for o in Operation} else None

    def function(self) -> Callable:
        return getattr(importlib.import_module(self.module), self.qualname)

    def source_line(self) -> tuple[str, int]:
        fn = inspect.unwrap(self.function())
        return inspect.getsourcefile(fn) or self.module, inspect.getsourcelines(fn)[1]


REGISTRY: Dict[str, Obligation] = {}


def obligation(layers: Layers, subject: "Operation | str", kind: Kind,
               method: Method = Method.CROSSHAIR, domain: Optional[str] = None,
               witness: Optional[str] = None) -> Callable:
    """Register the decorated (contracted) function as an obligation; returns it unchanged."""
    subject_name = subject.value if isinstance(subject, Operation) else subject

    def register(fn: Callable) -> Callable:
        ob_id = f"{layers.value}/{subject_name}/{kind.value}"
        if ob_id in REGISTRY and REGISTRY[ob_id].qualname != fn.__name__:
            raise ValueError(f"obligation id {ob_id} registered twice")
        doc = inspect.getdoc(fn) or ""
        REGISTRY[ob_id] = Obligation(
            id=ob_id, layers=layers, subject=subject_name, kind=kind, method=method,
            module=fn.__module__, qualname=fn.__name__,
            statement=doc.splitlines()[0] if doc else fn.__name__, domain=domain, witness=witness,
        )
        return fn

    return register


EXTRA_ENV = "REFINE_EXTRA_OBLIGATIONS"  # comma-separated extra modules (the test suite uses it)


def load_all() -> Dict[str, Obligation]:
    """Import the obligation modules (and any named in REFINE_EXTRA_OBLIGATIONS) and return
    their obligations in a stable order."""
    extra = [m for m in os.environ.get(EXTRA_ENV, "").split(",") if m]
    modules = (*OBLIGATION_MODULES, *extra)
    for name in modules:
        importlib.import_module(name)
    return {k: ob for k, ob in sorted(REGISTRY.items()) if ob.module in modules}
