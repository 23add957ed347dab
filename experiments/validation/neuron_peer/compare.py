"""The pyramidal-cell cross-check: the same input to hypomag's Brian2 cell and to the NEURON peer.

:func:`compare_pyramidal` drives :class:`models.neuron.PyramidalNeuron` in
Brian2 (:func:`brian2_pyramidal_trace`) and the NEURON build
(:func:`~experiments.validation.neuron_peer.pyramidal.pyramidal_trace`)
with the same Poisson events (:func:`poisson_events`) and returns both
traces and their spike times (:func:`crossing_times`).

Accuracy. The production schemes are both first order (Brian2 exponential
Euler, whose ``(constant over dt)`` rates freeze within a step; NEURON
implicit Euler with ``cnexp`` gates): at dt = 0.025 ms their spike times
drift apart by milliseconds over a second of input, in opposite directions,
and converge on each other as dt shrinks. The cross-check therefore compares
converged solutions: Brian2 RK4 with the rates re-evaluated within the step
(``exact_rates=True``, :func:`without_constant_over_dt`) against NEURON's
CVODE (``cvode_atol``); they agree within 0.01 ms over 1 s.

References
----------
Pospischil M et al. (2008) Biol Cybern 99:427-441.
Hines ML, Carnevale NT (1997) Neural Comput 9:1179-1209.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .pyramidal import SPIKE_THRESHOLD_MV, pyramidal_trace


def poisson_events(rate_hz: float, duration_ms: float, dt_ms: float, seed: int,
                   start_ms: float = 0.0) -> np.ndarray:
    """Poisson event times (ms) on the dt grid, at most one per step (for both simulators).

    Parameters
    ----------
    rate_hz : float
        Mean rate (Hz); the count is Poisson with mean ``rate_hz`` times the
        window, capped at one event per step.
    duration_ms, start_ms : float
        End and start of the window (ms).
    dt_ms : float
        Grid step (ms): every time is ``start_ms + k dt_ms``.
    seed : int
        Seed of numpy's ``default_rng``.
    """
    rng = np.random.default_rng(seed)
    steps = int(round((duration_ms - start_ms) / dt_ms))
    count = min(rng.poisson(rate_hz * (duration_ms - start_ms) / 1000.0), steps)
    chosen = np.sort(rng.choice(steps, size=count, replace=False))
    return start_ms + chosen * dt_ms


def brian2_pyramidal_trace(mg_o_mM: Sequence[float], exc_ms: np.ndarray, inh_ms: np.ndarray,
                           duration_ms: float = 1000.0, dt_ms: float = 0.01,
                           w_exc: float = 1.0, w_inh: float = 1.0,
                           method: str = "exponential_euler", exact_rates: bool = False):
    """The protocol of :func:`pyramidal_trace` on :class:`models.neuron.PyramidalNeuron` in Brian2.

    Parameters
    ----------
    mg_o_mM : sequence of float
        Extracellular Mg2+ (mM), one neuron each.
    exc_ms, inh_ms : arrays
        Excitatory (AMPA + NMDA, weight ``w_exc``) and inhibitory (GABA_A,
        weight ``w_inh``) event times (ms), the same for every neuron.
    duration_ms, dt_ms : float
        Simulated time and step (ms); the trace is sampled every step.
    method : str
        Brian2 integration method.
    exact_rates : bool
        Drop the ``(constant over dt)`` flags of the model's rate
        subexpressions (:func:`without_constant_over_dt`), so that a
        higher-order method (``"rk4"``) re-evaluates the rates within a step
        and converges at its own order (the flag freezes them over a step, a
        first-order splitting whatever the method).

    Returns
    -------
    t_ms, v_mV, v_rest_mV : arrays
        Sample times, one row of potentials per Mg_o value, and the resting
        potentials the model's own initialization chose.

    Notes
    -----
    One group of ``len(mg_o_mM)`` neurons; the events come from one
    two-source ``SpikeGeneratorGroup`` through one ``Synapses`` whose
    ``on_pre`` is the model's own (:func:`models.neuron.on_pre`).
    """
    from brian2 import Network, NeuronGroup, StateMonitor, mM, ms, mV
    from models.neuron import REFRACTORY, THRESHOLD, PyramidalNeuron
    model = PyramidalNeuron()
    eqs = model.equations()
    if exact_rates:
        eqs = without_constant_over_dt(eqs)
    group = NeuronGroup(len(mg_o_mM), eqs, threshold=THRESHOLD, refractory=REFRACTORY,
                        method=method, dt=dt_ms * ms, name="peer_pyramidal*")
    model.initialize(group, Mg_o=np.asarray(mg_o_mM, float) * mM)
    v_rest = np.asarray(group.v[:] / mV)
    source, syn = _brian2_input(group, exc_ms, inh_ms, w_exc, w_inh, dt_ms)
    monitor = StateMonitor(group, "v", record=True, dt=dt_ms * ms)
    Network(group, source, syn, monitor).run(duration_ms * ms)
    return np.asarray(monitor.t / ms), np.asarray(monitor.v / mV), v_rest


def _brian2_input(group, exc_ms, inh_ms, w_exc: float, w_inh: float, dt_ms: float):
    """Source 0 (excitatory) and 1 (inhibitory) of a ``SpikeGeneratorGroup``, onto every neuron."""
    from brian2 import SpikeGeneratorGroup, Synapses, ms
    from models.neuron import on_pre
    exc_ms, inh_ms = np.asarray(exc_ms, float), np.asarray(inh_ms, float)
    indices = np.concatenate([np.zeros(len(exc_ms), int), np.ones(len(inh_ms), int)])
    times = np.concatenate([exc_ms, inh_ms])
    source = SpikeGeneratorGroup(2, indices, times * ms, dt=dt_ms * ms)
    syn = Synapses(source, group, "w_e : 1\nw_i : 1",
                   on_pre=on_pre("exc", "w_e") + "\n" + on_pre("inh", "w_i"), dt=dt_ms * ms)
    syn.connect()
    syn.w_e = np.where(syn.i[:] == 0, w_exc, 0.0)
    syn.w_i = np.where(syn.i[:] == 1, w_inh, 0.0)
    return source, syn


def without_constant_over_dt(eqs):
    """The same Brian2 equations without ``(constant over dt)`` flags."""
    from brian2 import Equations
    from brian2.equations.equations import SingleEquation
    items = [SingleEquation(eq.type, eq.varname, eq.dim, var_type=eq.var_type, expr=eq.expr,
                            flags=[f for f in eq.flags if f != "constant over dt"] or None)
             for eq in eqs.values()]
    return Equations(items)


def crossing_times(t_ms: np.ndarray, v_mV: np.ndarray,
                   threshold_mV: float = SPIKE_THRESHOLD_MV) -> np.ndarray:
    """Upward threshold crossings (ms), linearly interpolated between samples."""
    above = v_mV >= threshold_mV
    k = np.nonzero(~above[:-1] & above[1:])[0]
    frac = (threshold_mV - v_mV[k]) / (v_mV[k + 1] - v_mV[k])
    return t_ms[k] + frac * (t_ms[k + 1] - t_ms[k])


def compare_pyramidal(mg_o_mM: Sequence[float] = (0.1, 1.0), duration_ms: float = 1000.0,
                      dt_ms: float = 0.025, exc_rate_hz: float = 700.0,
                      inh_rate_hz: float = 200.0) -> dict:
    """The cross-check protocol: one pyramidal cell per Mg_o, same input, both simulators.

    Parameters
    ----------
    mg_o_mM : sequence of float
        Extracellular Mg2+ (mM), one cell each.
    duration_ms, dt_ms : float
        Simulated time and step (ms; also the event grid and the sampling).
    exc_rate_hz, inh_rate_hz : float
        Rates (Hz) of the excitatory (seed 1) and inhibitory (seed 2)
        Poisson events (:func:`poisson_events`).

    Returns
    -------
    dict
        The traces (``t_b``, ``v_b``: Brian2 RK4 with exact rates, the
        converged solution; ``t_n``, ``v_n``: NEURON CVODE, atol 1e-8) and,
        per Mg value, the spike times of both (``spikes_b``, ``spikes_n``:
        lists of arrays, upward crossings of -20 mV).
    """
    exc = poisson_events(exc_rate_hz, duration_ms, dt_ms, seed=1)
    inh = poisson_events(inh_rate_hz, duration_ms, dt_ms, seed=2)
    mg = list(mg_o_mM)
    t_b, v_b, v_rest = brian2_pyramidal_trace(mg, exc, inh, duration_ms, dt_ms, method="rk4",
                                              exact_rates=True)
    t_n, v_n = pyramidal_trace(mg, exc, inh, v_rest, duration_ms, dt_ms, cvode_atol=1e-8)
    return {"t_b": t_b, "v_b": v_b, "t_n": t_n, "v_n": v_n,
            "spikes_b": [crossing_times(t_b, v_b[k]) for k in range(len(mg))],
            "spikes_n": [crossing_times(t_n, v_n[k]) for k in range(len(mg))]}
