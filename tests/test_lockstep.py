"""Contract-checked runs of the three layers in lockstep.

Random call sequences drive the RISC-V model from its boot state; at every step the obligation
functions themselves are called concretely, so their icontract postconditions check the
commuting squares and invariants, and the full representation invariants are asserted.
"""
from __future__ import annotations

import icontract
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import concrete.riscv as rv
from concrete.riscv import cvm_tables, hv_tables
from abstract import abi
from refinement.obligations import standard
from abstract.config import C, G, H, K, LEVELS, NC, NFREGS, P, PAGE_SIZE, PAGES, ROOT_PAGES, TABLE_PAGES
from abstract.domain import CVM_BASE, HYPERVISOR, TABLE_BASE
from abstract.spec.state import slot_of
from concrete.riscv.state import riscv_initial
from refinement.canonical_to_spec import abs_canonical, canonical_invariant
from refinement.transitions import TRANSITIONS
from refinement.riscv_to_canonical import abs_riscv, riscv_invariant

addr = st.one_of(st.integers(0, PAGES * PAGE_SIZE), st.integers(0, PAGES).map(lambda p: p * PAGE_SIZE),
                 st.integers(-2 ** 64, 2 ** 64))
gpa = st.one_of(st.integers(0, G - 1).map(lambda g: g * PAGE_SIZE), st.integers(-10, G * PAGE_SIZE + 10))
size = st.sampled_from([PAGE_SIZE, PAGE_SIZE, 0, 8192])
word = st.one_of(st.integers(-2 ** 64, 2 ** 64), st.integers(-2, 4))
eids = st.one_of(st.sampled_from([abi.EID_COVH, abi.EID_COVG, abi.EID_HSM, abi.EID_NACL, abi.EID_IPI,
                                  abi.EID_RFENCE, abi.EID_SRST]), word)
fids = st.one_of(st.integers(0, 16), word)


@st.composite
def register_file(draw):
    """x1..x31 at random, with a7/a6 often naming a real extension and function and a0/a1
    often small (CVM ids, harts, guest addresses)."""
    regs = draw(st.lists(word, min_size=31, max_size=31))
    regs[abi.A7], regs[abi.A6] = draw(eids), draw(fids)
    regs[abi.A0] = draw(st.one_of(st.integers(-1, K + 1), gpa, word))
    regs[abi.A1] = draw(st.one_of(st.integers(-1, H), size, word))
    return tuple(regs)


register_file = register_file()


calls = st.one_of(
    st.tuples(st.integers(-1, NC), st.integers(-1, 3), st.tuples(st.integers(-2, 60), st.integers(-2, 60)),
              st.integers(0, 9), st.just(abi.GSTAGE_SV48X4), st.integers(0, 2 ** 40))
    .map(lambda t: ("promote_to_tvm", *hv_tables.huge_leaf_at(t[0]), *t[1:])),
    st.tuples(st.just("promote_to_tvm"), st.integers(0, G + 1),
              st.lists(st.integers(-1, NC), min_size=0, max_size=G + 1).map(tuple),
              st.integers(-1, 3), st.tuples(st.integers(-2, 60), st.integers(-2, 60)), st.integers(0, 9),
              st.sampled_from([abi.GSTAGE_SV48X4, abi.GSTAGE_SV57X4, abi.GSTAGE_SV48X4, 8, 0]), st.integers(0, 2 ** 40)),
    # A VM whose tables also hold entries no guest page uses: ACE's copy's code and pages for them.
    st.tuples(st.just("promote_off"), st.integers(0, G + 1), st.lists(st.integers(-1, NC), min_size=0, max_size=G + 1).map(tuple),
              st.sampled_from([abi.SUCCESS, abi.SUCCESS, abi.INVALID_ADDRESS, abi.INVALID_PARAM, abi.FAILED]),
              st.sampled_from([0, 1, 2, 5, 40, -1])),
    st.tuples(st.just("promote_huge_off"), st.integers(0, NC), st.sampled_from([abi.SUCCESS, abi.SUCCESS, abi.INVALID_ADDRESS]),
              st.integers(-1, C)),
    st.tuples(st.just("retrieve_secret"), st.one_of(gpa, gpa.map(lambda a: a + 8), gpa.map(lambda a: a + 4)),
              st.sampled_from([0, 8, 16, 4096, 4097])),
    st.tuples(st.just("destroy_tvm"), st.integers(0, K + 1)),
    st.tuples(st.just("tvm_vcpu_run"), st.integers(0, K + 1), st.integers(-1, H)),
    st.tuples(st.just("hart_suspend")),
    st.tuples(st.just("exit_mmio_load"), addr, st.integers(0, 2 ** 32 - 1)),
    st.tuples(st.just("exit_mmio_store"), addr, st.integers(0, 2 ** 32 - 1)),
    st.tuples(st.just("exit_interrupt"), st.one_of(st.integers(2 ** 63, 2 ** 64 - 1), st.integers(0, 30))),
    st.tuples(st.just("wfi")),
    st.tuples(st.just("allow_ext_interrupt"), st.one_of(st.integers(0, 15), word)),
    st.tuples(st.just("hypervisor_csrs"), st.one_of(st.integers(0, 2 ** 11), word), st.one_of(st.integers(0, 100), word)),
    st.tuples(st.just("add_mmio_region"), gpa, st.sampled_from([PAGE_SIZE, 2 * PAGE_SIZE, 0, 100])),
    st.tuples(st.just("remove_mmio_region"), gpa, st.sampled_from([PAGE_SIZE, 2 * PAGE_SIZE, 0])),
    st.tuples(st.just("guest_load_fault"), st.one_of(gpa, gpa.map(lambda a: a + PAGE_SIZE - 1)), st.integers(0, 2 ** 32 - 1)),
    st.tuples(st.just("guest_store_fault"), st.one_of(gpa, gpa.map(lambda a: a + PAGE_SIZE - 1)), st.integers(0, 2 ** 32 - 1)),
    st.tuples(st.just("system_reset")),
    st.tuples(st.just("tsm_get_info"), addr, st.sampled_from([0, 47, 48, 4096])),
    st.tuples(st.just("hart_start"), st.integers(-1, H), st.sampled_from([0, 0x2000]), word),
    st.tuples(st.just("hart_stop")),
    st.tuples(st.just("hart_suspend")),
    st.tuples(st.just("hart_status"), st.integers(-1, H)),
    st.tuples(st.just("hypervisor_ecall")),
    st.tuples(st.just("guest_ecall")),
    st.tuples(st.just("scribble"), register_file, st.just((0,) * NFREGS)),
    st.tuples(st.just("scribble"), st.lists(st.integers(-2 ** 64, 2 ** 64), min_size=31, max_size=31).map(tuple),
              st.lists(st.integers(0, 2 ** 64 - 1), min_size=NFREGS, max_size=NFREGS).map(tuple)),
    st.tuples(st.just("share_memory"), gpa, size),
    st.tuples(st.just("unshare_memory"), gpa, size),
    st.tuples(st.just("guest_page_fault"), gpa),
    st.tuples(st.just("hypervisor_read"), addr),
    st.tuples(st.just("hypervisor_write"), addr, st.integers(-5, 5)),
    st.tuples(st.just("nacl_write"), st.integers(-1, 31), word),
    st.tuples(st.just("send_ipi"), st.one_of(st.integers(0, 2 ** H), word), st.sampled_from([0, 1, H, -1, 2 ** 64 - 1, 5])),
    st.tuples(st.just("tlb_fill"), st.integers(-1, G), st.integers(-1, P)),
    st.tuples(st.just("guest_load"), st.integers(-1, G), st.integers(0, 32)),
    st.tuples(st.just("guest_store"), st.integers(-1, G), st.integers(0, 32)),
    st.tuples(st.just("other_hart_interrupt"), st.integers(0, P)),
    st.tuples(st.just("other_hart_run"), st.integers(0, P), st.integers(0, K + 1), st.integers(-1, H)),
    st.tuples(st.just("other_hart_exit"), st.integers(0, P)),
    st.tuples(st.just("nacl_set_shmem"), st.one_of(st.integers(-1, NC).map(lambda p: p * PAGE_SIZE), addr),
              st.sampled_from([0, 0, 1, -1, 2 ** 64 - 1]), st.sampled_from([0, 0, 1])),
    st.tuples(st.just("remote_fence"), st.integers(-1, 4), st.one_of(st.integers(0, 2 ** H), word),
              st.sampled_from([0, 1, H, -1, 5])),
)



def same_but_answer(after, before):
    """Nothing changed but the live registers, which carry the call and its answer in a0/a1."""
    from dataclasses import replace
    return replace(after, hw=replace(after.hw, regs=before.hw.regs)) == before


def scribble(s, regs, fregs):
    """Whatever runs on the hart (hypervisor or vCPU) fills its registers with arbitrary values."""
    from dataclasses import replace
    return replace(s, hw=replace(s.hw, regs=regs, fregs=fregs))


def hypervisor_csrs(s, hvip, stimecmp):
    """The hypervisor sets its own hvip and stimecmp (held with its hart's state by the monitor)."""
    from dataclasses import replace
    return replace(s, hv_hvip=hvip, hv_stimecmp=stimecmp)


# Decoded calls as the raw steps of the transition table: the registers a call travels in (a7,
# a6, then a0..), the inputs the registers do not carry, or the trap's (cause, address, instr).
CALL_OF = {c: (e, f) for (e, f), c in abi.CALLS.items()}
HV_CALLS = {"tsm_get_info": abi.CALL_TSM_GET_INFO, "destroy_tvm": abi.CALL_DESTROY_TVM,
            "tvm_vcpu_run": abi.CALL_TVM_VCPU_RUN, "nacl_set_shmem": abi.CALL_NACL_SET_SHMEM}
GUEST_CALLS = {"add_mmio_region": abi.CALL_ADD_MMIO_REGION, "remove_mmio_region": abi.CALL_REMOVE_MMIO_REGION,
               "share_memory": abi.CALL_SHARE_MEMORY, "unshare_memory": abi.CALL_UNSHARE_MEMORY, "allow_ext_interrupt": abi.CALL_ALLOW_EXT_INTERRUPT,
               "retrieve_secret": abi.CALL_RETRIEVE_SECRET, "hart_start": abi.CALL_HART_START,
               "hart_stop": abi.CALL_HART_STOP, "hart_suspend": abi.CALL_HART_SUSPEND,
               "hart_status": abi.CALL_HART_STATUS, "system_reset": abi.CALL_SYSTEM_RESET,
               "send_ipi": abi.CALL_SEND_IPI}
EXITS = {"wfi": lambda: (abi.CAUSE_VIRTUAL_INSTRUCTION, 0, 0, 0),
         "exit_mmio_load": lambda a, i, gva=0: (abi.CAUSE_LOAD_GUEST_PAGE_FAULT, a, i, gva),
         "exit_mmio_store": lambda a, i, gva=0: (abi.CAUSE_STORE_GUEST_PAGE_FAULT, a, i, gva),
         "exit_interrupt": lambda c: (c, 0, 0, 0)}
FAULTS = ("guest_load_fault", "guest_store_fault")  # (gpa, instr, gva): gva 0 unless given


def _in_registers(s, call, args):
    """`s` with the live registers holding `call` and its arguments in a0.. (a call the hart's
    current runner cannot make is made anyway: its entry's other row answers it)."""
    return _raw_call(s, *CALL_OF[call], *args)


def as_raw_step(s, name, args):
    """(state, entry, inputs) of the raw step that performs decoded call `name`."""
    if name in HV_CALLS or name == "promote_to_tvm" or name in GUEST_CALLS or name == "remote_fence":
        if name == "promote_to_tvm":  # the VM's tables are an input; the entry pc travels in a2
            return _in_registers(s, abi.CALL_PROMOTE_TO_TVM, (0, 0, args[-1])), "hypervisor_ecall", tuple(args[:-1])
        if name == "remote_fence":
            from dataclasses import replace
            s = _in_registers(s, abi.CALL_REMOTE_FENCE, args[1:])
            regs = s.hw.regs[:abi.A6] + (args[0],) + s.hw.regs[abi.A6 + 1:]
            return replace(s, hw=replace(s.hw, regs=regs)), "guest_ecall", ()
        hv = name in HV_CALLS
        call = HV_CALLS[name] if hv else GUEST_CALLS[name]
        return _in_registers(s, call, args), "hypervisor_ecall" if hv else "guest_ecall", ()
    if name in EXITS:
        return s, "vcpu_exit", EXITS[name](*args)
    if name == "guest_page_fault":  # reached through a load fault outside every MMIO region
        return s, "guest_load_fault", (args[0], 0, 0)
    if name in FAULTS:
        return s, name, (tuple(args) + (0,))[:3]
    return s, name, tuple(args)


def row_of(s, entry, inputs):
    """The one row of `entry` that covers the RISC-V state `s` with `inputs`; None when its
    caller does not run (a vCPU's trap while the hypervisor runs is no transition)."""
    rows = [row for row in TRANSITIONS if row.riscv.__name__ == entry
            and standard.chosen(row, standard.live_regs, s, inputs or None)]
    assert len(rows) <= 1, (entry, [r.name for r in rows])
    return rows[0] if rows else None


def step_checked(s, call):
    """One raw step with every one-state obligation of its row evaluated concretely by its
    contracts."""
    name, *args = call
    off = (abi.SUCCESS, 0)  # what ACE's copy finds off the guest's path: nothing
    if name == "promote_off":  # ... or the code and pages given
        name, off, args = "promote_to_tvm", tuple(args[2:]), args[:2]
    if name == "promote_huge_off":  # the same beside one huge leaf at NC page args[0]
        name, off, args = "promote_to_tvm", tuple(args[1:]), [*hv_tables.huge_leaf_at(args[0]), 0, (0, 0), 0, abi.GSTAGE_SV48X4, 0]
    if name == "promote_to_tvm" and len(args) == 2:  # no attestation payload
        args = [*args, 0, (0, 0), 0]
    if name == "promote_to_tvm" and len(args) == 5:  # an Sv48x4 VM booting at 0
        args = [*args, abi.GSTAGE_SV48X4, 0]
    if name == "promote_to_tvm" and len(args) == 7:  # guest pages 0..npages-1 at src, in the hypervisor's tables
        npages, src = args[0], tuple(args[1]) + (0,) * G
        args[:2] = hv_tables.tables_for(tuple(src[g] if g < npages else abi.VM_UNMAPPED for g in range(G)))
    if name == "promote_to_tvm":
        args = [*args[:8], *off, *args[8:]]
    if name == "scribble":
        return scribble(s, *args), (0, 0)
    if name == "hypervisor_csrs":
        return hypervisor_csrs(s, *args), (0, 0)
    if name in ("hypervisor_ecall", "guest_ecall"):  # whatever the registers already hold
        s, entry, inputs = s, name, (_promote_defaults() if name == "hypervisor_ecall" and _calls_promote(s) else ())
    else:
        s, entry, inputs = as_raw_step(s, name, args)
    row = row_of(s, entry, inputs)
    if row is None:
        return s, (abi.INVALID_PARAM, 0)
    check_obligations(s, row, inputs)
    return row.riscv(s, *inputs)


def _calls_promote(s):
    return abi.decode_call(s.hw.regs[abi.A7], s.hw.regs[abi.A6]) == abi.CALL_PROMOTE_TO_TVM


def _promote_defaults():
    return (*hv_tables.tables_for(()), 0, (0, 0), 0, abi.GSTAGE_SV48X4, abi.SUCCESS, 0)


def check_obligations(s, row, inputs):
    """Evaluate every one-state standard obligation of `row` at `s` with its contracts on."""
    x, c = inputs or None, abs_riscv(s)
    above = row.lifted(s, inputs) or None  # the canonical and spec inputs
    for suffix, state, its in (("simulation_riscv_canonical", s, x), ("invariant_riscv", s, x), ("isolation", s, x),
                               ("simulation_canonical_spec", c, above), ("invariant_canonical", c, above),
                               ("totality", abs_canonical(c), above), ("integrity", abs_canonical(c), above)):
        getattr(standard, f"{row.name}_{suffix}")(state, its)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(calls, min_size=1, max_size=25))
def test_random_call_sequences_keep_every_square_commuting(sequence):
    s = riscv_initial()
    for call in sequence:
        before = s
        s, _ = step_checked(s, call)
        assert riscv_invariant(s)
        if before.run_cvm != -1 and s.run_cvm == -1:
            assert s.hw.regs[11:] == before.hw.hv_saved[11:], "the hypervisor's registers came back"
        assert canonical_invariant(abs_riscv(s))


def shared(s, cvm, gpa, hv_err, hv_addr, vcpu=0, answered=False):
    """vCPU `vcpu` of `cvm` (running) asks to share guest address gpa (unless its request has
    left already: `answered`); the hypervisor answers (hv_err, hv_addr) in the exit area's a0/a1
    and runs the vCPU again. The state, and the result the vCPU finds in its a0."""
    if not answered:
        s, (err, _) = step_checked(s, ("share_memory", gpa, PAGE_SIZE))
        if err != abi.SUCCESS or s.run_cvm != HYPERVISOR:
            return s, err
    assert s.hw.nacl_gprs[abi.A7] == abi.EID_COVG and s.hw.nacl_gprs[abi.A0:abi.A1 + 1] == (gpa, PAGE_SIZE), "ACE's request"
    s, _ = step_checked(s, ("nacl_write", abi.A0, hv_err))
    s, _ = step_checked(s, ("nacl_write", abi.A1, hv_addr))
    s, (err, _) = step_checked(s, ("tvm_vcpu_run", cvm, vcpu))
    assert err == abi.SUCCESS and s.run_cvm != HYPERVISOR
    assert s.hw.regs[abi.A1] == 0
    return s, s.hw.regs[abi.A0]


def test_scenario_promote_run_fault_share_exit_destroy():
    s = riscv_initial()
    s = rv.hypervisor_write(s, 1 * PAGE_SIZE, 77)[0]
    s, (err, cvm) = step_checked(s, ("promote_to_tvm", 1, (1,)))
    assert (err, cvm) == (0, 0), "ids from 0, as ACE's unique_id"
    assert s.mem[abs_riscv(s).hw.t_page[0]] == 77, "the guest got a copy of the hypervisor page"
    s, (err, _) = step_checked(s, ("tvm_vcpu_run", cvm, 0))
    assert err == 0 and s.run_cvm == 0
    s, (outcome, _) = step_checked(s, ("guest_page_fault", PAGE_SIZE))
    assert outcome == 0 and s.hw.pt_v[1] and s.hw.pt_x[1]
    s, err = shared(s, cvm, PAGE_SIZE, 0, 2 * PAGE_SIZE)
    assert err == 0 and s.hw.pt_v[1] and not s.hw.pt_x[1] and s.hw.pt_ppn[1] == 2
    s, _ = step_checked(s, ("scribble", tuple(range(100, 131)), tuple(range(200, 200 + NFREGS))))
    s, (err, _) = step_checked(s, ("hart_suspend",))
    assert err == 0 and s.hw.regs[9:11] == (0, 0) and s.hw.fregs == (0,) * NFREGS
    assert s.hw.nacl_gprs[abi.A7] == abi.EID_HSM and s.hw.nacl_gprs[abi.A6] == abi.HSM_HART_SUSPEND
    assert s.hw.nacl_gprs[9:15] == (0,) * 6, "ACE's request: the call, a0 = a1 = 0; the vCPU's 109, 110 not shown"
    assert rv.hypervisor_read(s, NC * PAGE_SIZE)[1][0] == 1, "C is closed to the hypervisor again"
    s, (err, _) = step_checked(s, ("destroy_tvm", cvm))
    assert err == 0 and all(v == 0 for v in s.mem[NC:])


def test_contracts_reject_a_broken_square(monkeypatch):
    """The obligation contracts are live here: with the PMP left open on exit (seeded fault 6,
    patched for this test only) the concrete exit square fails its postcondition."""
    from concrete.riscv.machine import RiscvMachine
    s = riscv_initial()
    s, (_, cvm) = rv.promote_to_tvm(s, hv_tables.tables_for((0,)))
    s, _ = rv.tvm_vcpu_run(s, cvm, 0)
    exit_square = standard.exit_interrupt_simulation_riscv_canonical
    timer = (2 ** 63 + 5, 0, 0, 0)
    exit_square(s, timer)  # holds on the real model
    monkeypatch.setattr(RiscvMachine, "isolation_revoke", lambda self, hw: hw)
    with pytest.raises(icontract.ViolationError, match="abs\\(RISC-V step\\) == canonical step"):
        exit_square(s, timer)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from([("promote_to_tvm", 1, (0,)), ("tvm_vcpu_run", 0, 0), ("hart_suspend",)]), max_size=4),
       st.lists(register_file, min_size=1, max_size=6))
def test_random_register_files_through_the_ecall_entries(setup, files):
    """Decoding robustness with contracts on: whatever the caller's registers hold, the ecall
    entry answers a defined code and the full representation invariant holds."""
    s = riscv_initial()
    for call in setup:
        s, _ = step_checked(s, call)
    for regs in files:
        s = scribble(s, regs, s.hw.fregs)
        entry = "hypervisor_ecall" if s.run_cvm == -1 else "guest_ecall"
        s, (err, _) = step_checked(s, (entry,))
        assert err in (0, -1, -3, -5, -6)
        assert riscv_invariant(s)


def test_ecall_entries_decode_the_registers_and_answer_in_a0_a1():
    s = riscv_initial()
    s, (err, cvm) = step_checked(s, ("promote_to_tvm", 1, (0,)))
    regs = [0] * 31
    regs[abi.A7], regs[abi.A6], regs[abi.A0], regs[abi.A1] = abi.EID_COVH, 3, 0, 0
    s, (err, _) = step_checked(scribble(s, tuple(regs), s.hw.fregs), ("hypervisor_ecall",))
    assert err == abi.INVALID_PARAM and s.hw.regs[abi.A0] == abi.INVALID_PARAM, "unknown COVH FID: -3 in a0"
    regs[abi.A6], regs[abi.A0] = abi.COVH_TVM_VCPU_RUN, cvm
    s, (err, _) = step_checked(scribble(s, tuple(regs), s.hw.fregs), ("hypervisor_ecall",))
    assert err == 0 and s.run_cvm == 0, "TVM_VCPU_RUN decoded from a7/a6/a0/a1"
    guest = [7] * 31
    guest[abi.A7], guest[abi.A6], guest[abi.A0] = abi.EID_HSM, abi.HSM_HART_GET_STATUS, 1
    s, (err, value) = step_checked(scribble(s, tuple(guest), s.hw.fregs), ("guest_ecall",))
    assert (err, value) == (0, abi.HSM_STATUS_STOPPED) and s.hw.regs[abi.A0:abi.A1 + 1] == (0, 1)
    assert s.hw.regs[abi.A1 + 1] == 7, "other registers untouched"


def test_an_mmio_request_needs_eight_bytes_ending_strictly_inside_a_region():
    s = riscv_initial()
    s, (err, cvm) = step_checked(s, ("promote_to_tvm", 1, (0,)))
    s, _ = step_checked(s, ("tvm_vcpu_run", cvm, 0))
    s, (err, _) = step_checked(s, ("add_mmio_region", PAGE_SIZE, PAGE_SIZE))
    assert err == 0 and s.run_cvm == -1, "ACE tells the hypervisor: the request exit"
    assert s.hw.nacl_gprs[abi.A0:abi.A1 + 1] == (PAGE_SIZE, PAGE_SIZE) and s.hw.nacl_gprs[abi.A6] == abi.COVG_ADD_MMIO_REGION
    s, _ = step_checked(s, ("tvm_vcpu_run", cvm, 0))
    assert s.hw.regs[abi.A0:abi.A1 + 1] == (0, 0), "the caller resumes with (SUCCESS, 0)"
    store = (12 << 20) | 0x23  # sw x12, 0(x?)
    gva = 0xFFFF_FFC0_1234_5FF7  # where the guest's own page tables put the access
    last = 2 * PAGE_SIZE - abi.MMIO_ACCESS - 1  # [last, last + 8) ends one byte before the region
    after, (err, _) = step_checked(s, ("guest_store_fault", last, store, gva))
    assert err == 0 and after.run_cvm == -1 and after.hw.exit_scause == 23
    assert (after.hw.exit_stval, after.hw.exit_htval, after.hw.exit_htinst) == (gva, last >> 2, store), \
        "as ACE: stval the guest virtual address, htval the guest physical address >> 2, htinst the instruction"
    for gpa in (last + 1, 2 * PAGE_SIZE - 1, 2 * PAGE_SIZE):
        after, (err, _) = step_checked(s, ("guest_store_fault", gpa, store))
        assert after.run_cvm == 0, f"{gpa:#x}: within the last 8 bytes or past the region, an ordinary page fault (ACE)"


def test_tvm_vcpu_run_passes_in_the_allowed_hvip_lines_and_the_timer_plus_10():
    s = riscv_initial()
    s, (_, cvm) = step_checked(s, ("promote_to_tvm", 1, (0,)))
    s, _ = step_checked(s, ("hypervisor_csrs", 0b1111, 5000))
    s, (err, _) = step_checked(s, ("tvm_vcpu_run", cvm, 0))
    assert err == 0 and not any(s.irq_pending), "lines the CVM never allowed are dropped"
    assert s.hw.vcpu_vstimecmp[0] == 5010, "ACE: the hypervisor's stimecmp + 10 (its fixed 'random' delay)"
    s, (err, _) = step_checked(s, ("allow_ext_interrupt", 0b1101))
    assert err == 0 and s.run_cvm == -1 and s.hw.nacl_gprs[abi.A0:abi.A1 + 1] == (0b1101, 0), "ACE's (mask, 0) request"
    s, _ = step_checked(s, ("hypervisor_csrs", 0b0110, 7))
    s, (err, _) = step_checked(s, ("tvm_vcpu_run", cvm, 0))
    assert err == 0 and s.irq_pending[:4] == (False, False, False, False), \
        "line 1 is not allowed; line 2 is VSSIP, which ACE never takes from the hypervisor"
    s, _ = step_checked(s, ("exit_interrupt", 2 ** 63 + 5))
    assert s.hw.exit_vstimecmp == 17, "the timer the hypervisor set comes back out on the exit"
    s, _ = step_checked(s, ("hypervisor_csrs", 0b1001, 7))
    s, (err, _) = step_checked(s, ("tvm_vcpu_run", cvm, 0))
    assert err == 0 and s.irq_pending[:4] == (True, False, False, True), "allowed lines 0 and 3 are raised"
    s, _ = step_checked(s, ("exit_interrupt", 2 ** 63 + 5))
    s, _ = step_checked(s, ("hypervisor_csrs", 0, 7))
    s, _ = step_checked(s, ("tvm_vcpu_run", cvm, 0))
    assert not any(s.irq_pending), "each run sets the lines anew, as ACE writes hvip"


def test_the_answer_to_an_exit_reaches_only_rd_and_moves_the_pc():
    """Hypervisor to CVM: after the monitor's SBI request (HSM suspend here) no register takes
    the NACL slots and the pc moves 4;
    after an MMIO load only rd does and the pc moves by the instruction's length; after an
    interrupt nothing changes; an answer is taken once."""
    s = riscv_initial()
    s, (_, cvm) = step_checked(s, ("promote_to_tvm", 1, (0,)))
    s, _ = step_checked(s, ("tvm_vcpu_run", cvm, 0))
    mine = tuple(range(100, 131))
    s, _ = step_checked(s, ("scribble", mine, (0,) * NFREGS))
    s, _ = step_checked(s, ("hart_suspend",))
    for slot in range(31):
        s, (outcome, _) = step_checked(s, ("nacl_write", slot, 1000 + slot))
        assert outcome == abi.ACCESS_OK
    s, _ = step_checked(s, ("tvm_vcpu_run", cvm, 0))
    expected = list(mine)
    expected[abi.A7], expected[abi.A6] = abi.EID_HSM, abi.HSM_HART_SUSPEND  # the call it made
    expected[abi.A1] = mine[abi.A2]  # ACE's ResumeHart: a1 = the call's opaque a2, pc = its a1
    assert s.hw.regs == tuple(expected) and s.hw.vcpu_mepc[0] == mine[abi.A1], "nothing of the hypervisor's crosses"
    s, _ = step_checked(s, ("exit_interrupt", 1 << 63 | 5))
    s, _ = step_checked(s, ("tvm_vcpu_run", cvm, 0))
    assert s.hw.vcpu_mepc[0] == mine[abi.A1], "an answer is taken once: the interrupt moves nothing"

    compressed_load_x12 = (12 << 7) | 0b01  # bit 1 clear: a compressed load, 2 bytes
    s, _ = step_checked(s, ("exit_mmio_load", PAGE_SIZE, compressed_load_x12))
    assert s.hw.nacl_gprs == (0,) * 31, "an MMIO load shows no register"
    s, _ = step_checked(s, ("nacl_write", 11, 77))
    s, _ = step_checked(s, ("nacl_write", 12, 78))
    s, _ = step_checked(s, ("tvm_vcpu_run", cvm, 0))
    expected[11] = 77
    assert s.hw.regs == tuple(expected) and s.hw.vcpu_mepc[0] == mine[abi.A1] + 2, "x12 (slot 11) only, pc + 2"

    s, _ = step_checked(s, ("exit_interrupt", 1 << 63 | 5))
    assert s.hw.exit_scause == 1 << 63, "the exit shows that it is an interrupt, not which (as ACE)"
    s, _ = step_checked(s, ("tvm_vcpu_run", cvm, 0))
    assert s.hw.regs == tuple(expected) and s.hw.vcpu_mepc[0] == mine[abi.A1] + 2, "an interrupt is answered with nothing"
    s, (outcome, _) = step_checked(s, ("nacl_write", 0, 1))
    assert outcome == abi.ACCESS_FAULT, "only the hypervisor writes the exit area"


def test_an_mmio_load_into_x0_takes_no_answer_but_moves_the_pc():
    s = riscv_initial()
    s, (_, cvm) = step_checked(s, ("promote_to_tvm", 1, (0,)))
    s, _ = step_checked(s, ("tvm_vcpu_run", cvm, 0))
    s, _ = step_checked(s, ("exit_mmio_load", PAGE_SIZE, (0 << 7) | 0b11))  # lw x0: result dropped
    for slot in range(31):
        s, _ = step_checked(s, ("nacl_write", slot, 5))
    s, _ = step_checked(s, ("tvm_vcpu_run", cvm, 0))
    assert s.hw.regs == (0,) * 31 and s.hw.vcpu_mepc[0] == 4


def test_an_ipi_reaches_only_the_named_harts_of_the_callers_cvm():
    s = riscv_initial()
    s, (_, first) = step_checked(s, ("promote_to_tvm", 1, (0,)))
    s, (_, second) = step_checked(s, ("promote_to_tvm", 1, (1,)))
    s, _ = step_checked(s, ("tvm_vcpu_run", second, 0))
    s, (err, _) = step_checked(s, ("send_ipi", 1 << H, 0))
    assert err == 0 and not any(s.ipi_pending), "hart H does not exist: named, ignored, not refused (ACE)"
    s, (err, _) = step_checked(s, ("send_ipi", 0b1, H - 1))
    assert err == 0 and s.ipi_pending == (False,) * (2 * H - 1) + (True,) + (False,) * (len(s.ipi_pending) - 2 * H)
    s, (err, _) = step_checked(s, ("send_ipi", 0, -1))
    assert err == 0 and s.ipi_pending[H:2 * H] == (True,) * H and not any(s.ipi_pending[:H]), "base -1: all of its own"
    s, (err, _) = step_checked(s, ("remote_fence", abi.RFENCE_SFENCE_VMA, 0b1, 0))
    assert err == 0
    s, (err, _) = step_checked(s, ("remote_fence", 3, 0b1, 0))
    assert err == 0, "HFENCE variants: nothing to fence for a CVM, answered as ACE does"
    s, (err, _) = step_checked(s, ("remote_fence", 7, 0b1, 0))
    assert err == abi.INVALID_PARAM, "no such RFENCE function"
    s, (err, _) = step_checked(s, ("hart_suspend",))
    s, (err, _) = step_checked(s, ("destroy_tvm", second))
    assert not any(s.ipi_pending), "destroy clears its pending IPIs"


def test_a_secret_is_released_only_when_every_digest_matches_and_lands_in_private_memory():
    """Attestation at promote: an empty payload, or one wrong digest, releases nothing and the
    promote still succeeds; matching digests release the secret, which RETRIEVE_SECRET writes
    into a private page only."""
    s = riscv_initial()
    s = rv.hypervisor_write(s, 0, 11)[0]
    boot = abi.with_hart_args((0,) * 31, 0, 0)  # the exit area is empty, the device tree at 0
    measurement = abi.measure(abi.vm_image((True,) + (False,) * (G - 1), (11,) + (0,) * (G - 1), boot, 0))
    for ndigests, digests in ((0, (measurement, measurement)), (2, (measurement, measurement + 1)), (3, (measurement,) * 2)):
        after, (err, cvm) = step_checked(s, ("promote_to_tvm", 1, (0,), ndigests, digests, 42))
        assert err == 0 and not any(after.has_secret) and after.secret == (0,) * K, (ndigests, digests)
    other_boot, _ = step_checked(s, ("nacl_write", 4, 1))  # other boot registers: another measurement
    after, (err, cvm) = step_checked(other_boot, ("promote_to_tvm", 1, (0,), 2, (measurement, measurement), 42))
    assert err == 0 and not after.has_secret[cvm]
    s, (err, cvm) = step_checked(s, ("promote_to_tvm", 1, (0,), 2, (measurement, measurement), 42))
    assert err == 0 and s.has_secret[cvm] and s.secret[cvm] == 42
    s, _ = step_checked(s, ("tvm_vcpu_run", cvm, 0))
    s, (err, _) = step_checked(s, ("retrieve_secret", 4, 8))
    assert err == abi.INVALID_ADDRESS, "8-byte alignment"
    s, (err, _) = step_checked(s, ("retrieve_secret", 0, 8))
    assert err == abi.INVALID_PARAM, "address 0 (ACE: ConfidentialVmPhysicalAddress::new)"
    s, (err, _) = step_checked(s, ("retrieve_secret", 8, 4))
    assert err == abi.INVALID_ADDRESS, "smaller than the secret (ACE's AddressNotAligned)"
    s, (err, _) = step_checked(s, ("retrieve_secret", 8, 2 * PAGE_SIZE))
    assert err == abi.INVALID_ADDRESS, "a buffer above 4 KiB"
    s, (err, _) = step_checked(s, ("retrieve_secret", PAGE_SIZE, 8))
    assert err == abi.INVALID_ADDRESS, "guest page 1 is not mapped: never written there"
    s, err = shared(s, cvm, PAGE_SIZE, 0, 2 * PAGE_SIZE)
    s, (err, _) = step_checked(s, ("retrieve_secret", PAGE_SIZE, 8))
    assert err == abi.INVALID_ADDRESS and s.mem[2] == 0, "a shared page never receives the secret"
    s, (err, length) = step_checked(s, ("retrieve_secret", 8, 8))
    assert (err, length) == (0, abi.SECRET_LEN) and s.mem[abs_riscv(s).hw.t_page[0]] == 42
    s, _ = step_checked(s, ("hart_suspend",))
    s, _ = step_checked(s, ("destroy_tvm", cvm))
    assert not any(s.has_secret) and s.secret == (0,) * K


def test_a_cvm_promoted_into_a_freed_slot_starts_without_the_old_cvms_registers():
    s = riscv_initial()
    s, (_, cvm) = step_checked(s, ("promote_to_tvm", 1, (0,)))
    s, _ = step_checked(s, ("tvm_vcpu_run", cvm, 0))
    s, _ = step_checked(s, ("scribble", tuple(range(1, 32)), tuple(range(1, 1 + NFREGS))))
    s, (err, _) = step_checked(s, ("wfi",))
    assert err == 0 and s.run_cvm == 0, "WFI is handled in the monitor: the vCPU still runs"
    from dataclasses import replace
    s = replace(s, hw=replace(s.hw, vcpu_vsie=(0x222,) + s.hw.vcpu_vsie[1:], vcpu_vstimecmp=(77,) + s.hw.vcpu_vstimecmp[1:]))
    s, _ = step_checked(s, ("exit_interrupt", 2 ** 63 + 5))
    assert s.hw.vcpu_saved[0] == tuple(range(1, 32)) and s.hw.vcpu_mepc[0] == 0
    assert (s.hw.exit_vsie, s.hw.exit_vstimecmp, s.hw.exit_hvip) == (0x222, 77, 0), "every exit shows them, as ACE"
    s, _ = step_checked(s, ("destroy_tvm", cvm))
    s, (_, again) = step_checked(s, ("promote_to_tvm", 1, (0,)))
    assert again == cvm, "the same slot"
    assert s.hw.vcpu_saved[0] == (0,) * 31 and s.hw.vcpu_fregs[0] == (0,) * NFREGS and s.hw.vcpu_mepc[0] == 0
    assert (s.hw.vcpu_vsie[0], s.hw.vcpu_vstimecmp[0]) == (0, 0), "nor its interrupt state, which an exit would show"


def test_unshare_fences_the_cached_translation_and_fault_9_leaves_it_stale():
    from refinement import faults
    s = riscv_initial()
    s, (_, cvm) = step_checked(s, ("promote_to_tvm", 1, (0,)))
    s, _ = step_checked(s, ("tvm_vcpu_run", cvm, 0))
    s, err = shared(s, cvm, PAGE_SIZE, 0, 2 * PAGE_SIZE)
    assert err == abi.SUCCESS
    s, _ = step_checked(s, ("tlb_fill", 1, 0))
    i = cvm * G + 1
    assert s.hw.tlb_v[i] and s.hw.tlb_ppn[i] == 2
    after, (err, _) = step_checked(s, ("unshare_memory", PAGE_SIZE, PAGE_SIZE))
    assert err == abi.SUCCESS and not after.hw.tlb_v[i] and not after.hw.pt_v[i]
    with faults.applied(["unshare-without-fence"]):
        with pytest.raises(icontract.ViolationError, match="riscv_local"):
            step_checked(s, ("unshare_memory", PAGE_SIZE, PAGE_SIZE))


def test_a_vcpu_runs_on_one_physical_hart_at_a_time_and_fault_8_breaks_that():
    from refinement import faults
    s = riscv_initial()
    s, (_, cvm) = step_checked(s, ("promote_to_tvm", 1, (0,)))
    s, (err, _) = step_checked(s, ("other_hart_run", 1, cvm, 0))
    assert err == abi.SUCCESS and s.other_harts[0] == cvm * H + 1
    for call in (("tvm_vcpu_run", cvm, 0), ("destroy_tvm", cvm), ("other_hart_run", 1, cvm, 0)):
        after, (err, _) = step_checked(s, call)
        from dataclasses import replace
        assert err == abi.INVALID_PARAM and replace(after, hw=replace(after.hw, regs=s.hw.regs)) == s, call
        if call[0] != "other_hart_run":  # an ecall: the refusal is answered in the hypervisor's a0
            assert after.hw.regs[abi.A0] == abi.INVALID_PARAM
    with faults.applied(["vcpu-on-two-harts"]):
        with pytest.raises(icontract.ViolationError, match="abs\\(canonical step\\) == spec step"):
            step_checked(s, ("tvm_vcpu_run", cvm, 0))
    s, (err, _) = step_checked(s, ("other_hart_exit", 1))
    assert err == abi.SUCCESS and s.other_harts[0] == 0
    s, (err, _) = step_checked(s, ("tvm_vcpu_run", cvm, 0))
    assert err == abi.SUCCESS


def test_nacl_shared_memory_must_lie_wholly_in_nc():
    s = riscv_initial()
    last_fit = (NC - abi.NACL_SHMEM_PAGES) * PAGE_SIZE
    s, (err, _) = step_checked(s, ("nacl_set_shmem", last_fit, 0, 0))
    assert err == abi.SUCCESS and s.nacl_page == NC - abi.NACL_SHMEM_PAGES
    for lo, hi, flags, expected in ((last_fit + PAGE_SIZE, 0, 0, abi.INVALID_ADDRESS),  # last page in C
                                    (NC * PAGE_SIZE, 0, 0, abi.INVALID_ADDRESS),
                                    (8, 0, 0, abi.INVALID_PARAM), (0, 1, 0, abi.INVALID_ADDRESS),
                                    (0, 0, 1, abi.INVALID_PARAM)):
        after, (err, _) = step_checked(s, ("nacl_set_shmem", lo, hi, flags))
        assert err == expected and same_but_answer(after, s), (lo, hi, flags)
    s, (err, _) = step_checked(s, ("nacl_set_shmem", 2 ** 64 - 1, -1, 0))
    assert err == abi.SUCCESS and s.nacl_page == abi.NACL_NONE


def test_a_new_cvm_takes_the_largest_live_id_plus_one_whatever_slot_it_gets():
    s = riscv_initial()
    s, (_, first) = step_checked(s, ("promote_to_tvm", 1, (0,)))
    s, (_, second) = step_checked(s, ("promote_to_tvm", 1, (1,)))
    assert (first, second) == (0, 1), "ACE's unique_id: 0 when no CVM exists"
    s, (err, _) = step_checked(s, ("destroy_tvm", first))
    assert err == abi.SUCCESS
    s, (err, third) = step_checked(s, ("promote_to_tvm", 1, (2,)))
    assert err == abi.SUCCESS and third == 2 and s.ids[0] == 2  # slot 0 again, a new id
    after, (err, _) = step_checked(s, ("tvm_vcpu_run", first, 0))
    assert err == abi.INVALID_PARAM and same_but_answer(after, s)  # the destroyed id names nothing
    s, (err, _) = step_checked(s, ("tvm_vcpu_run", third, 0))
    assert err == abi.SUCCESS and s.run_cvm == 0


def test_with_no_cvm_left_ids_start_again_from_0():
    s = riscv_initial()
    s, (_, first) = step_checked(s, ("promote_to_tvm", 1, (0,)))
    s, (_, second) = step_checked(s, ("promote_to_tvm", 1, (1,)))
    for cvm in (second, first):
        s, (err, _) = step_checked(s, ("destroy_tvm", cvm))
        assert err == abi.SUCCESS
    s, (err, again) = step_checked(s, ("promote_to_tvm", 1, (0,)))
    assert (err, again) == (abi.SUCCESS, 0), "as ACE: the largest existing id + 1, or 0 when there is none"


def test_promote_accepts_only_sv48x4_and_sv57x4_and_boots_vcpu_0_at_the_entry_pc():
    s = riscv_initial()
    for mode in (0, 8, 11):  # Bare, Sv39x4, reserved
        after, (err, _) = step_checked(s, ("promote_to_tvm", 1, (0,), 0, (0, 0), 0, mode, 0x8000))
        assert err == abi.INVALID_PARAM and same_but_answer(after, s), mode
    s, (err, cvm) = step_checked(s, ("promote_to_tvm", 1, (0,), 0, (0, 0), 0, abi.GSTAGE_SV57X4, 0x8000))
    assert err == abi.SUCCESS and s.hw.vcpu_mepc[:H] == (0x8000,) + (0,) * (H - 1)


def test_the_boot_vcpu_starts_with_the_exit_areas_registers_its_number_and_the_device_tree():
    """ACE's `from_vm_hart`: the boot hart's registers are the NACL area's, a0 = 0 (its number),
    a1 = the device tree's address (the hypervisor's a0); the other vCPUs start with none."""
    s = riscv_initial()
    for slot, value in ((abi.A0, 5), (abi.A1, 6), (4, 11)):
        s, _ = step_checked(s, ("nacl_write", slot, value))
    s = _in_registers(s, abi.CALL_PROMOTE_TO_TVM, (0x1000, 0, 0x8000))
    inputs = (*hv_tables.tables_for((0,)), 0, (0, 0), 0, abi.GSTAGE_SV48X4, abi.SUCCESS, 0)
    check_obligations(s, row_of(s, "hypervisor_ecall", inputs), inputs)
    s, (err, _) = rv.hypervisor_ecall(s, *inputs)
    boot = s.hw.vcpu_saved[0]
    assert err == abi.SUCCESS and (boot[abi.A0], boot[abi.A1], boot[4]) == (0, 0x1000, 11) and s.hw.vcpu_mepc[0] == 0x8000
    assert s.hw.vcpu_saved[1:H] == ((0,) * 31,) * (H - 1)


def test_calls_ace_completes_with_a_request_leave_with_exactly_its_arguments():
    """ACE's `SbiRequest` exits (abi.REQUEST_ARGS): HSM hart_start leaves with (hart, 0), and the
    caller resumes with (SUCCESS, 0); a refused start is answered without an exit."""
    s = riscv_initial()
    s, (_, cvm) = step_checked(s, ("promote_to_tvm", 1, (0,)))
    s, _ = step_checked(s, ("tvm_vcpu_run", cvm, 0))
    refused, (err, _) = step_checked(s, ("hart_start", 0))
    assert err == abi.INVALID_PARAM and refused.run_cvm == 0, "the caller runs (ACE's HartAlreadyRunning); no exit"
    s, (err, _) = step_checked(s, ("hart_start", 1, 0x2000, 77))
    assert err == 0 and s.run_cvm == -1 and s.hart[1] == 0
    assert (s.hw.nacl_gprs[abi.A7], s.hw.nacl_gprs[abi.A6]) == (abi.EID_HSM, abi.HSM_HART_START)
    assert s.hw.nacl_gprs[abi.A0:abi.A1 + 1] == (1, 0), "the started hart, then 0"
    s, _ = step_checked(s, ("tvm_vcpu_run", cvm, 0))
    assert s.hw.regs[abi.A0:abi.A1 + 1] == (0, 0)
    started = cvm * H + 1
    assert s.hw.vcpu_mepc[started] == 0x2000 and s.hw.vcpu_saved[started][abi.A0:abi.A1 + 1] == (1, 77), \
        "the started hart begins at its start address with a0 = its number, a1 = opaque"
    s, (err, _) = step_checked(s, ("hart_start", 1, 0x3000, 5))
    assert err == abi.ALREADY_AVAILABLE, "started already"


def test_the_hart_runs_a_cvm_on_its_own_hgatp_and_gives_the_hypervisor_its_own_back():
    """TVM_VCPU_RUN writes the CVM's hgatp word into the hart's CSR and the exit restores the
    hypervisor's (no obligation sees the hypervisor's hgatp: the canonical layer has none)."""
    from dataclasses import replace
    from concrete.riscv import gstage
    s, (_, cvm) = rv.promote_to_tvm(riscv_initial(), hv_tables.tables_for((0,)))
    own = gstage.encode_hgatp(gstage.MODE_SV39X4, 0, 7)
    s = replace(s, hw=replace(s.hw, hgatp_csr=own))
    s, _ = rv.tvm_vcpu_run(s, cvm, 0)
    assert s.hw.hgatp_csr == s.hw.hgatp[s.run_cvm] and gstage.decode_hgatp(s.hw.hgatp_csr)[0] == gstage.MODE_SV48X4
    s, _ = rv.exit_interrupt(s, 2 ** 63 + 7)
    assert s.hw.hgatp_csr == own


def test_a_write_of_an_unsupported_hgatp_mode_has_no_effect():
    from concrete.riscv import gstage
    old = gstage.encode_hgatp(gstage.MODE_SV48X4, 3, 5)
    for mode in range(16):
        new = gstage.encode_hgatp(mode, 1, 2)
        assert gstage.csr_write_hgatp(old, new) == (new if mode in gstage.SUPPORTED_MODES else old)


def _raw_call(s, eid, fid, *args):
    """`s` with the live registers holding a7 = eid, a6 = fid and `args` in a0.."""
    from dataclasses import replace
    regs = list(s.hw.regs)
    regs[abi.A7], regs[abi.A6] = eid, fid
    for j, value in enumerate(args):
        regs[abi.A0 + j] = value
    return replace(s, hw=replace(s.hw, regs=tuple(regs)))


def test_base_extension_is_answered_as_ace_on_both_entries():
    """The hypervisor's probe says 1 for COVH and NACL only (ACE hands the rest to OpenSBI,
    INVALID_PARAM here); NACL PROBE_FEATURE finds none; a CVM's Base calls are answered in the
    monitor with ACE's values, and each raw call is selected by its own row."""
    s = riscv_initial()
    for eid, fid, a0, answer in ((abi.EID_BASE, 3, abi.EID_COVH, (0, 1)), (abi.EID_BASE, 3, abi.EID_NACL, (0, 1)),
                                 (abi.EID_BASE, 3, abi.EID_HSM, (-3, 0)), (abi.EID_BASE, 0, 0, (-3, 0)),
                                 (abi.EID_NACL, 0, 0, (0, 0))):
        raw = _raw_call(s, eid, fid, a0)
        row = row_of(raw, "hypervisor_ecall", ())
        after, result = rv.hypervisor_ecall(raw)
        assert result == answer and after.hw.regs[abi.A0:abi.A1 + 1] == answer, (eid, fid, a0)
        assert row.name == ("nacl_probe_feature" if eid == abi.EID_NACL else "hypervisor_sbi_base")
    s, (_, cvm) = step_checked(s, ("promote_to_tvm", 1, (0,)))
    s, _ = step_checked(s, ("tvm_vcpu_run", cvm, 0))
    expected = {0: 2 << 24, 1: 1, 2: 1, 4: 0, 5: 0, 6: 0}
    for fid, value in expected.items():
        assert rv.guest_ecall(_raw_call(s, abi.EID_BASE, fid))[1] == (0, value), fid
    for eid in (abi.EID_BASE, abi.EID_IPI, abi.EID_RFENCE, abi.EID_HSM, abi.EID_SRST, abi.EID_COVG, abi.EID_COVH, 0x42):
        probed = rv.guest_ecall(_raw_call(s, abi.EID_BASE, 3, eid))
        assert probed[1] == (0, int(eid not in (abi.EID_COVH, 0x42))) and probed[0].run_cvm == s.run_cvm, hex(eid)
    assert row_of(_raw_call(s, abi.EID_BASE, 3), "guest_ecall", ()).name == "sbi_base"
    assert rv.guest_ecall(_raw_call(s, abi.EID_BASE, 7))[1] == (abi.INVALID_PARAM, 0), "FID 7 is no Base call"
    assert rv.guest_ecall(_raw_call(s, abi.EID_NACL, 0))[1] == (abi.INVALID_PARAM, 0), "NACL is the hypervisor's"


def test_share_is_a_request_and_a_completion_on_the_next_run_as_ace():
    """SHARE leaves with ACE's request and maps nothing; the hypervisor's a0/a1 in the exit
    area complete it on the next TVM_VCPU_RUN, its result in the vCPU's a0."""
    s = riscv_initial()
    s, (_, cvm) = step_checked(s, ("promote_to_tvm", 2, (0, 0)))
    s, _ = step_checked(s, ("tvm_vcpu_run", cvm, 0))
    i = cvm * G + 1
    old = abs_riscv(s).hw.t_page[i]
    assert old >= NC, "guest page 1 holds a private page"
    s, (err, _) = step_checked(s, ("share_memory", PAGE_SIZE, PAGE_SIZE))
    assert err == abi.SUCCESS and s.run_cvm == HYPERVISOR and s.share_req[cvm * H] == 2
    assert s.hw.pt_ppn[i] == old, "nothing is mapped before the hypervisor answers"
    refused = s
    for hv_err, hv_addr, expected in ((-1, 2 * PAGE_SIZE, abi.FAILED), (0, 2 * PAGE_SIZE + 8, abi.INVALID_ADDRESS),
                                      (0, NC * PAGE_SIZE, abi.INVALID_ADDRESS)):
        s2, _ = step_checked(refused, ("nacl_write", abi.A0, hv_err))
        s2, _ = step_checked(s2, ("nacl_write", abi.A1, hv_addr))
        s2, _ = step_checked(s2, ("tvm_vcpu_run", cvm, 0))
        assert s2.hw.regs[abi.A0] == expected and s2.hw.pt_ppn[i] == old and s2.share_req[cvm * H] == 0
    s, err = shared(s, cvm, PAGE_SIZE, 0, 3 * PAGE_SIZE, answered=True)
    assert err == abi.SUCCESS and s.hw.pt_ppn[i] == 3 and not s.hw.pt_x[i]
    assert s.owner[old - NC] == 0 and s.mem[old] == 0, "the private page it replaced is zeroed and freed"


def test_share_under_a_huge_leaf_fails_as_ace_and_leaves_the_page_private():
    """A VM whose guest pages lie under one leaf above the last level: SHARE's completion
    answers FAILED, as ACE's `map_page` refuses to split the leaf (PageTableConfiguration), the
    page stays private, and so UNSHARE finds nothing shared. A later CVM from 4 KiB leaves
    shares as before: the flag is the CVM's, cleared by DESTROY."""
    s, (err, cvm) = step_checked(riscv_initial(), ("promote_to_tvm", *hv_tables.huge_leaf_at(1), 0, (0, 0), 0, abi.GSTAGE_SV48X4, 0))
    k = slot_of(s, cvm)
    assert err == abi.SUCCESS and s.huge[k] and abs_canonical(abs_riscv(s)).huge[k]
    s, _ = step_checked(s, ("tvm_vcpu_run", cvm, 0))
    i = k * G + 1
    old = cvm_tables.leaves(s.hw)[2][i]
    _, err = shared(s, cvm, PAGE_SIZE, 0, 3 * PAGE_SIZE + 8)
    assert err == abi.INVALID_ADDRESS, "ACE checks the hypervisor's address before it walks the tables"
    s, err = shared(s, cvm, PAGE_SIZE, 0, 3 * PAGE_SIZE)
    assert err == abi.FAILED and cvm_tables.leaves(s.hw)[2][i] == old >= NC and s.owner[old - NC] != 0, "still mapped, private"
    s, (err, _) = step_checked(s, ("unshare_memory", PAGE_SIZE, PAGE_SIZE))
    assert err == abi.FAILED and cvm_tables.leaves(s.hw)[2][i] == old
    s, _ = step_checked(s, ("exit_interrupt", 2 ** 63 + 5))      # a timer: back to the hypervisor
    s, (err, _) = step_checked(s, ("destroy_tvm", cvm))
    assert err == abi.SUCCESS and not any(s.huge)
    s, (_, cvm) = step_checked(s, ("promote_to_tvm", 2, (0, 0)))
    s, _ = step_checked(s, ("tvm_vcpu_run", cvm, 0))
    s, err = shared(s, cvm, PAGE_SIZE, 0, 3 * PAGE_SIZE)
    assert err == abi.SUCCESS


def test_a_huge_leaf_is_copied_whole_into_an_aligned_block_with_no_table_below_it():
    """ACE copies a huge leaf as one page of its span: the CVM's entry above the last level is a
    leaf to G consecutive C pages from a multiple of G, holding the hypervisor's pages in guest
    order, and no last table is taken (one table page fewer); the hardware walk finds guest page
    g at the block's g-th page, and DESTROY frees the block and the tables."""
    from dataclasses import replace
    from concrete.riscv.machine import RISCV
    s = replace(riscv_initial(), mem=tuple(100 + p if p < NC else 0 for p in range(PAGES)))
    s, (err, cvm) = step_checked(s, ("promote_to_tvm", *hv_tables.huge_leaf_at(1), 0, (0, 0), 0, abi.GSTAGE_SV48X4, 0))
    k = slot_of(s, cvm)
    top = k * cvm_tables.CHAIN + cvm_tables.CHAIN - 1
    run = s.hw.ptr_ppn[top]
    assert err == abi.SUCCESS and s.hw.ptr_v[top] and s.hw.ptr_rwx[k] and run % G == 0 and run >= NC
    assert s.hw.pt_table[k * LEVELS + LEVELS - 1] == cvm_tables.NO_TABLE and not any(s.hw.pt_v[k * G:(k + 1) * G])
    assert sum(o == TABLE_BASE + k for o in s.owner) == TABLE_PAGES - 1, "no last table under the leaf"
    assert [p + NC for p, o in enumerate(s.owner) if o == CVM_BASE + k] == [run + g for g in range(G)]
    assert s.mem[run:run + G] == tuple(100 + 1 + g for g in range(G)), "the hypervisor's pages 1.., in guest order"
    for g in range(G):
        assert RISCV.walk_word(s.hw, s.hw.hgatp[k], g) == (True, run + g), g
    s, (err, _) = step_checked(s, ("destroy_tvm", cvm))
    assert err == abi.SUCCESS and s.owner == (0,) * C and not any(s.hw.ptr_rwx)


def test_pages_off_the_guests_path_are_taken_after_a_huge_leafs_block_as_ace_takes_them():
    """ACE's copy visits entry 0 first at every level, so it takes the pages for the entries off
    the guest's path after the guest's whole subtree, a huge leaf's block included: here they
    are the first free pages left once the root and the block have theirs. Taken before the
    block, as the model once did, they would take the block's first page and leave no free
    block of G on its boundary."""
    s = riscv_initial()
    spare = C - ROOT_PAGES - G  # every page the root and the block leave
    s, (err, cvm) = step_checked(s, ("promote_huge_off", 1, abi.SUCCESS, spare))
    k = slot_of(s, cvm)
    assert err == abi.SUCCESS and s.huge[k]
    block = [p for p, o in enumerate(s.owner) if o == CVM_BASE + k]
    root = [s.hw.pt_table[k * LEVELS] - NC + i for i in range(ROOT_PAGES)]
    off = [p for p, o in enumerate(s.owner) if o == TABLE_BASE + k and p not in root]
    assert len(block) == G and (NC + block[0]) % G == 0 and len(root) == ROOT_PAGES
    assert off == [p for p in range(C) if p not in root + block][:spare] and len(off) == spare
    earlier = [p for p in range(C) if p not in root][:spare]
    assert block[0] in earlier, "taken before the block, they would have taken its first page"
    _, (err, _) = step_checked(riscv_initial(), ("promote_huge_off", 1, abi.SUCCESS, spare + 1))
    assert err == abi.FAILED, "one page more than is left"


def test_an_entry_refused_after_the_pages_ran_out_is_failed_as_ace_takes_pages_as_it_reads():
    """ACE's copy acquires each page as it reads the entry that needs it (the 16 KiB root, each
    table, each leaf's data), so the answer to an entry it refuses depends on the pages it could
    get before it: with none left for the guest's page 0, guest page 1's leaf outside NC is
    FAILED, and guest page 0's own is INVALID_ADDRESS; a root outside NC takes nothing and is
    refused whatever is free; a VM that maps no page is copied before its device tree is
    missed, so it is FAILED where its root finds no room."""
    from abstract.domain import FREE
    if (LEVELS, NC, C, ROOT_PAGES) != (2, 5, 12, 4):
        pytest.skip("the pages below are counted for the default sizes")
    s = riscv_initial()
    # A first CVM takes the root's block at global pages 8..11, then 5, 6 and 7: its table,
    # its data page and one page off its path. Left: the block 12..15 and page 16.
    s, (err, _) = step_checked(s, ("promote_off", 1, (0,), abi.SUCCESS, 1))
    assert err == abi.SUCCESS and [NC + p for p, o in enumerate(s.owner) if o == FREE] == [12, 13, 14, 15, 16]
    after, (err, _) = step_checked(s, ("promote_to_tvm", 2, (0, NC)))   # guest page 1's leaf outside NC
    assert err == abi.FAILED and after.owner == s.owner, "the root and the table fit, guest page 0's data not"
    _, (err, _) = step_checked(s, ("promote_to_tvm", 1, (NC,)))         # guest page 0's leaf outside NC
    assert err == abi.INVALID_ADDRESS, "the root and the table fit: ACE reads the entry"
    _, (err, _) = step_checked(s, ("promote_to_tvm", 0, ()))
    assert err == abi.INVALID_PARAM, "nothing mapped: copied (root and table), then no device tree"
    # One page more taken leaves no 16 KiB block on its boundary.
    s, (err, _) = step_checked(riscv_initial(), ("promote_off", 1, (0,), abi.SUCCESS, 2))
    assert err == abi.SUCCESS
    _, (err, _) = step_checked(s, ("promote_to_tvm", 0, ()))
    assert err == abi.FAILED, "no room for the root of a VM that maps nothing"
    _, (err, _) = step_checked(s, ("promote_to_tvm", 1, (NC,)))
    assert err == abi.FAILED, "no room for the root before the entry ACE would refuse"
    outside = ("promote_to_tvm", NC, *hv_tables.tables_for((0,))[1:], 0, (0, 0), 0, abi.GSTAGE_SV48X4, 0)
    _, (err, _) = step_checked(s, outside)
    assert err == abi.INVALID_ADDRESS, "a root outside NC is refused before anything is acquired"


def test_a_refusal_off_the_guests_path_after_the_pages_ran_out_is_failed():
    """Off the guest's path too: ACE's copy answers the refusal it finds there only if the pages
    it takes before it (the guest's, then the others' up to it) were there."""
    s = riscv_initial()
    spare = C - ROOT_PAGES - (LEVELS - 1) - 1   # every page a one-page VM's root, tables and data leave
    _, (err, _) = step_checked(s, ("promote_off", 1, (0,), abi.INVALID_ADDRESS, spare))
    assert err == abi.INVALID_ADDRESS
    _, (err, _) = step_checked(s, ("promote_off", 1, (0,), abi.INVALID_ADDRESS, spare + 1))
    assert err == abi.FAILED, "one page more before the refusal than is left"


def test_destroy_between_a_share_request_and_its_answer_drops_the_request():
    s = riscv_initial()
    s, (_, cvm) = step_checked(s, ("promote_to_tvm", 1, (0,)))
    s, _ = step_checked(s, ("tvm_vcpu_run", cvm, 0))
    s, (err, _) = step_checked(s, ("share_memory", PAGE_SIZE, PAGE_SIZE))
    assert err == abi.SUCCESS and s.share_req[cvm * H] == 2
    s, (err, _) = step_checked(s, ("destroy_tvm", cvm))
    assert err == abi.SUCCESS and s.share_req == (0,) * (K * H)


def test_tsm_get_info_checks_as_ace_address_first_and_the_nc_end_refused():
    s = riscv_initial()
    end = NC * PAGE_SIZE
    for buf, length, expected in ((end, 8, abi.INVALID_ADDRESS), (0, 8, abi.INVALID_PARAM),
                                  (end - 48, 48, abi.INVALID_ADDRESS), (end - 49, 48, abi.SUCCESS),
                                  (end - 8, 2 ** 64 - 1, abi.INVALID_ADDRESS)):
        _, (err, value) = step_checked(s, ("tsm_get_info", buf, length))
        assert err == expected, (buf, length, err)
        assert value == (abi.TSM_INFO_SIZE if err == abi.SUCCESS else 0)


def test_srst_removes_the_cvm_once_its_harts_are_back_as_ace():
    """SRST leaves with ACE's request and removes the CVM (`remove_confidential_vm`): its pages
    are zeroed and freed, and DESTROY_TVM then finds no such id."""
    s = riscv_initial()
    s, (_, cvm) = step_checked(s, ("promote_to_tvm", 1, (0,)))
    page = abs_riscv(s).hw.t_page[slot_of(s, cvm) * G]
    s, _ = step_checked(s, ("tvm_vcpu_run", cvm, 0))
    s, (err, _) = step_checked(s, ("system_reset",))
    assert err == abi.SUCCESS and s.run_cvm == HYPERVISOR and not any(s.live)
    assert (s.hw.nacl_gprs[abi.A7], s.hw.nacl_gprs[abi.A6]) == (abi.EID_SRST, 0)
    assert s.owner[page - NC] == 0 and s.mem[page] == 0, "its page is zeroed and free"
    _, (err, _) = step_checked(s, ("destroy_tvm", cvm))
    assert err == abi.INVALID_PARAM, "the id is gone"


def test_a_trap_the_monitor_does_not_handle_shuts_the_cvm_down_showing_nothing_of_it():
    """ACE routes any other trap to ShutdownRequest: the request (SRST, SYSTEM_RESET, 0, 0), not the
    vCPU's a7/a6/a0/a1, and the CVM removed."""
    s = riscv_initial()
    s, (_, cvm) = step_checked(s, ("promote_to_tvm", 1, (0,)))
    s, _ = step_checked(s, ("tvm_vcpu_run", cvm, 0))
    s, _ = step_checked(s, ("scribble", tuple(range(100, 131)), (0,) * NFREGS))
    entry, inputs = "vcpu_exit", (2, 0, 0, 0)                       # illegal instruction
    row = row_of(s, entry, inputs)
    assert row.name == "vcpu_shutdown"
    check_obligations(s, row, inputs)
    s, (err, _) = row.riscv(s, *inputs)
    assert err == abi.SUCCESS and s.run_cvm == HYPERVISOR and not any(s.live)
    assert s.hw.nacl_gprs[abi.A0:abi.A7 + 1] == (0, 0, 0, 0, 0, 0, abi.SRST_SYSTEM_RESET, abi.EID_SRST)


def _two_harts_running(s, cvm):
    """vCPU 0 of `cvm` runs on this hart and has started vCPU 1, which runs on hart 1."""
    s, _ = step_checked(s, ("tvm_vcpu_run", cvm, 0))
    s, (err, _) = step_checked(s, ("hart_start", 1, 0, 0))
    assert err == abi.SUCCESS and s.run_cvm == HYPERVISOR, "hart_start exits with ACE's request"
    s, (err, _) = step_checked(s, ("other_hart_run", 1, cvm, 1))
    assert err == abi.SUCCESS
    s, _ = step_checked(s, ("tvm_vcpu_run", cvm, 0))
    return s


def test_a_remote_fence_is_queued_as_ace_and_the_freeing_one_waits():
    from refinement import faults
    s = riscv_initial()
    s, (_, cvm) = step_checked(s, ("promote_to_tvm", 2, (0, 0)))
    k = slot_of(s, cvm)
    s = _two_harts_running(s, cvm)
    s, _ = step_checked(s, ("tlb_fill", 1, 1))         # hart 1 caches guest page 1, a private page
    e = (k * (P - 1) + 0) * G + 1
    private = s.hw.pt_ppn[k * G + 1]
    assert s.hw.other_tlb_v[e] and s.hw.other_tlb_ppn[e] == private >= NC
    before_share = s
    s, err = shared(s, cvm, PAGE_SIZE, 0, 2 * PAGE_SIZE)
    assert err == abi.SUCCESS and s.owner[private - NC] == 0, "the private page is freed"
    assert not s.hw.other_tlb_v[e] and not s.hw.other_fence[k * (P - 1)], "hart 1 fenced before the free"
    # Unsharing frees nothing: the fence is queued for hart 1, which may reach the NC page until it switches.
    s, _ = step_checked(s, ("tlb_fill", 1, 1))
    assert s.hw.other_tlb_v[e] and s.hw.other_tlb_ppn[e] == 2
    s, (err, _) = step_checked(s, ("unshare_memory", PAGE_SIZE, PAGE_SIZE))
    assert err == abi.SUCCESS and s.run_cvm == HYPERVISOR
    assert s.hw.other_tlb_v[e] and s.hw.other_fence[k * (P - 1)] and not s.hw.pt_v[k * G + 1]
    after_ipi, (err, _) = step_checked(s, ("other_hart_interrupt", 1))
    assert err == abi.SUCCESS and after_ipi.other_harts == s.other_harts, "the IPI resumes the vCPU: no exit"
    assert not after_ipi.hw.other_tlb_v[e] and not after_ipi.hw.other_fence[k * (P - 1)], "the IPI ran hart 1's fence"
    assert after_ipi.hw.other_fence[k * (P - 1) + 1] == s.hw.other_fence[k * (P - 1) + 1], "and only hart 1's"
    s, (err, _) = step_checked(s, ("other_hart_exit", 1))
    assert err == abi.SUCCESS and not s.hw.other_tlb_v[e] and not s.hw.other_fence[k * (P - 1)], "the switch ran it"
    # ACE's order, free then queue: hart 1 still reaches the freed page.
    with faults.applied(["ace-free-before-remote-fence"]):
        with pytest.raises(icontract.ViolationError, match="riscv_local"):
            shared(before_share, cvm, PAGE_SIZE, 0, 2 * PAGE_SIZE)


def test_a_cvms_tables_take_pages_from_the_pool_before_its_data_and_go_back_with_it():
    """PROMOTE takes its table pages first (ACE's depth-first copy: the root, each table, then
    the leaves' pages): the 16 KiB root from the lowest free block of four on a 16 KiB boundary,
    then the lowest free pages, all owned by the CVM as table pages, where its hgatp and
    pointers lead; with room for the data but not for the tables it fails and changes nothing;
    DESTROY frees them."""
    from abstract.config import C, LEVELS, ROOT_PAGES, TABLE_PAGES
    from abstract.domain import CVM_BASE, FREE, TABLE_BASE
    from concrete.riscv.cvm_tables import CHAIN, NO_TABLE
    from concrete.riscv import gstage
    s = riscv_initial()
    s, (err, first) = step_checked(s, ("promote_to_tvm", 1, (0,)))
    k = slot_of(s, first)
    tables = s.hw.pt_table[k * LEVELS:(k + 1) * LEVELS]
    root = -(-NC // ROOT_PAGES) * ROOT_PAGES  # the first C page on a 16 KiB boundary
    block = tuple(range(root, root + ROOT_PAGES))
    rest = [p for p in range(NC, NC + C) if p not in block]
    assert err == abi.SUCCESS and tables == (root,) + tuple(rest[:LEVELS - 1]), "the first block, then the first free pages"
    assert [s.owner[t - NC] for t in block + tables[1:]] == [TABLE_BASE + k] * TABLE_PAGES
    assert s.owner[rest[LEVELS - 1] - NC] == CVM_BASE + k, "the data page after the tables"
    assert sum(o == TABLE_BASE + k for o in s.owner) == TABLE_PAGES, "no other page is a table page"
    assert gstage.decode_hgatp(s.hw.hgatp[k])[2] == root and root % ROOT_PAGES == 0, "hgatp names the root, aligned"
    assert s.hw.ptr_ppn[k * CHAIN:(k + 1) * CHAIN] == tables[1:], "each pointer leads to the next table"
    free = C - (TABLE_PAGES + 1)
    s, (err, _) = step_checked(s, ("promote_to_tvm", free - TABLE_PAGES + 1, (0,) * G))
    if free - TABLE_PAGES + 1 <= G:  # room for the data pages alone, not for the tables too
        assert err == abi.FAILED and s.owner.count(FREE) == free, "out of pages for the tables: nothing taken"
    s, (err, _) = step_checked(s, ("destroy_tvm", first))
    assert err == abi.SUCCESS and s.owner == (FREE,) * C and s.hw.pt_table[k * LEVELS:(k + 1) * LEVELS] == (NO_TABLE,) * LEVELS
