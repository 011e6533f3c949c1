"""The transition table is the whole relation: every public step function is in a row (as its
entry or as the operation a row reaches), every row has every standard obligation, and the rows
of each entry split its inputs without gap or overlap."""
from __future__ import annotations

import inspect
import itertools

import pytest

import concrete.riscv as rv
from abstract import abi, canonical, spec
from abstract.spec.state import spec_initial
from refinement.obligations.standard import kinds_of, spec_caller_regs
from refinement.registry import load_all
from refinement.transitions import ENTRIES, TRANSITIONS, Party


def _public_steps(module) -> set:
    return {name for name, fn in vars(module).items()
            if inspect.isfunction(fn) and not name.startswith("_") and name in getattr(module, "__all__", ())}


def test_every_public_step_function_is_in_a_row():
    named = {row.name for row in TRANSITIONS} | {row.operation for row in TRANSITIONS} | ENTRIES
    # Halves of a row's step that the row's entry runs in order (TVM_VCPU_RUN: answer, then enter).
    named |= {"answer_exit", "enter_vcpu"}
    for module in (spec, canonical, rv):
        missing = _public_steps(module) - named - {"spec_initial", "spec_invariant"}
        assert not missing, f"{module.__name__}: step functions in no row of refinement/transitions.py: {missing}"


def test_every_row_has_every_standard_obligation():
    obs = load_all()
    for row in TRANSITIONS:
        for layers, kind, *_ in kinds_of(row):
            ob_id = f"{layers.value}/{row.name}/{kind.value}"
            assert ob_id in obs, f"row {row.name} lacks {ob_id}"
            assert obs[ob_id].transition == row.name


def test_every_row_runs_on_all_three_layers_under_one_name():
    for row in TRANSITIONS:
        assert row.spec.__name__ == row.canonical.__name__ == row.riscv.__name__, row.name
        assert row.line > 0, row.name


def _rows_of(entry: str):
    return [row for row in TRANSITIONS if row.spec.__name__ == entry]


@pytest.mark.parametrize("party,entry", [(Party.HYPERVISOR, "hypervisor_ecall"), (Party.GUEST, "guest_ecall")])
def test_ecall_rows_partition_every_call_number(party, entry):
    """Every (a7, a6) the caller can pass, known or not, falls in exactly one row."""
    rows = _rows_of(entry)
    s = spec_initial()
    if party is Party.GUEST:
        from dataclasses import replace
        from abstract.domain import STARTED
        s = replace(s, live=(True,) + s.live[1:], ids=(1,) + s.ids[1:], run_cvm=0, run_vcpu=0,
                    hart=(STARTED,) + s.hart[1:])
    eids = {e for e, _ in abi.CALLS} | {0, 1, 0x10}
    fids = {f for _, f in abi.CALLS} | {5, 99}
    for eid, fid in itertools.product(eids, fids):
        regs = tuple(eid if j == abi.A7 else fid if j == abi.A6 else 0 for j in range(31))
        if party is Party.HYPERVISOR:
            from dataclasses import replace
            st = replace(s, hv_regs=regs)
        else:
            from dataclasses import replace
            st = replace(s, vcpu_regs=(regs,) + s.vcpu_regs[1:])
        x = tuple(0 for _ in rows[0].inputs)
        hits = [row.name for row in rows if row.select(st, spec_caller_regs(st), *(x if not row.inputs else tuple(
            0 if t in (int, bool) else (0,) * len(t.__args__) for _, t in row.inputs)))]
        assert len(hits) == 1, (hex(eid), fid, hits)


def test_exit_rows_partition_every_cause():
    rows = _rows_of("vcpu_exit")
    from dataclasses import replace
    s = replace(spec_initial(), run_cvm=0)
    for cause in (0, 9, 10, 20, 21, 22, 23, 24, abi.INTERRUPT, abi.INTERRUPT + 5, 2 ** 64 - 1):
        hits = [row.name for row in rows if row.select(s, (), cause, 0, 0, 0)]
        assert len(hits) == 1, (cause, hits)


def test_every_shared_entry_has_a_proven_partition_on_every_layer():
    """The samples above are a quick check; the claim rests on these obligations."""
    obs = load_all()
    for entry in ENTRIES:
        for layers in ("spec", "canonical", "riscv"):
            assert f"{layers}/{entry}/partition" in obs, (entry, layers)


def test_a_partition_obligation_fails_on_an_overlapping_selector(monkeypatch):
    """Exactly one: a row that also selects another row's inputs makes the count 2."""
    import refinement.obligations.standard as standard
    rows = tuple(r for r in TRANSITIONS if r.spec.__name__ == "vcpu_exit")
    greedy = rows[0].__class__(**{**rows[0].__dict__, "select": lambda s, regs, *x: True})
    ob = standard.partition((greedy,) + rows[1:], type(spec_initial()))
    from dataclasses import replace
    s = replace(spec_initial(), run_cvm=0)
    import icontract
    with pytest.raises(icontract.ViolationError, match="exactly one row"):
        ob(s, (0,) * 31, (abi.CAUSE_VIRTUAL_INSTRUCTION, 0, 0, 0))
    assert standard.partition(rows, type(s))(s, (0,) * 31, (abi.CAUSE_VIRTUAL_INSTRUCTION, 0, 0, 0)) == 1


def test_no_lemma_is_named_like_a_row():
    """An id reads <layers>/<row or subject>/<kind>: a lemma whose subject is a row's name is
    counted among that row's obligations (by the report's table, `refine watch`, readers), so
    only the row's own per-entry lemmas and lifts may carry it."""
    rows = {row.name for row in TRANSITIONS}
    clashes = [i for i, ob in load_all().items()
               if ob.transition is None and ob.subject in rows and ob.kind.value not in ("entry", "lift")]
    assert clashes == []


def _zero(t):
    """The zero value of an input type: 0, False, or a tuple of them."""
    return tuple(_zero(a) for a in t.__args__) if getattr(t, "__args__", None) else t()


def test_a_row_whose_riscv_inputs_differ_lifts_them_to_the_canonical_inputs_it_declares():
    from concrete.riscv.state import riscv_initial
    differing = [row for row in TRANSITIONS if row.riscv_inputs is not None]
    assert [row.name for row in differing] == ["promote_to_tvm"], "the rows with an input abstraction"
    for row in TRANSITIONS:
        assert (row.lift is None) == (row.riscv_inputs is None), f"{row.name}: RISC-V inputs and their lift go together"
    for row in differing:
        lifted = row.lifted(riscv_initial(), tuple(_zero(t) for _, t in row.riscv_inputs))
        assert len(lifted) == len(row.inputs)
        for value, (name, t) in zip(lifted, row.inputs):
            assert type(value) is type(_zero(t)) and (not isinstance(value, tuple) or len(value) == len(_zero(t))), name


def test_the_riscv_obligations_of_a_lifted_row_take_the_riscv_inputs():
    from refinement.obligations import standard
    row = next(row for row in TRANSITIONS if row.riscv_inputs is not None)
    riscv = inspect.unwrap(getattr(standard, f"{row.name}_simulation_riscv_canonical")).__annotations__["x"]
    above = inspect.unwrap(getattr(standard, f"{row.name}_simulation_canonical_spec")).__annotations__["x"]
    assert riscv == row.riscv_input_type != above == row.input_type
