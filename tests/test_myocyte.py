"""The Brian2 ORd myocyte (models/myocyte.py) against the independent Myokit peer and physics.

One group of four cells paces one 450 ms beat from the stored limit cycles
(1 Hz, K_o 5.4 mM): endo, epi and M cells at K_o 5.4 mM, and an endocardial cell
at K_o 3 mM (1 ms stimulus: the 0.5 ms one does not excite from its lower rest).
The same four conditions run in Myokit (CVODES, ``ord.mmt``, written
separately from the paper), and the Brian2 group runs again at half the time
step: one compiled model, three runs.
"""
from __future__ import annotations

import numpy as np
import pytest
from brian2 import Network, StateMonitor, mM, ms, mV

from models.action_potential import apd
from models.myocyte import CELL_TYPE_SCALES, ORdMyocyte

CONDITIONS = (("endo", 5.4, 0.5), ("epi", 5.4, 0.5), ("mid", 5.4, 0.5), ("endo", 3.0, 1.0))
BEAT_MS = 450.0
SAMPLE_MS = 0.1
DT_MS = 0.01


def _brian_run(dt_ms: float):
    cell = ORdMyocyte()
    group = cell.build_group(len(CONDITIONS), dt=dt_ms * ms)
    cell.initialize(group, [c for c, _, _ in CONDITIONS],
                    K_o=np.array([k for _, k, _ in CONDITIONS]) * mM,
                    stim_duration=np.array([s for _, _, s in CONDITIONS]) * ms)
    monitor = StateMonitor(group, "v", record=True, dt=SAMPLE_MS * ms)
    Network(group, monitor).run(BEAT_MS * ms)
    return np.asarray(monitor.t / ms), np.asarray(monitor.v / mV)


@pytest.fixture(scope="module")
def brian():
    return {dt: _brian_run(dt) for dt in (DT_MS, DT_MS / 2)}


@pytest.fixture(scope="module")
def myokit_traces():
    runner = pytest.importorskip("experiments.validation.myokit_peer.runner")
    try:
        sim = runner.simulation()
    except Exception as error:  # no SUNDIALS or compiler: the peer cannot run here
        pytest.skip(f"Myokit cannot compile ORd here: {error}")
    conditions = [runner.Condition(c, k_o_mM=k, bcl_ms=BEAT_MS, beats=1, recorded_beats=1,
                                   log_interval_ms=SAMPLE_MS, stimulus_ms=s)
                  for c, k, s in CONDITIONS]
    return runner.run_conditions(conditions, sim=sim)


def test_apd90_matches_myokit_peer(brian, myokit_traces):
    """APD90 of each condition within 1 % of Myokit's (the issue's target); V within 2 mV
    after the upstroke (t > 5 ms; during the upstroke V changes 3 mV per sample)."""
    t, v = brian[DT_MS]
    ours = apd(t, v, 0.9)[:, 0]
    for k, trace in enumerate(myokit_traces):
        theirs = apd(trace.time_ms, trace.v_mV, 0.9)[0]
        assert abs(ours[k] - theirs) <= 0.01 * theirs, (CONDITIONS[k], ours[k], theirs)
        late = t > 5.0
        peer = np.interp(t[late], trace.time_ms, trace.v_mV)
        assert np.max(np.abs(v[k, late] - peer)) < 2.0, CONDITIONS[k]


def test_apd90_converges_in_dt(brian):
    """APD90 changes by less than 1 % when dt halves from 0.01 to 0.005 ms."""
    coarse = apd(*brian[DT_MS], 0.9)[:, 0]
    fine = apd(*brian[DT_MS / 2], 0.9)[:, 0]
    np.testing.assert_allclose(coarse, fine, rtol=0.01)


def test_hypokalemia_prolongs_and_cell_types_order(brian):
    """APD90 rises as K_o falls from 5.4 to 3 mM (endo), and M > endo > epi at 5.4 mM
    (the transmural order ORd was built to give: M cells longest, epicardium shortest)."""
    endo, epi, mid, endo_low_k = apd(*brian[DT_MS], 0.9)[:, 0]
    assert endo_low_k > endo
    assert mid > endo > epi


def test_cell_type_values():
    """Each cell type gets ORd's factors: epi g_Kr x1.3, M-cell PCa x2.5, endo unscaled."""
    values = ORdMyocyte().values(["endo", "epi", "mid"])
    g_kr, p_ca = np.asarray(values["g_Kr"], float), np.asarray(values["PCa_CaL"], float)
    np.testing.assert_allclose(g_kr / g_kr[0], [1, CELL_TYPE_SCALES["g_Kr"]["epi"], 0.8])
    np.testing.assert_allclose(p_ca / p_ca[0], [1, 1.2, 2.5])
    with pytest.raises(ValueError, match="cell_type"):
        ORdMyocyte().values(["atrial"])
