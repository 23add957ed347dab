"""The engine's protocols against closed-form numbers (no simulation).

* EPSP measures of a triangular potential (0 -> 2 mV in 10 ms, back to 0 at
  30 ms): amplitude 2 mV, half-width 15 ms, area 30 mV ms; sampled every
  0.1 ms, so the half-width and area are exact to one sample.
* Poisson drive: the per-bin arrays are the seed's counts times the weight, in
  the declared order of the kinds (common random numbers).
* Firing rates: spikes after the transient over the counting time.
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from brian2 import ms, second

from experiments.engine.protocols import (EPSPMeasurement, PoissonDrive, VolleyThreshold,
                                          firing_rates)


def test_epsp_of_a_triangle():
    t = np.arange(0, 40, 0.1)
    rise = np.clip(t / 10.0, 0, None)
    fall = np.clip((30.0 - t) / 20.0, 0, None)
    dv = 2.0 * np.minimum(rise, fall)
    v_rest = np.array([-70.0, -65.0])
    trace = np.vstack([v_rest[0] + dv, v_rest[1] + 0.5 * dv])
    measured = EPSPMeasurement(window=40 * ms, record_dt=0.1 * ms).measure(trace, v_rest)
    assert measured["epsp_mV"] == pytest.approx([2.0, 1.0], abs=1e-9)
    assert measured["epsp_halfwidth_ms"] == pytest.approx([15.0, 15.0], abs=0.11)
    assert measured["epsp_area_mV_ms"] == pytest.approx([30.0, 15.0], abs=0.05)


def test_epsp_window_cuts_the_trace():
    trace = np.ones((1, 1000))
    measured = EPSPMeasurement(window=10 * ms, record_dt=0.1 * ms).measure(trace, np.zeros(1))
    assert measured["epsp_area_mV_ms"][0] == pytest.approx(10.0)  # 100 samples of 1 mV


def test_poisson_drive_is_weighted_counts_of_each_seed():
    drive = PoissonDrive({"exc": ("s_AMPA", "x_NMDA"), "inh": ("s_GABA_A",)}, 0.1 * ms,
                         0.5 * second)
    assert drive.n_bins == 5000
    assert drive.code().splitlines() == ["s_AMPA += drive_exc(t, i)", "x_NMDA += drive_exc(t, i)",
                                         "s_GABA_A += drive_inh(t, i)"]
    totals = {"exc": np.array([750.0, 750.0]), "inh": np.array([500.0, 0.0])}
    weights = {"exc": np.array([1.0, 2.0]), "inh": np.array([1.0, 1.0])}
    arrays = drive.namespace([7, 7], totals, weights)
    exc, inh = drive.counts(7, (750.0, 500.0))
    assert np.array_equal(arrays["drive_exc"].values[:, 0], exc)
    assert np.array_equal(arrays["drive_exc"].values[:, 1], 2.0 * exc)  # same seed, weight 2
    assert np.array_equal(arrays["drive_inh"].values[:, 0], inh)
    assert not arrays["drive_inh"].values[:, 1].any()  # rate 0: no input


def test_firing_rates_count_after_the_transient():
    spikes = SimpleNamespace(i=np.array([0, 0, 1, 1, 1]),
                             t=np.array([0.05, 0.5, 0.2, 0.3, 1.0]) * second)
    rates = firing_rates(spikes, 3, transient=0.1 * second, duration=2 * second)
    assert rates == pytest.approx([0.5, 1.5, 0.0])


def test_volley_threshold_search_on_a_known_threshold():
    """A cell that fires at volleys >= its threshold: found to the resolution, NaN above max."""
    true = np.array([6.37, 33.6, 250.0])
    rounds = []

    def probe_round(volleys, first):
        rounds.append(first)
        return volleys >= true[None, :] - 1e-12

    found = VolleyThreshold(resolution=0.01, probes=4).search(np.full(3, 100.0), probe_round)
    assert found[:2] == pytest.approx([6.37, 33.6], abs=1e-9) and np.isnan(found[2])
    assert rounds[0] is True and not any(rounds[1:]) and len(rounds) <= 7
