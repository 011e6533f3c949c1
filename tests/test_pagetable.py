"""ACE's copy of the hypervisor's G-stage tables (`concrete/riscv/pagetable.py`), whole, at 2 to 5
levels: checked on random and on malformed tables (pointers into C, at the last level, cycles),
not proven; the per-level lemmas are the proofs (`refinement/obligations/pagetable.py`)."""
from __future__ import annotations

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from typeguard import suppress_type_checks

from abstract import abi
from concrete.riscv import pagetable
from concrete.riscv.pagetable import LEAF, MAPPED, NOT_MAPPED, POINTER, ROOT_PAGES, Tables, copy_tables, guest_pages, walk

@pytest.fixture(autouse=True)
def _unchecked():
    """Types are not checked inside the copy here: it is branch-free, so every step evaluates every
    entry, and typeguard's check of each small call makes a copy a hundred times slower."""
    with suppress_type_checks():
        yield


W = 2    # entries per table page
NC = 12  # NC pages: the hypervisor's tables and data
C = 48   # C pages


def _tables(kinds, ppns):
    return Tables(tuple(kinds), tuple(ppns), W)


@st.composite
def sources(draw):
    """Random tables in NC (entries lead anywhere: NC, C, past memory, negative), contents, the free C pages."""
    n = NC * W
    # Weighted towards tables ACE accepts, so that whole copies succeed often enough to check.
    kinds = draw(st.lists(st.sampled_from((NOT_MAPPED,) * 3 + (LEAF,) * 2 + (POINTER,)), min_size=n, max_size=n))
    ppns = draw(st.lists(st.one_of(st.integers(0, NC - 1), st.integers(0, NC - 1), st.integers(-1, NC + 2)),
                         min_size=n, max_size=n))
    levels = draw(st.integers(2, 4))
    root = draw(st.one_of(st.integers(0, NC - ROOT_PAGES), st.integers(-1, NC - ROOT_PAGES + 1)))
    base = NC + draw(st.integers(0, 4))
    capacity = draw(st.integers(0, NC + C - base))
    return _tables(kinds, ppns), _memory(draw, base, capacity), root, levels, base, capacity


def _memory(draw, base, capacity):
    """NC pages with data; the free run [base, base + capacity) zero; other C pages in use."""
    nc = tuple(draw(st.lists(st.integers(1, 99), min_size=NC, max_size=NC)))
    return nc + tuple(0 if base <= p < base + capacity else 500 + p for p in range(NC, NC + C))


@st.composite
def well_formed(draw):
    """Tables ACE accepts at 2 to 5 levels: the root at NC page 0, one table page per lower level
    that every pointer of the level above shares (the copy unfolds them), leaves inside NC."""
    levels = draw(st.integers(2, 4))
    kinds, ppns = [NOT_MAPPED] * (NC * W), [0] * (NC * W)
    for level in range(levels, 0, -1):
        page = 0 if level == levels else ROOT_PAGES + levels - level - 1
        span = pagetable.span_of(level, W)
        for j in range((ROOT_PAGES if level == levels else 1) * W):
            kind = draw(st.sampled_from((NOT_MAPPED, LEAF) + ((POINTER, POINTER) if level > 1 else ())))
            kinds[page * W + j] = kind
            if kind == LEAF:
                ppns[page * W + j] = draw(st.integers(0, NC - span))
            elif kind == POINTER:
                ppns[page * W + j] = ROOT_PAGES + levels - level
    return _tables(kinds, ppns), _memory(draw, NC, C), 0, levels, NC, C


def _check_success(src, mem, root, levels, base, capacity, out):
    acquired = set(range(base, base + out.used))
    assert out.used <= capacity, "only pages of the free run"
    assert out.mem[:NC] == mem[:NC], "NC is only read"
    assert all(out.mem[p] == mem[p] for p in range(NC, NC + C) if p not in acquired), "no other C page changes"
    assert out.root in acquired
    for g in range(guest_pages(levels, W)):
        s_out, s_page = walk(src, root, levels, g)
        c_out, c_page = walk(out.tables, out.root, levels, g)
        assert s_out == c_out, g
        if s_out == MAPPED:
            assert 0 <= s_page < NC and c_page in acquired and out.mem[c_page] == mem[s_page], g


@settings(max_examples=150, deadline=None)
@given(sources())
def test_a_copy_translates_as_the_hypervisors_tables_into_fresh_pages_or_changes_nothing(case):
    src, mem, root, levels, base, capacity = case
    out = copy_tables(src, mem, NC, root, levels, base, capacity)
    if out.error == abi.SUCCESS:
        _check_success(src, mem, root, levels, base, capacity, out)
    else:
        assert out.error in (abi.FAILED, abi.INVALID_ADDRESS, abi.INVALID_PARAM)
        assert out.mem == mem and out.used == 0, "an error gives back every page"


@settings(max_examples=60, deadline=None)
@given(well_formed())
def test_well_formed_tables_of_every_depth_copy_whole(case):
    src, mem, root, levels, base, capacity = case
    out = copy_tables(src, mem, NC, root, levels, base, capacity)
    assert out.error in (abi.SUCCESS, abi.FAILED), "only memory can run out"
    if out.error == abi.SUCCESS:
        _check_success(src, mem, root, levels, base, capacity, out)


def _one_table(entries, root=0):
    """A root at NC page `root` (ROOT_PAGES pages) with `entries` first, the rest unmapped."""
    kinds, ppns = [NOT_MAPPED] * (NC * W), [0] * (NC * W)
    for j, (k, p) in enumerate(entries):
        kinds[root * W + j], ppns[root * W + j] = k, p
    return kinds, ppns


MEM = tuple(range(1, NC + 1)) + (0,) * C


def _copy(kinds, ppns, levels, capacity=C, free_on_error=True):
    return copy_tables(_tables(kinds, ppns), MEM, NC, 0, levels, NC, capacity, free_on_error)


def test_a_pointer_at_the_last_level_is_page_table_corrupted():
    kinds, ppns = _one_table([(POINTER, 5)])
    kinds[5 * W], ppns[5 * W] = POINTER, 6         # level 1 holds a pointer
    out = _copy(kinds, ppns, 2)
    assert out.error == abi.INVALID_PARAM


def test_a_pointer_or_a_leaf_into_confidential_memory_is_refused():
    for entry in ((POINTER, NC), (LEAF, NC), (LEAF, -1), (POINTER, NC + C + 3)):
        kinds, ppns = _one_table([entry])
        assert _copy(kinds, ppns, 2).error == abi.INVALID_ADDRESS, entry


def test_a_huge_leaf_must_lie_wholly_in_nc():
    kinds, ppns = _one_table([(LEAF, NC - 1)])     # a level-2 leaf spans W pages: the last one is C
    assert _copy(kinds, ppns, 2).error == abi.INVALID_ADDRESS
    kinds, ppns = _one_table([(LEAF, NC - W)])
    out = _copy(kinds, ppns, 2)
    assert out.error == abi.SUCCESS
    assert [out.mem[walk(out.tables, out.root, 2, g)[1]] for g in range(W)] == [MEM[NC - W + d] for d in range(W)]


def test_a_cycle_ends_in_a_pointer_at_the_last_level_and_leaves_nothing():
    kinds, ppns = _one_table([(POINTER, 4)])
    kinds[4 * W], ppns[4 * W] = POINTER, 4         # page 4 points at itself
    out = _copy(kinds, ppns, 4)
    assert out.error == abi.INVALID_PARAM and out.used == 0 and out.mem == MEM


def test_a_table_two_entries_point_at_is_copied_twice_and_shares_nothing():
    kinds, ppns = _one_table([(POINTER, 5), (POINTER, 5)])
    kinds[5 * W], ppns[5 * W] = LEAF, 7
    out = _copy(kinds, ppns, 2)
    assert out.error == abi.SUCCESS
    _check_success(_tables(kinds, ppns), MEM, 0, 2, NC, C, out)
    assert out.used == ROOT_PAGES + 2 * (1 + 1), "the root, and each reference's table and leaf"


def test_a_v_clear_entry_with_permission_bits_is_a_leaf_as_ace_decodes_it():
    assert pagetable.entry_kind(0b0010) == LEAF and pagetable.entry_kind(0b0001) == POINTER
    assert pagetable.entry_kind(0b1111_0000) == NOT_MAPPED, "U G A D alone: not mapped"


def test_out_of_memory_is_failed_and_ace_keeps_what_it_took():
    kinds, ppns = _one_table([(LEAF, 1), (POINTER, NC)])  # a leaf copied, then a pointer into C
    assert _copy(kinds, ppns, 2, capacity=3).error == abi.FAILED, "no room for the 16 KiB root"
    model, ace = _copy(kinds, ppns, 2), _copy(kinds, ppns, 2, free_on_error=False)
    assert model.error == ace.error == abi.INVALID_ADDRESS
    assert model.used == 0 and model.mem == MEM
    assert ace.used == ROOT_PAGES + W and ace.mem[NC + ROOT_PAGES:NC + ROOT_PAGES + W] == MEM[1:1 + W], \
        "ACE keeps the root and the leaf's pages, with the hypervisor's data in them"


def test_a_root_outside_nc_is_refused_before_anything_is_acquired():
    kinds, ppns = _one_table([(LEAF, 1)])
    out = copy_tables(_tables(kinds, ppns), MEM, NC, NC, 2, NC, 0)  # no memory, and the root in C
    assert out.error == abi.INVALID_ADDRESS and out.used == 0, "ACE checks hgatp's root first (mmu/mod.rs)"
    assert copy_tables(_tables(kinds, ppns), MEM, NC, NC - 1, 2, NC, C).error == abi.INVALID_ADDRESS, \
        "a 16 KiB root must lie wholly in NC"


@st.composite
def guest_paths(draw):
    """Tables at 2 to 4 levels whose guest's path is good: the root at NC page 0, entry 0 of
    each table above the last a pointer to the next table's page (4, 5, ...), the last table's
    first `guest` entries leaves in NC, unless the path is cut at some table (its entry 0 then
    not mapped, and the tables below unreached); every entry off the path random (in NC or not,
    any kind), so that its subtrees are too."""
    levels, guest = draw(st.integers(2, 4)), draw(st.integers(1, W))
    n = NC * W
    kinds = draw(st.lists(st.sampled_from((NOT_MAPPED,) * 4 + (LEAF, POINTER)), min_size=n, max_size=n))
    ppns = draw(st.lists(st.one_of(st.integers(0, NC - 1), st.integers(0, NC - 1), st.integers(-1, NC + 2)),
                         min_size=n, max_size=n))
    cut = draw(st.one_of(st.none(), st.integers(0, levels - 2)))
    for i in range(levels - 1):    # path table i (the root 0) leads to table i + 1 at page ROOT_PAGES + i
        kinds[(0 if i == 0 else ROOT_PAGES + i - 1) * W] = NOT_MAPPED if cut == i else POINTER
        ppns[(0 if i == 0 else ROOT_PAGES + i - 1) * W] = ROOT_PAGES + i
    last = ROOT_PAGES + levels - 2
    for g in range(guest):
        kinds[last * W + g], ppns[last * W + g] = LEAF, draw(st.integers(0, NC - 1))
    reached = levels - 1 if cut is None else cut
    path_pages = ROOT_PAGES + reached + (guest if cut is None else 0)
    return _tables(kinds, ppns), levels, guest, path_pages, draw(st.integers(0, 400))


@settings(max_examples=400, deadline=None)
@given(guest_paths())
def test_the_copy_answers_what_it_finds_off_the_guests_path_after_the_path_and_takes_its_pages(case):
    """`pagetable.off_path`, which PROMOTE's row takes as inputs, at every depth (the proof,
    `riscv/pt_path_copy/simulation` with `pt_copy_then` and `pt_copy_run`, is on the parts): on
    tables whose guest's path is good or cut short, ACE's whole-tree copy answers
    off_path's code, and a copy that succeeds takes the path's pages and off_path's. off_path's
    pages are those the copy takes up to its refusal: from a run too small for the path's and
    those, the copy answers FAILED, refusal or not (ACE's error precedence), and from one that
    holds them, off_path's code."""
    src, levels, guest, path_pages, capacity = case
    code, pages = pagetable.off_path(src, 0, levels, NC, guest)
    assert code in (abi.SUCCESS, abi.INVALID_ADDRESS, abi.INVALID_PARAM)
    need = path_pages + pages
    full_error, full_used = pagetable.copy_outcome(src, NC, 0, levels, 10 ** 6)
    assert full_error == code and (code != abi.SUCCESS or full_used == need)
    for room in (capacity, need, need - 1):
        error, used = pagetable.copy_outcome(src, NC, 0, levels, room)
        assert error == (abi.FAILED if need > room else code), (room, need)
        assert error != abi.SUCCESS or used == need


@st.composite
def any_tables(draw):
    """Any tables at 2 to 4 levels, 1 to 3 entries per page (the proofs' widths and the row's
    G), any kind and address in every entry, the root anywhere near NC, any free run, and the
    guest pages the summary groups first (which change nothing)."""
    levels, width = draw(st.integers(2, 4)), draw(st.integers(1, 3))
    n = NC * width
    kinds = draw(st.lists(st.sampled_from((NOT_MAPPED, NOT_MAPPED, LEAF, POINTER, POINTER)), min_size=n, max_size=n))
    ppns = draw(st.lists(st.integers(-1, NC + 1), min_size=n, max_size=n))
    src = Tables(tuple(kinds), tuple(ppns), width)
    return src, levels, draw(st.integers(-1, NC)), draw(st.integers(0, 80)), draw(st.integers(1, 3))


@settings(max_examples=400, deadline=None)
@given(any_tables())
def test_the_copy_answers_as_its_summary_from_any_free_run_at_every_depth(case):
    """The induction's conclusion, run at 2 to 4 levels and widths 1 to 3: ACE's copy, its parts
    run one at a time depth first (`copy_outcome`), answers as its whole-tree summary
    (`copy_summary`, the `then` of the same parts) run once from the start, FAILED exactly when
    the summary's pages do not fit. Proven by induction on the tree, each case
    `riscv/pt_copy_then/entry`'s, at any depth and width; `riscv/pt_copy_run/lift` checks it
    whole on tables 2 entries wide at 2 levels and 1 deeper."""
    src, levels, root, free, guest = case
    code, pages = pagetable.copy_summary(src, root, levels, NC, guest)
    error, used = pagetable.copy_outcome(src, NC, root, levels, free)
    assert error == (abi.FAILED if pages > free else code), (code, pages, free)
    assert error == abi.FAILED or used == pages
    assert pagetable.copy_outcome(src, NC, root, levels, pages) == (code, pages), "a run that holds it"


def _depth_first(levels, width):
    """ACE's order, written apart: a table entered, then each of its entries, each followed by
    the table its pointer would lead to; (node, level, entry, parent), entry -1 for entering,
    a table numbered by its entering's place in the order."""
    out = []

    def visit(node, level, parent):
        out.append((node, level, -1, parent))
        for j in range(pagetable.entries_at(level, levels, width)):
            out.append((node, level, j, (-1, -1)))
            if level > 1:
                visit(len(out), level - 1, (node, j))
    visit(0, levels, (-1, -1))
    return out


@pytest.mark.parametrize("levels", [1, 2, 3, 4])
@pytest.mark.parametrize("width", [1, 2, 3])
def test_the_steps_the_summary_logs_are_the_copys_order(levels, width):
    """What the induction takes from construction: the steps the summary's recursion logs
    (`copy_steps`, which the run folds) are ACE's depth-first order, one per table and entry."""
    src = Tables((0,) * (NC * width), (0,) * (NC * width), width)
    steps = pagetable.copy_steps(src, NC, 0, levels)
    assert [(s.event.node, s.event.level, s.event.entry, s.event.parent) for s in steps] == _depth_first(levels, width)


@settings(max_examples=200, deadline=None)
@given(any_tables())
def test_each_step_is_gated_by_every_pointer_above_it(case):
    """A step's table is reached exactly when every entry on the way down to it is a pointer:
    the gate the run applies (`copy_steps`), against the entries the steps read."""
    src, levels, root, _, _ = case
    steps = pagetable.copy_steps(src, NC, root, levels)
    reached, kind_at = {}, {}
    for s in steps:
        e = s.event
        if e.entry < 0:
            reached[e.node] = e.node == 0 or (reached[e.parent[0]] and kind_at[e.parent] == POINTER)
        else:
            kind_at[(e.node, e.entry)] = s.kind
        assert bool(s.reached) == reached[e.node], e


def _off_path_changes_nothing_on_it(src, levels, root, free, guest):
    """ACE's whole copy, and the copy with each path table's entries off the guest's path run as
    one part that writes nothing (`riscv/pt_promote_path/simulation`'s stand-ins, given the parts
    the whole copy's own `off_entries` gives), answer alike from the same free run, and where they
    succeed translate each guest page on the path to the same page holding the same data; whether
    one was translated, for the caller to count."""
    from refinement.obligations.pagetable import _stand_ins
    mem = tuple(range(1, NC + 1)) + (0,) * C                  # each NC page's data its own
    tables, _ = pagetable.path_tables(src, root, levels, NC)
    stand_in, asked = _stand_ins(pagetable.path_offs(src, root, levels, NC, guest)[1])
    whole = copy_tables(src, mem, NC, root, levels, NC, free)
    path = copy_tables(src, mem, NC, root, levels, NC, free, guest=guest, off=stand_in)
    assert [a[:2] for a in reversed(asked)] == [(tables[i], levels - i) for i in range(levels)]
    assert (whole.error, whole.used) == (path.error, path.used)
    mapped = False
    for g in range(min(guest, src.width) if whole.error == abi.SUCCESS else 0):   # under every table's heads
        found = walk(whole.tables, whole.root, levels, g)
        assert found == walk(path.tables, path.root, levels, g), g
        assert found[0] != MAPPED or whole.mem[found[1]] == path.mem[found[1]] == mem[whole.origin[found[1] - NC]]
        mapped |= found[0] == MAPPED
    return mapped


@settings(max_examples=300, deadline=None)
@given(any_tables())
def test_the_entries_off_the_guests_path_change_nothing_the_path_maps(case):
    """What `riscv/pt_promote_path/simulation` takes from construction, run on any tables at 2 to
    4 levels and widths 1 to 3: the entries off the guest's path write only on their own tables'
    slots past the path's and on pages taken after the data."""
    src, levels, root, free, guest = case
    _off_path_changes_nothing_on_it(src, levels, root, min(free, C), guest)


@settings(max_examples=300, deadline=None)
@given(guest_paths())
def test_the_entries_off_a_good_path_change_nothing_it_maps(case):
    """The same on tables whose guest's path is good (or cut short) at 2 to 4 levels, entries
    off it random: copies that succeed and map guest pages, about one draw in six."""
    src, levels, guest, _, free = case
    translated = _off_path_changes_nothing_on_it(src, levels, 0, min(free, C), guest)
    event(f"a guest page translated: {translated}")
