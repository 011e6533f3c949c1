"""The hypervisor's G-stage tables as PROMOTE reads them, as far as the model's guest pages reach.

ACE's PROMOTE (`mmu/mod.rs` `copy_mmu_configuration_from_non_confidential_memory`, then
`page_table.rs` `copy_from_non_confidential_memory`) reads the hypervisor's tables from the root
its hgatp names, depth first, decoding each entry (`PageTableEntry::deserialize`). The model's
guest has G pages, all under entry 0 of each table above the last and entries 0..G-1 of the
last, as the CVMs' own tables (`cvm_tables.py`); the entries that map other guest pages are not
held. So the hypervisor's VM is: its root page, and the entries a walk of guest pages 0..G-1
reads, each as ACE decodes it from its V bit and whether any of R, W, X is set: entry j < CHAIN
is entry 0 of the table at level LEVELS - j, entry CHAIN + g the last table's entry g.

`read_vm` is the RISC-V monitor's reading, in ACE's order and with ACE's checks
(`pagetable.entry_refused`, `copy_entry`); `vm_of` is what the tables describe, the walk of each guest page
(`pagetable.walk_level`). The RISC-V machine and the PROMOTE row's input abstraction to the
canonical layer (`refinement/transitions.py`) both give the monitor the reading as a map
(`as_map`), the machine with the reading's own code, which
`riscv->canonical/promote_to_tvm/simulation` compares with the map's answer;
`riscv/pt_read_vm/simulation` proves that map read as `vm_of` is on every table the hypervisor
can write. A leaf above the last level (a huge page) maps
guest page g to its page + g, and its whole span (`leaf_span`, at the model's table width) must
lie in NC, as ACE checks; the CVM's copy is one leaf too, to one block of G C pages on its
boundary (`cvm_tables`; from 3 levels the configuration keeps every accepted leaf the guest's G
pages wide). The CVM records that it was one (`huge`, from `read_vm`; the walk's
`leaf_above_last`), so SHARE's completion refuses to map into it as ACE's `map_page` does.
"""
from __future__ import annotations

from typing import Tuple

from abstract import abi
from abstract.config import G, LEVELS, NC
from abstract.logic import all_of, keep, lnot
from concrete.riscv import pagetable  # its checks through the module: a seeded fault there reaches PROMOTE
from concrete.riscv.pagetable import CORRUPT, DESCEND, LEAF, MAPPED, NOT_MAPPED, POINTER, ROOT_PAGES, UNMAPPED

CHAIN = LEVELS - 1
ENTRIES = CHAIN + G   # the entries PROMOTE reads: one per table above the last, then G leaves
# Entries per table below the root as the model reads them: the guest's G pages fill the last
# table's first G, so G is the narrowest width they fit (RISC-V has 512). A leaf at level l maps
# WIDTH^(l-1) pages, all of which ACE copies, so all of which must lie in NC.
WIDTH = G


def leaf_span(j: int) -> int:
    """Pages a leaf in entry j of the chain maps (the table at level LEVELS - j)."""
    return pagetable.span_of(LEVELS - j, WIDTH)

Vm = Tuple[int, Tuple[bool, ...], Tuple[bool, ...], Tuple[int, ...]]   # (root, V, any of RWX, PPN)


def ace_kind(v: bool, rwx: bool) -> int:
    """ACE's `PageTableEntry::deserialize` on an entry's V bit and whether R, W or X is set:
    all clear not mapped, V alone a pointer, anything else a leaf (V clear with R, W or X set
    included, where the hardware would see an invalid entry)."""
    return keep(POINTER, v & lnot(rwx)) + keep(LEAF, rwx) + keep(NOT_MAPPED, lnot(v | rwx))


def root_outside(root: int) -> bool:
    """The 16 KiB root must lie in NC (`NonConfidentialMemoryAddress::new`, then the copy of
    its four pages)."""
    return (root < 0) | (root + ROOT_PAGES > NC)


def read_vm(vm: Vm) -> Tuple[int, Tuple[int, ...], bool, int]:
    """ACE's copy over these entries, in its order: the root, then each table's entry 0 from
    the root down (a pointer leads on, its table in NC; a leaf maps the guest's pages, all in
    NC; nothing mapped ends it), then the last table's entries in guest order (a pointer there
    is PageTableCorrupted). The first failure's code, guest page g's NC page or
    `abi.VM_UNMAPPED`, whether a leaf above the last level maps them all (a huge page), and the
    pages the copy takes before the first failure, or in all if there is none: each entry's
    acquired as its checks pass (`entry_refused`'s count; a huge leaf's span checked once its
    pages are taken), the root's once its first page is found in NC (ACE checks the address,
    acquires the 16 KiB, then copies it). Branch-free, as `pagetable.copy_tables`."""
    root, v, rwx, ppn = vm
    code = keep(abi.INVALID_ADDRESS, root_outside(root))
    reach = keep(ROOT_PAGES, (0 <= root) & (root < NC))
    going, huge, huge_ppn = code == abi.SUCCESS, False, 0
    for j in range(CHAIN):
        kind = ace_kind(v[j], rwx[j])
        err, need = pagetable.entry_refused(kind, ppn[j], False, leaf_span(j), NC)
        code, reach = code + keep(err, going), reach + keep(need, going)
        here = going & (kind == LEAF) & (err == abi.SUCCESS)
        huge, huge_ppn = huge | here, huge_ppn + keep(ppn[j], here)
        going = going & (err == abi.SUCCESS) & (kind == POINTER)
    pages = []
    for g in range(G):
        kind, p = ace_kind(v[CHAIN + g], rwx[CHAIN + g]), ppn[CHAIN + g]
        err, need = pagetable.copy_entry(kind, p, True, 1, NC)
        live = going & (code == abi.SUCCESS)
        code, reach = code + keep(err, live), reach + keep(need, live)
        leaf = going & (kind == LEAF)
        pages.append(keep(huge_ppn + g, huge) + keep(p, leaf) + keep(abi.VM_UNMAPPED, lnot(huge | leaf)))
    return code, tuple(pages), huge, reach


def as_map(reading: Tuple[int, Tuple[int, ...], bool, int]) -> Tuple[Tuple[int, ...], bool, int]:
    """A reading (`read_vm`) as the map a machine above receives (`abi.vm_decoded`): guest
    page g's NC page or `abi.VM_UNMAPPED`, or, where the reading refuses an entry, every page
    marked with its refusal (`abi.VM_MALFORMED` for a corrupted table, NC for an address outside
    NC); whether a huge leaf maps them; the pages taken along the guest's path. The RISC-V
    machine and the PROMOTE row's lift both give the monitor this value (the machine with the
    reading's own code), so that the square compares the two layers' steps on one map (given
    apart, the solver had to prove the two maps equal on every path: the square at three CVMs
    took ten times as long);
    `riscv/pt_read_vm/simulation` proves that a machine above reads it as the walk of each guest
    page (`vm_of`, `leaf_above_last`) and `riscv/pt_path_pages/simulation` its count."""
    code, pages, huge, reach = reading
    mark = map_mark(code)
    return tuple(p + keep(mark - p, code != abi.SUCCESS) for p in pages), huge, reach


def map_mark(code: int) -> int:
    """A page of the canonical map that answers `code` (`abi.vm_refused`): a corrupted table
    (INVALID_PARAM) malformed, any other refusal an address outside NC, none unmapped. The
    guest's map (`as_map`) and the PROMOTE row's mark for the entries off its path use it."""
    return keep(abi.VM_MALFORMED, code == abi.INVALID_PARAM) + keep(abi.VM_UNMAPPED, code == abi.SUCCESS) \
        + keep(NC, (code != abi.SUCCESS) & (code != abi.INVALID_PARAM))


def read_off_path(off_code: int, off_pages: int) -> Tuple[int, int]:
    """What ACE's copy finds in the entries no guest page uses, which it visits after every
    entry the guest's pages use (depth first, entry 0 first at every level): the first refusal
    among them, `off_code` in ACE's codes there (INVALID_PARAM for PageTableCorrupted, any other
    refusal an address), and `off_pages`, the pages it takes for them up to that refusal (all of
    them if there is none), none if negative. `pagetable.off_path` computes both inputs, and
    `riscv/pt_path_copy/simulation` proves them, with `read_vm`, the whole-tree copy's answer
    (`path_copy`)."""
    refused = off_code != abi.SUCCESS
    off = keep(abi.INVALID_PARAM, off_code == abi.INVALID_PARAM) + keep(abi.INVALID_ADDRESS, refused & (off_code != abi.INVALID_PARAM))
    return off, keep(off_pages, off_pages > 0)


def path_copy(vm: Vm, offs: Tuple[Tuple[int, int], ...]) -> Tuple[int, int]:
    """ACE's whole-tree copy of the hypervisor's tables as one part (`pagetable.copy_summary`),
    told along the guest's path: each of the path's tables entered (the root's 16 KiB first),
    then its entry 0 with the table its pointer leads to, or in the last table the guest's G
    leaves, then its entries off the path, whose part is given (`offs[i]` for the path's table
    i, the root's first; `pagetable.off_entries`). `riscv/pt_path_copy/simulation` proves it,
    at any depth, what PROMOTE's row answers from its reading and `off_path`'s inputs."""
    root, v, rwx, ppn = vm
    page = (root,) + tuple(ppn[:CHAIN])
    last = pagetable.entered(page[CHAIN], 1, NC, False)
    for g in range(G):
        last = pagetable.then(last, pagetable.entry_part(ace_kind(v[CHAIN + g], rwx[CHAIN + g]), ppn[CHAIN + g], True, 1, NC))
    out = pagetable.then(last, offs[CHAIN])
    for j in reversed(range(CHAIN)):
        kind = ace_kind(v[j], rwx[j])
        entry = pagetable.then(pagetable.entry_part(kind, ppn[j], False, leaf_span(j), NC),
                               pagetable.only_if(out, kind == POINTER))
        out = pagetable.then(pagetable.then(pagetable.entered(page[j], ROOT_PAGES if j == 0 else 1, NC, j == 0), entry),
                             offs[j])
    return out


def path_reached(vm: Vm) -> Tuple[bool, ...]:
    """Whether ACE's copy reaches each of the path's tables, the root's first: through a
    pointer in NC in entry 0 of each table above (`pagetable.path_tables` on tables in NC)."""
    _, v, rwx, ppn = vm
    reached = [True]
    for j in range(CHAIN):
        reached.append(reached[-1] & (ace_kind(v[j], rwx[j]) == POINTER) & (0 <= ppn[j]) & (ppn[j] < NC))
    return tuple(reached)


def vm_of(vm: Vm) -> Tuple[int, ...]:
    """The VM the tables describe, guest page by guest page: the walk of g from the root
    (`walk_level` at each level), giving the NC page it reaches, `abi.VM_UNMAPPED`, or
    `abi.VM_MALFORMED` (a pointer at the last level); NC, a page outside NC, for a walk that
    leaves NC (the root, a pointer, the page it finds, or the span of the huge leaf it finds)."""
    root, v, rwx, ppn = vm
    # Said page by page, apart from read_vm's `root_outside`: a check both readings shared
    # would make the simulation obligation blind to it (every mutant of it survived).
    root_in_nc = all_of((0 <= root + p) & (root + p < NC) for p in range(ROOT_PAGES))
    out = []
    for g in range(G):
        outcome, found, done, outside = DESCEND, 0, False, lnot(root_in_nc)
        for level in range(CHAIN + 1):
            i = level if level < CHAIN else CHAIN + g
            step, page = pagetable.walk_level(ace_kind(v[i], rwx[i]), ppn[i], level == CHAIN, g if level < CHAIN else 0)
            live = lnot(done)
            # Where an entry leads must lie in NC, a pointer's at the last level too: ACE checks
            # the address before the level (`NonConfidentialMemoryAddress::new`, then `lower()`).
            leads = keep(ppn[i], step == CORRUPT) + keep(page, step != CORRUPT)
            # A huge leaf maps its whole span, the pages past the guest's too: the VM the tables
            # describe then reaches past NC if its last page does.
            past = keep(ppn[i] + leaf_span(level) - 1, (step == MAPPED) & (level < CHAIN))
            outside = outside | (live & (step != UNMAPPED) & ((leads < 0) | (leads >= NC) | (past >= NC)))
            outcome, found, done = outcome + keep(step - outcome, live), found + keep(page - found, live), done | (step != DESCEND)
        out.append(keep(NC, outside) + keep(found, lnot(outside) & (outcome == MAPPED))
                   + keep(abi.VM_MALFORMED, lnot(outside) & (outcome == CORRUPT))
                   + keep(abi.VM_UNMAPPED, lnot(outside) & (outcome == UNMAPPED)))
    return tuple(out)


def path_pages(vm: Vm) -> int:
    """The pages ACE's copy takes along the guest's path before it refuses an entry there, or
    in all if it refuses none. Said apart from `read_vm`, which `riscv/pt_path_pages/simulation`
    proves it equal to, by the walk of the path (`walk_level`): the root's ROOT_PAGES once its first page
    is in NC, then from the root down a page for each table a pointer leads to in NC, a leaf's
    whole span once its first page is in NC (ACE takes them before it checks the span's end),
    then a page for each guest page's leaf in NC; it stops at the first address outside NC,
    the root's end, a huge leaf's span or a pointer at the last level."""
    root, v, rwx, ppn = vm
    inside = tuple((0 <= p) & (p < NC) for p in ppn)
    count = keep(ROOT_PAGES, (0 <= root) & (root < NC))
    on = (0 <= root) & (root + ROOT_PAGES - 1 < NC)
    for j in range(CHAIN):
        step, _ = pagetable.walk_level(ace_kind(v[j], rwx[j]), ppn[j], False, 0)
        span = leaf_span(j)
        count = count + keep(1, on & (step == DESCEND) & inside[j]) + keep(span, on & (step == MAPPED) & inside[j])
        on = on & (step == DESCEND) & inside[j]
    for g in range(G):
        step, _ = pagetable.walk_level(ace_kind(v[CHAIN + g], rwx[CHAIN + g]), ppn[CHAIN + g], True, 0)
        count = count + keep(1, on & (step == MAPPED) & inside[CHAIN + g])
        on = on & (step != CORRUPT) & lnot((step == MAPPED) & lnot(inside[CHAIN + g]))
    return count


def leaf_above_last(vm: Vm) -> bool:
    """Do the tables map the guest's pages with a huge leaf: a walk from the root meets a leaf
    above the last level (every guest page's walk reads the same entries there)? Said apart from
    `read_vm`, which `riscv/pt_read_vm/simulation` compares it with."""
    _, v, rwx, _ = vm
    reached, found = True, False
    for j in range(CHAIN):
        kind = ace_kind(v[j], rwx[j])
        found = found | (reached & (kind == LEAF))
        reached = reached & (kind == POINTER)
    return found


def tables_for(pages: Tuple[int, ...]) -> Vm:
    """Hypervisor tables that describe the VM `pages` (guest page g's NC page, `abi.VM_UNMAPPED`
    or `abi.VM_MALFORMED`; missing ones unmapped): the root at page 0, a chain of pointers to
    page 0, and a leaf per mapped page, a pointer for a malformed one. `vm_of` of it is `pages`
    where each is in NC or one of the two marks."""
    full = tuple(pages) + (abi.VM_UNMAPPED,) * (G - len(pages))
    v = (True,) * CHAIN + tuple(p != abi.VM_UNMAPPED for p in full)
    rwx = (False,) * CHAIN + tuple(p not in (abi.VM_UNMAPPED, abi.VM_MALFORMED) for p in full)
    return 0, v, rwx, (0,) * CHAIN + tuple(0 if p in (abi.VM_UNMAPPED, abi.VM_MALFORMED) else p for p in full)


def huge_leaf_at(page: int) -> Vm:
    """Hypervisor tables whose entry in the level above the last is a leaf at NC page `page`:
    every guest page under one huge leaf, guest page g at `page` + g (`vm_of`), PROMOTE's
    `huge` (its whole span must lie in NC for PROMOTE to take it)."""
    root, v, rwx, ppn = tables_for(())
    j = CHAIN - 1
    return root, v[:j] + (True,) + v[j + 1:], rwx[:j] + (True,) + rwx[j + 1:], ppn[:j] + (page,) + ppn[j + 1:]
