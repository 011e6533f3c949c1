"""Domain constants every layer shares: owners, hart lifecycle, who runs."""
FREE = 0
MONITOR = 1
CVM_BASE = 2  # owner value of CVM slot k is CVM_BASE + k

STARTED = 0
STOPPED = 1
SUSPENDED = 2
POWERED_OFF = 3

HYPERVISOR = -1  # run_cvm while the hypervisor runs
