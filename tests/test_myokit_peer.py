"""The Myokit ORd peer (``experiments/validation/myokit_peer``) against published behaviour.

Each test paces a few beats from the stored pre-paced states (``models/ord_prepaced.json``:
1000 beats at 1 Hz, K_o 5.4 mM, from the authors' initial values), so the whole
module takes seconds once the simulation is compiled. When Myokit cannot
compile a simulation (no SUNDIALS headers and libraries, no C compiler) the
module is skipped with Myokit's error as the reason.

Reference value. O'Hara et al. (2011) give the simulated endocardial APD90 at
CL 1000 ms as about 270 ms (their steady-state APD rate-dependence figure,
where the model lies on the undiseased human data; read from the figure).
The tolerance, 10 ms, allows for reading the figure and for this peer's APD
definition (from the time of maximal dV/dt to 90 % repolarisation).
"""
from __future__ import annotations

import numpy as np
import pytest

from models.action_potential import apd, ead_count, resting_potential

PUBLISHED_ENDO_APD90_MS = 270.0
APD90_TOLERANCE_MS = 10.0


@pytest.fixture(scope="module")
def peer():
    """The peer's runner and one compiled simulation, or a skip with the reason."""
    pytest.importorskip("myokit", reason="myokit is not installed (pip install -e '.[peer]')")
    from experiments.validation.myokit_peer import runner
    try:
        sim = runner.simulation()
    except Exception as exc:  # compiler or SUNDIALS missing: Myokit raises several kinds
        pytest.skip(f"Myokit cannot compile a simulation: {type(exc).__name__}: {exc}")
    return runner, sim


def run(peer, *conditions):
    runner, sim = peer
    return runner.run_conditions(list(conditions), sim=sim)


def test_endocardial_apd90_at_1_hz_is_the_published_value(peer):
    runner, _ = peer
    trace, = run(peer, runner.Condition("endo", k_o_mM=5.4, bcl_ms=1000.0, beats=3))
    apd90_ms = apd(trace.time_ms, trace.v_mV, 0.9)
    assert apd90_ms.shape == (1,)
    assert abs(apd90_ms[0] - PUBLISHED_ENDO_APD90_MS) < APD90_TOLERANCE_MS


def test_cell_types_order_their_apd_as_in_ord(peer):
    """M cells have the longest APD and epicardial cells the shortest (ORd, transmural
    heterogeneity), and each returns to a rest near E_K."""
    runner, _ = peer
    traces = run(peer, *[runner.Condition(c, beats=3) for c in ("epi", "endo", "mid")])
    apd90_ms = [apd(x.time_ms, x.v_mV, 0.9)[0] for x in traces]
    assert apd90_ms[0] < apd90_ms[1] < apd90_ms[2]
    for x in traces:
        assert -89.0 < resting_potential(x.time_ms, x.v_mV)[0] < -87.0


def test_low_extracellular_potassium_prolongs_the_action_potential(peer):
    """K_o 3 mM vs 5.4 mM: smaller I_Kr and I_K1 (both scale with sqrt(K_o)) lengthen
    APD90, and rest follows E_K down. Both with a 1 ms stimulus, which excites from
    the -104 mV rest at 3 mM (the authors' 0.5 ms does not)."""
    runner, _ = peer
    normal, low = run(peer, *[runner.Condition("endo", k_o_mM=k, beats=10, stimulus_ms=1.0)
                              for k in (5.4, 3.0)])
    apd_normal = apd(normal.time_ms, normal.v_mV, 0.9)[0]
    apd_low = apd(low.time_ms, low.v_mV, 0.9)[0]
    assert apd_low > apd_normal + 20.0
    assert resting_potential(low.time_ms, low.v_mV)[0] < -100.0


def test_strong_ikr_block_at_slow_pacing_gives_eads_and_control_none(peer):
    """ORd: EADs under I_Kr block during slow pacing (O'Hara et al. 2011). Endocardial
    cell, K_o 3 mM, BCL 4000 ms, 90 % block: every recorded beat has an EAD; the same
    protocol without block has none."""
    runner, _ = peer
    common = dict(cell_type="endo", k_o_mM=3.0, bcl_ms=4000.0, beats=3, recorded_beats=2,
                  log_interval_ms=0.5, stimulus_ms=1.0)
    blocked, control = run(peer, runner.Condition(ikr_block=0.9, **common),
                           runner.Condition(ikr_block=0.0, **common))
    eads_blocked = ead_count(blocked.time_ms, blocked.v_mV)
    eads_control = ead_count(control.time_ms, control.v_mV)
    assert len(eads_blocked) == 2 and (eads_blocked >= 1).all()
    np.testing.assert_array_equal(eads_control, [0, 0])


def test_traces_are_numpy_arrays_in_ms_mV_mM(peer):
    runner, _ = peer
    trace, = run(peer, runner.Condition("endo", beats=2, recorded_beats=2, log_interval_ms=1.0))
    assert isinstance(trace.time_ms, np.ndarray) and trace.time_ms.shape == trace.v_mV.shape
    assert trace.time_ms[0] == 0.0 and trace.time_ms[-1] == pytest.approx(1999.0)
    assert -90.0 < trace.v_mV.min() and trace.v_mV.max() < 50.0
    assert 5e-5 < trace.cai_mM.min() and trace.cai_mM.max() < 2e-3  # 0.1-1 uM transient


def test_ikr_block_fraction_scales_gkr(peer):
    """Half block of GKr lengthens APD90 by more than 30 ms."""
    runner, _ = peer
    traces = run(peer, *[runner.Condition("endo", ikr_block=b, beats=2) for b in (0.0, 0.5)])
    apd90_ms = [apd(x.time_ms, x.v_mV, 0.9)[0] for x in traces]
    assert apd90_ms[1] > apd90_ms[0] + 30.0


def test_conditions_are_checked():
    from experiments.validation.myokit_peer.runner import Condition
    for bad in (dict(cell_type="atrial"), dict(ikr_block=1.5), dict(recorded_beats=0),
                dict(beats=2, recorded_beats=3), dict(k_o_mM=0.0)):
        with pytest.raises(ValueError):
            Condition(**bad)


def test_sundials_source_is_reported(peer):
    from experiments.validation.myokit_peer.sundials import amici_sundials, configure
    info = configure()
    assert info["source"] == ("amici" if amici_sundials() is not None else "myokit-config")
