"""``excitability``: how extracellular Mg2+ sets the excitability of a cortical neuron.

One regular-spiking pyramidal cell (:class:`models.neuron.PyramidalNeuron`:
Pospischil et al. 2008 intrinsic currents, AMPA + NMDA + GABA_A synapses) per
(Mg_o, seed, ...) condition, three protocols, all computed for every condition
of a batch in the same runner:

1. **Firing rate** under a fixed Poisson drive: ``n_exc`` excitatory inputs
   at ``rate_exc`` (AMPA + NMDA, weight ``w_exc`` unitary conductances) and
   ``n_inh`` inhibitory inputs at ``rate_inh`` (GABA_A, weight ``w_inh``).
   Because all synapses of a kind are linear in the postsynaptic variables
   (NMDA gating ``dual_exp``), the inputs of a kind merge into one Poisson
   count per ``input_dt`` bin (0.1 ms), drawn with
   ``numpy.random.default_rng(seed)`` from the condition's seed only: the same
   seed gives the same input at every Mg value (common random numbers) and in
   any batch layout. The counts (times the weight) are added to ``s_AMPA``,
   ``x_NMDA`` and ``s_GABA_A`` at the start of each bin from a per-neuron
   ``TimedArray`` (equivalent to a ``SpikeGeneratorGroup`` with spike times
   rounded to 0.1 ms, at a fraction of its cost). The rate is counted over
   ``duration`` after a ``transient``.
2. **EPSP** from rest: ``epsp_inputs`` synchronous unitary excitatory inputs at
   t = 0; amplitude (mV), half-width (ms, time above half amplitude) and area
   (mV ms, integral of V - V_rest over ``window``).
3. **Synaptic threshold**: the smallest synchronous excitatory volley, in
   unitary inputs, that evokes a spike within ``threshold_window``. The
   volley's strength is continuous (a volley of 25.37 is 25.37 unitary AMPA +
   NMDA conductances), so the threshold is a smooth function of Mg and of the
   model, not a whole count that jumps; it is found to
   ``threshold_resolution`` by a search over the grid ``resolution,
   2 resolution, .., max_inputs``: each round, ``threshold_probes`` cells per
   condition test evenly spaced grid points inside the current bracket, and
   the compiled network is rerun until the bracket closes (6 runs for 100 at
   0.01 with 4 probes; assumes that a stronger volley never evokes fewer
   spikes). NaN if even ``max_inputs`` evokes no spike. **Lower = more
   excitable.**

Lower Mg raises the rate and the EPSP and lowers ``threshold_inputs``, through
the NMDA receptor's Mg2+ block (Jahr & Stevens 1990) and, with
``surface_charge=1``, a small negative shift of Na/K gating from reduced
divalent screening (Hille, Woodhull & Shapiro 1975). ``nmda_scale=0`` (an
NMDA antagonist) removes the first route.

Columns: ``mg_o_mM``, ``ca_o_mM``, ``block``, ``surface_charge``,
``nmda_scale``, ``seed``, ``rate_hz``, ``epsp_mV``, ``epsp_halfwidth_ms``,
``epsp_area_mV_ms``, ``epsp_spike`` (1 if the EPSP protocol itself fired),
``threshold_inputs``, ``v_rest_mV``.

References: Pospischil et al. 2008 Biol Cybern 99:427; Jahr & Stevens 1990
J Neurosci 10:3178; Hille, Woodhull & Shapiro 1975 Phil Trans R Soc B 270:301;
Destexhe et al. 2001 Neuroscience 107:13 (in vivo-like synaptic drive).
"""
from __future__ import annotations

import math

import numpy as np
from brian2 import (Hz, Network, Quantity, SpikeMonitor, StateMonitor, TimedArray, mM, ms, mV, nS,
                    second)

from channels.nmda import BLOCKS
from models.neuron import CELL_NAME, CELL_VALUES, PyramidalNeuron

from .engine.framework import Experiment
from .engine.settings import Setting, UsageError, concentration
from .engine.style import figure, shade_mg_ranges

#: Sampling step of the EPSP recording.
RECORD_DT = 0.1 * ms

CHOSEN = "chosen: sparse firing (a few Hz) at 1 mM Mg, like cortical neurons in vivo"


def _tile(value, times: int):
    """An array (or quantity array) repeated ``times`` times end to end, keeping units."""
    if isinstance(value, Quantity):
        return Quantity(np.tile(np.asarray(value), times), dim=value.dim)
    return np.tile(np.asarray(value, float), times)


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


#: The cell variable each setting sets (``nmda_scale`` scales ``g_NMDA``).
CELL_VARIABLES = {"mg_o": "Mg_o", "ca_o": "Ca_o", "surface_charge": "surface_charge",
                  "g_AMPA": "g_AMPA", "g_NMDA": "g_NMDA", "nmda_scale": "g_NMDA",
                  "g_GABA_A": "g_GABA_A"}


def _nS(name: str) -> float:
    return float(CELL_VALUES[name][0] / nS)


class Excitability(Experiment):
    """Firing rate, EPSP and synaptic threshold of a pyramidal cell against extracellular Mg."""

    name = "excitability"
    order = 30
    title = "Excitability of a cortical pyramidal neuron against extracellular Mg2+"
    stochastic = True
    default_replicates = (5, 2)
    #: The Poisson drive is held as (bins x neurons) arrays: bound the batch.
    batch_size = 200
    columns = ("mg_o_mM", "seed", "rate_hz", "epsp_mV", "epsp_halfwidth_ms", "epsp_area_mV_ms",
               "threshold_inputs")
    settings = (
        concentration("mg_o", tuple(np.round(np.linspace(0, 2, 11), 6)),
                      "extracellular free Mg2+",
                      "0-2 mM around CSF ionized Mg 0.82 mM (Brewer et al. 2001)",
                      quick=(0.0, 0.5, 1.0, 1.5, 2.0)),
        concentration("ca_o", (2.0,), "extracellular free Ca2+ (surface-charge screening)",
                      "standard saline / CSF about 2 mM (reference of the screening shift)"),
        Setting("block", ("jahr_stevens",), None, "form of the NMDA Mg2+ block", "channels.nmda",
                choices=BLOCKS, column=True, structural=True),
        Setting("surface_charge", (0,), None,
                "divalent surface-charge shift of Na/K/M gating: 1 on, 0 off",
                "Hille, Woodhull & Shapiro 1975; off by default", minimum=0, maximum=1,
                integer=True, column=True),
        Setting("nmda_scale", (1.0,), None, "factor on the NMDA conductance (0 = NMDA antagonist)",
                "1 = control", minimum=0.0, maximum=100.0, column=True),
        Setting("n_exc", (150,), None, "number of excitatory (AMPA+NMDA) Poisson inputs",
                CHOSEN, minimum=0, maximum=1e6, integer=True),
        Setting("rate_exc", (5.0,), Hz, "rate of each excitatory input",
                "cortical spontaneous rates of a few Hz; " + CHOSEN, minimum=0.0, maximum=1000.0),
        Setting("n_inh", (50,), None, "number of inhibitory (GABA_A) Poisson inputs", CHOSEN,
                minimum=0, maximum=1e6, integer=True),
        Setting("rate_inh", (10.0,), Hz, "rate of each inhibitory input",
                "interneuron rates of about 10 Hz; " + CHOSEN, minimum=0.0, maximum=1000.0),
        Setting("w_exc", (1.0,), None, "weight of an excitatory input, in unitary conductances",
                "1 = one unitary synapse", minimum=0.0, maximum=1000.0),
        Setting("w_inh", (1.0,), None, "weight of an inhibitory input, in unitary conductances",
                "1 = one unitary synapse", minimum=0.0, maximum=1000.0),
        Setting("g_AMPA", (_nS("g_AMPA"),), nS, "unitary AMPA peak conductance",
                CELL_VALUES["g_AMPA"][1] + " [uncertain]", minimum=0.0, maximum=1000.0),
        Setting("g_NMDA", (_nS("g_NMDA"),), nS, "unitary NMDA peak conductance (unblocked)",
                CELL_VALUES["g_NMDA"][1] + " [uncertain]", minimum=0.0, maximum=1000.0),
        Setting("g_GABA_A", (_nS("g_GABA_A"),), nS, "unitary GABA_A peak conductance",
                CELL_VALUES["g_GABA_A"][1] + " [uncertain]", minimum=0.0, maximum=1000.0),
        Setting("epsp_inputs", (1,), None, "synchronous unitary inputs of the test EPSP",
                "1 = a unitary EPSP", minimum=1, maximum=10000, integer=True),
        Setting("max_inputs", (100,), None, "largest volley tried for the synaptic threshold "
                "(unitary inputs)", "numerical choice (well above the threshold at 2 mM Mg)",
                minimum=1, maximum=100000, integer=True),
        Setting("threshold_resolution", (0.01,), None,
                "resolution of the synaptic threshold (unitary inputs)",
                "numerical choice: 0.2 % of the smallest threshold (about 6 inputs at 0 mM Mg), "
                "well below the 2 % of a dt-convergence check", minimum=1e-4, maximum=1.0,
                structural=True),
        Setting("duration", (5.0,), second, "time over which the firing rate is counted",
                "numerical choice: tens of spikes at a few Hz", quick=(1.0,), minimum=0.0,
                exclusive_minimum=True, maximum=10000.0, structural=True),
        Setting("transient", (0.5,), second, "time discarded before counting spikes",
                "numerical choice: about one M-current time constant (608 ms)", minimum=0.0,
                maximum=1000.0, structural=True),
        Setting("window", (300.0,), ms, "time after the test volley for the EPSP and threshold",
                "numerical choice: 3 NMDA decay time constants", minimum=10.0, maximum=10000.0,
                structural=True),
        Setting("threshold_window", (150.0,), ms,
                "time after a test volley within which a spike counts (synaptic threshold)",
                "numerical choice: 1.5 NMDA decay time constants", minimum=1.0, maximum=10000.0,
                structural=True),
        Setting("threshold_probes", (4,), None,
                "cells per condition testing input counts in each round of the threshold search",
                "numerical choice: a 5-ary search over 1..100 at resolution 0.01 takes 6 runs",
                minimum=1, maximum=100, integer=True, structural=True),
        Setting("input_dt", (0.1,), ms, "time resolution of the Poisson input trains",
                "numerical choice: well below the 2 ms AMPA decay", minimum=0.0,
                exclusive_minimum=True, maximum=10.0, structural=True),
        Setting("dt", (0.0125,), ms, "integration time step (exponential Euler)",
                "numerical choice: halving it changes the pooled firing rate by about 0.5 % and "
                "EPSP and threshold by under 0.3 % (tests/test_convergence.py); at 0.025 ms "
                "(NEURON's default) the rate of a cell firing at 60 Hz is 2-3 % too low",
                minimum=0.0, exclusive_minimum=True, maximum=0.1, structural=True),
    )

    # -- helpers ------------------------------------------------------------------------
    def validate(self, values):
        for step in values["input_dt"]:
            for dt in values["dt"]:
                ratio = step / dt
                if abs(ratio - round(ratio)) > 1e-6 or round(ratio) < 1:
                    raise UsageError(f"--set input_dt={step:g}: must be a whole multiple of "
                                     f"dt={dt:g} ms; allowed: numbers in ms, k*dt")
        if any(v <= 0 for v in values["ca_o"]) and any(s == 1 for s in values["surface_charge"]):
            raise UsageError(f"--set ca_o={','.join(f'{v:g}' for v in values['ca_o'])}: the "
                             "surface-charge shift needs Ca > 0 mM; allowed: numbers in mM > 0")

    @staticmethod
    def input_counts(seed: int, n_steps: int, dt_s: float, rate_exc_total: float,
                     rate_inh_total: float) -> tuple[np.ndarray, np.ndarray]:
        """Poisson input counts per time step (excitatory, inhibitory) of one condition.

        Drawn from ``numpy.random.default_rng(seed)`` only, so they are the same
        at every Mg value and in any batch layout.
        """
        rng = np.random.default_rng(seed)
        exc = rng.poisson(rate_exc_total * dt_s, n_steps)
        inh = rng.poisson(rate_inh_total * dt_s, n_steps)
        return exc, inh

    # -- simulation --------------------------------------------------------------------
    def build(self, n, fixed):
        dt = fixed["dt"] * ms
        duration = fixed["duration"] * second
        transient = fixed["transient"] * second
        window = fixed["window"] * ms
        threshold_window = fixed["threshold_window"] * ms
        # a fixed surface_charge is the model's value (0 leaves the shift out of the equations)
        surface = {"surface_charge": fixed["surface_charge"]} if "surface_charge" in fixed else {}
        model = PyramidalNeuron(block=fixed["block"], gating="dual_exp", **surface)
        input_dt = fixed["input_dt"] * ms
        n_bins = int(np.ceil(float((transient + duration) / input_dt)))

        # Network A: firing rate under Poisson drive. The inputs of each bin of
        # ``input_dt`` arrive at the start of the bin through a per-neuron
        # TimedArray (one code object every bin instead of a spike generator
        # and synapses every time step); a new TimedArray of the same name is
        # passed at each run, so nothing is recompiled.
        # Both networks name their cells (and spike monitors) alike: the generated code,
        # which contains the names, is then the same, so Brian2 compiles it once for both
        # (and for every later run, in any process). Objects of one name may coexist in
        # different Networks.
        # Parameters the sweep varies are per-neuron variables; the others are shared
        # constants (faster per step; see models.neuron).
        per_neuron = sorted({var for setting, var in CELL_VARIABLES.items() if setting not in fixed})
        rate_group = model.build_group(n, dt=dt, name=CELL_NAME, per_neuron=per_neuron)
        rate_group.run_regularly(
            "s_AMPA += drive_exc(t, i)\nx_NMDA += drive_exc(t, i)\n"
            "s_GABA_A += drive_inh(t, i)", dt=input_dt, when="start", name=f"{CELL_NAME}_drive")
        rate_spikes = SpikeMonitor(rate_group, name=f"{CELL_NAME}_spikes")
        drive_net = Network(rate_group, rate_spikes)
        drive_net.store("initial")

        # Network B: EPSP and synaptic threshold from rest (volley at t = 0).
        # Cells 0..n-1 take the EPSP volley (first run only); cells
        # n + j*n + k (j < probes) test candidate input counts of condition k.
        probes = int(fixed["threshold_probes"])
        probe = model.build_group((probes + 1) * n, dt=dt, name=CELL_NAME, per_neuron=per_neuron)
        trace = StateMonitor(probe, "v", record=np.arange(n), dt=RECORD_DT,
                             name=f"{CELL_NAME}_trace")
        probe_spikes = SpikeMonitor(probe, name=f"{CELL_NAME}_spikes")
        probe_net = Network(probe, trace, probe_spikes)
        probe_net.store("initial")

        def value(conditions, name):
            if name in conditions[0]:
                return np.array([c[name] for c in conditions], float)
            return np.full(len(conditions), float(fixed[name]))

        def runner(conditions):
            m = len(conditions)
            if m != n:
                raise RuntimeError(f"built for {n} conditions, got {m}")
            mg, ca = value(conditions, "mg_o"), value(conditions, "ca_o")
            cell = {
                "Mg_o": mg * mM, "Ca_o": ca * mM,
                "surface_charge": value(conditions, "surface_charge"),
                "g_AMPA": value(conditions, "g_AMPA") * nS,
                "g_NMDA": value(conditions, "g_NMDA") * value(conditions, "nmda_scale") * nS,
                "g_GABA_A": value(conditions, "g_GABA_A") * nS,
            }
            w_exc, w_inh = value(conditions, "w_exc"), value(conditions, "w_inh")
            seeds = [int(c["seed"]) for c in conditions]

            # 1. firing rate
            drive_net.restore("initial")
            model.initialize(rate_group, **cell)
            rate_e = value(conditions, "n_exc") * value(conditions, "rate_exc")
            rate_i = value(conditions, "n_inh") * value(conditions, "rate_inh")
            drive_e, drive_i = np.zeros((n_bins, n)), np.zeros((n_bins, n))
            for k, seed in enumerate(seeds):
                counts_e, counts_i = self.input_counts(seed, n_bins, float(input_dt / second),
                                                       rate_e[k], rate_i[k])
                drive_e[:, k] = w_exc[k] * counts_e
                drive_i[:, k] = w_inh[k] * counts_i
            namespace = {"drive_exc": TimedArray(drive_e, dt=input_dt, name="drive_exc"),
                         "drive_inh": TimedArray(drive_i, dt=input_dt, name="drive_inh")}
            drive_net.run(transient + duration, namespace=namespace)
            times = np.asarray(rate_spikes.t / second)
            counted = np.bincount(np.asarray(rate_spikes.i)[times >= float(transient / second)],
                                  minlength=n)
            rate = counted / float(duration / second)

            # 2. EPSP from rest and 3. synaptic threshold by a (probes+1)-ary
            # search over reruns of the same compiled network; the EPSP rides
            # on the first round.
            volley = value(conditions, "epsp_inputs") * w_exc
            # the search runs on a grid of ``resolution`` (lo, hi in grid steps)
            resolution = float(fixed["threshold_resolution"])
            top = np.floor(value(conditions, "max_inputs") / resolution + 1e-9).astype(int)
            probe_cell = {k: _tile(v, probes + 1) for k, v in cell.items()}
            lo, hi = np.zeros(n, int), top + 1  # no spike at lo; spike at hi (or none)
            first = True
            while first or np.any(hi - lo > 1):
                candidates = search_candidates(lo, hi, probes)          # (probes, n)
                probe_net.restore("initial")
                rest = model.initialize(probe, **probe_cell)
                epsp_kick = volley if first else np.zeros(n)
                kick = np.concatenate([epsp_kick, (candidates * resolution * w_exc).ravel()])
                probe.s_AMPA = kick
                probe.x_NMDA = kick
                trace.active = first
                probe_net.run(max(window, threshold_window) if first else threshold_window)
                index, when = np.asarray(probe_spikes.i), np.asarray(probe_spikes.t / ms)
                early = index[(index >= n) & (when < float(threshold_window / ms))] - n
                spiked = (np.bincount(early, minlength=probes * n) > 0).reshape(probes, n)
                if first:
                    v_rest = rest[:n]
                    samples = int(round(float(window / RECORD_DT)))
                    dv = np.asarray(trace.v / mV)[:, :samples] - v_rest[:, None]
                    amplitude = dv.max(axis=1)
                    above = dv >= 0.5 * amplitude[:, None]
                    halfwidth = above.sum(axis=1) * float(RECORD_DT / ms)
                    # exactly rounded sums: the same in any batch layout
                    area = np.array([math.fsum(row) for row in dv]) * float(RECORD_DT / ms)
                    epsp_spike = np.bincount(index[index < n], minlength=n) > 0
                    first = False
                lo, hi = narrow(lo, hi, candidates, spiked)
            threshold = np.where(hi <= top, np.round(hi * resolution, 9), np.nan)

            return [[{
                "rate_hz": float(rate[k]),
                "epsp_mV": float(amplitude[k]),
                "epsp_halfwidth_ms": float(halfwidth[k]),
                "epsp_area_mV_ms": float(area[k]),
                "epsp_spike": int(epsp_spike[k]),
                "threshold_inputs": float(threshold[k]),
                "v_rest_mV": float(v_rest[k]),
            }] for k in range(n)]
        return runner

    # -- figure ---------------------------------------------------------------------------
    def plot(self, tables):
        table = tables["main"]
        fig, axes = figure(1, 3, width=3.6)
        measures = (("rate_hz", "firing rate (Hz, symlog)", "rate under Poisson drive"),
                    ("epsp_mV", "EPSP amplitude (mV)", "EPSP from rest"),
                    ("threshold_inputs", "synchronous inputs to fire\n(lower = more excitable)",
                     "synaptic threshold"))
        keys = [c for c in ("block", "surface_charge", "nmda_scale", "ca_o_mM")
                if c in table.columns and len(table.unique(c)) > 1]
        groups = [()]
        if keys:
            groups = []
            for row in table.rows:
                combo = tuple(row[k] for k in keys)
                if combo not in groups:
                    groups.append(combo)
        for ax, (column, label, title) in zip(axes[0], measures):
            shade_mg_ranges(ax, label=column == "epsp_mV")
            for combo in groups:
                part = table.where(**dict(zip(keys, combo))) if keys else table
                mgs, mean, err = part.mean_sem("mg_o_mM", column)
                name = ", ".join(f"{k}={v}" for k, v in zip(keys, combo))
                ax.errorbar(mgs, mean, yerr=err, marker="o", ms=3, capsize=2,
                            label=name or None)
            ax.set(xlabel="extracellular Mg$^{2+}$ (mM)", ylabel=label, title=title)
            if column == "rate_hz":
                ax.set_yscale("symlog", linthresh=1.0)
        axes[0][1].legend(loc="center right")
        n_seeds = len(table.unique("seed")) if "seed" in table.columns else 1
        fig.suptitle(f"mean +- s.e.m. over {n_seeds} seed(s)", fontsize=8)
        return fig


if __name__ == "__main__":
    from .cli import experiment_main
    experiment_main("excitability")
