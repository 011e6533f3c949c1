"""Security properties of the spec: what the hypervisor may observe, and what it may not touch.

The secrets are exactly the contents of confidential memory, the CVMs' vCPU state (general and
floating-point registers, pcs, the exit each vCPU awaits an answer to) and the value of each
CVM's secret. Everything else in a spec state is observable by the hypervisor, directly (NC memory, its own registers, which vCPU it scheduled, what the last exit showed it)
or through the monitor's answers (the CVM table, the allocation of confidential pages, the guest
maps it helped to build, the MMIO region table it serves requests for, the interrupt lines
each CVM allows and those it injected). What an exit shows is the reference's declassification
(`switch.declassified`); the exit's confidentiality obligation assumes only that.
"""
from __future__ import annotations

import typing
from dataclasses import make_dataclass, replace
from typing import Any, Tuple

from abstract.classes import CVM, PAGES, SPEC_FIELDS, field_value
from abstract.config import C, G, H, K, NC, NIRQ, NREGS
from abstract.shapes import ints
from abstract import abi
from abstract.domain import FREE, HYPERVISOR, SUSPENDED, TABLE_BASE, owned_by
from abstract.logic import all_of, any_of, flag_at, immutable, implies, keep, lnot, read_at, same, set_at
from abstract.spec.state import SpecState
from abstract.spec.switch import declassified


# Derived from the classification once, at import: the seen fields in declaration order, and
# the CVM-owned fields with their block size.
SEEN = tuple(name for name, f in SPEC_FIELDS.items() if f.seen and f.owner != PAGES)
OWNED = tuple((name, f.unit) for name, f in SPEC_FIELDS.items() if f.owner == CVM)


def hypervisor_view(s: SpecState) -> Tuple:
    """The one observation function: NC memory, the C page owners, and every field
    `SPEC_FIELDS` marks seen (`abstract/classes.py`)."""
    return (s.mem[:NC], s.owner) + tuple(getattr(s, name) for name in SEEN)


HIDDEN = tuple(name for name, f in SPEC_FIELDS.items() if not f.seen)

# Everything the view leaves out: the contents of the C pages and every unseen field. Two states
# are low-equal exactly when one is the other with its secrets replaced (`spec/secrets/observation`
# proves it), so a confidentiality obligation can take one state and a second set of secrets
# instead of two states constrained to be low-equal: half the symbolic values, no precondition.
SpecSecrets = immutable(make_dataclass(
    "SpecSecrets", [("c_mem", ints(C))] + [(name, typing.get_type_hints(SpecState)[name]) for name in HIDDEN],
    frozen=True))
SpecSecrets.__module__ = __name__


def secrets_of(s: SpecState) -> "SpecSecrets":
    return SpecSecrets(s.mem[NC:], *(getattr(s, name) for name in HIDDEN))


def with_secrets(s: SpecState, secrets: "SpecSecrets") -> SpecState:
    """`s` with everything the hypervisor cannot see taken from `secrets`."""
    return replace(s, mem=s.mem[:NC] + secrets.c_mem, **{name: getattr(secrets, name) for name in HIDDEN})


def without_table_contents(s: SpecState) -> SpecState:
    """`s` with every CVM's table page (owner TABLE_BASE + k, above every data tag) holding 0:
    all it holds but what its table pages hold."""
    return replace(s, mem=s.mem[:NC] + tuple(keep(m, o < TABLE_BASE) for m, o in zip(s.mem[NC:], s.owner)))


def low_equal(s1: SpecState, s2: SpecState) -> bool:
    """The hypervisor cannot tell s1 from s2 (one symbolic bool: no path forks per field)."""
    return same(hypervisor_view(s1), hypervisor_view(s2))


def cvm_state_kept(before: SpecState, after: SpecState, k: int) -> bool:
    """CVM slot k's private state is unchanged: every C page it owned is still its own with the
    same contents, and its vCPUs' general and floating-point registers and pcs are the same."""
    regs = all_of(
        same(before.vcpu_regs[k * H + h], after.vcpu_regs[k * H + h])
        & same(before.vcpu_fpu[k * H + h], after.vcpu_fpu[k * H + h])
        & (before.vcpu_pc[k * H + h] == after.vcpu_pc[k * H + h])
        for h in range(H)
    )
    return pages_kept(before, after, k) & regs


def pages_kept(before: SpecState, after: SpecState, k: int, freed: int = -1) -> bool:
    """Every C page CVM slot k owned (a data or a table page) is still its own, as the same kind
    and with the same contents, and it owns no page it did not own; page `freed` (a global
    index, -1: none) may instead be free and zero."""
    if after.owner is before.owner and after.mem is before.mem:
        return True  # the step kept both fields: nothing changed, no term to build (`is` never forks)

    def kept(p: int) -> bool:
        mine, now = owned_by(before.owner[p], k), owned_by(after.owner[p], k)
        return implies(mine | now, after.owner[p] == before.owner[p]) & implies(mine, after.mem[NC + p] == before.mem[NC + p])
    return all_of(
        kept(p) | ((NC + p == freed) & (after.owner[p] == FREE) & (after.mem[NC + p] == 0))
        for p in range(C)
    )


def blocks_kept(before: Any, after: Any, owned: Tuple[Tuple[str, int], ...], k: int) -> bool:
    """CVM slot k's block of every field in `owned` ((name, entries per slot), from a layer's
    table) is unchanged. Any layer's state: the RISC-V integrity uses it too."""
    # A field the step did not replace is kept by every CVM: skipping it keeps the term small
    # (most steps touch a few fields). `is` on the field objects never forks.
    changed = [(b, a, unit) for b, a, unit in ((field_value(before, n), field_value(after, n), u) for n, u in owned)
               if b is not a]
    return all_of(same(b[k * unit:(k + 1) * unit], a[k * unit:(k + 1) * unit]) for b, a, unit in changed)


def cvm_fields_kept(before: SpecState, after: SpecState, k: int) -> bool:
    """Everything CVM slot k owns is unchanged: its pages (`pages_kept`) and its block of every
    field `SPEC_FIELDS` gives to a CVM: its table entry, harts, guest map, vCPU registers, FPU
    and pcs, pending answers, MMIO regions, interrupt lines, IPIs and secret."""
    return pages_kept(before, after, k) & blocks_kept(before, after, OWNED, k)


def integrity(before: SpecState, after: SpecState, exempt: int) -> bool:
    """Every live CVM but slot `exempt` (the party to the step; -1 for none) keeps everything
    it owns (`cvm_fields_kept`). What the party itself may change is the row's own business:
    simulation and totality pin it down, and some rows bound it further (`answer_only`)."""
    return all_of(implies(before.live[k] & (k != exempt), cvm_fields_kept(before, after, k)) for k in range(K))


def answer_only(before: SpecState, after: SpecState, k: int, h: int) -> bool:
    """Resuming vCPU h of CVM slot k changes that CVM's private state only by the hypervisor's
    answer (the reference's "hypervisor to CVM" row): its pages, its other vCPUs and every FPU
    register are kept, and vCPU h's general registers change only in the registers its last
    exit named for the answer (`reply_slots`: rd after an MMIO load; none after any other exit).
    A suspended vCPU takes nothing of the hypervisor's: its registers become its own with a1 =
    its a2 (ACE's ResumeHart). If it runs, its pending lines become the hypervisor's hvip lines
    the CVM allowed, and its timer the hypervisor's stimecmp + 10 (ACE's RunConfidentialHart);
    the CVM's other vCPUs keep theirs. A pending SHARE request completes as `share_only` says."""
    if not (0 <= k < K and 0 <= h < H):
        return True
    i = k * H + h
    named = (before.reply_a[i], before.reply_b[i])
    own = before.vcpu_regs[i]
    sharing = abi.requested_page(read_at(before.share_req, i)) >= 0
    suspended = before.hart[i] == SUSPENDED
    resumed = set_at(own, abi.A1, own[abi.A2])
    after_i = after.vcpu_regs[i]
    # Register j (x(j+1)) of vCPU h afterwards: a share's completion may write a0 and a1
    # (`share_only` says with what); written as one `any_of` per register so that the terms for
    # a0 and a1 alone carry the share test.
    regs_i = all_of(
        any_of(((sharing,) if j in (abi.A0, abi.A1) else ())
               + (suspended & (after_i[j] == resumed[j]),
                  lnot(suspended) & implies(lnot((j + 1 == named[0]) | (j + 1 == named[1])), own[j] == after_i[j])))
        for j in range(NREGS)
    )
    others = all_of(
        same(before.vcpu_regs[q], after.vcpu_regs[q]) & (before.vcpu_pc[q] == after.vcpu_pc[q])
        for q in range(k * H, k * H + H) if q != i
    )
    fpu = all_of(same(before.vcpu_fpu[q], after.vcpu_fpu[q]) for q in range(k * H, k * H + H))
    return regs_i & others & fpu & share_only(before, after, k, i) & run_inputs_only(before, after, k, h)


def share_only(before: SpecState, after: SpecState, k: int, i: int) -> bool:
    """What the answer to vCPU i's pending SHARE request (guest page g) may change in CVM slot
    k, and only if one is pending: entry g becomes a shared NC page, a private page it held is
    freed and zeroed, and the vCPU's a0 is a share result with a1 = 0. Every other page and
    guest map entry of the CVM is kept."""
    g = abi.requested_page(read_at(before.share_req, i))
    sharing = g >= 0
    e = k * G + g
    freed = keep(read_at(before.page, e) + 1, sharing & flag_at(before.private, e)) - 1
    entries = all_of(
        implies(lnot(sharing) | (q != e), (before.private[q] == after.private[q]) & (before.shared[q] == after.shared[q])
                & (before.page[q] == after.page[q]))
        for q in range(k * G, k * G + G)
    )
    entry_e = implies(sharing, (flag_at(after.private, e) == flag_at(before.private, e)) & (read_at(after.page, e) == read_at(before.page, e))
                      & (flag_at(after.shared, e) == flag_at(before.shared, e))
                      | lnot(flag_at(after.private, e)) & flag_at(after.shared, e) & (read_at(after.page, e) < NC))
    result = after.vcpu_regs[i][abi.A0]
    unchanged = (result == before.vcpu_regs[i][abi.A0]) & (after.vcpu_regs[i][abi.A1] == before.vcpu_regs[i][abi.A1])
    answer = implies(sharing, unchanged | (((result == abi.SUCCESS) | (result == abi.FAILED) | (result == abi.INVALID_ADDRESS))
                                           & (after.vcpu_regs[i][abi.A1] == 0)))
    return pages_kept(before, after, k, freed) & entries & entry_e & answer


def run_inputs_only(before: SpecState, after: SpecState, k: int, h: int) -> bool:
    """What TVM_VCPU_RUN passes into vCPU h of CVM slot k, if it ran, and nothing else of the
    CVM's interrupt lines and timers changes."""
    i = k * H + h
    ran = (after.run_cvm == k) & (after.run_vcpu == h)
    lines = all_of(after.irq_pending[i * NIRQ + j] == ((abi.hvip_line(before.hv_hvip, j) & before.irq_allowed[k * NIRQ + j]
                                                        & ran) | (before.irq_pending[i * NIRQ + j] & lnot(ran)))
                   for j in range(NIRQ))
    timer = after.vcpu_vstimecmp[i] == before.vcpu_vstimecmp[i] + keep(
        before.hv_stimecmp + abi.RUN_TIMER_DELAY - before.vcpu_vstimecmp[i], ran)
    others = all_of(same(before.irq_pending[q * NIRQ:(q + 1) * NIRQ], after.irq_pending[q * NIRQ:(q + 1) * NIRQ])
                    & (before.vcpu_vstimecmp[q] == after.vcpu_vstimecmp[q]) for q in range(k * H, k * H + H) if q != i)
    return lines & timer & others


def exit_declassification_equal(s1: SpecState, s2: SpecState, cause: int, addr: int, instr: int) -> bool:
    """What an exit for `cause` may show is the same in s1 and s2 (the declassified values)."""
    if s1.run_cvm == HYPERVISOR:
        return True
    i = s1.run_cvm * H + s1.run_vcpu
    shown1 = declassified(s1.vcpu_regs[i], cause, addr, instr)
    shown2 = declassified(s2.vcpu_regs[i], cause, addr, instr)
    return same(shown1[0], shown2[0])
