"""Numbers of the public ACE / SBI ABI shared by every layer (the ABI is part of the spec)."""
from __future__ import annotations

# SBI error codes.
SUCCESS = 0
FAILED = -1
NOT_SUPPORTED = -2  # exists in SBI, never returned by ACE
INVALID_PARAM = -3
INVALID_ADDRESS = -5
ALREADY_AVAILABLE = -6

# Outcome of a memory access or a guest page fault (not an SBI code).
ACCESS_OK = 0
ACCESS_FAULT = 1

# Extension and function ids.
EID_COVH = 0x434F5648
EID_COVG = 0x434F5647
EID_NACL = 0x4E41434C
EID_HSM = 0x48534D
EID_IPI = 0x735049
EID_RFENCE = 0x52464E43
EID_SRST = 0x53525354

COVH_TSM_GET_INFO = 0
COVH_PROMOTE_TO_TVM = 7
COVH_DESTROY_TVM = 8
COVH_TVM_VCPU_RUN = 15

COVG_ADD_MMIO_REGION = 0
COVG_REMOVE_MMIO_REGION = 1
COVG_SHARE_MEMORY = 2
COVG_UNSHARE_MEMORY = 3
COVG_ALLOW_EXT_INTERRUPT = 4
COVG_RETRIEVE_SECRET = 9

# Result registers of the calling convention, as indices into the x1..x31 tuple.
A0 = 9   # x10
A1 = 10  # x11
A6 = 15  # x16
A7 = 16  # x17
