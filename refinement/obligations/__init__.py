"""Proof obligations. Each is a plain function whose icontract contracts state the theorem;
CrossHair (through `refinement.crosshair_adapter`, in a child process) tries to exhaust it.

For `crosshair watch` these modules carry a budget comment; see docs/watch.md.
"""
# crosshair: per_condition_timeout=20
# crosshair: per_path_timeout=20
