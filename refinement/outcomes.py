"""What a worker reports back about one condition, independent of CrossHair's own types."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import Enum


class Status(str, Enum):
    CONFIRMED = "confirmed"          # every path exhausted, condition held
    NOT_CONFIRMED = "not_confirmed"  # budget ran out, nothing found
    PRE_UNSAT = "pre_unsat"          # no path got past the precondition
    POST_FAIL = "post_fail"          # a candidate counterexample
    POST_ERR = "post_err"            # the condition itself raised
    EXEC_ERR = "exec_err"            # the model raised
    SYNTAX_ERR = "syntax_err"        # contracts could not be read, or the module not imported


@dataclass
class ConditionOutcome:
    status: Status
    condition: str
    message: str
    line: int
    paths: int
    exhausted: bool
    seconds: float
    traceback: str = ""
    undecided: int = 0   # paths that ended unknown (solver gave up, path timed out), not decided
    slowest_query: float = 0.0   # the longest single z3 check, wall seconds

    def to_json(self) -> dict:
        d = asdict(self)
        d["status"] = self.status.value
        return d

    @classmethod
    def from_json(cls, d: dict) -> "ConditionOutcome":
        return cls(**{**d, "status": Status(d["status"])})
