"""What the per-operation obligation modules share: the squares and the assumptions."""
from __future__ import annotations

from typing import Tuple

from abstract import abi
from abstract.canonical.state import CanonHw, CanonState  # noqa: F401  (counterexample reprs)
from abstract.spec.state import SpecState
from concrete.riscv.state import RvHw, RvState  # noqa: F401  (counterexample reprs)
from refinement.canonical_to_spec import abs_canonical, canonical_local
from refinement.riscv_to_canonical import abs_riscv, riscv_local

Result = Tuple[int, int]
CanonicalSpecSquare = Tuple[Tuple[SpecState, Result], Tuple[SpecState, Result]]
RiscvCanonicalSquare = Tuple[Tuple[CanonState, Result], Tuple[CanonState, Result]]
SBI_CODES = (abi.SUCCESS, abi.FAILED, abi.INVALID_PARAM, abi.INVALID_ADDRESS, abi.ALREADY_AVAILABLE)
ACCESS_CODES = (abi.ACCESS_OK, abi.ACCESS_FAULT)


def canonical_spec_square(low: Tuple[CanonState, Result], up: Tuple[SpecState, Result]) -> CanonicalSpecSquare:
    """(abstraction of the canonical step, spec step): equal when the square commutes.

    Simulation assumes only `canonical_local`, not the spec invariant: a square that commutes
    on more states is a stronger theorem, and the proof stays small. The spec half of the
    representation invariant is carried by simulation plus `spec/<op>/totality`."""
    return (abs_canonical(low[0]), low[1]), up


def riscv_canonical_square(low: Tuple[RvState, Result], up: Tuple[CanonState, Result]) -> RiscvCanonicalSquare:
    """(abstraction of the RISC-V step, canonical step): equal when the square commutes.

    The RISC-V model runs the same monitor code on RISC-V primitives, so this proves that PMP,
    hgatp/G-stage PTEs and the register switch implement the canonical primitives in the step."""
    return (abs_riscv(low[0]), low[1]), up


def riscv_sim_ok(s: RvState) -> bool:
    """What every RISC-V obligation assumes: both local invariants, of the state and of its
    abstraction (the canonical half is preserved by the canonical->spec obligations)."""
    return riscv_local(s) and canonical_local(abs_riscv(s))


def defined(result: Result, codes: Tuple[int, ...]) -> bool:
    return result[0] in codes
