"""Children that a test stops with SIGINT must be able to take it, however the suite started."""
from __future__ import annotations

import signal


def sigint_default() -> None:
    """`preexec_fn` for a child a test interrupts: a shell runs a background job (`bash .ci/run &`,
    `nohup`) with SIGINT ignored, children inherit that across exec, and Python then keeps it
    ignored, so the child would never see the test's Ctrl-C. Reset to the default, Python
    installs its own handler (KeyboardInterrupt), as in a terminal."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
