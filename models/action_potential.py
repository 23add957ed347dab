"""Measures of a train of cardiac action potentials, in plain numpy.

Used alike by the Brian2 ORd model's experiments and by the Myokit peer
(``experiments/validation/myokit_peer``), so that both sides are measured by
the same code. Every function takes a sampled trace, times ``t_ms`` (ms,
increasing) and membrane potential ``v_mV`` (mV), and returns one value per
beat. ``v_mV`` may be one trace, shape ``(n_samples,)``, or one trace per
condition on a shared time axis, shape ``(n_conditions, n_samples)``; the
result is then ``(n_beats,)`` or ``(n_conditions, max_beats)``, padded with
NaN where a condition has fewer beats.

Beats
-----
The slope between samples ``k`` and ``k+1`` is the forward difference

.. math:: \\dot V_{k+1/2} = \\frac{V_{k+1} - V_k}{t_{k+1} - t_k},

placed at the midpoint :math:`t_{k+1/2} = (t_k + t_{k+1})/2`. A beat begins
where :math:`\\dot V` first reaches ``upstroke_mV_per_ms`` (10 mV/ms by
default: a ventricular upstroke rises at 200-400 mV/ms, an EAD at a few
mV/ms); rises within ``refractory_ms`` (50 ms) of a beat's onset belong to
that beat (stimulus and Na upstroke form one beat). For beat :math:`n`:

* upstroke time :math:`t_{up}`: the time of the largest :math:`\\dot V`
  within ``refractory_ms`` of the onset; :func:`dvdt_max` is that slope;
* :func:`resting_potential` :math:`V_{rest}`: the lowest sample in the
  ``refractory_ms`` up to the onset (the diastolic potential from which the
  beat takes off, as the ORd authors' code takes ``vrest`` at the stimulus;
  for a beat that starts before the last one repolarised, the potential at
  its onset);
* :func:`peak` :math:`V_{peak}`: the largest sample within ``refractory_ms``
  of the onset (the overshoot, not a later EAD);
* the beat ends at the next beat's onset, or at the end of the trace.

Durations
---------
:func:`apd` at repolarisation fraction :math:`f` (0.9 for APD90) is

.. math:: APD_f = t_f - t_{up}, \\qquad
          V_f = V_{rest} + (1 - f)\\,(V_{peak} - V_{rest}),

where :math:`t_f` is the first downward crossing of :math:`V_f` after the
peak, interpolated linearly between samples; NaN if the beat does not
repolarise to :math:`V_f` before it ends.

Early afterdepolarisations
--------------------------
An EAD is an abnormal depolarisation during phase 2 or 3 of the action
potential (Weiss et al. 2010); phase-2 EADs take off above about -40 mV,
phase-3 EADs between -70 and -50 mV (Zhang & Qu 2021). :func:`ead_count`
makes that operational: within a beat, after ``skip_ms`` (100 ms) from the
upstroke (past phase 1 and the spike-and-dome of epicardial cells) and
before :math:`V` first falls below ``floor_mV`` (-70 mV, the lowest phase-3
take-off of Zhang & Qu 2021), every maximal run of consecutive slopes
:math:`\\dot V > ` ``dvdt_mV_per_ms`` (0.01 mV/ms) across which :math:`V`
rises by at least ``amplitude_mV`` (1 mV) is one EAD. The thresholds are
this module's choice (they make a normal ORd plateau, which falls
monotonically after the dome, count zero); a beat that never repolarises
below ``floor_mV`` counts every oscillation until the next beat.

References
----------
Weiss JN, Garfinkel A, Karagueuzian HS, Chen PS, Qu Z (2010) Early
afterdepolarizations and cardiac arrhythmias. Heart Rhythm 7:1891-1899.
Zhang Z, Qu Z (2021) Mechanisms of phase-3 early afterdepolarizations and
triggered activities in ventricular myocyte models. Physiol Rep 9:e14883.
O'Hara T, Virag L, Varro A, Rudy Y (2011) PLoS Comput Biol 7:e1002061.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Slope (mV/ms) that marks an upstroke; EADs and stimulus-free drifts are slower.
UPSTROKE_MV_PER_MS = 10.0

#: Window (ms) after a beat's onset that belongs to its upstroke and overshoot.
REFRACTORY_MS = 50.0

#: EAD search: start after the upstroke (ms), stop below this potential (mV).
EAD_SKIP_MS = 100.0
EAD_FLOOR_MV = -70.0

#: EAD: smallest slope (mV/ms) of a rising run and smallest rise (mV) across it.
EAD_DVDT_MV_PER_MS = 0.01
EAD_AMPLITUDE_MV = 1.0

__all__ = ["Beats", "apd", "beats", "dvdt_max", "ead_count", "peak", "resting_potential",
           "EAD_AMPLITUDE_MV", "EAD_DVDT_MV_PER_MS", "EAD_FLOOR_MV", "EAD_SKIP_MS",
           "REFRACTORY_MS", "UPSTROKE_MV_PER_MS"]


@dataclass(frozen=True)
class Beats:
    """The beats of one trace (sample indices, see the module docstring).

    Attributes
    ----------
    onset : ndarray of int
        Index of the sample where each beat's rise starts (the slope between
        it and the next sample is the first to reach the threshold).
    end : ndarray of int
        Index one past the beat's last sample (the next onset, or the trace length).
    upstroke : ndarray of int
        Index ``k`` of the largest slope, between samples ``k`` and ``k+1``.
    peak : ndarray of int
        Index of the largest sample within the refractory window.
    rest : ndarray of int
        Index of the lowest sample in the refractory window up to the onset.
    """

    onset: np.ndarray
    end: np.ndarray
    upstroke: np.ndarray
    peak: np.ndarray
    rest: np.ndarray

    def __len__(self) -> int:
        return len(self.onset)


def slopes(t_ms: np.ndarray, v_mV: np.ndarray) -> np.ndarray:
    """Forward-difference slopes :math:`(V_{k+1} - V_k)/(t_{k+1} - t_k)` (mV/ms), length n - 1."""
    return np.diff(v_mV) / np.diff(t_ms)


def _run_starts(mask: np.ndarray) -> np.ndarray:
    """Indices where a run of True values in ``mask`` begins."""
    m = np.asarray(mask, dtype=bool)
    return np.flatnonzero(m & ~np.concatenate(([False], m[:-1])))


def _run_ends(mask: np.ndarray) -> np.ndarray:
    """Indices one past where each run of True values in ``mask`` ends."""
    m = np.asarray(mask, dtype=bool)
    return np.flatnonzero(m & ~np.concatenate((m[1:], [False]))) + 1


def beats(t_ms, v_mV, upstroke_mV_per_ms: float = UPSTROKE_MV_PER_MS,
          refractory_ms: float = REFRACTORY_MS) -> Beats:
    """Find the beats of one trace.

    Parameters
    ----------
    t_ms, v_mV : array_like, shape (n,)
        Sample times (ms, increasing) and membrane potential (mV).
    upstroke_mV_per_ms : float
        Slope that starts a beat.
    refractory_ms : float
        Fast rises within this time of an onset belong to the same beat.

    Returns
    -------
    Beats
    """
    t = np.asarray(t_ms, dtype=float)
    v = np.asarray(v_mV, dtype=float)
    if t.ndim != 1 or v.shape != t.shape:
        raise ValueError(f"t_ms and v_mV must be 1-D of equal length, got {t.shape}, {v.shape}")
    dv = slopes(t, v)
    candidates = _run_starts(dv >= upstroke_mV_per_ms)
    onsets: list[int] = []
    for k in candidates:
        if not onsets or t[k] - t[onsets[-1]] >= refractory_ms:
            onsets.append(int(k))
    onset = np.asarray(onsets, dtype=int)
    end = np.append(onset[1:], len(t)).astype(int)
    upstroke, peak_index, rest = (np.empty(len(onset), dtype=int) for _ in range(3))
    for n, (k0, k1) in enumerate(zip(onset, end)):
        stop = min(int(np.searchsorted(t, t[k0] + refractory_ms, side="right")), k1)
        upstroke[n] = k0 + int(np.argmax(dv[k0:max(stop - 1, k0 + 1)]))
        peak_index[n] = k0 + int(np.argmax(v[k0:stop]))
        first = int(np.searchsorted(t, t[k0] - refractory_ms))
        rest[n] = first + int(np.argmin(v[first:k0 + 1]))
    return Beats(onset, end, upstroke, peak_index, rest)


def _per_condition(measure, t_ms, v_mV, **options) -> np.ndarray:
    """Apply a one-trace ``measure`` to each row of ``v_mV``; NaN-pad to a 2-D array."""
    v = np.asarray(v_mV, dtype=float)
    if v.ndim == 1:
        return np.asarray(measure(np.asarray(t_ms, dtype=float), v, **options), dtype=float)
    if v.ndim != 2:
        raise ValueError(f"v_mV must be 1-D or 2-D (conditions, samples), got shape {v.shape}")
    rows = [np.asarray(measure(np.asarray(t_ms, dtype=float), row, **options), dtype=float)
            for row in v]
    out = np.full((len(rows), max((len(r) for r in rows), default=0)), np.nan)
    for i, r in enumerate(rows):
        out[i, :len(r)] = r
    return out


def _beat_options(upstroke_mV_per_ms, refractory_ms) -> dict:
    return {"upstroke_mV_per_ms": upstroke_mV_per_ms, "refractory_ms": refractory_ms}


def _resting_one(t, v, **opts):
    b = beats(t, v, **opts)
    return v[b.rest]


def _peak_one(t, v, **opts):
    return v[beats(t, v, **opts).peak]


def _dvdt_one(t, v, **opts):
    return slopes(t, v)[beats(t, v, **opts).upstroke]


def resting_potential(t_ms, v_mV, upstroke_mV_per_ms: float = UPSTROKE_MV_PER_MS,
                      refractory_ms: float = REFRACTORY_MS) -> np.ndarray:
    """Diastolic potential :math:`V_{rest}` (mV) of each beat: the lowest sample in the
    ``refractory_ms`` up to its onset.

    Parameters
    ----------
    t_ms, v_mV : array_like
        Times (ms), shape (n,); potentials (mV), shape (n,) or (n_conditions, n).
    upstroke_mV_per_ms, refractory_ms : float
        Beat detection, see :func:`beats`.

    Returns
    -------
    ndarray
        Shape (n_beats,) or (n_conditions, max_beats), NaN-padded.
    """
    return _per_condition(_resting_one, t_ms, v_mV,
                          **_beat_options(upstroke_mV_per_ms, refractory_ms))


def peak(t_ms, v_mV, upstroke_mV_per_ms: float = UPSTROKE_MV_PER_MS,
         refractory_ms: float = REFRACTORY_MS) -> np.ndarray:
    """Overshoot :math:`V_{peak}` (mV): the largest sample within ``refractory_ms`` of each onset.

    Parameters and returns as :func:`resting_potential`.
    """
    return _per_condition(_peak_one, t_ms, v_mV,
                          **_beat_options(upstroke_mV_per_ms, refractory_ms))


def dvdt_max(t_ms, v_mV, upstroke_mV_per_ms: float = UPSTROKE_MV_PER_MS,
             refractory_ms: float = REFRACTORY_MS) -> np.ndarray:
    """Maximal upstroke velocity :math:`\\max \\dot V` (mV/ms) of each beat (forward differences).

    Parameters and returns as :func:`resting_potential`.
    """
    return _per_condition(_dvdt_one, t_ms, v_mV,
                          **_beat_options(upstroke_mV_per_ms, refractory_ms))


def _down_crossing(t, v, start, stop, level) -> float:
    """Time of the first downward crossing of ``level`` in samples ``start..stop-1``
    (linear interpolation), NaN if there is none."""
    below = np.flatnonzero(v[start:stop] < level)
    if below.size == 0:
        return np.nan
    k = start + int(below[0])
    if k == 0 or v[k - 1] < level:
        return float(t[k])
    return float(t[k - 1] + (level - v[k - 1]) * (t[k] - t[k - 1]) / (v[k] - v[k - 1]))


def _apd_one(t, v, fraction, **opts):
    b = beats(t, v, **opts)
    v_rest = v[b.rest]
    v_peak = v[b.peak]
    level = v_rest + (1.0 - fraction) * (v_peak - v_rest)
    t_up = 0.5 * (t[b.upstroke] + t[b.upstroke + 1])
    t_rep = np.array([_down_crossing(t, v, p, e, lv) for p, e, lv in zip(b.peak, b.end, level)])
    return t_rep - t_up


def apd(t_ms, v_mV, fraction: float = 0.9, upstroke_mV_per_ms: float = UPSTROKE_MV_PER_MS,
        refractory_ms: float = REFRACTORY_MS) -> np.ndarray:
    """Action potential duration at repolarisation ``fraction`` (ms), per beat.

    .. math:: APD_f = t_f - t_{up}, \\quad V(t_f) = V_{rest} + (1 - f)(V_{peak} - V_{rest})

    with :math:`t_{up}` the time of maximal :math:`\\dot V` and :math:`t_f` the
    first downward crossing after the peak (see the module docstring).

    Parameters
    ----------
    t_ms, v_mV : array_like
        Times (ms), shape (n,); potentials (mV), shape (n,) or (n_conditions, n).
    fraction : float
        Repolarisation fraction in (0, 1): 0.9 gives APD90, 0.5 APD50.
    upstroke_mV_per_ms, refractory_ms : float
        Beat detection, see :func:`beats`.

    Returns
    -------
    ndarray
        APD (ms), shape (n_beats,) or (n_conditions, max_beats); NaN for a
        beat that does not repolarise to the level before it ends.
    """
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"fraction must be in (0, 1), got {fraction}")
    return _per_condition(_apd_one, t_ms, v_mV, fraction=fraction,
                          **_beat_options(upstroke_mV_per_ms, refractory_ms))


def _count_rises(dv, v, start, stop, dvdt, amplitude) -> int:
    """Runs of slopes > ``dvdt`` in slope indices ``start..stop-1`` across which V rises
    by at least ``amplitude``."""
    rising = dv[start:stop] > dvdt
    first = _run_starts(rising) + start
    last = _run_ends(rising) + start  # slope index one past the run: V sample at its top
    return int(np.count_nonzero(v[last] - v[first] >= amplitude))


def _ead_one(t, v, skip_ms, floor_mV, dvdt_mV_per_ms, amplitude_mV, **opts):
    b = beats(t, v, **opts)
    dv = slopes(t, v)
    counts = np.zeros(len(b), dtype=float)
    for n, (k_up, k_end) in enumerate(zip(b.upstroke, b.end)):
        start = int(np.searchsorted(t, t[k_up] + skip_ms))
        below = np.flatnonzero(v[start:k_end] < floor_mV)
        stop = start + int(below[0]) if below.size else k_end - 1
        if stop > start:
            counts[n] = _count_rises(dv, v, start, stop, dvdt_mV_per_ms, amplitude_mV)
    return counts


def ead_count(t_ms, v_mV, skip_ms: float = EAD_SKIP_MS, floor_mV: float = EAD_FLOOR_MV,
              dvdt_mV_per_ms: float = EAD_DVDT_MV_PER_MS,
              amplitude_mV: float = EAD_AMPLITUDE_MV,
              upstroke_mV_per_ms: float = UPSTROKE_MV_PER_MS,
              refractory_ms: float = REFRACTORY_MS) -> np.ndarray:
    """Number of early afterdepolarisations in each beat.

    Within a beat, from :math:`t_{up}` + ``skip_ms`` until :math:`V` first falls
    below ``floor_mV`` (or the beat ends), each maximal run of slopes
    :math:`\\dot V >` ``dvdt_mV_per_ms`` with a rise
    :math:`V_{top} - V_{take\\text{-}off} \\ge` ``amplitude_mV`` is one EAD
    (definition and sources in the module docstring: Weiss et al. 2010;
    Zhang & Qu 2021 for the -70 mV floor of phase-3 take-off).

    Parameters
    ----------
    t_ms, v_mV : array_like
        Times (ms), shape (n,); potentials (mV), shape (n,) or (n_conditions, n).
    skip_ms : float
        Time after the upstroke before the search starts (phases 0-1, epicardial dome).
    floor_mV : float
        The search stops at the first sample below this potential.
    dvdt_mV_per_ms : float
        Slope above which V counts as rising.
    amplitude_mV : float
        Smallest rise across a run for it to count.
    upstroke_mV_per_ms, refractory_ms : float
        Beat detection, see :func:`beats`.

    Returns
    -------
    ndarray
        EAD counts (float, so that a 2-D result can be NaN-padded), shape
        (n_beats,) or (n_conditions, max_beats).
    """
    return _per_condition(_ead_one, t_ms, v_mV, skip_ms=skip_ms, floor_mV=floor_mV,
                          dvdt_mV_per_ms=dvdt_mV_per_ms, amplitude_mV=amplitude_mV,
                          **_beat_options(upstroke_mV_per_ms, refractory_ms))
