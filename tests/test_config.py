"""The two size configurations CI proves: together they separate every pair of sizes."""
from __future__ import annotations

from dataclasses import replace
from itertools import combinations

import pytest

from abstract.config import LIMITS, ROOT_PAGES, SECOND, ConfigError, Sizes, least_c_pages, roots_fit, validate


def _coinciding(sizes: Sizes):
    values = sizes.as_dict()
    return {(a, b) for a, b in combinations(sorted(values), 2) if values[a] == values[b]}


def test_every_pair_of_sizes_differs_in_one_of_the_two_configurations():
    both = _coinciding(Sizes()) & _coinciding(replace(Sizes(), **SECOND))
    assert not both, f"sizes equal in both configurations (a slip between them cannot be refuted): {both}"


def test_the_defaults_themselves_separate_the_sizes_the_issue_names():
    d = Sizes()
    assert d.nc_pages != d.c_pages and d.cvms != d.harts and d.harts != d.mmio_regions
    assert d.fp_registers > 1, "a register file of width 1 hides a reversed copy"


def test_both_configurations_are_valid():
    validate(Sizes())
    validate(replace(Sizes(), **SECOND))


def test_c_memory_must_hold_every_cvm_with_its_aligned_root():
    """Each CVM needs a 16 KiB root on a 16 KiB boundary, levels - 1 more table pages and a data
    page: the least C memory counts the pages before the first boundary, and fewer is refused
    with that least named."""
    d = Sizes()
    least = least_c_pages(d.nc_pages, d.cvms, d.levels)
    assert least == 12, "NC 5: pages 5..7 before the first boundary, two roots at 8 and 12, then 16"
    validate(replace(d, c_pages=least))
    with pytest.raises(ConfigError, match=f"raise c_pages to {least} or more"):
        validate(replace(d, c_pages=least - 1))
    # Enough pages in number, none on a boundary: refused all the same.
    assert roots_fit(5, 6) == 0 and roots_fit(8, 4) == 1 and roots_fit(4, 12) == 3
    with pytest.raises(ConfigError):
        validate(replace(d, cvms=1, c_pages=6))
    for nc in range(4, 12):
        for levels in range(2, 6):
            c = least_c_pages(nc, 2, levels)
            first = -(-nc // ROOT_PAGES) * ROOT_PAGES
            assert c >= 2 * (levels + 4) and first + 2 * ROOT_PAGES <= nc + c, (nc, levels, c)


def test_a_huge_leaf_wider_than_the_guest_is_refused_from_three_levels():
    """From 3 levels a leaf two levels above the last spans guest_pages ** 2 pages: NC that could
    hold such a span is refused (the CVM's copy of a huge leaf holds the guest's pages only),
    and at 2 levels, where every leaf above the last spans the guest's pages, nothing is."""
    d = Sizes()
    validate(replace(d, levels=3, nc_pages=8, c_pages=16))
    with pytest.raises(ConfigError, match="keep nc_pages below 9"):
        validate(replace(d, levels=3, nc_pages=9, c_pages=16))
    validate(replace(d, levels=2, nc_pages=9, c_pages=16))
    with pytest.raises(ConfigError, match="guest_pages"):
        validate(replace(d, levels=4, guest_pages=2, c_pages=20))


def test_the_cli_reference_gives_every_size_its_default_and_range():
    """docs/cli.md's table of sizes is what `abstract.config` holds (it once said one table level)."""
    import re
    from pathlib import Path
    text = (Path(__file__).resolve().parents[1] / "docs" / "cli.md").read_text()
    rows = {m[1]: (int(m[2]), int(m[3]), int(m[4]))
            for m in re.finditer(r"^\| `--([a-z-]+)` \| `REFINE_\w+` \| (\d+) \| (\d+)–(\d+)", text, re.M)}
    expected = {k.replace("_", "-"): (v, *LIMITS[k]) for k, v in Sizes().as_dict().items()}
    assert rows == expected


def test_table_owner_values_never_meet_data_owner_values():
    """Slot k's table pages are owned by TABLE_BASE + k, its data pages by CVM_BASE + k: at the
    largest number of slots the configuration allows, no table tag is any slot's data tag."""
    from abstract.domain import CVM_BASE, TABLE_BASE, owned_by
    most = LIMITS["cvms"][1]
    data = {CVM_BASE + k for k in range(most)}
    tables = {TABLE_BASE + k for k in range(most)}
    assert not data & tables and 0 not in data | tables
    assert [owned_by(TABLE_BASE + 1, k) for k in range(3)] == [False, True, False]


def test_the_readme_lists_both_configurations_as_they_are():
    """The README's sentence on the two configurations CI proves names every size of each (it
    once said 4 C pages at the defaults after they had grown to 6)."""
    import re
    from pathlib import Path
    text = " ".join((Path(__file__).resolve().parents[1] / "README.md").read_text().split())
    pattern = (r"nc (\d+), c (\d+), (\d+) CVMs of (\d+) vCPUs, (\d+) guest pages, (\d+) table levels, "
               r"(\d+) MMIO regions?, (\d+) physical harts, (\d+) FP registers?")
    found = [tuple(int(v) for v in m) for m in re.findall(pattern, text)]
    order = ("nc_pages", "c_pages", "cvms", "harts", "guest_pages", "levels", "mmio_regions", "phys_harts", "fp_registers")
    expected = [tuple(sizes.as_dict()[k] for k in order) for sizes in (Sizes(), replace(Sizes(), **SECOND))]
    assert found == expected
