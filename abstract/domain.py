"""Domain constants every layer shares: owners, hart lifecycle, who runs."""
FREE = 0
CVM_BASE = 2  # owner value of CVM slot k's data pages: CVM_BASE + k
# Owner value of CVM slot k's G-stage table pages: TABLE_BASE + k. Above every data tag
# (`abstract.config.LIMITS` allows at most 8 slots), so the two kinds never meet.
TABLE_BASE = CVM_BASE + 8


def owned_by(owner: int, k: int) -> bool:
    """Whether a C page with owner value `owner` is CVM slot k's: a data page or a table page.
    One symbolic bool (no branch)."""
    return (owner == CVM_BASE + k) | (owner == TABLE_BASE + k)

STARTED = 0
STOPPED = 1
SUSPENDED = 2
POWERED_OFF = 3

HYPERVISOR = -1  # run_cvm while the hypervisor runs
