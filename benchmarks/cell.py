"""The benchmark workload: the project's pyramidal cell driven by Poisson input.

The cell is :class:`models.neuron.PyramidalNeuron` (Pospischil et al. 2008
regular-spiking cell: leak, Traub–Miles Na and K, M current; AMPA, NMDA with
the Jahr–Stevens Mg2+ block and linear ``dual_exp`` gating, GABA_A unused),
one compartment per sweep condition, integrated with exponential Euler at
``dt`` = 0.025 ms for ``duration_ms`` (500 ms by default, 100 ms in the
suite). Each condition receives one excitatory Poisson train (``rate_hz`` =
500 Hz, weight 1 = one unitary AMPA + NMDA conductance as the model defines
them) pregenerated on the time grid from ``numpy.random.default_rng(seed)``;
the condition's ``Mg_o`` is the swept parameter. The measure is the spike
count (upward crossings of the model's -20 mV threshold).

* :class:`BatchCell`: ``n`` cells in one Brian2 network, rerun per batch;
* :class:`BenchCell`: the same as an :class:`~experiments.engine.framework.Experiment`
  (run through the engine by import path ``benchmarks.cell:BenchCell``);
* :func:`naive_point`: the loop a newcomer writes, a fresh network per point;
* :func:`experiments.validation.neuron_peer.spike_counts`: the same cell in NEURON.

References
----------
Pospischil M et al. (2008) Biol Cybern 99:427-441.
Jahr CE, Stevens CF (1990) J Neurosci 10:3178-3182.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
from brian2 import Hz, Network, SpikeGeneratorGroup, SpikeMonitor, Synapses, mM, ms

from experiments.engine.framework import Experiment
from experiments.engine.settings import Setting, concentration
from models.neuron import CELL_NAME, ON_PRE_EXC, PyramidalNeuron

DEFAULTS = {"rate_hz": 500.0, "weight": 1.0, "duration_ms": 500.0, "dt_ms": 0.025}

#: The Mg values of the benchmark sweep (mM); replicates (seeds) multiply them.
SWEEP_MG = tuple(float(x) for x in np.round(np.linspace(0, 2, 10), 6))


def poisson_times(seed: int, rate_hz: float, duration_ms: float, dt_ms: float) -> np.ndarray:
    """Spike times (ms) of one Poisson train on the dt grid, from ``default_rng(seed)``.

    At most one event per time step (duplicates on the grid are dropped), so
    Brian2's SpikeGeneratorGroup and NEURON get the same events.
    """
    rng = np.random.default_rng(seed)
    count = rng.poisson(rate_hz * duration_ms / 1000.0)
    times = np.sort(rng.uniform(0.0, duration_ms, count))
    steps = np.round(times / dt_ms).astype(np.int64)  # sorted: drop repeats
    steps = steps[np.concatenate(([True], np.diff(steps) != 0))] if len(steps) else steps
    steps = steps[(steps >= 1) & (steps < round(duration_ms / dt_ms))]
    return steps * dt_ms


class BatchCell:
    """``n`` benchmark cells in one Brian2 network; :meth:`run` reruns it with new conditions."""

    def __init__(self, n: int, fixed: Mapping[str, Any] | None = None, store: bool = True,
                 per_neuron: str | Sequence[str] = ()):
        p = {**DEFAULTS, **(fixed or {})}
        self.n, self.p = n, p
        dt = p["dt_ms"] * ms
        self.model = PyramidalNeuron()
        # compiled code shared with the experiments (same name; layout per_neuron, see
        # models.neuron: by default only Mg_o varies between cells)
        self.group = self.model.build_group(n, dt=dt, name=CELL_NAME, per_neuron=per_neuron)
        self.source = SpikeGeneratorGroup(n, np.zeros(0, int), np.zeros(0) * ms, dt=dt,
                                          name="bench_input")
        self.synapses = Synapses(self.source, self.group, on_pre=ON_PRE_EXC.replace("w", "weight"),
                                 namespace={"weight": p["weight"]}, dt=dt, name="bench_syn")
        self.synapses.connect(j="i")
        self.spikes = SpikeMonitor(self.group, record=False, name=f"{CELL_NAME}_count")
        self.network = Network(self.group, self.source, self.synapses, self.spikes)
        self.stored = store
        if store:
            self.network.store("initial")

    def run(self, mg_mM: Sequence[float], seeds: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """Spike counts and final potentials (mV) for per-cell Mg and input seeds."""
        from brian2 import mV
        p = self.p
        if self.stored:
            self.network.restore("initial")
        self.model.initialize(self.group, Mg_o=np.asarray(mg_mM, float) * mM)
        trains = [poisson_times(int(s), p["rate_hz"], p["duration_ms"], p["dt_ms"]) for s in seeds]
        indices = np.concatenate([np.full(len(t), k) for k, t in enumerate(trains)]).astype(int)
        self.source.set_spikes(indices, np.concatenate(trains) * ms)
        self.network.run(p["duration_ms"] * ms)
        return np.asarray(self.spikes.count[:]), np.asarray(self.group.v[:] / mV)


def input_slots(rate_hz: float, duration_ms: float) -> int:
    """Input events one cell can receive in :class:`BenchCell`: the Poisson mean plus
    ten standard deviations and ten (a train longer than that is refused)."""
    mean = rate_hz * duration_ms / 1000.0
    return int(np.ceil(mean + 10.0 * np.sqrt(mean) + 10.0))


def event_slots(trains: Sequence[np.ndarray], slots: int) -> tuple[np.ndarray, np.ndarray]:
    """Delays (ms) and weights of ``slots`` input synapses per cell carrying ``trains``.

    Cell ``k``'s synapses ``k*slots ... (k+1)*slots - 1`` carry its events in
    order (delay = event time, weight 1); the unused ones have delay 0 and
    weight 0, so their events change nothing.
    """
    lengths = np.array([len(train) for train in trains], dtype=int)
    if len(lengths) and lengths.max() > slots:
        k = int(np.argmax(lengths))
        raise ValueError(f"input train {k}: {lengths[k]} events for {slots} slots")
    used = np.arange(slots) < lengths[:, None]
    delays = np.zeros((len(trains), slots))
    delays[used] = np.concatenate(trains) if len(trains) else []
    return delays.ravel(), used.astype(float).ravel()


class BenchCell(Experiment):
    """Firing of the benchmark cell against extracellular Mg2+ (benchmark workload).

    A declared simulation (:mod:`experiments.engine.compiled`), so it runs on
    the runtime or as a compiled program (``--set path=...``). The input
    trains must be set per batch, which a compiled program cannot do for a
    ``SpikeGeneratorGroup``; so one source spike at t = 0 reaches every cell
    through :func:`input_slots` synapses whose delays are the event times
    (:func:`event_slots`): the cell receives the same events, in the same
    time steps, as :class:`BatchCell`'s generator delivers them.
    """

    name = "bench_cell"
    title = "Benchmark: pyramidal cell with AMPA + Mg-blocked NMDA input, firing vs Mg_o"
    stochastic = True
    default_replicates = (10, 2)
    batch_size = 100_000
    columns = ("mg_o_mM", "seed", "spikes", "rate_hz", "v_end_mV")
    # Mg_o reaches the program as an input; these shape it (run length, step, input slots)
    program_settings = ("input_rate", "duration", "dt")
    settings = (
        concentration("mg_o", SWEEP_MG, "extracellular free Mg2+", "benchmark range"),
        Setting("input_rate", (DEFAULTS["rate_hz"],), Hz, "Poisson input rate", "benchmark choice",
                minimum=0.0),
        Setting("duration", (DEFAULTS["duration_ms"],), ms, "simulated time", "benchmark choice",
                minimum=0.0, exclusive_minimum=True),
        Setting("dt", (DEFAULTS["dt_ms"],), ms, "time step", "NEURON default",
                minimum=0.0, exclusive_minimum=True),
    )

    #: The cell (its equations are built once per process).
    model = PyramidalNeuron()

    @staticmethod
    def numbers(fixed) -> dict[str, float]:
        """The fixed settings as :data:`DEFAULTS`-style numbers (Hz, ms)."""
        return {"rate_hz": float(fixed["input_rate"] / Hz),
                "duration_ms": float(fixed["duration"] / ms), "dt_ms": float(fixed["dt"] / ms)}

    def schedule(self, fixed):
        return fixed["duration"], fixed["dt"]

    def simulation(self, n, fixed):
        from experiments.engine.compiled import Simulation
        p = self.numbers(fixed)
        dt = p["dt_ms"] * ms
        slots = input_slots(p["rate_hz"], p["duration_ms"])
        model = self.model
        group = model.build_group(n, dt=dt, name=CELL_NAME, at_rest=False)
        start = SpikeGeneratorGroup(1, [0], [0] * ms, dt=dt, name="bench_start")
        synapses = Synapses(start, group, "w : 1", on_pre=ON_PRE_EXC, dt=dt, name="bench_syn")
        synapses.connect(i=np.zeros(n * slots, dtype=int), j=np.repeat(np.arange(n), slots))
        spikes = SpikeMonitor(group, record=False, name=f"{CELL_NAME}_count")
        state = {name: (group, name) for name in model.initial_state(1)}
        return Simulation([group, start, synapses, spikes], p["duration_ms"] * ms,
                          inputs={**state, "delay": (synapses.pre, "delay"),
                                  "w": (synapses, "w")},
                          outputs={"spikes": (spikes, "count"), "v": (group, "v")})

    def inputs(self, conditions, fixed):
        p = self.numbers(fixed)
        mg = self.batch_values(conditions, fixed, ["mg_o"])["mg_o"]
        seeds = [int(c["seed"]) for c in conditions]
        # common random numbers: the conditions of one seed share its train
        train_of = {seed: poisson_times(seed, p["rate_hz"], p["duration_ms"], p["dt_ms"])
                    for seed in dict.fromkeys(seeds)}
        trains = [train_of[seed] for seed in seeds]
        delays, weights = event_slots(trains, input_slots(p["rate_hz"], p["duration_ms"]))
        state = self.model.initial_state(len(conditions), Mg_o=mg)
        return {**state, "delay": delays * ms, "w": weights}

    def rows(self, conditions, fixed, outputs):
        duration_s = float(fixed["duration"] / ms) / 1000.0
        counts, v_end = outputs["spikes"], outputs["v"] * 1e3
        return [[{"spikes": int(counts[k]), "rate_hz": counts[k] / duration_s,
                  "v_end_mV": float(v_end[k])}] for k in range(len(conditions))]

    def plot(self, tables):
        """Firing rate against Mg_o (mean and standard error over seeds)."""
        from experiments.engine.style import figure, mean_sem
        main = tables["main"]
        mg, rate, sem = mean_sem(np.asarray(main["mg_o_mM"]), np.asarray(main["rate_hz"]))
        fig, axes = figure()
        ax = axes[0, 0]
        ax.errorbar(mg, rate, yerr=sem, marker="o", capsize=2)
        ax.set_xlabel("Mg$_o$ (mM)")
        ax.set_ylabel("firing rate (Hz)")
        ax.set_title("benchmark cell")
        return fig


def naive_point(mg_mM: float, seed: int, p: Mapping[str, Any] | None = None) -> int:
    """One sweep point the way a newcomer writes it: build a fresh network, run, count.

    Same cell, input and integration as :class:`BatchCell`, but one neuron and
    one new Brian2 ``Network`` (new code objects) per call.
    """
    from brian2 import start_scope
    start_scope()
    p = {**DEFAULTS, **(p or {})}
    cell = BatchCell(1, p, store=False)
    counts, _ = cell.run([mg_mM], [seed])
    return int(counts[0])
