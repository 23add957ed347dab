"""Measurements of the benchmark suite; each returns a JSON-able dict.

:mod:`benchmarks.run` calls them, most in a fresh subprocess
(``python -m benchmarks.tasks NAME JSON-KWARGS`` prints the result as one
JSON line) so that peak memory, Brian2's device and NEURON's state belong to
one measurement only. All wall times are ``time.perf_counter`` seconds.
"""
from __future__ import annotations

import gc
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def subprocess_env() -> dict[str, str]:
    """Environment of a benchmark subprocess: the repository first on ``PYTHONPATH``, no ``CI``."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    env.pop("CI", None)
    return env


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _cpu_s() -> float:
    """CPU seconds (user + system) of this process and its finished children."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def sweep_settings(n: int, duration_ms: float) -> dict[str, str]:
    """``--set`` values giving ``n`` conditions: 10 Mg values x n/10 seeds (or n = 1)."""
    from .cell import SWEEP_MG
    if n < 10:
        mg = ",".join(f"{m:g}" for m in SWEEP_MG[:n]) if n > 1 else "1"
        return {"mg_o": mg, "replicates": "1", "duration": f"{duration_ms:g}"}
    if n % 10:
        raise ValueError(f"sweep size {n}: use 1-9 or a multiple of 10")
    return {"mg_o": ",".join(f"{m:g}" for m in SWEEP_MG), "replicates": str(n // 10),
            "duration": f"{duration_ms:g}"}


def bench_plan(n: int, duration_ms: float, batch_size: int | None = None):
    from experiments.engine.run import resolve
    from experiments.engine.plan import make_plan

    from .cell import BenchCell
    values = resolve(BenchCell, False, {}, sweep_settings(n, duration_ms))
    return make_plan(BenchCell(), values, seed=1, batch_size=batch_size)


def engine(n: int, duration_ms: float, repeats: int = 1, workers: int = 1,
           process_backend: bool = False, rerun: bool = True) -> dict:
    """Wall time of the engine on an ``n``-condition sweep.

    ``full_s``: a complete sweep as ``hypomag run`` does it (plan, build the
    network, simulate, write batch files, merge), from an empty runner cache
    but with Brian2 imported and the compiled code on disk. ``rerun_s``: the
    same sweep again in this process, network already built (the cost of
    every later batch). ``process_backend`` uses ``ProcessBackend(workers)``
    even for one worker.
    """
    from experiments.engine import batch as sweep
    from experiments.engine.backends import ProcessBackend, SerialBackend
    from experiments.engine.batch import configure_brian
    from experiments.engine.sweep import execute, finish
    configure_brian()
    full, again, cpu, spikes, method = [], [], [], None, None
    for _ in range(repeats):
        plan = bench_plan(n, duration_ms)
        sweep._RUNNERS.clear()
        gc.collect()
        backend = ProcessBackend(workers) if (workers > 1 or process_backend) else SerialBackend()
        method = getattr(backend, "start_method", None)
        with tempfile.TemporaryDirectory(prefix="hypomag-bench-") as out:
            try:
                cpu0 = _cpu_s()
                start = time.perf_counter()
                tables = execute(plan, Path(out), backend, progress=False)
                full.append(time.perf_counter() - start)
                if isinstance(backend, ProcessBackend):
                    backend.close()  # workers exit: their CPU time becomes RUSAGE_CHILDREN
                cpu.append(_cpu_s() - cpu0)
                if rerun and not isinstance(backend, ProcessBackend):
                    start = time.perf_counter()
                    execute(plan, Path(out), backend, progress=False)
                    again.append(time.perf_counter() - start)
                finish(plan, Path(out))
            finally:
                backend.close()
        table = tables["main"]
        spikes = {f"{m:g}": float(table.where(mg_o_mM=m)["spikes"].mean())
                  for m in table.unique("mg_o_mM")}
    return {"n": n, "duration_ms": duration_ms, "steps": int(round(duration_ms / 0.025)),
            "full_s": full, "rerun_s": again, "cpu_s": cpu, "batches": len(plan.layout()),
            "start_method": method,
            "mean_spikes_by_mg": spikes, "peak_rss_mb": _peak_rss_mb()}


def naive(points: int, duration_ms: float, sweep_n: int = 100) -> dict:
    """Per-point wall time of the newcomer's loop (fresh network per point).

    The first ``points`` conditions of the ``sweep_n``-point sweep, in order; the
    first call is a warm-up (not timed) so that every timed point finds its
    compiled code on disk, the newcomer's best case.
    """
    from experiments.engine import batch as sweep
    from experiments.engine.batch import configure_brian

    from .cell import naive_point
    configure_brian()
    sweep._RUNNERS.clear()
    plan = bench_plan(sweep_n, duration_ms)
    p = {"duration_ms": duration_ms}
    naive_point(1.0, 1, p)
    times, counts = [], []
    for condition in plan.conditions[:points]:
        start = time.perf_counter()
        counts.append(naive_point(condition["mg_o"], condition["seed"], p))
        times.append(time.perf_counter() - start)
    return {"points": points, "duration_ms": duration_ms, "point_s": times, "spikes": counts}


def engine_counts(n: int, duration_ms: float) -> list[int]:
    """Spike counts of the engine for the first ``n`` conditions (for the peer check)."""
    from experiments.engine.batch import configure_brian
    from experiments.engine.sweep import execute
    configure_brian()
    plan = bench_plan(n, duration_ms)
    with tempfile.TemporaryDirectory(prefix="hypomag-bench-") as out:
        table = execute(plan, Path(out), progress=False)["main"]
    return [int(x) for x in table["spikes"]]


def neuron(n: int, duration_ms: float, repeats: int = 1, loop: bool = True) -> dict:
    """NEURON on the same sweep: ``n`` cells in one run, and one cell rerun ``n`` times.

    The peer is :func:`experiments.validation.neuron_peer.spike_counts` (the project's one
    NEURON implementation of the cell), fed the engine's pregenerated input
    trains (:func:`benchmarks.cell.poisson_times`) at the benchmark's dt.
    """
    from experiments.validation import neuron_peer

    from .cell import DEFAULTS, poisson_times
    plan = bench_plan(n, duration_ms)
    mg = [plan.experiment.setting("mg_o").magnitude(c.get("mg_o", plan.fixed.get("mg_o")))
          for c in plan.conditions]
    seeds = [c["seed"] for c in plan.conditions]
    dt, rate = DEFAULTS["dt_ms"], DEFAULTS["rate_hz"]
    start = time.perf_counter()
    neuron_peer.load_mechanisms()
    load_s = time.perf_counter() - start

    def counts_of(mode):
        trains = [poisson_times(int(s), rate, duration_ms, dt) for s in seeds]
        return neuron_peer.spike_counts(mg, trains, duration_ms, dt, DEFAULTS["weight"], mode)
    network, counts = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        counts = counts_of("network")
        network.append(time.perf_counter() - start)
    looped, loop_counts = [], None
    if loop:
        start = time.perf_counter()
        loop_counts = counts_of("loop")
        looped.append(time.perf_counter() - start)
    return {"n": n, "duration_ms": duration_ms, "load_compile_s": load_s, "network_s": network,
            "loop_s": looped, "spikes": [int(c) for c in counts],
            "loop_matches_network": None if loop_counts is None else
            bool((loop_counts == counts).all())}


def standalone(n: int, duration_ms: float, batches: int) -> dict:
    """Brian2 C++ standalone on the same cell (see :mod:`benchmarks.standalone`)."""
    from .standalone import measure
    out = measure(n, duration_ms, batches)
    out["peak_rss_mb"] = _peak_rss_mb()
    return out


def paired(n: int, duration_ms: float, repeats: int = 1) -> dict:
    """Engine rerun and C++ standalone binary run, timed in adjacent pairs.

    Builds the standalone network of :mod:`benchmarks.standalone` once (in a
    subprocess, into a temporary folder), runs the engine's ``n``-condition
    sweep once in this process (building its network), then ``repeats``
    times: the engine sweep again (network built) and, right after it, the
    standalone binary (``./main``: process start, array I/O, simulation).
    Each pair's ratio is taken close together in time, so that drift of a
    shared machine falls on both sides of it.
    """
    import shutil
    import subprocess

    from experiments.engine.backends import SerialBackend
    from experiments.engine.batch import configure_brian
    from experiments.engine.sweep import execute
    configure_brian()
    directory = tempfile.mkdtemp(prefix="hypomag-standalone-")
    try:
        subprocess.run([sys.executable, "-m", "benchmarks.standalone", str(n), str(duration_ms),
                        "1", directory], cwd=ROOT, env=subprocess_env(), check=True,
                       capture_output=True)
        plan = bench_plan(n, duration_ms)
        backend = SerialBackend()
        engine_s, binary_s = [], []
        with tempfile.TemporaryDirectory(prefix="hypomag-bench-") as out:
            execute(plan, Path(out), backend, progress=False)
            for _ in range(repeats):
                gc.collect()
                start = time.perf_counter()
                execute(plan, Path(out), backend, progress=False)
                engine_s.append(time.perf_counter() - start)
                start = time.perf_counter()
                subprocess.run(["./main"], cwd=directory, check=True, capture_output=True)
                binary_s.append(time.perf_counter() - start)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    return {"n": n, "duration_ms": duration_ms, "engine_s": engine_s, "binary_s": binary_s,
            "ratios": [e / b for e, b in zip(engine_s, binary_s)]}


def _compare_builds(n: int, duration_ms: float, repeats: int, builds: dict) -> dict:
    """Rerun times of the benchmark cell built two ways, alternately in this process.

    ``builds`` maps a key to a function returning a built
    :class:`benchmarks.cell.BatchCell`. Each is run once (untimed), then rerun
    ``repeats`` times, alternately, on the same conditions; the spike counts
    and final potentials of the first runs are compared (``spikes_equal``,
    ``v_end_max_diff_mV``). Returns ``KEY_s`` rerun times for each key.
    """
    import numpy as np

    from experiments.engine.batch import configure_brian
    configure_brian()
    mg = np.resize(np.linspace(0, 2, 10), n)
    seeds = np.arange(n) + 1
    cells = {key: build() for key, build in builds.items()}
    first = {key: cell.run(mg, seeds) for key, cell in cells.items()}
    (a_counts, a_v), (b_counts, b_v) = first.values()
    times: dict[str, list[float]] = {key: [] for key in cells}
    for _ in range(repeats):
        for key, cell in cells.items():
            gc.collect()
            start = time.perf_counter()
            cell.run(mg, seeds)
            times[key].append(time.perf_counter() - start)
    return {"n": n, "duration_ms": duration_ms, "steps": int(round(duration_ms / 0.025)),
            **{f"{key}_s": t for key, t in times.items()},
            "spikes_equal": a_counts.tolist() == b_counts.tolist(), "spikes": int(b_counts.sum()),
            "v_end_max_diff_mV": float(np.max(np.abs(a_v - b_v)))}


def layout(n: int, duration_ms: float, repeats: int = 1) -> dict:
    """Every parameter per neuron (``all``) vs the default layout (``shared``: only ``Mg_o``)."""
    from .cell import BatchCell
    p = {"duration_ms": duration_ms}
    return _compare_builds(n, duration_ms, repeats, {
        "all": lambda: BatchCell(n, p, per_neuron="all"), "shared": lambda: BatchCell(n, p)})


class _Flagged:
    """A cell every run of which is compiled with or without the vectorizing rewrite."""

    def __init__(self, cell, vectorize: bool):
        self.cell, self.vectorize = cell, vectorize

    def run(self, mg_mM, seeds):
        from experiments.engine.codegen import vectorizing
        with vectorizing(self.vectorize):
            return self.cell.run(mg_mM, seeds)


def vectorize(n: int, duration_ms: float, repeats: int = 1) -> dict:
    """Brian2's scalar Cython build (``scalar``) vs the vectorizing one (``vector``).

    ``simd`` says whether libmvec was available (without it the two builds
    differ only in division checks and compiler flags).
    """
    from experiments.engine import codegen

    from .cell import BatchCell
    p = {"duration_ms": duration_ms}
    return {**_compare_builds(n, duration_ms, repeats, {
        "scalar": lambda: _Flagged(BatchCell(n, p), False),
        "vector": lambda: _Flagged(BatchCell(n, p), True)}), "simd": codegen.simd_available()}


TASKS = {"engine": engine, "naive": naive, "engine_counts": engine_counts, "neuron": neuron,
         "standalone": standalone, "layout": layout, "vectorize": vectorize, "paired": paired}


if __name__ == "__main__":
    name, kwargs = sys.argv[1], json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    result = TASKS[name](**kwargs)
    sys.stdout.write("\nRESULT " + json.dumps(result) + "\n")
