"""The action-potential measures of :mod:`models.action_potential` on closed-form traces.

A synthetic beat rests at V_r, rises as V_r + A sin^2(pi (t - t_s) / (2 T)) over
[t_s, t_s + T] (steepest at t_s + T/2, slope pi A / (2 T); peak V_r + A at t_s + T)
and falls linearly back to V_r over D ms. Its exact measures are

* APD_f = T/2 + f D (the level V_r + (1 - f) A is crossed f D after the peak),
* V_rest = V_r, V_peak = V_r + A, dV/dt_max = pi A / (2 T) (to sampling accuracy).

EADs are sin^2 bumps added to the falling phase; their count is known by construction.
"""
from __future__ import annotations

import numpy as np
import pytest

from models.action_potential import (apd, beats, dvdt_max, ead_count, peak,
                                     resting_potential)

DT_MS = 0.01
V_REST, AMPLITUDE, RISE_MS = -85.0, 120.0, 2.0


def beat_train(durations_ms, period_ms=1000.0, bumps=(), t_end_ms=None):
    """Times and potentials of beats with fall times ``durations_ms``; ``bumps`` are
    (beat, t after the beat's start in ms, height mV, width ms) sin^2 bumps added on top."""
    n = len(durations_ms)
    t = np.arange(0.0, t_end_ms if t_end_ms is not None else n * period_ms, DT_MS)
    v = np.full_like(t, V_REST)
    for k, fall in enumerate(durations_ms):
        t_s = 10.0 + k * period_ms
        rise = (t >= t_s) & (t < t_s + RISE_MS)
        v[rise] = V_REST + AMPLITUDE * np.sin(np.pi * (t[rise] - t_s) / (2 * RISE_MS)) ** 2
        t_p = t_s + RISE_MS
        falling = (t >= t_p) & (t < t_p + fall)
        v[falling] = V_REST + AMPLITUDE * (1.0 - (t[falling] - t_p) / fall)
    for k, start, height, width in bumps:
        t0 = 10.0 + k * period_ms + start
        on = (t >= t0) & (t < t0 + width)
        v[on] += height * np.sin(np.pi * (t[on] - t0) / width) ** 2
    return t, v


def expected_apd(fall_ms, fraction):
    return RISE_MS / 2 + fraction * fall_ms


def test_apd90_and_apd50_of_a_closed_form_train():
    t, v = beat_train([300.0, 250.0, 400.0])
    for fraction in (0.9, 0.5):
        got = apd(t, v, fraction)
        want = [expected_apd(f, fraction) for f in (300.0, 250.0, 400.0)]
        np.testing.assert_allclose(got, want, atol=DT_MS)


def test_rest_peak_and_upstroke_velocity():
    t, v = beat_train([300.0, 300.0])
    np.testing.assert_allclose(resting_potential(t, v), V_REST, atol=1e-9)
    np.testing.assert_allclose(peak(t, v), V_REST + AMPLITUDE, atol=1e-3)
    np.testing.assert_allclose(dvdt_max(t, v), np.pi * AMPLITUDE / (2 * RISE_MS), rtol=1e-3)


def test_the_upstroke_time_is_the_steepest_point_not_the_onset():
    """The sin^2 rise is steepest half-way up, RISE_MS / 2 after it starts."""
    t, v = beat_train([300.0])
    b = beats(t, v)
    t_up = 0.5 * (t[b.upstroke] + t[b.upstroke + 1])
    np.testing.assert_allclose(t_up, 10.0 + RISE_MS / 2, atol=DT_MS)


def test_conditions_are_rows_and_short_rows_are_nan_padded():
    t, v3 = beat_train([300.0, 300.0, 300.0])
    _, v1 = beat_train([200.0], t_end_ms=3000.0)
    got = apd(t, np.vstack([v3, v1]), 0.9)
    assert got.shape == (2, 3)
    np.testing.assert_allclose(got[0], expected_apd(300.0, 0.9), atol=DT_MS)
    np.testing.assert_allclose(got[1, 0], expected_apd(200.0, 0.9), atol=DT_MS)
    assert np.isnan(got[1, 1:]).all()


def test_a_beat_that_does_not_repolarise_before_the_next_has_no_apd():
    """Beat 0 stalls at -50 mV until beat 1: no APD90. Beat 1 takes off from -50 mV, so
    its 90 % level is -50 + 0.1 (35 + 50) = -41.5 mV, reached 76.5 mV down its
    120 mV / 300 ms fall."""
    t, v = beat_train([300.0, 300.0])
    stalled = (t > 212.0) & (t < 1010.0 + RISE_MS)
    v = np.where(stalled, np.maximum(v, -50.0), v)
    np.testing.assert_allclose(resting_potential(t, v), [V_REST, -50.0], atol=1e-9)
    got = apd(t, v, 0.9)
    assert np.isnan(got[0])
    assert got[1] == pytest.approx(RISE_MS / 2 + 76.5 * 300.0 / AMPLITUDE, abs=DT_MS)


def test_fraction_outside_the_unit_interval_is_refused():
    t, v = beat_train([300.0])
    with pytest.raises(ValueError):
        apd(t, v, 90)


def test_eads_counted_per_beat():
    """Beat 0: none; beat 1: two bumps on the plateau; beat 2: one bump in phase 3."""
    falls = [400.0, 400.0, 400.0]
    # the fall is 0.3 mV/ms; a 10 mV, 40 ms bump rises at up to 0.79 mV/ms
    bumps = [(1, 150.0, 10.0, 40.0), (1, 250.0, 10.0, 40.0), (2, 330.0, 10.0, 40.0)]
    t, v = beat_train(falls, bumps=bumps)
    np.testing.assert_array_equal(ead_count(t, v), [0, 2, 1])


def test_eads_outside_the_window_are_not_counted():
    """A bump in phase 1 (the epicardial dome), a sub-threshold ripple, and a delayed
    afterdepolarisation at rest (below the -70 mV floor) are no EADs."""
    bumps = [(0, 30.0, 10.0, 40.0),      # before skip_ms = 100 ms
             (0, 200.0, 0.2, 2.0),       # rises, but by far less than 1 mV
             (0, 600.0, 10.0, 40.0)]     # after repolarisation, at rest
    t, v = beat_train([400.0], bumps=bumps)
    np.testing.assert_array_equal(ead_count(t, v), [0])
    # and the same dome bump later in the plateau is one EAD
    t, v = beat_train([400.0], bumps=[(0, 150.0, 10.0, 40.0)])
    np.testing.assert_array_equal(ead_count(t, v), [1])


def test_a_rise_slower_than_the_fall_is_no_ead():
    """A bump whose slope never beats the repolarisation slope leaves dV/dt < 0."""
    t, v = beat_train([400.0], bumps=[(0, 200.0, 2.0, 40.0)])  # at most 0.16 < 0.3 mV/ms
    np.testing.assert_array_equal(ead_count(t, v), [0])


def test_ead_counts_of_two_conditions():
    t, v_a = beat_train([400.0, 400.0], bumps=[(0, 150.0, 10.0, 40.0)])
    _, v_b = beat_train([400.0, 400.0], bumps=[(1, 150.0, 10.0, 40.0), (1, 250.0, 10.0, 40.0)])
    np.testing.assert_array_equal(ead_count(t, np.vstack([v_a, v_b])), [[1, 0], [0, 2]])
