"""``excitability``: how extracellular Mg2+ sets the excitability of a cortical neuron.

One regular-spiking pyramidal cell (:class:`models.neuron.PyramidalNeuron`:
Pospischil et al. 2008 intrinsic currents, AMPA + NMDA + GABA_A synapses) per
(Mg_o, seed, ...) condition, three protocols of :mod:`experiments.engine.protocols`
(:class:`~experiments.engine.protocols.PoissonDrive`,
:class:`~experiments.engine.protocols.EPSPMeasurement`,
:class:`~experiments.engine.protocols.VolleyThreshold`), all computed for every
condition of a batch in the same runner:

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

import numpy as np
from brian2 import Hz, Network, Quantity, SpikeMonitor, StateMonitor, mM, ms, mV, nS, second

from channels.nmda import BLOCKS
from models.neuron import CELL_NAME, CELL_VALUES, PyramidalNeuron

from .engine.framework import Experiment
from .engine.protocols import EPSPMeasurement, PoissonDrive, VolleyThreshold, firing_rates
from .engine.settings import Setting, UsageError, concentration
from .engine.style import (MAX_CURVES, columns, distinct, drawn, figure, legend, marked,
                           mean_sem, row_groups, shade_mg_ranges, spread, subset_note)

#: Sampling step of the EPSP recording.
RECORD_DT = 0.1 * ms
#: The model variables each kind of input increments (AMPA and NMDA co-released).
INPUT_KINDS = {"exc": ("s_AMPA", "x_NMDA"), "inh": ("s_GABA_A",)}

CHOSEN = "chosen: sparse firing (a few Hz) at 1 mM Mg, like cortical neurons in vivo"


def _tile(value, times: int):
    """An array (or quantity array) repeated ``times`` times end to end, keeping units."""
    if isinstance(value, Quantity):
        return Quantity(np.tile(np.asarray(value), times), dim=value.dim)
    return np.tile(np.asarray(value, float), times)


def _nS(name: str) -> float:
    return float(CELL_VALUES[name][0] / nS)


def _synapse(name: str, meaning: str) -> Setting:
    return Setting(name, (_nS(name),), nS, meaning, CELL_VALUES[name][1] + " [uncertain]",
                   minimum=0.0, maximum=1000.0, variable=name)


#: Result columns of a condition, in order.
ROW_COLUMNS = ("rate_hz", "epsp_mV", "epsp_halfwidth_ms", "epsp_area_mV_ms", "epsp_spike",
               "threshold_inputs", "v_rest_mV")


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
                      quick=(0.0, 0.5, 1.0, 1.5, 2.0), variable="Mg_o"),
        concentration("ca_o", (2.0,), "extracellular free Ca2+ (surface-charge screening)",
                      "standard saline / CSF about 2 mM (reference of the screening shift)",
                      variable="Ca_o"),
        Setting("block", ("jahr_stevens",), None, "form of the NMDA Mg2+ block", "channels.nmda",
                choices=BLOCKS, column=True, structural=True),
        Setting("surface_charge", (0,), None,
                "divalent surface-charge shift of Na/K/M gating: 1 on, 0 off",
                "Hille, Woodhull & Shapiro 1975; off by default", minimum=0, maximum=1,
                integer=True, column=True, variable="surface_charge"),
        Setting("nmda_scale", (1.0,), None, "factor on the NMDA conductance (0 = NMDA antagonist)",
                "1 = control", minimum=0.0, maximum=100.0, column=True),
        Setting("n_exc", (150,), None, "number of excitatory (AMPA+NMDA) Poisson inputs",
                CHOSEN, minimum=0, maximum=100_000, integer=True),
        Setting("rate_exc", (5.0,), Hz, "rate of each excitatory input",
                "cortical spontaneous rates of a few Hz; " + CHOSEN, minimum=0.0, maximum=1000.0),
        Setting("n_inh", (50,), None, "number of inhibitory (GABA_A) Poisson inputs", CHOSEN,
                minimum=0, maximum=100_000, integer=True),
        Setting("rate_inh", (10.0,), Hz, "rate of each inhibitory input",
                "interneuron rates of about 10 Hz; " + CHOSEN, minimum=0.0, maximum=1000.0),
        Setting("w_exc", (1.0,), None, "weight of an excitatory input, in unitary conductances",
                "1 = one unitary synapse", minimum=0.0, maximum=1000.0),
        Setting("w_inh", (1.0,), None, "weight of an inhibitory input, in unitary conductances",
                "1 = one unitary synapse", minimum=0.0, maximum=1000.0),
        _synapse("g_AMPA", "unitary AMPA peak conductance"),
        _synapse("g_NMDA", "unitary NMDA peak conductance (unblocked)"),
        _synapse("g_GABA_A", "unitary GABA_A peak conductance"),
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

    # -- checks -------------------------------------------------------------------------
    def validate(self, values):
        for step in values["input_dt"]:
            for dt in values["dt"]:
                ratio = float(step / dt)
                if abs(ratio - round(ratio)) > 1e-6 or round(ratio) < 1:
                    raise UsageError(f"--set input_dt={float(step / ms):g}: must be a whole "
                                     f"multiple of dt={float(dt / ms):g} ms; allowed: numbers in "
                                     "ms, k*dt")
        if any(v <= 0 for v in values["ca_o"]) and any(s == 1 for s in values["surface_charge"]):
            shown = ",".join(f"{float(v / mM):g}" for v in values["ca_o"])
            raise UsageError(f"--set ca_o={shown}: the surface-charge shift needs Ca > 0 mM; "
                             "allowed: numbers in mM > 0")

    # -- simulation -----------------------------------------------------------------------
    def build(self, n, fixed):
        """Two networks of the same cell, compiled once: Poisson drive, and test volleys.

        Both name their cells (and spike monitors) alike: the generated code,
        which contains the names, is then the same, so Brian2 compiles it once
        for both (and for every later run, in any process). Parameters the
        sweep varies are per-neuron variables; the others are shared constants.
        """
        # a fixed surface_charge is the model's value (0 leaves the shift out of the equations)
        surface = {"surface_charge": fixed["surface_charge"]} if "surface_charge" in fixed else {}
        model = PyramidalNeuron(block=fixed["block"], gating="dual_exp", **surface)
        swept = [s.variable for name, s in self.all_settings().items()
                 if s.variable and name not in fixed]
        per_neuron = sorted(set(swept) | ({"g_NMDA"} if "nmda_scale" not in fixed else set()))
        drive = PoissonDrive(INPUT_KINDS, fixed["input_dt"], fixed["transient"] + fixed["duration"])
        rate_net = self._drive_network(model, n, fixed, drive, per_neuron)
        probes = int(fixed["threshold_probes"])
        probe_net = self._probe_network(model, n, fixed, probes, per_neuron)
        epsp = EPSPMeasurement(fixed["window"], RECORD_DT)
        search = VolleyThreshold(float(fixed["threshold_resolution"]), probes)

        def runner(conditions):
            if len(conditions) != n:
                raise RuntimeError(f"built for {n} conditions, got {len(conditions)}")
            values = self.batch_values(conditions, fixed)
            cell = self.cell_values(conditions, fixed, values)
            rate = self._rates(model, rate_net, drive, fixed, values, cell,
                               [int(c["seed"]) for c in conditions])
            measured = self._volleys(model, probe_net, fixed, values, cell, epsp, search)
            measured["rate_hz"] = rate
            return [[{column: (int(measured[column][k]) if column == "epsp_spike"
                               else float(measured[column][k])) for column in ROW_COLUMNS}]
                    for k in range(n)]
        return runner

    def cell_values(self, conditions, fixed, values):
        """The cell's per-condition values: every setting's variable, g_NMDA times nmda_scale."""
        cell = self.model_values(conditions, fixed)
        cell["g_NMDA"] = cell["g_NMDA"] * values["nmda_scale"]
        return cell

    @staticmethod
    def _drive_network(model, n, fixed, drive, per_neuron):
        """Network A: ``n`` cells under the Poisson drive, and their spikes."""
        group = model.build_group(n, dt=fixed["dt"], name=CELL_NAME, per_neuron=per_neuron)
        drive.attach(group, f"{CELL_NAME}_drive")
        spikes = SpikeMonitor(group, name=f"{CELL_NAME}_spikes")
        network = Network(group, spikes)
        network.store("initial")
        return network, group, spikes

    @staticmethod
    def _probe_network(model, n, fixed, probes, per_neuron):
        """Network B, volleys from rest: cells 0..n-1 take the EPSP volley (first round
        only, recorded); cells n + j n + k (j < probes) test volleys of condition k."""
        group = model.build_group((probes + 1) * n, dt=fixed["dt"], name=CELL_NAME,
                                  per_neuron=per_neuron)
        trace = StateMonitor(group, "v", record=np.arange(n), dt=RECORD_DT,
                             name=f"{CELL_NAME}_trace")
        spikes = SpikeMonitor(group, name=f"{CELL_NAME}_spikes")
        network = Network(group, trace, spikes)
        network.store("initial")
        return network, group, trace, spikes, probes

    @staticmethod
    def _rates(model, rate_net, drive, fixed, values, cell, seeds):
        """1. Firing rate under the Poisson drive (common random numbers per seed)."""
        network, group, spikes = rate_net
        network.restore("initial")
        model.initialize(group, **cell)
        totals = {"exc": values["n_exc"] * np.asarray(values["rate_exc"] / Hz),
                  "inh": values["n_inh"] * np.asarray(values["rate_inh"] / Hz)}
        weights = {"exc": values["w_exc"], "inh": values["w_inh"]}
        network.run(drive.duration, namespace=drive.namespace(seeds, totals, weights),
                    report=Experiment.report(), report_period=1 * second)
        return firing_rates(spikes, len(seeds), fixed["transient"], fixed["duration"])

    @staticmethod
    def _volleys(model, probe_net, fixed, values, cell, epsp, search):
        """2. EPSP from rest and 3. synaptic threshold, on reruns of network B.

        The EPSP volley rides on the first round of the threshold search.
        """
        network, group, trace, spikes, probes = probe_net
        n = len(values["w_exc"])
        w_exc = values["w_exc"]
        probe_cell = {k: _tile(v, probes + 1) for k, v in cell.items()}
        window, threshold_window = fixed["window"], fixed["threshold_window"]
        out = {}

        def probe_round(volleys, first):
            network.restore("initial")
            rest = model.initialize(group, **probe_cell)
            epsp_kick = values["epsp_inputs"] * w_exc if first else np.zeros(n)
            kick = np.concatenate([epsp_kick, (volleys * w_exc).ravel()])
            group.s_AMPA = kick
            group.x_NMDA = kick
            trace.active = first
            network.run(max(window, threshold_window) if first else threshold_window,
                        report=Experiment.report(), report_period=1 * second)
            index, when = np.asarray(spikes.i), np.asarray(spikes.t / ms)
            early = index[(index >= n) & (when < float(threshold_window / ms))] - n
            if first:
                out["v_rest_mV"] = rest[:n]
                out.update(epsp.measure(np.asarray(trace.v / mV), rest[:n]))
                out["epsp_spike"] = np.bincount(index[index < n], minlength=n) > 0
            return (np.bincount(early, minlength=probes * n) > 0).reshape(probes, n)

        out["threshold_inputs"] = search.search(values["max_inputs"], probe_round)
        return out

    # -- figure ---------------------------------------------------------------------------
    def plot(self, tables):
        table = tables["main"]
        fig, axes = figure(1, 3, width=3.6)
        measures = (("rate_hz", "firing rate (Hz, symlog)", "rate under Poisson drive"),
                    ("epsp_mV", "EPSP amplitude (mV)", "EPSP from rest"),
                    ("threshold_inputs", "synchronous inputs to fire\n(lower = more excitable)",
                     "synaptic threshold"))
        keys = [c for c in ("block", "surface_charge", "nmda_scale", "ca_o_mM")
                if c in table.columns and len(distinct(table[c])) > 1]
        # rows grouped in one pass (style.row_groups), at most MAX_CURVES groups drawn
        by_group = row_groups(*columns(table, *keys)) if keys else {(): np.arange(len(table))}
        groups = spread(list(by_group), MAX_CURVES)
        subset_note(fig, [drawn(len(groups), len(by_group), f"combinations of {', '.join(keys)}")]
                    if len(groups) < len(by_group) else [], len(table), f"{self.name}.csv")
        mg_of = table["mg_o_mM"]
        for ax, (column, label, title) in zip(axes[0], measures):
            shade_mg_ranges(ax, label=column == "epsp_mV")
            values = table[column]
            for combo in groups:
                rows = by_group[combo]
                mgs, mean, err = mean_sem(mg_of[rows], values[rows])
                name = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) and len(str(v)) > 8
                                 else f"{k}={v}" for k, v in zip(keys, combo))
                ax.errorbar(mgs, mean, yerr=err, marker=marked(len(mgs)), ms=3,
                            capsize=2 if marked(len(mgs)) else 0,
                            label=name or None)
            ax.set(xlabel="extracellular Mg$^{2+}$ (mM)", ylabel=label, title=title)
            if column == "rate_hz":
                ax.set_yscale("symlog", linthresh=1.0)
        legend(axes[0][1], loc="center right")
        n_seeds = len(distinct(table["seed"])) if "seed" in table.columns else 1
        fig.suptitle(f"mean +- s.e.m. over {n_seeds} seed(s)", fontsize=8)
        return fig


if __name__ == "__main__":
    from .cli import experiment_main
    experiment_main("excitability")
