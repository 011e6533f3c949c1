"""PROMOTE reading the hypervisor's G-stage tables (`concrete/riscv/hv_tables.py`): ACE's order
and codes on chosen tables, the decoded map on random ones, and a promoted VM with a gap.
`riscv->canonical/promote_to_tvm/simulation` proves that `read_vm` and `vm_of` agree on every
table; these tests pin down what both say."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

import concrete.riscv as rv
from abstract import abi
from abstract.config import G, LEVELS, NC, ROOT_PAGES, TABLE_PAGES
from concrete.riscv import hv_tables
from concrete.riscv.hv_tables import CHAIN, ENTRIES, read_vm, tables_for, vm_of
from concrete.riscv.state import riscv_initial

PAGE = st.one_of(st.integers(0, NC - 1), st.sampled_from([abi.VM_UNMAPPED, abi.VM_MALFORMED]))


def with_entry(vm, i, v, rwx, ppn):
    """`vm` with entry i (a chain entry below CHAIN, else leaf i - CHAIN) replaced."""
    root, vs, rs, ps = vm
    return root, vs[:i] + (v,) + vs[i + 1:], rs[:i] + (rwx,) + rs[i + 1:], ps[:i] + (ppn,) + ps[i + 1:]


@given(st.lists(PAGE, min_size=G, max_size=G).map(tuple))
def test_the_tables_made_for_a_map_describe_that_map(pages):
    assert vm_of(tables_for(pages)) == pages


@settings(max_examples=300)
@given(st.integers(-2, NC), st.lists(st.booleans(), min_size=ENTRIES, max_size=ENTRIES).map(tuple),
       st.lists(st.booleans(), min_size=ENTRIES, max_size=ENTRIES).map(tuple),
       st.lists(st.integers(-3, NC + 1), min_size=ENTRIES, max_size=ENTRIES).map(tuple))
def test_aces_reading_answers_what_the_described_map_answers(root, v, rwx, ppn):
    code, pages, huge, reach = read_vm((root, v, rwx, ppn))
    described = vm_of((root, v, rwx, ppn))
    assert code == abi.vm_refused(described)
    assert reach == hv_tables.path_pages((root, v, rwx, ppn))
    if code == abi.SUCCESS:
        assert pages == described and huge == hv_tables.leaf_above_last((root, v, rwx, ppn))


def test_a_pointer_at_the_last_level_is_corrupt_unless_its_address_is_outside_nc_first():
    leaf_pointer = with_entry(tables_for((0,)), CHAIN, True, False, 1)
    assert read_vm(leaf_pointer)[0] == abi.INVALID_PARAM          # ACE's PageTableCorrupted
    assert vm_of(leaf_pointer)[0] == abi.VM_MALFORMED
    outside = with_entry(tables_for((0,)), CHAIN, True, False, NC)
    assert read_vm(outside)[0] == abi.INVALID_ADDRESS              # the address is checked before the level
    assert vm_of(outside)[0] == NC


def test_the_sixteen_kib_root_must_lie_in_nc():
    root, v, rwx, ppn = tables_for((0,))
    assert read_vm((NC - 4, v, rwx, ppn))[0] == abi.SUCCESS
    assert read_vm((NC - 3, v, rwx, ppn))[0] == abi.INVALID_ADDRESS
    assert read_vm((-1, v, rwx, ppn))[0] == abi.INVALID_ADDRESS


def test_a_huge_leaf_maps_consecutive_pages_all_of_which_must_lie_in_nc():
    huge = with_entry(tables_for(()), CHAIN - 1, True, True, 1)   # the level above the last: a leaf
    assert huge == hv_tables.huge_leaf_at(1)
    assert read_vm(huge) == (abi.SUCCESS, tuple(1 + g for g in range(G)), True, ROOT_PAGES + CHAIN - 1 + G)
    past = with_entry(tables_for(()), CHAIN - 1, True, True, NC - G + 1)
    assert read_vm(past)[0] == abi.INVALID_ADDRESS


def test_ace_reads_an_entry_with_v_clear_and_r_set_as_a_leaf():
    assert hv_tables.ace_kind(False, True) == hv_tables.LEAF
    odd = with_entry(tables_for(()), CHAIN + 1, False, True, 2)
    assert read_vm(odd) == (abi.SUCCESS, (abi.VM_UNMAPPED, 2) + (abi.VM_UNMAPPED,) * (G - 2), False, ROOT_PAGES + CHAIN + 1)


def test_an_unmapped_entry_above_the_last_level_maps_nothing_and_promote_refuses_the_empty_vm():
    empty = with_entry(tables_for((0, 1)), 0, False, False, 0)
    assert read_vm(empty) == (abi.SUCCESS, (abi.VM_UNMAPPED,) * G, False, ROOT_PAGES)   # the root alone is copied
    s = rv.hypervisor_write(riscv_initial(), 0, 7)[0]
    assert rv.promote_to_tvm(s, empty)[1] == (abi.INVALID_PARAM, 0)


def test_a_promoted_vm_with_a_gap_gets_fresh_copies_of_its_mapped_pages_only():
    s = riscv_initial()
    s = rv.hypervisor_write(rv.hypervisor_write(s, 0, 11)[0], 2 * 4096, 33)[0]
    s, (err, _) = rv.promote_to_tvm(s, tables_for((0, abi.VM_UNMAPPED, 2)))
    assert err == abi.SUCCESS
    k = s.live.index(True)
    leaves = [(s.hw.pt_v[k * G + g], s.hw.pt_ppn[k * G + g]) for g in range(G)]
    assert [v for v, _ in leaves] == [True, False, True] + [False] * (G - 3)
    assert s.mem[leaves[0][1]] == 11 and s.mem[leaves[2][1]] == 33
    assert NC <= leaves[0][1] != leaves[2][1] >= NC, "fresh confidential pages, one each"
    assert sum(o != 0 for o in s.owner) == TABLE_PAGES + 2, "its tables and two data pages"


def test_aces_whole_tree_copy_of_the_rows_tables_answers_failed_first_or_fails_off_the_guests_path():
    """ACE's whole-tree copy (`riscv/pt_promote_copy/simulation`) against the row on chosen tables: the
    16 KiB root on NC pages 0..3, its entry 0 a pointer to page 4, whose first G entries are the
    guest's leaves. ACE's copy takes pages as it reads, so with room for the root and the table
    but no leaf it answers FAILED where the row names the bad entry; with room it answers the
    entry's code; on good tables both map the same pages; an entry off the guest's path (root
    entry 1) is the row's through `off_path`: its refusal, or the pages its leaf takes, and a
    refusal after such pages is FAILED without room for them."""
    import pytest
    from concrete.riscv import pagetable
    from refinement.obligations.pagetable import BRIDGE_FREE, BRIDGE_WIDTH, path_entries, promote_reading_is_the_copy
    if LEVELS != 2 or NC < 5:
        pytest.skip("the tables below are laid out for 2 levels and a fifth NC page")
    kinds, ppns = [0] * (NC * BRIDGE_WIDTH), [0] * (NC * BRIDGE_WIDTH)
    kinds[0], ppns[0] = pagetable.POINTER, 4
    for g in range(G):
        kinds[4 * BRIDGE_WIDTH + g], ppns[4 * BRIDGE_WIDTH + g] = pagetable.LEAF, 1 + g

    def tables(at=None, kind=None, ppn=None):
        k, p = list(kinds), list(ppns)
        if at is not None:
            k[at], p[at] = kind, ppn
        return tuple(k), tuple(p), 0

    good = tables()
    copy = promote_reading_is_the_copy(*good, BRIDGE_FREE)
    code, pages, _, _ = read_vm(path_entries(*good))
    assert copy.error == code == abi.SUCCESS and pages == tuple(1 + g for g in range(G))
    for g in range(G):
        outcome, page = pagetable.walk(copy.tables, copy.root, LEVELS, g)
        assert outcome == pagetable.MAPPED and copy.origin[page - NC] == pages[g]
    bad = tables(4 * BRIDGE_WIDTH + 1, pagetable.LEAF, NC)           # guest page 1's leaf outside NC
    assert read_vm(path_entries(*bad))[0] == abi.INVALID_ADDRESS
    room = hv_tables.ROOT_PAGES + CHAIN                               # the root and the last table, no leaf
    assert promote_reading_is_the_copy(*bad, room).error == abi.FAILED
    assert promote_reading_is_the_copy(*bad, BRIDGE_FREE).error == abi.INVALID_ADDRESS
    off = tables(1, pagetable.LEAF, NC)                               # root entry 1: no guest page's
    assert read_vm(path_entries(*off))[0] == abi.SUCCESS
    assert promote_reading_is_the_copy(*off, BRIDGE_FREE).error == abi.INVALID_ADDRESS
    found = pagetable.off_path(pagetable.Tables(*off[:2], BRIDGE_WIDTH), 0, LEVELS, NC, G)
    assert found == (abi.INVALID_ADDRESS, 0) and hv_tables.read_off_path(*found) == (abi.INVALID_ADDRESS, 0)
    extra = tables(1, pagetable.LEAF, 0)                              # root entry 1 maps NC pages 0..G-1
    assert pagetable.off_path(pagetable.Tables(*extra[:2], BRIDGE_WIDTH), 0, LEVELS, NC, G) == (abi.SUCCESS, G)
    room = hv_tables.ROOT_PAGES + CHAIN + G
    assert pagetable.copy_outcome(pagetable.Tables(*extra[:2], BRIDGE_WIDTH), NC, 0, LEVELS, room + G) == (abi.SUCCESS, room + G)
    assert pagetable.copy_outcome(pagetable.Tables(*extra[:2], BRIDGE_WIDTH), NC, 0, LEVELS, room + G - 1)[0] == abi.FAILED
    # Root entry 1 maps NC pages 0..G-1, entry 2 is refused: the copy answers the refusal only
    # with room for the path and entry 1's pages, which it takes before it reads entry 2.
    k, p = list(extra[0]), list(extra[1])
    k[2], p[2] = pagetable.LEAF, NC
    late = pagetable.Tables(tuple(k), tuple(p), BRIDGE_WIDTH)
    assert pagetable.off_path(late, 0, LEVELS, NC, G) == (abi.INVALID_ADDRESS, G)
    assert pagetable.copy_outcome(late, NC, 0, LEVELS, room + G)[0] == abi.INVALID_ADDRESS
    assert pagetable.copy_outcome(late, NC, 0, LEVELS, room + G - 1)[0] == abi.FAILED


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_the_copy_and_the_rows_reading_agree_on_random_tables_with_contracts_on(data):
    """`riscv/pt_promote_copy/simulation` runs as a contract-checked call on random tables in NC
    (icontract checks its postcondition on every call, so a disagreement raises here), and the
    copy run step by step at the row's width answers what the row answers (`row_part`), FAILED
    exactly when its pages do not fit: what `pt_copy_then` (by induction on the copy's tree) and
    `pt_copy_summary` prove, and `pt_copy_run` checks whole at narrower tables."""
    import pytest
    from typeguard import suppress_type_checks
    from concrete.riscv import pagetable
    from refinement.obligations.pagetable import (
        BRIDGE_FREE, BRIDGE_LEVELS, BRIDGE_WIDTH, PT_LEVELS, _answers_as, _row_on, promote_reading_is_the_copy,
    )
    if LEVELS not in BRIDGE_LEVELS:
        pytest.skip("the comparison is stated at other depths")
    n = NC * BRIDGE_WIDTH
    kinds = data.draw(st.lists(st.sampled_from([pagetable.NOT_MAPPED, pagetable.POINTER, pagetable.LEAF]), min_size=n, max_size=n))
    # Mostly addresses in NC and a root that fits, so that copies succeed; now and then not.
    ppns = data.draw(st.lists(st.one_of(st.integers(0, NC - 1), st.integers(-1, NC + 1)), min_size=n, max_size=n))
    root = data.draw(st.one_of(st.integers(0, NC - hv_tables.ROOT_PAGES), st.integers(-1, NC)))
    capacity = data.draw(st.one_of(st.just(BRIDGE_FREE), st.integers(0, BRIDGE_FREE)))
    with suppress_type_checks():   # the copy is branch-free: typeguard on each small call is slow
        copy = promote_reading_is_the_copy(tuple(kinds), tuple(ppns), root, capacity)
        error, used = pagetable.copy_outcome(pagetable.Tables(tuple(kinds), tuple(ppns), BRIDGE_WIDTH), NC, root,
                                             PT_LEVELS, capacity)
    assert _answers_as((error, used), _row_on(tuple(kinds), tuple(ppns), root), capacity)
    assert copy.used <= capacity and error == copy.error and (error != abi.SUCCESS or used == copy.used)
