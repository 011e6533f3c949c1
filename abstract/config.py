"""The one configuration of model sizes, shared by every layer.

Sizes are read once, at import, from environment variables so that a child process that proves
an obligation sees exactly the sizes its parent chose (`refine prove --pages 8` sets them).
Defaults are small on purpose: an exhaustive proof explores paths exponential in some sizes.
"""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass, fields

ENV_PREFIX = "REFINE_"


class ConfigError(ValueError):
    """A size given by the user is not usable; the message names the fix."""


@dataclass(frozen=True)
class Sizes:
    # Defaults differ where a slip could confuse two sizes (C for NC, K for H, H for G, P for
    # H): where they coincide, indexing by the wrong one proves. Where these defaults coincide
    # (harts, guest pages and physical harts; CVMs and FP registers), `SECOND` differs.
    nc_pages: int = 5      # hypervisor (non-confidential) memory pages
    c_pages: int = 12      # confidential memory pages: a CVM takes TABLE_PAGES of them for its G-stage tables, then its data pages
    cvms: int = 2          # CVM slots
    harts: int = 3         # virtual harts per CVM
    guest_pages: int = 3   # guest-physical pages per CVM
    levels: int = 2        # levels of G-stage tables: the CVMs' and the hypervisor's PROMOTE copies (Sv48x4: 4)
    mmio_regions: int = 1  # MMIO region slots per CVM (ACE allows 1024)
    phys_harts: int = 3    # physical harts: the modelled one (0) and others that run vCPUs too
    fp_registers: int = 2  # floating-point registers per file (f0..f31 has 32): see NFREGS below

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


# The second configuration CI proves in full: every pair of sizes equal at the defaults differs
# here, and every pair equal here differs at the defaults (`tests/test_config.py` checks both).
SECOND = dict(nc_pages=4, c_pages=14, cvms=2, harts=2, guest_pages=3, levels=3, mmio_regions=2, phys_harts=4, fp_registers=1)


LIMITS = {
    "nc_pages": (4, 64),  # the hypervisor's 16 KiB G-stage root, which PROMOTE reads, fits in NC
    "c_pages": (1, 64),
    "cvms": (1, 8),
    "harts": (1, 8),
    "guest_pages": (2, 64),
    "levels": (2, 5),
    "mmio_regions": (1, 16),
    "phys_harts": (1, 4),
    "fp_registers": (1, 32),
}


# A CVM's G-stage root is 16 KiB (the x4 of Sv48x4 and Sv57x4): ROOT_PAGES consecutive pages,
# the first aligned to ROOT_PAGES (hgatp's PPN must be), then one page per lower level's table.
ROOT_PAGES = 4


def table_pages(levels: int) -> int:
    """C pages a CVM's G-stage tables take: the 16 KiB root and one page per lower level."""
    return ROOT_PAGES + levels - 1


def root_starts(nc_pages: int, c_pages: int) -> range:
    """The global pages a root may start at: C pages (nc_pages .. nc_pages + c_pages - 1) on a
    16 KiB boundary whose block of ROOT_PAGES lies in C."""
    first = -(-nc_pages // ROOT_PAGES) * ROOT_PAGES
    return range(first, nc_pages + c_pages - ROOT_PAGES + 1, ROOT_PAGES)


def roots_fit(nc_pages: int, c_pages: int) -> int:
    """How many CVMs can have their roots in C memory at once (the blocks do not overlap)."""
    return len(root_starts(nc_pages, c_pages))


def holds_all_cvms(nc_pages: int, c_pages: int, cvms: int, levels: int) -> bool:
    """Every slot can hold a CVM at once: an aligned root each, and beside the roots the
    other table pages and one data page each."""
    return roots_fit(nc_pages, c_pages) >= cvms and c_pages - cvms * ROOT_PAGES >= cvms * levels


def least_c_pages(nc_pages: int, cvms: int, levels: int) -> int:
    """The fewest C pages in which every slot can hold a CVM at once."""
    return next(c for c in range(1, 1 + cvms * (table_pages(levels) + 1) + ROOT_PAGES)
                if holds_all_cvms(nc_pages, c, cvms, levels))


def validate(sizes: Sizes) -> Sizes:
    """Return `sizes` if usable, else raise ConfigError naming the bad size and the fix."""
    for name, (lo, hi) in LIMITS.items():
        value = getattr(sizes, name)
        if not isinstance(value, int) or not lo <= value <= hi:
            raise ConfigError(
                f"size {name}={value!r} is out of range: use an integer from {lo} to {hi}"
            )
    # Every slot can hold a CVM at once, each with its tables and one page: fewer, and two
    # CVMs could never be live together, so isolation between them would be proven of nothing.
    if not holds_all_cvms(sizes.nc_pages, sizes.c_pages, sizes.cvms, sizes.levels):
        least = least_c_pages(sizes.nc_pages, sizes.cvms, sizes.levels)
        raise ConfigError(
            f"c_pages={sizes.c_pages} cannot hold {sizes.cvms} CVMs at once, each with its "
            f"{table_pages(sizes.levels)} G-stage table pages (a 16 KiB root on a 16 KiB boundary, "
            f"then {sizes.levels - 1} more) and one data page: raise c_pages to {least} or more"
        )
    # A leaf above the table over the last spans guest_pages ** 2 pages or more at the model's
    # width, and PROMOTE accepts one only if its span lies in NC: below that bound every huge
    # leaf spans exactly the guest's pages, which is what the CVM's copy of it holds.
    if sizes.levels >= 3 and sizes.nc_pages >= sizes.guest_pages ** 2:
        raise ConfigError(
            f"nc_pages={sizes.nc_pages} at levels={sizes.levels} lets the hypervisor map its guest with a leaf "
            f"spanning {sizes.guest_pages ** 2} pages, more than the model's {sizes.guest_pages} guest pages: "
            f"keep nc_pages below {sizes.guest_pages ** 2} (or raise guest_pages, or use levels=2)"
        )
    return sizes


def env_for(sizes: Sizes) -> dict[str, str]:
    """Environment variables that make a child process load `sizes`."""
    return {ENV_PREFIX + k.upper(): str(v) for k, v in sizes.as_dict().items()}


def from_env(environ: dict[str, str] | os._Environ = os.environ) -> Sizes:
    values = {}
    for f in fields(Sizes):
        raw = environ.get(ENV_PREFIX + f.name.upper())
        if raw is None:
            continue
        try:
            values[f.name] = int(raw)
        except ValueError:
            raise ConfigError(
                f"{ENV_PREFIX + f.name.upper()}={raw!r} is not an integer: set it to a whole number"
            ) from None
    return validate(Sizes(**values))


SIZES = from_env()
NC = SIZES.nc_pages
C = SIZES.c_pages
K = SIZES.cvms
H = SIZES.harts
G = SIZES.guest_pages
R = SIZES.mmio_regions
P = SIZES.phys_harts
LEVELS = SIZES.levels
# A CVM's G-stage tables take TABLE_PAGES pages from the allocator when it is promoted (its root's
# block, then one table per lower level), before its data pages, as ACE's copy allocates them depth
# first.
TABLE_PAGES = table_pages(LEVELS)
PAGES = NC + C
PAGE_SIZE = 4096
NREGS = 31  # general registers x1..x31; index i holds x(i+1)
# Floating-point registers per file (fcsr is not modelled). The monitor only saves, restores,
# swaps and zeroes whole files and never reads or writes one register (tests/test_fp_registers.py
# checks the model's source for it), so register j of every file is moved exactly as register 0
# is: a proof with one register per file covers all 32 (data independence). One, not 32, takes
# 160 symbolic values off every spec state and about 15 % of the Python-level work off the
# obligations measured; `--fp-registers 32` proves the real width.
NFREGS = SIZES.fp_registers
NIRQ = 4    # external interrupt lines modelled: bits 0..3 of the 64-bit masks
NTRAP_CSRS = 4  # the trap CSRs an exit shows: scause, stval, htval, htinst (abi.HTINST: the last)
NCSRS = NTRAP_CSRS + 3  # then, on every exit, vsie, vstimecmp and hvip (ACE's expose_enabled_interrupts.rs)
