"""The benchmark cell in Brian2's C++ standalone mode (run in its own process).

``python -m benchmarks.standalone N DURATION_MS BATCHES [DIRECTORY]`` builds
``N`` benchmark cells (same equations, input and schedule as
:class:`benchmarks.cell.BatchCell`) with ``set_device("cpp_standalone",
build_on_run=False)``, compiles once, then runs the binary ``BATCHES`` times
with ``device.run(run_args={group.Mg_o: ...})`` (Brian2 >= 2.6), a new Mg
value per cell each time. Prints one JSON line: build and compile time, the
wall time of each ``device.run`` (process start, array I/O and simulation),
the binary's own time and the spike counts of the last run.

The input spike trains are fixed at build time: ``run_args`` accepts group
variables and TimedArrays, not a SpikeGeneratorGroup's spikes, so a sweep
whose batches need new input trains would have to feed them as a dense
TimedArray (time steps x cells) instead.
"""
from __future__ import annotations

import json
import sys
import tempfile
import time


def measure(n_cells: int, duration_ms: float, batches: int, directory: str | None = None) -> dict:
    n = n_cells
    import numpy as np
    from brian2 import (NeuronGroup, SpikeGeneratorGroup, SpikeMonitor, Synapses, device,
                        defaultclock, mM, ms, mV, prefs, run, set_device)

    from channels.gating import GatedChannel
    from models.neuron import ENVIRONMENT_DEFAULTS, ON_PRE_EXC, PyramidalNeuron

    from .cell import DEFAULTS, poisson_times

    temporary = directory is None
    directory = directory or tempfile.mkdtemp(prefix="hypomag-standalone-")
    set_device("cpp_standalone", build_on_run=False, directory=directory)
    prefs.logging.file_log = False
    p = dict(DEFAULTS)
    dt = p["dt_ms"] * ms
    defaultclock.dt = dt
    start = time.perf_counter()
    model = PyramidalNeuron()
    # The same layout as the engine's benchmark cell: Mg_o per neuron, the other
    # parameters shared constants (models.neuron).
    group = NeuronGroup(n, model.equations(per_neuron=()), threshold=model.threshold,
                        refractory=model.refractory, method="exponential_euler", name="bench_cell",
                        namespace=model.namespace(per_neuron=()))
    # PyramidalNeuron.initialize reads group values back, which standalone mode
    # cannot do before the run: set the same initial state from numpy instead.
    for name, value in ENVIRONMENT_DEFAULTS.items():
        if name in group.variables:
            setattr(group, name, value)
    v_rest = model.resting_potential()
    for channel in model.channels:
        if isinstance(channel, GatedChannel):
            for key, gate in channel.steady_gates(channel.gating_voltage_mV(v_rest * mV)).items():
                setattr(group, key, float(gate))
    for key, value in model.channel("NMDA").initial_states({"v": v_rest * mV, "Mg_o": 1 * mM}).items():
        setattr(group, key, value)
    group.v = v_rest * mV
    trains = [poisson_times(k + 1, p["rate_hz"], duration_ms, p["dt_ms"]) for k in range(n)]
    indices = np.concatenate([np.full(len(t), k) for k, t in enumerate(trains)]).astype(int)
    source = SpikeGeneratorGroup(n, indices, np.concatenate(trains) * ms, name="bench_input")
    synapses = Synapses(source, group, on_pre=ON_PRE_EXC.replace("w", "weight"),
                        namespace={"weight": p["weight"]}, name="bench_syn")
    synapses.connect(j="i")
    spikes = SpikeMonitor(group, record=False, name="bench_spikes")
    run(duration_ms * ms)
    device.build(directory=directory, compile=True, run=False)
    build_s = time.perf_counter() - start
    rng = np.random.default_rng(0)
    runs, binary = [], []
    counts = []
    for _ in range(batches):
        mg = rng.uniform(0, 2, n)
        t0 = time.perf_counter()
        device.run(run_args={group.Mg_o: mg * mM})
        counts = np.asarray(spikes.count[:]).tolist()
        runs.append(time.perf_counter() - t0)
        binary.append(float(device.timers.get("run_binary", float("nan"))))
    if temporary:
        import shutil
        shutil.rmtree(directory, ignore_errors=True)
        directory = "(temporary, removed)"
    return {"n": n, "duration_ms": duration_ms, "steps": int(round(duration_ms / p["dt_ms"])),
            "build_compile_s": build_s, "run_s": runs, "binary_s": binary,
            "spikes_last": int(np.sum(counts)), "directory": directory}


if __name__ == "__main__":
    args = sys.argv[1:]
    out = measure(int(args[0]), float(args[1]), int(args[2]), args[3] if len(args) > 3 else None)
    print(json.dumps(out))
