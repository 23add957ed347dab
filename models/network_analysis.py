"""Analysis of the E–I network's spike trains: population rate, bursts, synchrony.

Plain numpy functions of spike times and indices (as :meth:`models.network.EINetwork.simulate`
returns them), used by the ``seizure`` experiment and its tests:
:func:`population_rate` (smoothed rate per cell), :func:`detect_bursts` with
:class:`BurstCriteria` (population bursts), :func:`recruited_fraction` (cells
firing in each burst) and :func:`golomb_chi` (synchrony).

References
----------
Golomb D (2007) Neuronal synchrony measures. Scholarpedia 2(1):1347.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def population_rate(spike_times_s: np.ndarray, n_cells: int, duration_s: float,
                    bin_s: float = 1e-3, sigma_s: float = 0.01,
                    start_s: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Population rate (Hz per cell) in bins of ``bin_s``, smoothed by a Gaussian.

    Returns bin centres (s) and the rate. ``sigma_s = 0`` gives the raw rate.
    """
    edges = np.arange(start_s, duration_s + bin_s / 2, bin_s)
    counts, _ = np.histogram(spike_times_s, edges)
    rate = counts / (n_cells * bin_s)
    if sigma_s > 0:
        half = int(np.ceil(4 * sigma_s / bin_s))
        x = np.arange(-half, half + 1) * bin_s
        kernel = np.exp(-0.5 * (x / sigma_s) ** 2)
        kernel /= kernel.sum()
        # normalise at the edges so the mean rate is not biased down there
        rate = np.convolve(rate, kernel, "same") / np.convolve(np.ones_like(rate), kernel, "same")
    return 0.5 * (edges[:-1] + edges[1:]), rate


@dataclass(frozen=True)
class BurstCriteria:
    """Definition of a population burst (see :func:`detect_bursts`).

    Attributes
    ----------
    threshold_factor : float
        Threshold as a multiple of the baseline (median) population rate.
    threshold_min_hz : float
        Lowest threshold (Hz per cell), whatever the baseline.
    min_duration_s : float
        Shorter supra-threshold epochs are not bursts.
    merge_gap_s : float
        Epochs separated by less than this are one burst.
    """

    threshold_factor: float = 3.0
    threshold_min_hz: float = 10.0
    min_duration_s: float = 0.05
    merge_gap_s: float = 0.05


def burst_threshold(rate_hz: np.ndarray, criteria: BurstCriteria = BurstCriteria()) -> float:
    """Threshold = max(threshold_min_hz, threshold_factor x median rate)."""
    baseline = float(np.median(rate_hz)) if len(rate_hz) else 0.0
    return max(criteria.threshold_min_hz, criteria.threshold_factor * baseline)


def detect_bursts(t_s: np.ndarray, rate_hz: np.ndarray,
                  criteria: BurstCriteria = BurstCriteria()) -> np.ndarray:
    """Population bursts in a smoothed population rate: array of (start, end) in s.

    A burst is an epoch in which the smoothed population rate stays above the
    threshold of :func:`burst_threshold` (the larger of ``threshold_min_hz``
    and ``threshold_factor`` times the median rate, the median standing for
    the baseline because bursts occupy a minority of the time); epochs closer
    than ``merge_gap_s`` are merged, then epochs shorter than
    ``min_duration_s`` are dropped. Epochs cut by the ends of the record count.

    Parameters
    ----------
    t_s : array
        Equally spaced bin centres (s).
    rate_hz : array
        Smoothed population rate (Hz per cell), e.g. from :func:`population_rate`.
    """
    t_s, rate_hz = np.asarray(t_s, float), np.asarray(rate_hz, float)
    if len(t_s) == 0:
        return np.zeros((0, 2))
    step = t_s[1] - t_s[0] if len(t_s) > 1 else 0.0
    above = rate_hz > burst_threshold(rate_hz, criteria)
    padded = np.concatenate([[False], above, [False]]).astype(np.int8)
    change = np.diff(padded)
    starts, ends = np.nonzero(change == 1)[0], np.nonzero(change == -1)[0] - 1
    if len(starts) == 0:
        return np.zeros((0, 2))
    begin = t_s[starts] - step / 2
    end = t_s[ends] + step / 2
    merged = [[begin[0], end[0]]]
    for b, e in zip(begin[1:], end[1:]):
        if b - merged[-1][1] < criteria.merge_gap_s:
            merged[-1][1] = e
        else:
            merged.append([b, e])
    out = np.array([m for m in merged if m[1] - m[0] >= criteria.min_duration_s - 1e-12])
    return out.reshape(-1, 2)


def recruited_fraction(spike_i: np.ndarray, spike_t: np.ndarray, n_cells: int,
                       bursts: np.ndarray) -> np.ndarray:
    """Fraction of the cells that fire at least once in each burst."""
    out = np.zeros(len(bursts))
    for k, (start, end) in enumerate(bursts):
        inside = (spike_t >= start) & (spike_t < end)
        out[k] = len(np.unique(spike_i[inside])) / n_cells
    return out


def golomb_chi(spike_i: np.ndarray, spike_t: np.ndarray, n_cells: int, start_s: float,
               stop_s: float, bin_s: float = 0.01) -> float:
    """Golomb's synchrony measure chi on spike counts in bins of ``bin_s``.

    :math:`\\chi^2 = \\mathrm{Var}_t[\\bar n(t)] / (N^{-1}\\sum_i \\mathrm{Var}_t[n_i(t)])`,
    with :math:`n_i(t)` the spike count of cell i in bin t and :math:`\\bar n` the
    mean over cells (Golomb 2007 applies it to voltages or filtered spike
    trains). chi is about :math:`1/\\sqrt{N}` for independent cells and 1 for
    identical ones; 0 if no cell fires.
    """
    edges = np.arange(start_s, stop_s + bin_s / 2, bin_s)
    if len(edges) < 3:
        return float("nan")
    keep = (spike_t >= start_s) & (spike_t < edges[-1])
    counts = np.zeros((n_cells, len(edges) - 1))
    np.add.at(counts, (spike_i[keep], np.searchsorted(edges, spike_t[keep], "right") - 1), 1)
    individual = counts.var(axis=1).mean()
    if individual == 0:
        return 0.0
    return float(np.sqrt(counts.mean(axis=0).var() / individual))
