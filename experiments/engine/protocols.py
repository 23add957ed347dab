"""Stimulation and measurement protocols an experiment combines with a model and a sweep.

Each protocol works on a batch: one neuron (or one block of neurons) per
condition of a batched Brian2 simulation, every quantity an array over the
batch. None knows a particular experiment or model; they are given the names
of the model variables they act on.

* :class:`PoissonDrive`: merged Poisson input trains, drawn per condition
  from its seed only (common random numbers), delivered once per input bin.
* :class:`EPSPMeasurement`: amplitude, half-width and area of a
  postsynaptic potential from a recorded trace.
* :class:`VolleyThreshold`: the smallest synchronous volley that fires a
  cell, found by a batched (probes+1)-ary search over reruns of one
  compiled network (:func:`search_candidates`, :func:`narrow`).
* :func:`firing_rates`: spikes counted after a transient.

References: Destexhe et al. 2001 Neuroscience 107:13 (in vivo-like synaptic
drive by merged Poisson trains).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np
from brian2 import Quantity, TimedArray, ms, second


@dataclass(frozen=True)
class PoissonDrive:
    """Poisson input of several kinds, merged per kind into one count per bin.

    All synapses of a kind are linear in the postsynaptic variables they
    increment, so ``N`` inputs at rate ``r`` are equivalent to one Poisson
    train at ``N r``; its count in each bin of ``input_dt`` (times the
    weight) is added to every variable of the kind at the start of the bin,
    from a per-neuron ``TimedArray`` (one code object per bin instead of a
    spike generator and synapses every step). Spike times are thereby
    rounded to ``input_dt``.

    Parameters
    ----------
    kinds : mapping of str to tuple of str
        Kind of input -> model variables it increments
        (``{"exc": ("s_AMPA", "x_NMDA"), "inh": ("s_GABA_A",)}``); the order
        of the kinds is the order of the random draws.
    input_dt : Quantity
        Bin width of the input trains.
    duration : Quantity
        Length of the trains.
    """

    kinds: Mapping[str, tuple[str, ...]]
    input_dt: Quantity
    duration: Quantity

    @property
    def n_bins(self) -> int:
        return int(np.ceil(float(self.duration / self.input_dt)))

    def code(self) -> str:
        """The ``run_regularly`` code that delivers the counts of every kind."""
        return "\n".join(f"{variable} += drive_{kind}(t, i)"
                         for kind, variables in self.kinds.items() for variable in variables)

    def attach(self, group, name: str) -> None:
        """Deliver the drive to ``group`` at the start of every bin."""
        group.run_regularly(self.code(), dt=self.input_dt, when="start", name=name)

    def counts(self, seed: int, total_rates_hz: Sequence[float]) -> list[np.ndarray]:
        """Counts per bin of each kind for one condition, from ``default_rng(seed)`` only.

        ``total_rates_hz`` gives the merged rate of each kind, in the order of
        ``kinds``; the same seed gives the same counts at every Mg value and
        in any batch layout.
        """
        rng = np.random.default_rng(seed)
        step = float(self.input_dt / second)
        return [rng.poisson(rate * step, self.n_bins) for rate in total_rates_hz]

    def namespace(self, seeds: Sequence[int], total_rates_hz: Mapping[str, np.ndarray],
                  weights: Mapping[str, np.ndarray]) -> dict[str, TimedArray]:
        """The ``TimedArray`` of each kind for a batch: weighted counts, bins x neurons.

        Pass the result as ``namespace`` to the network's ``run``: a new
        array of the same name each run, so nothing is recompiled.
        """
        drive = {kind: np.zeros((self.n_bins, len(seeds))) for kind in self.kinds}
        for k, seed in enumerate(seeds):
            rates = [total_rates_hz[kind][k] for kind in self.kinds]
            for kind, count in zip(self.kinds, self.counts(seed, rates)):
                drive[kind][:, k] = weights[kind][k] * count
        return {f"drive_{kind}": TimedArray(values, dt=self.input_dt, name=f"drive_{kind}")
                for kind, values in drive.items()}


def firing_rates(spikes, n: int, transient: Quantity, duration: Quantity) -> np.ndarray:
    """Rate of each of ``n`` neurons: spikes of a ``SpikeMonitor`` after ``transient``, per second."""
    times = np.asarray(spikes.t / second)
    counted = np.bincount(np.asarray(spikes.i)[times >= float(transient / second)], minlength=n)
    return counted / float(duration / second)


@dataclass(frozen=True)
class EPSPMeasurement:
    """Amplitude, half-width and area of a postsynaptic potential from rest.

    .. math:: A = \\max_t \\Delta V, \\qquad
              w_{1/2} = |\\{t : \\Delta V(t) \\ge A/2\\}|, \\qquad
              S = \\int_0^{T} \\Delta V\\, dt, \\qquad \\Delta V = V - V_{rest}

    over a window ``T`` after the input, from samples every ``record_dt``.
    The area is an exactly rounded sum, so it does not depend on the batch
    layout.
    """

    window: Quantity
    record_dt: Quantity

    @property
    def samples(self) -> int:
        return int(round(float(self.window / self.record_dt)))

    def measure(self, v_mV: np.ndarray, v_rest_mV: np.ndarray) -> dict[str, np.ndarray]:
        """``epsp_mV``, ``epsp_halfwidth_ms``, ``epsp_area_mV_ms`` per recorded neuron.

        ``v_mV`` is the trace (neurons x samples, mV) from the time of the input.
        """
        dv = v_mV[:, :self.samples] - v_rest_mV[:, None]
        amplitude = dv.max(axis=1)
        step_ms = float(self.record_dt / ms)
        halfwidth = (dv >= 0.5 * amplitude[:, None]).sum(axis=1) * step_ms
        area = np.array([math.fsum(row) for row in dv]) * step_ms
        return {"epsp_mV": amplitude, "epsp_halfwidth_ms": halfwidth, "epsp_area_mV_ms": area}


def search_candidates(lo: np.ndarray, hi: np.ndarray, probes: int) -> np.ndarray:
    """Grid points to test next, shape (probes, n), strictly between ``lo`` and ``hi``.

    ``lo``, ``hi`` and the result are whole numbers of grid steps.

    Evenly spaced in the open interval; where the interval holds ``probes``
    or fewer integers all of them are tested (the rest repeat the last). A
    finished condition (``hi - lo <= 1``) tests ``hi`` again (ignored).
    """
    lo, hi = np.asarray(lo, int), np.asarray(hi, int)
    j = np.arange(1, probes + 1)[:, None]
    spaced = lo + np.floor((hi - lo) * j / (probes + 1)).astype(int)
    every = np.minimum(lo + j, hi - 1)
    few = (hi - lo - 1) <= probes
    out = np.where(few, every, spaced)
    out = np.clip(out, lo + 1, np.maximum(hi - 1, lo + 1))
    return np.where(hi - lo > 1, out, hi)


def narrow(lo: np.ndarray, hi: np.ndarray, candidates: np.ndarray,
           spiked: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """New bracket: ``hi`` = smallest candidate that fired, ``lo`` = largest below it that did not.

    Assumes that more synchronous inputs never evoke fewer spikes.
    """
    active = hi - lo > 1
    big = np.iinfo(int).max
    fired = np.where(spiked, candidates, big).min(axis=0)
    new_hi = np.where(active, np.minimum(hi, fired), hi)
    quiet = np.where(~spiked & (candidates < new_hi), candidates, -1).max(axis=0)
    new_lo = np.where(active, np.maximum(lo, quiet), lo)
    return new_lo, new_hi


#: One round of a threshold search: volleys to test (probes x n, in unitary inputs) and
#: whether it is the first round -> which of them evoked a spike (probes x n, bool).
ProbeRound = Callable[[np.ndarray, bool], np.ndarray]


@dataclass(frozen=True)
class VolleyThreshold:
    """The smallest synchronous volley, in unitary inputs, that evokes a spike.

    The volley's strength is continuous (25.37 is 25.37 unitary
    conductances), so the threshold is a smooth function of Mg and of the
    model. It is found to ``resolution`` on the grid ``resolution,
    2 resolution, .., max_inputs``: each round tests ``probes`` evenly spaced
    grid points inside every condition's bracket at once, and the bracket
    closes in about ``log(max_inputs / resolution) / log(probes + 1)``
    rounds (6 for 100 at 0.01 with 4 probes). Assumes that a stronger
    volley never evokes fewer spikes. NaN where even ``max_inputs`` fails.
    """

    resolution: float
    probes: int

    def search(self, max_inputs: np.ndarray, probe_round: ProbeRound) -> np.ndarray:
        """Thresholds of ``len(max_inputs)`` conditions; ``probe_round`` runs one round."""
        top = np.floor(np.asarray(max_inputs, float) / self.resolution + 1e-9).astype(int)
        lo, hi = np.zeros(top.size, int), top + 1  # no spike at lo; spike at hi (or none)
        first = True
        while first or np.any(hi - lo > 1):
            candidates = search_candidates(lo, hi, self.probes)
            spiked = probe_round(candidates * self.resolution, first)
            first = False
            lo, hi = narrow(lo, hi, candidates, spiked)
        return np.where(hi <= top, np.round(hi * self.resolution, 9), np.nan)
