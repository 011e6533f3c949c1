"""Every state field is classified once (abstract/classes.py, concrete/riscv/classes.py), and the
spec's observation and integrity are derived from it."""
from __future__ import annotations

from dataclasses import fields, replace

from abstract.canonical.state import CanonHw, CanonState
from abstract.classes import CANON_FIELDS, CVM, SPEC_FIELDS
from abstract.logic import same
from abstract.spec.security import hypervisor_view, integrity, low_equal
from abstract.spec.state import SpecState, spec_initial
from concrete.riscv.classes import RV_FIELDS
from concrete.riscv.state import RvHw, RvState


def _names(state, hw=None):
    top = {f.name for f in fields(state) if f.name != "hw"}
    return top | ({f"hw.{f.name}" for f in fields(hw)} if hw else set())


def test_every_field_of_every_state_is_classified_with_a_reason():
    for table, names in ((SPEC_FIELDS, _names(SpecState)), (CANON_FIELDS, _names(CanonState, CanonHw)),
                         (RV_FIELDS, _names(RvState, RvHw))):
        assert set(table) == names, (names - set(table), set(table) - names)
        assert all(f.reason for f in table.values())


def test_view_is_every_seen_field_and_nothing_else():
    s = spec_initial()
    view = hypervisor_view(s)
    assert len(view) == 2 + sum(f.seen for name, f in SPEC_FIELDS.items() if name not in ("mem", "owner"))
    secret = replace(s, vcpu_regs=((7,) * 31,) + s.vcpu_regs[1:], secret=(5,) + s.secret[1:])
    assert low_equal(s, secret)
    assert not low_equal(s, replace(s, hv_regs=(1,) + s.hv_regs[1:]))


def test_integrity_covers_every_cvm_owned_field():
    """Changing any CVM-owned field of a live CVM breaks integrity unless that CVM is exempt."""
    s = replace(spec_initial(), live=(True,) + spec_initial().live[1:], ids=(1,) + spec_initial().ids[1:])
    for name, f in SPEC_FIELDS.items():
        if f.owner != CVM:
            continue
        value = getattr(s, name)
        first = value[0]
        changed = (tuple(v + 1 for v in first) if type(first) is tuple else (not first if type(first) is bool else first + 1))
        after = replace(s, **{name: (changed,) + value[1:]})
        assert not integrity(s, after, -1), name
        assert integrity(s, after, 0), name


def test_same_tells_different_lengths_apart():
    assert not same((1, 2), (1, 2, 3))
    assert not same(((1,), 2), ((1, 0), 2))
    assert same(((1, 2), 3), ((1, 2), 3))


def test_same_on_whole_states_is_their_equality():
    """The simulation obligations compare whole states with `same`: every field, the nested
    hardware state's too, must count, as they do for the dataclasses' own `==`."""
    from concrete.riscv.state import riscv_initial
    from abstract.canonical.state import canonical_initial
    for s in (spec_initial(), canonical_initial(), riscv_initial()):
        assert same(s, s) and same(s, replace(s))
        hw = getattr(s, "hw", None)
        for f in fields(s):
            value = getattr(s, f.name)
            if f.name == "hw":
                for g in fields(hw):
                    other = replace(s, hw=replace(hw, **{g.name: _changed(getattr(hw, g.name))}))
                    assert not same(s, other) and s != other, g.name
                continue
            other = replace(s, **{f.name: _changed(value)})
            assert not same(s, other) and s != other, f.name
    assert not same(spec_initial(), canonical_initial())


def _changed(value):
    """Some other value of the same shape."""
    if type(value) is tuple:
        return (_changed(value[0]),) + value[1:]
    return (not value) if type(value) is bool else value + 1
