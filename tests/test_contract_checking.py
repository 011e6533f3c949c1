"""The test process runs with icontract on and typeguard instrumenting the three packages."""
from __future__ import annotations

import pytest
from typeguard import TypeCheckError

from abstract import spec
from abstract.spec.state import SpecState, spec_initial


def test_typeguard_checks_model_arguments():
    with pytest.raises(TypeCheckError):
        spec.hypervisor_read(spec_initial(), "4096")  # type: ignore[arg-type]


def test_wrong_state_shapes_fail_the_invariant_preconditions():
    """Dataclass fields are not checked by typeguard; the invariants' shape checks catch them."""
    import icontract
    from refinement.obligations.standard import hypervisor_read_totality
    s = spec_initial()
    bad = SpecState(**{**s.__dict__, "mem": s.mem + (0,)})
    with pytest.raises(icontract.ViolationError):
        hypervisor_read_totality(bad, (0,))


def test_icontract_checks_obligation_preconditions():
    import icontract
    from refinement.obligations.standard import exit_interrupt_simulation_canonical_spec as exit_simulation
    from abstract.canonical.state import canonical_initial
    from dataclasses import replace
    bad = replace(canonical_initial(), run_cvm=7)  # no such CVM slot: precondition must fail
    with pytest.raises(icontract.ViolationError):
        exit_simulation(bad, (10, 0, 0))
