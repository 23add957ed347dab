"""Measurements of the benchmark suite; each returns a JSON-able dict.

:mod:`benchmarks.run` calls them, most in a fresh subprocess
(``python -m benchmarks.tasks NAME JSON-KWARGS`` prints the result as one
JSON line) so that peak memory, Brian2's device and NEURON's state belong to
one measurement only. All wall times are ``time.perf_counter`` seconds.

A task's keyword ``_cores=K`` (handled by ``python -m benchmarks.tasks``
before anything else is imported) restricts the task's process to the first
``K`` cores with ``os.sched_setaffinity``; its children (the compiled
programs, worker processes) inherit the restriction.
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


def _peak_children_mb() -> float:
    """Peak RSS of the largest finished child process (``RUSAGE_CHILDREN``: the compiled
    programs, worker processes), MB."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0


def _rss_mb(pid: int, field: str = "VmRSS") -> float:
    """``VmRSS`` (or ``VmHWM``, its peak) of a process from ``/proc``, MB (0 if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    except (OSError, ValueError, IndexError):
        pass
    return 0.0


class TreeMemory:
    """Samples the memory of this process and of its descendants in a thread.

    ``RUSAGE_CHILDREN`` cannot tell a compiled program's own peak: Linux keeps
    the resident size of the process a child was started from (Python
    ``subprocess`` starts children with ``vfork``/``fork`` then ``exec``) as a
    floor of the child's ``ru_maxrss``, so it reports at least this process's
    size. This sampler reads ``/proc``: ``tree_peak_mb``, the largest sum of the
    resident sizes of this process and all its descendants at one sample
    (every ``period`` s, so a peak shorter than that can be missed);
    ``program_peak_mb``, the largest ``VmHWM`` (own peak, after its ``exec``)
    of a descendant that is not a Python process (the compiled programs);
    ``subtree_peak_mb(pid)``, the largest sum over one
    descendant and its own descendants (a Dask worker and its programs).
    """

    def __init__(self, period: float = 0.02):
        import threading
        self.period, self.tree_peak_mb, self.program_peak_mb = period, 0.0, 0.0
        self._programs: dict[int, bool] = {}
        self._subtree: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        import psutil
        me = psutil.Process()
        while True:
            try:
                kids = me.children(recursive=True)
            except psutil.Error:
                kids = []
            rss = {k.pid: _rss_mb(k.pid) for k in kids}
            total = _rss_mb(os.getpid()) + sum(rss.values())
            self.tree_peak_mb = max(self.tree_peak_mb, total)
            for k in kids:
                if self._is_program(k):
                    self.program_peak_mb = max(self.program_peak_mb, _rss_mb(k.pid, "VmHWM"))
                if k.pid in self._subtree:
                    try:
                        below = sum(rss.get(c.pid, 0.0) for c in k.children(recursive=True))
                    except psutil.Error:
                        below = 0.0
                    self._subtree[k.pid] = max(self._subtree[k.pid], rss[k.pid] + below)
            if self._stop.wait(self.period):
                return

    def _is_program(self, proc) -> bool:
        """Whether a descendant is not a Python process (remembered per pid)."""
        if proc.pid not in self._programs:
            try:
                self._programs[proc.pid] = "python" not in proc.name().lower()
            except Exception:  # gone, or a name that cannot be read
                return False
        return self._programs[proc.pid]

    def watch(self, pid: int) -> None:
        """Also track the peak of ``pid`` with its descendants (:meth:`subtree_peak_mb`)."""
        self._subtree.setdefault(pid, 0.0)

    def subtree_peak_mb(self, pid: int) -> float:
        return self._subtree.get(pid, 0.0)


def restrict_cores(cores: int | None) -> None:
    """Restrict this process (and the children it starts) to its first ``cores`` cores."""
    if cores:
        allowed = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, set(allowed[:cores]))


def _cpu_s() -> float:
    """CPU seconds (user + system) of this process and its finished children."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


#: The most seeds the engine's ``replicates`` setting takes.
MAX_REPLICATES = 1000


def sweep_settings(n: int, duration_ms: float, path: str = "auto",
                   input_rate: float | None = None) -> dict[str, str]:
    """``--set`` values giving ``n`` conditions, on the engine's ``path`` (``auto``,
    ``runtime``, ``standalone``): 10 Mg values x n/10 seeds (or n < 10 Mg values), and
    above 10 x :data:`MAX_REPLICATES` n/1000 Mg values from 0 to 2 mM x 1000 seeds."""
    from .cell import SWEEP_MG
    extra = {"duration": f"{duration_ms:g}", "path": path}
    if input_rate is not None:
        extra["input_rate"] = f"{input_rate:g}"
    if n < 10:
        mg = ",".join(f"{m:g}" for m in SWEEP_MG[:n]) if n > 1 else "1"
        return {"mg_o": mg, "replicates": "1", **extra}
    if n % 10:
        raise ValueError(f"sweep size {n}: use 1-9 or a multiple of 10")
    if n > 10 * MAX_REPLICATES:  # more Mg values (evenly from 0 to 2 mM), the most seeds
        if n % MAX_REPLICATES:
            raise ValueError(f"sweep size {n}: above {10 * MAX_REPLICATES} use a multiple of "
                             f"{MAX_REPLICATES}")
        return {"mg_o": f"0:2:{n // MAX_REPLICATES}", "replicates": str(MAX_REPLICATES), **extra}
    return {"mg_o": ",".join(f"{m:g}" for m in SWEEP_MG), "replicates": str(n // 10), **extra}


def bench_plan(n: int, duration_ms: float, batch_size: int | None = None, path: str = "auto",
               input_rate: float | None = None):
    from experiments.engine.run import resolve
    from experiments.engine.plan import make_plan

    from .cell import BenchCell
    values = resolve(BenchCell, False, {}, sweep_settings(n, duration_ms, path, input_rate))
    return make_plan(BenchCell(), values, seed=1, batch_size=batch_size, max_conditions=max(n, 1))


def engine(n: int, duration_ms: float, repeats: int = 1, workers: int = 1,
           process_backend: bool = False, rerun: bool = True, path: str = "auto",
           input_rate: float | None = None, batch_size: int | None = None,
           memory: bool = False) -> dict:
    """Wall time of the engine on an ``n``-condition sweep, on its ``path``.

    ``full_s``: a complete sweep as ``hypomag run`` does it (plan, build the
    network or find the compiled program, simulate, write batch files,
    merge), from an empty runner cache but with Brian2 imported and the
    compiled code (Cython, or the program in the build cache) on disk.
    ``rerun_s``: the same sweep again in this process, runner already built
    (the cost of every later batch). ``process_backend`` uses
    ``ProcessBackend(workers)`` even for one worker. ``peak_rss_mb``: this
    process; ``peak_children_mb``: its largest child (a compiled program or a
    worker process; see :class:`TreeMemory` for why it is a floor of this
    process's size). ``memory``: sample the memory of the process tree during
    the sweeps (``tree_peak_mb``, ``program_peak_mb``; :class:`TreeMemory`).
    """
    import contextlib

    from experiments.engine.batch import configure_brian
    configure_brian()
    full, again, cpu, spikes, method = [], [], [], None, None
    sampler = TreeMemory() if memory else None
    with sampler or contextlib.nullcontext():
        for _ in range(repeats):
            table = _engine_repeat(n, duration_ms, workers, process_backend, rerun, path,
                                   input_rate, batch_size, full, again, cpu)
            plan, method = table.pop("plan"), table.pop("method")
            spikes = table["spikes"]
    from experiments.engine.standalone import usable_cores
    out = {"n": n, "duration_ms": duration_ms, "steps": int(round(duration_ms / 0.025)),
           "path": path, "cores": usable_cores(), "batch_size": plan.batch_size,
           "full_s": full, "rerun_s": again, "cpu_s": cpu, "batches": len(plan.layout()),
           "start_method": method,
           "mean_spikes_by_mg": spikes, "peak_rss_mb": _peak_rss_mb(),
           "peak_children_mb": _peak_children_mb()}
    if sampler:
        out.update(tree_peak_mb=sampler.tree_peak_mb, program_peak_mb=sampler.program_peak_mb)
    return out


def _engine_repeat(n, duration_ms, workers, process_backend, rerun, path, input_rate,
                   batch_size, full, again, cpu) -> dict:
    """One repeat of :func:`engine`: appends to ``full``, ``again``, ``cpu``."""
    from experiments.engine import batch as sweep
    from experiments.engine.backends import ProcessBackend, SerialBackend
    from experiments.engine.sweep import execute, finish
    sweep._RUNNERS.clear()
    gc.collect()
    backend = ProcessBackend(workers) if (workers > 1 or process_backend) else SerialBackend()
    method = getattr(backend, "start_method", None)
    with tempfile.TemporaryDirectory(prefix="hypomag-bench-") as out:
        try:
            cpu0 = _cpu_s()
            start = time.perf_counter()
            plan = bench_plan(n, duration_ms, batch_size, path, input_rate)
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
    import numpy as np
    mg_col, counts = np.asarray(table["mg_o_mM"]), np.asarray(table["spikes"], float)
    spikes = {f"{m:g}": float(counts[mg_col == m].mean()) for m in np.unique(mg_col)}
    return {"plan": plan, "method": method, "spikes": spikes}


def program(n: int, duration_ms: float, cores: int = 0, input_rate: float | None = None,
            exact: bool = False) -> dict:
    """Compile (if not in the build cache) the program the engine runs for batches of ``n``.

    The engine splits a batch of ``n`` into one piece per usable core and
    builds a program for the piece size rounded up
    (:func:`experiments.engine.standalone.build_size`); ``cores`` (default: this
    process's usable cores) gives the size without restricting this process.
    ``exact``: a program of exactly ``n`` neurons instead. Returns the program's
    neurons, whether it was already built and the compile time (the
    ``compiling`` phase: code generation and C++ compilation, in a subprocess).
    """
    from experiments.engine.batch import experiment_spec
    from experiments.engine.standalone import build_key, build_size, cache_root, ensure_build
    from experiments.engine.standalone import usable_cores

    from .cell import BenchCell
    plan = bench_plan(n, duration_ms, path="standalone", input_rate=input_rate)
    cores = min(cores or usable_cores(), n)
    size = n if exact else build_size(-(-n // cores))
    spec = experiment_spec(BenchCell)
    folder = cache_root() / build_key(spec, size, plan.fixed)
    cached = (folder / "manifest.json").is_file()
    start = time.perf_counter()
    ensure_build(spec, size, plan.fixed)
    return {"n": n, "cores": cores, "size": size, "cached": cached,
            "compile_s": None if cached else time.perf_counter() - start,
            "folder": str(folder)}


def run_program(folder: str, values: dict) -> tuple[float, float]:
    """Run a compiled program once: (process wall time, time of its step loop).

    The step loop's time is the program's own ``Network::_last_run_time``
    (``last_run_info.txt``): the simulation without process start and file
    exchange.
    """
    import shutil

    from experiments.engine.standalone import Program
    prog = Program(Path(folder))
    (prog.folder / "runs").mkdir(exist_ok=True)
    run_dir = Path(tempfile.mkdtemp(dir=prog.folder / "runs"))
    try:
        start = time.perf_counter()
        args = [prog.input_file(run_dir, name, v) for name, v in values.items()]
        prog.execute(["--results_dir", f"{run_dir}{os.sep}"] + args, None)
        wall = time.perf_counter() - start
        prog.check_completed(run_dir)
        loop = float((run_dir / "last_run_info.txt").read_text().split()[0])
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
    return wall, loop


def per_step(duration_ms: float, big: int = 10_000, repeats: int = 1,
             input_rate: float | None = None) -> dict:
    """A one-condition sweep through the engine vs one run of the ``big``-cell program.

    ``single_s``: the whole sweep of one condition (plan, runner, program run,
    batch file, merge), warm (one untimed sweep first). ``big_wall_s``,
    ``big_loop_s``: the program built for exactly ``big`` neurons (one
    process, one core), run with ``big`` conditions' inputs: process wall
    time and its step loop alone. The figure is the cost per time step of
    each (both have the same steps).
    """
    from experiments.engine import batch as sweep
    from experiments.engine.batch import configure_brian
    from experiments.engine.sweep import execute

    from .cell import BenchCell
    configure_brian()
    single = []
    for k in range(repeats + 1):
        sweep._RUNNERS.clear()
        with tempfile.TemporaryDirectory(prefix="hypomag-bench-") as out:
            start = time.perf_counter()
            plan = bench_plan(1, duration_ms, input_rate=input_rate)
            execute(plan, Path(out), progress=False)
            if k:
                single.append(time.perf_counter() - start)
    built = program(big, duration_ms, input_rate=input_rate, exact=True)
    plan = bench_plan(big, duration_ms, path="standalone", input_rate=input_rate)
    values = BenchCell().inputs(plan.conditions, plan.fixed)
    walls, loops = [], []
    for _ in range(repeats):
        wall, loop = run_program(built["folder"], values)
        walls.append(wall)
        loops.append(loop)
    return {"duration_ms": duration_ms, "steps": int(round(duration_ms / 0.025)), "big": big,
            "single_s": single, "big_wall_s": walls, "big_loop_s": loops,
            "big_compile_s": built["compile_s"]}


def dask(n: int, duration_ms: float, batch_size: int, workers: int = 2,
         input_rate: float | None = None) -> dict:
    """An ``n``-condition sweep on a local Dask cluster of ``workers`` single-thread workers.

    ``distributed.LocalCluster(n_workers=workers, threads_per_worker=1)``, then
    :func:`experiments.engine.run.simulate` with ``scheduler=`` its address and
    ``batch_size`` (as ``hypomag run ... --scheduler ADDRESS --batch-size N``).
    ``wall_s``: the sweep (connect, every batch, merge of the rows), without
    the cluster's start (``cluster_start_s``). Peak memory of every worker
    process and of its largest child (the compiled programs), and of this
    process (the client: plan, merged table).
    """
    from distributed import Client, LocalCluster

    from experiments.engine.run import simulate

    from .cell import BenchCell
    start = time.perf_counter()
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           dashboard_address=None)
    cluster_s = time.perf_counter() - start
    try:
        with Client(cluster.scheduler_address) as client:
            pids = client.run(os.getpid)
        settings = sweep_settings(n, duration_ms, "auto", input_rate)
        with TreeMemory(period=0.05) as sampler:
            for pid in pids.values():
                sampler.watch(pid)
            start = time.perf_counter()
            table = simulate(BenchCell, scheduler=cluster.scheduler_address,
                             batch_size=batch_size, max_conditions=n, **settings)["main"]
            wall = time.perf_counter() - start
        with Client(cluster.scheduler_address) as client:
            memory = client.run(_worker_memory)
    finally:
        cluster.close()
    return {"n": n, "duration_ms": duration_ms, "batch_size": batch_size, "workers": workers,
            "wall_s": wall, "cluster_start_s": cluster_s, "rows": len(table["spikes"]),
            "spikes": int(sum(table["spikes"])),
            "worker_peak_mb": [memory[w][0] for w in pids],
            "worker_children_peak_mb": [memory[w][1] for w in pids],
            "worker_tree_peak_mb": [sampler.subtree_peak_mb(pid) for pid in pids.values()],
            "program_peak_mb": sampler.program_peak_mb, "tree_peak_mb": sampler.tree_peak_mb,
            "client_peak_mb": _peak_rss_mb()}


def _worker_memory() -> tuple[float, float]:
    return _peak_rss_mb(), _peak_children_mb()


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


def engine_counts(n: int, duration_ms: float, input_rate: float | None = None) -> list[int]:
    """Spike counts of the engine for the first ``n`` conditions (for the peer check)."""
    from experiments.engine.batch import configure_brian
    from experiments.engine.sweep import execute
    configure_brian()
    plan = bench_plan(n, duration_ms, input_rate=input_rate)
    with tempfile.TemporaryDirectory(prefix="hypomag-bench-") as out:
        table = execute(plan, Path(out), progress=False)["main"]
    return [int(x) for x in table["spikes"]]


def neuron(n: int, duration_ms: float, repeats: int = 1, loop: bool = True,
           threads: tuple = (1,), input_rate: float | None = None) -> dict:
    """NEURON on the same sweep: ``n`` cells in one run, and one cell rerun ``n`` times.

    The peer is :func:`experiments.validation.neuron_peer.spike_counts` (the project's one
    NEURON implementation of the cell), fed the engine's pregenerated input
    trains (:func:`benchmarks.cell.poisson_times`) at the benchmark's dt. The
    network run is timed with each thread count of ``threads``
    (``ParallelContext.nthread``, set before the peer builds its cells; NEURON
    distributes the cells over the threads at ``finitialize``), repeats
    interleaved; ``network_s`` holds the times with 1 thread, ``threads_s``
    those of every count, ``thread_spikes_equal`` whether all counts gave the
    same spikes. The loop runs with 1 thread.
    """
    from brian2 import Hz

    from experiments.validation import neuron_peer

    from .cell import DEFAULTS, poisson_times
    plan = bench_plan(n, duration_ms, input_rate=input_rate)
    mg = [plan.experiment.setting("mg_o").magnitude(c.get("mg_o", plan.fixed.get("mg_o")))
          for c in plan.conditions]
    seeds = [c["seed"] for c in plan.conditions]
    dt, rate = DEFAULTS["dt_ms"], DEFAULTS["rate_hz"]
    rate = float(plan.fixed["input_rate"] / Hz) if "input_rate" in plan.fixed else rate
    start = time.perf_counter()
    h = neuron_peer.load_mechanisms()
    load_s = time.perf_counter() - start
    pc = h.ParallelContext()

    def counts_of(mode):
        trains = [poisson_times(int(s), rate, duration_ms, dt) for s in seeds]
        return neuron_peer.spike_counts(mg, trains, duration_ms, dt, DEFAULTS["weight"], mode)
    by_threads: dict[str, list[float]] = {str(k): [] for k in threads}
    counts, same = None, True
    for _ in range(repeats):
        for k in threads:
            pc.nthread(int(k))
            start = time.perf_counter()
            got = counts_of("network")
            by_threads[str(k)].append(time.perf_counter() - start)
            same = same and (counts is None or bool((got == counts).all()))
            counts = got if counts is None else counts
    pc.nthread(1)
    looped, loop_counts = [], None
    if loop:
        start = time.perf_counter()
        loop_counts = counts_of("loop")
        looped.append(time.perf_counter() - start)
    return {"n": n, "duration_ms": duration_ms, "load_compile_s": load_s,
            "network_s": by_threads.get("1", next(iter(by_threads.values()))),
            "threads_s": by_threads, "thread_spikes_equal": same,
            "loop_s": looped, "spikes": [int(c) for c in counts],
            "loop_matches_network": None if loop_counts is None else
            bool((loop_counts == counts).all())}


def standalone(n: int, duration_ms: float, batches: int, directory: str | None = None) -> dict:
    """Brian2 C++ standalone on the same cell (see :mod:`benchmarks.standalone`), built in
    ``directory`` (kept; a rebuild there recompiles only changed files) or a temporary one."""
    from .standalone import measure
    out = measure(n, duration_ms, batches, directory)
    out["peak_rss_mb"] = _peak_rss_mb()
    return out


def paired(n: int, duration_ms: float, repeats: int = 1, directory: str | None = None,
           prebuilt: bool = False, input_rate: float | None = None) -> dict:
    """Engine rerun and C++ standalone binary run, timed in adjacent pairs.

    Builds the standalone network of :mod:`benchmarks.standalone` once (in a
    subprocess, into a temporary folder), runs the engine's ``n``-condition
    sweep once in this process (building its network), then ``repeats``
    times: the engine sweep again (network built) and, right after it, the
    standalone binary (``./main``: process start, array I/O, simulation).
    Each pair's ratio is taken close together in time, so that drift of a
    shared machine falls on both sides of it. The engine runs on its default
    path (``auto``). ``directory``: build the standalone network there and keep
    it (default: a temporary folder); ``prebuilt``: it was built there just now
    (by :func:`standalone`, same ``n`` and duration), run it without rebuilding.
    ``input_rate`` applies to the engine's sweep (Brian2's build keeps the
    default rate: it is the reference, not a copy of the engine's input).
    """
    import shutil
    import subprocess

    from experiments.engine.backends import SerialBackend
    from experiments.engine.batch import configure_brian
    from experiments.engine.sweep import execute
    configure_brian()
    keep = directory is not None
    directory = directory or tempfile.mkdtemp(prefix="hypomag-standalone-")
    try:
        if not (prebuilt and keep and (Path(directory) / "main").is_file()):
            subprocess.run([sys.executable, "-m", "benchmarks.standalone", str(n),
                            str(duration_ms), "1", directory], cwd=ROOT, env=subprocess_env(),
                           check=True, capture_output=True)
        plan = bench_plan(n, duration_ms, input_rate=input_rate)
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
        if not keep:
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
         "standalone": standalone, "layout": layout, "vectorize": vectorize, "paired": paired,
         "program": program, "per_step": per_step, "dask": dask}


if __name__ == "__main__":
    name, kwargs = sys.argv[1], json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    restrict_cores(kwargs.pop("_cores", None))  # before Brian2 or numpy is imported
    result = TASKS[name](**kwargs)
    sys.stdout.write("\nRESULT " + json.dumps(result) + "\n")
