"""Run the benchmark suite and write ``benchmarks/RESULTS.md``.

::

    .venv/bin/python -m benchmarks            # full suite (duration: benchmarks/README.md)
    .venv/bin/python -m benchmarks --tiny --out /tmp/bench   # smoke run (tests)

Every figure is a ratio of two wall times measured in the same run, on the
same machine, with min / median / max over repeats. Each measurement runs in
a fresh subprocess (``python -m benchmarks.tasks``), so peak memory, Brian2's
device and NEURON's state belong to it alone. Compilation is done once up
front (the compiled programs, in a new empty build cache for the full suite,
and a Cython warm-up) and reported separately: the figures compare warm runs,
as a user sees them from the second run of a shape on.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from experiments.engine.run import versions as package_versions

from . import fresh
from .tasks import ROOT, subprocess_env

HERE = Path(__file__).resolve().parent

#: Sizes of the full suite and of the smoke run. The smoke run uses the shape of the
#: tests' compiled program (tests/test_standalone.py: 50 ms, 1.5 kHz input, 5 neurons per
#: piece), so that it compiles little: besides that program, one of 1 neuron (the
#: single-cell run) and one of 10 (the one-core run), once per machine and source version.
FULL = {
    "sweep_n": 100, "warmup": True, "duration_ms": 100.0, "input_rate": None, "repeats": 3,
    "naive_points": 10, "growth": (1, 10, 100, 1000, 10000),
    "peer_sizes": (100, 1000, 10000), "neuron_threads": (1, 2),
    "standalone_n": (100, 1000, 10000), "standalone_batches": 3, "paired_n": 10000,
    "cores_n": 10000, "cores_repeats": 5,
    "workers_n": 10000, "workers_batch": 5000, "workers_repeats": 3,
    "per_step_big": 10000, "memory_n": (10000, 100000), "memory_batch": 20000,
    "dask_n": 1_000_000, "dask_batch": 20_000, "dask_workers": 2,
    "layout_n": 10000, "vectorize_n": 10000, "subprocess": True, "fresh": "readme",
    "build_cache": "fresh",
}
TINY = {
    "sweep_n": 10, "warmup": False, "duration_ms": 50.0, "input_rate": 1500.0, "repeats": 1,
    "naive_points": 1, "growth": (1, 10),
    "peer_sizes": (10,), "neuron_threads": (1, 2),
    "standalone_n": (10,), "standalone_batches": 1, "paired_n": 10,
    "cores_n": 10, "cores_repeats": 1,
    "workers_n": 20, "workers_batch": 10, "workers_repeats": 1,
    "per_step_big": 5, "memory_n": (10, 20), "memory_batch": 10,
    "dask_n": 20, "dask_batch": 10, "dask_workers": 2,
    "layout_n": 10, "vectorize_n": 10, "subprocess": False, "fresh": "tiny",
    "build_cache": None,
}


def task(name: str, in_subprocess: bool = True, **kwargs) -> dict:
    """Run ``benchmarks.tasks.NAME(**kwargs)``, by default in a fresh Python process.

    A task restricted to some cores (``_cores``) and Brian2's standalone device
    (``standalone``: it is global to its process) always run in a subprocess.
    """
    if "_cores" in kwargs or name == "standalone":
        in_subprocess = True
    if not in_subprocess:
        from . import tasks
        return tasks.TASKS[name](**kwargs)
    proc = subprocess.run([sys.executable, "-m", "benchmarks.tasks", name, json.dumps(kwargs)],
                          cwd=ROOT, env=subprocess_env(), capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise RuntimeError(f"benchmark task {name}({kwargs}) failed (exit {proc.returncode}):\n"
                       f"{proc.stderr[-3000:]}")


def merge_repeats(results: list[dict]) -> dict:
    """One task result from several runs of it: the timing lists concatenated."""
    out = dict(results[0])
    for key in ("full_s", "rerun_s", "cpu_s"):
        out[key] = [x for r in results for x in r.get(key, [])]
    return out


def stats(values) -> dict:
    values = [float(v) for v in values]
    return {"min": min(values), "median": statistics.median(values), "max": max(values),
            "n": len(values)}


def fmt(s: dict, digits: int = 3) -> str:
    if s["n"] == 1:
        return f"{s['median']:.{digits}g}"
    return f"{s['median']:.{digits}g} ({s['min']:.{digits}g}-{s['max']:.{digits}g})"


def ratio_stats(numerators, denominators) -> dict:
    """Ratio of medians, with the extreme ratios (min num / max den, max num / min den)."""
    a, b = stats(numerators), stats(denominators)
    return {"min": a["min"] / b["max"], "median": a["median"] / b["median"],
            "max": a["max"] / b["min"], "n": min(a["n"], b["n"])}


def machine() -> dict:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    out = {"platform": platform.platform(), "cpu": cpu, "cores": os.cpu_count(),
           "usable_cores": len(os.sched_getaffinity(0)), "load_average": os.getloadavg()}
    try:
        mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
        out["memory_gb"] = round(int(mem) / 1024 / 1024, 1)
    except (OSError, IndexError, ValueError):
        pass
    versions = package_versions(("brian2", "numpy", "Cython", "neuron", "distributed"))
    try:
        gcc = subprocess.run(["gcc", "--version"], capture_output=True, text=True).stdout
        versions["gcc"] = gcc.splitlines()[0] if gcc else "unknown"
    except OSError:
        versions["gcc"] = "unknown"
    out["versions"] = versions
    from experiments.engine import codegen
    out["vectorized_build"] = codegen.vectorize_enabled() and codegen.simd_available()
    return out


@contextlib.contextmanager
def build_cache(choice: str | None):
    """``HYPOMAG_BUILD_CACHE`` for the suite: ``"fresh"`` a new empty folder (removed at the
    end: every program compiles cold, and its compile time is measured), another string
    that folder, ``None`` the user's cache as it is."""
    if choice is None:
        yield None
        return
    before = os.environ.get("HYPOMAG_BUILD_CACHE")
    folder = tempfile.mkdtemp(prefix="hypomag-bench-build-") if choice == "fresh" else choice
    os.environ["HYPOMAG_BUILD_CACHE"] = folder
    try:
        yield folder
    finally:
        if before is None:
            os.environ.pop("HYPOMAG_BUILD_CACHE", None)
        else:
            os.environ["HYPOMAG_BUILD_CACHE"] = before
        if choice == "fresh":
            shutil.rmtree(folder, ignore_errors=True)


def standalone_dir(n: int, duration_ms: float, cache: str | None) -> str | None:
    """Folder of Brian2's default standalone build of ``n`` cells: temporary (``None``,
    compiled cold) in a fresh build cache, else a kept folder next to the user's build
    cache, which a rebuild recompiles only where the generated code changed."""
    if cache is not None:
        return None
    from experiments.engine.standalone import cache_root
    folder = cache_root().parent / "benchmark-brian2-standalone" / f"n{n}-d{duration_ms:g}"
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder)


def programs_needed(config: dict) -> list[tuple[str, int, int, bool]]:
    """(use, conditions per batch, cores, exact) of every compiled program the suite runs."""
    usable = len(os.sched_getaffinity(0))
    out = [(f"engine, {n} condition{'s' if n != 1 else ''}", n, usable, False)
           for n in sorted(set(config["peer_sizes"]) | set(config["growth"]) | {config["sweep_n"]})]
    out.append((f"engine on one core, {config['cores_n']} conditions", config["cores_n"], 1, False))
    if config.get("workers_n"):
        out.append((f"--workers, batches of {config['workers_batch']}", config["workers_batch"],
                    usable, False))
    out.append((f"step loop of {config['per_step_big']} cells (one program, exact size)",
                config["per_step_big"], 1, True))
    out.append((f"memory, batches of {config['memory_batch']}", config["memory_batch"], usable,
                False))
    if config.get("dask_n"):
        out.append((f"Dask, batches of {config['dask_batch']}", config["dask_batch"], usable, False))
    return out


def run_suite(config: dict, log=print) -> dict:
    """Run every measurement of ``config``; return the raw results."""
    with build_cache(config.get("build_cache")) as cache:
        res = _run_suite(config, log, cache)
    return res


def _run_suite(config: dict, log, cache: str | None) -> dict:
    sub = config["subprocess"]
    d = config["duration_ms"]
    r = config["repeats"]
    rate = {"input_rate": config["input_rate"]} if config.get("input_rate") else {}
    res: dict = {"config": {k: v for k, v in config.items()}, "machine": machine(),
                 "build_cache": "fresh (empty at the start)" if config.get("build_cache") == "fresh"
                 else (cache or "the user's (HYPOMAG_BUILD_CACHE or ~/.cache/hypomag/standalone)"),
                 "started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
    clock = time.perf_counter()

    def step(label, name, **kwargs):
        log(f"[{time.perf_counter() - clock:6.0f} s] {label}")
        return task(name, sub, **kwargs)

    # compiled programs first (cold compile times, reported); then the Cython warm-up
    res["programs"] = []
    for use, n, cores, exact in programs_needed(config):
        got = step(f"compiled program: {use}", "program", n=n, duration_ms=d, cores=cores,
                   exact=exact, **rate)
        res["programs"].append({**got, "use": use})
    if config["warmup"]:
        res["warmup"] = step("warm-up (Cython compilation if not cached)", "engine", n=1,
                             duration_ms=d, repeats=1, rerun=False, path="runtime", **rate)
    sweep_n = config["sweep_n"]
    res["engine_100"] = step(f"engine, {sweep_n}-point sweep", "engine", n=sweep_n,
                             duration_ms=d, repeats=r, **rate)
    res["naive"] = step(f"newcomer loop, {config['naive_points']} points", "naive",
                        points=config["naive_points"], duration_ms=d, sweep_n=sweep_n)
    res["peer"] = {}
    for n in config["peer_sizes"]:
        engine = res["engine_100"] if n == sweep_n else step(f"engine, {n}-point sweep", "engine",
                                                         n=n, duration_ms=d, repeats=r, **rate)
        res["peer"][str(n)] = {
            "engine": engine,
            "runtime": step(f"engine path=runtime, {n}-point sweep", "engine", n=n,
                            duration_ms=d, repeats=r, path="runtime", **rate),
            "neuron": step(f"NEURON, {n}-point sweep, threads {config['neuron_threads']}",
                           "neuron", n=n, duration_ms=d, repeats=r, loop=n <= 100,
                           threads=list(config["neuron_threads"]), **rate),
            "counts": step(f"engine spike counts, {n} points", "engine_counts", n=n,
                           duration_ms=d, **rate) if n <= 100 else None,
        }
    res["growth"] = {}
    for n in config["growth"]:
        if n == sweep_n:
            res["growth"][str(n)] = res["engine_100"]
        elif str(n) in res["peer"]:
            res["growth"][str(n)] = res["peer"][str(n)]["engine"]
        else:
            res["growth"][str(n)] = step(f"engine, {n} conditions", "engine", n=n,
                                         duration_ms=d, repeats=r if n <= 100 else 1, **rate)
    res["standalone"] = {}
    for n in config["standalone_n"]:
        res["standalone"][str(n)] = step(f"Brian2 default C++ standalone, {n} cells", "standalone",
                                         n=n, duration_ms=d, batches=config["standalone_batches"],
                                         directory=standalone_dir(n, d, cache))
    if config.get("paired_n"):
        n = config["paired_n"]
        kept = standalone_dir(n, d, cache)
        res["paired"] = step(f"engine and Brian2 standalone in pairs, {n} cells", "paired",
                             n=n, duration_ms=d, repeats=r, directory=kept,
                             prebuilt=kept is not None and str(n) in res["standalone"], **rate)
    # one core vs all usable cores: interleaved, each in its own process
    runs: dict[str, list[dict]] = {"one": [], "all": []}
    cn = config["cores_n"]
    for k in range(config["cores_repeats"]):
        runs["one"].append(step(f"cores: one core, {cn} conditions (repeat {k + 1})", "engine",
                                n=cn, duration_ms=d, repeats=1, _cores=1, **rate))
        runs["all"].append(step(f"cores: unrestricted, {cn} conditions (repeat {k + 1})",
                                "engine", n=cn, duration_ms=d, repeats=1, **rate))
    res["cores"] = {key: merge_repeats(parts) for key, parts in runs.items()}
    if config["workers_n"]:
        w, wb = config["workers_n"], config["workers_batch"]
        wruns: dict[str, list[dict]] = {"one": [], "two": []}
        for k in range(config.get("workers_repeats", 1)):
            wruns["one"].append(step(f"workers: one worker process on one core, {w} conditions "
                                     f"(repeat {k + 1})", "engine", n=w, duration_ms=d, repeats=1,
                                     workers=1, process_backend=True, batch_size=wb, _cores=1,
                                     **rate))
            wruns["two"].append(step(f"workers: --workers 2, {w} conditions (repeat {k + 1})",
                                     "engine", n=w, duration_ms=d, repeats=1, workers=2,
                                     batch_size=wb, **rate))
        res["workers"] = {key: merge_repeats(parts) for key, parts in wruns.items()}
    res["per_step"] = step(f"single-cell sweep vs {config['per_step_big']}-cell program",
                           "per_step", duration_ms=d, big=config["per_step_big"], repeats=r, **rate)
    if config.get("layout_n"):
        res["layout"] = step(f"parameter layout, {config['layout_n']} cells", "layout",
                             n=config["layout_n"], duration_ms=d, repeats=r)
    if config.get("vectorize_n"):
        res["vectorize"] = step(f"scalar vs vectorizing build, {config['vectorize_n']} cells",
                                "vectorize", n=config["vectorize_n"], duration_ms=d, repeats=r)
    res["memory"] = {}
    for k, mem_n in enumerate(config["memory_n"]):
        batch = None if k == 0 else config["memory_batch"]
        res["memory"][str(mem_n)] = step(
            f"peak memory, {mem_n} conditions" + (f" in batches of {batch}" if batch else ""),
            "engine", n=mem_n, duration_ms=d, repeats=1, rerun=False, batch_size=batch,
            memory=True, **rate)
    if config.get("dask_n"):
        res["dask"] = step(f"Dask LocalCluster of {config['dask_workers']} workers, "
                           f"{config['dask_n']} conditions in batches of {config['dask_batch']}",
                           "dask", n=config["dask_n"], duration_ms=d,
                           batch_size=config["dask_batch"], workers=config["dask_workers"], **rate)
    if config.get("fresh"):
        log(f"[{time.perf_counter() - clock:6.0f} s] fresh clone: the README's commands")
        res["fresh"] = fresh.measure(ROOT, tiny=config["fresh"] == "tiny", log=log)
    res["machine"]["load_average_end"] = os.getloadavg()
    res["suite_s"] = time.perf_counter() - clock
    return res


def _start_note(two: dict) -> str:
    """How the workers of the two-worker runs started (``experiments.engine.backends.worker_start_method``)."""
    method = two.get("start_method")
    if method == "fork":
        return ("Workers were forked from the process running the sweep, so they start with "
                "Brian2 imported; each builds its own network.")
    if method == "spawn":
        return ("Workers were spawned: each pays its own start (Python, Brian2's import, "
                "network build).")
    return "Each worker process pays its own start (Python, Brian2 import, network build)."


def _engine_rerun(e: dict) -> list[float]:
    return e["rerun_s"] or e["full_s"]


def report(res: dict) -> str:
    """RESULTS.md text from the raw results."""
    summary: list[tuple[str, str, str, str]] = []
    m, cfg = res["machine"], res["config"]
    d = cfg["duration_ms"]
    steps = int(round(d / 0.025))
    lines = ["# Benchmark results", "",
             f"Written by `.venv/bin/python -m benchmarks` on {res['started']} "
             f"(suite wall time {res['suite_s']:.0f} s). Regenerate with the same command.", "",
             "## Machine", "",
             f"- {m['cpu']}, {m['cores']} cores, {m.get('memory_gb', '?')} GB, {m['platform']}",
             "- load average (1, 5, 15 min) at start " + ", ".join(f"{x:.1f}" for x in m["load_average"])
             + ", at end " + ", ".join(f"{x:.1f}" for x in m.get("load_average_end", ())),
             "- " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()), "",
             "## Workload", "",
             "The benchmark cell (`benchmarks/cell.py`): `models.neuron.PyramidalNeuron` "
             "(Pospischil 2008 RS cell: leak, Traub-Miles Na/K, M current; AMPA + NMDA with "
             "Jahr-Stevens block, dual-exp gating), one compartment per condition, exponential "
             f"Euler, dt = 0.025 ms, {d:g} ms simulated ({steps} steps), one "
             f"{cfg.get('input_rate') or 500:g} Hz Poisson "
             "train per condition from `default_rng(seed)`; swept: Mg_o (10 values, 0-2 mM) "
             "x seeds. Times are wall seconds, median (min-max) over repeats; "
             "ratios are ratios of medians (extreme ratios in brackets).", "",
             "The engine runs the cell on its default path (`path=auto`: the compiled C++ "
             f"program from {_min_steps()} steps per run, so here "
             f"{'the program' if steps >= _min_steps() else 'the Cython runtime'}; "
             "`experiments/engine/compiled.py`), each batch split into one piece per usable "
             f"core ({m.get('usable_cores', m['cores'])} here), each piece its own process of "
             "the program; `path=runtime` (Brian2's Cython runtime in the process) is measured "
             "as a reference. A program is compiled once per size into the build cache "
             f"(`experiments/engine/standalone.py`; this run: {res.get('build_cache', '?')}).", ""]
    lines += _programs(res)
    if "warmup" in res:
        lines += [f"Warm-up of the runtime path (1 condition, including any Cython "
                  f"compilation not yet cached): {res['warmup']['full_s'][0]:.1f} s.", ""]

    # 1. engine vs naive
    e100 = res["engine_100"]
    naive = res["naive"]
    big = e100["n"]
    per_point = stats(naive["point_s"])
    naive_100 = {k: (v * big if k != "n" else v) for k, v in per_point.items()}
    speed = ratio_stats([t * big for t in naive["point_s"]], e100["full_s"])
    target = "met" if speed["median"] >= 50 else "NOT met"
    summary.append((f"engine vs newcomer loop, {e100['n']} points", ">= 50x",
                    f"{speed['median']:.0f}x", target))
    lines += [f"## 1. Batched engine vs the newcomer's loop ({big}-point sweep)", "",
              "| | wall time (s) |", "|---|---|",
              f"| engine, whole sweep (build + simulate + write) | {fmt(stats(e100['full_s']))} |",
              f"| engine, rerun with the network built | {fmt(stats(_engine_rerun(e100)))} |",
              f"| newcomer loop, per point (fresh network, warm code cache) | {fmt(per_point)} |",
              f"| newcomer loop, {big} points ({big} x per point) | {fmt(naive_100)} |", "",
              f"**Speed-up: {speed['median']:.0f}x** ({speed['min']:.0f}-{speed['max']:.0f}); "
              f"target >= 50x: {target}. The loop was timed on {naive['points']} of the {big} "
              f"points (after one untimed warm-up point) and scaled by {big}: every point costs "
              "the same (one new network, one neuron, same steps), and timing all 100 would "
              "take the suite's whole budget. It is the newcomer's best case: the objects "
              "have fixed names, so Brian2 finds the compiled code on disk; with Brian2's "
              "default numbered names (`neurongroup_1`, ...) every point would recompile.", ""]

    # 2. NEURON
    lines += ["## 2. hypomag vs NEURON (same cell, same sweep)", "",
              "NEURON 9 with the same equations (`experiments/validation/neuron_peer/`: `pas`, NMODL "
              "`naTM`, `kTM`, `mYKA` for Na/K/M, `ExpCond` for AMPA, `NmdaDualJS` for NMDA), "
              "same dt, duration, input events (delivered at t + dt, as Brian2 applies them) "
              "and initial state; implicit Euler for v. NEURON `network`: all cells in one run "
              "(cell building, event queueing and the run, timed together), with "
              + " and ".join(f"{k}" for k in cfg.get("neuron_threads", (1,)))
              + " threads (`ParallelContext.nthread`, set by the benchmark before the peer "
              "builds its cells; repeats interleaved); `loop`: one cell, "
              "`finitialize`/`continuerun` per condition (1 thread). Best NEURON: the fastest "
              "of these (median). hypomag: the engine's whole sweep (plan, build or find the "
              "program, simulate, write the batch files, merge; compiled code on disk) on its "
              "default path, its rerun (runner built), and the whole sweep on `path=runtime`.",
              "",
              "| conditions | hypomag sweep (s) | rerun (s) | runtime sweep (s) "
              "| NEURON network, by threads (s) | NEURON loop (s) | best NEURON "
              "| speed-up (sweep) | (rerun) | runtime vs best NEURON "
              "| Brian2 default standalone run (s) | vs best NEURON |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    peer_notes = []
    for n, p in res["peer"].items():
        e, nrn, rt = p["engine"], p["neuron"], p.get("runtime")
        best, best_label = _best_neuron(nrn)
        sweep_ratio = ratio_stats(best, e["full_s"])
        rerun_ratio = ratio_stats(best, _engine_rerun(e))
        ok = sweep_ratio["median"] >= 3
        summary.append((f"hypomag vs best NEURON, {n} conditions, whole sweep (rerun)", ">= 3x",
                        f"{sweep_ratio['median']:.2f}x ({rerun_ratio['median']:.2f}x)",
                        "met" if ok else "NOT met"))
        rt_ratio = ratio_stats(best, rt["full_s"]) if rt else None
        if rt_ratio:
            summary.append((f"path=runtime vs best NEURON, {n} conditions, whole sweep",
                            "(reference)", f"{rt_ratio['median']:.2f}x", "-"))
        alone = res.get("standalone", {}).get(n)
        limit = ratio_stats(best, alone["run_s"]) if alone else None
        if limit:
            summary.append((f"Brian2 default standalone vs best NEURON, {n} conditions "
                            "(run only)", "(reference)", f"{limit['median']:.2f}x", "-"))
        threads = nrn.get("threads_s") or {"1": nrn["network_s"]}
        by_threads = "; ".join(f"{k}: {fmt(stats(v))}" for k, v in threads.items())
        cells = [n, fmt(stats(e["full_s"])), fmt(stats(_engine_rerun(e))),
                 fmt(stats(rt["full_s"])) if rt else "-", by_threads,
                 fmt(stats(nrn["loop_s"])) if nrn["loop_s"] else "-", best_label,
                 f"{sweep_ratio['median']:.2f}x", f"{rerun_ratio['median']:.2f}x",
                 f"{rt_ratio['median']:.2f}x" if rt_ratio else "-",
                 fmt(stats(alone["run_s"])) if alone else "-",
                 f"{limit['median']:.2f}x" if limit else "-"]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
        if p.get("counts"):
            import numpy as np
            a, b = np.asarray(p["counts"], float), np.asarray(nrn["spikes"], float)
            peer_notes.append(
                f"Agreement at {n} conditions: mean spike count {a.mean():.2f} (hypomag) vs "
                f"{b.mean():.2f} (NEURON), largest difference per condition "
                f"{np.abs(a - b).max():.0f} spikes, identical counts in "
                f"{int((a == b).sum())}/{len(a)} conditions (different integrators for v).")
        if nrn.get("thread_spikes_equal") is False:
            peer_notes.append(f"At {n} conditions NEURON's thread counts gave different spikes.")
    lines += [""] + peer_notes + [""]

    # 3. growth
    g = res["growth"]
    sizes = sorted(g, key=int)
    lines += ["## 3. Cost growth with sweep size", "",
              "| conditions | whole sweep (s) | per condition (ms) | batches |", "|---|---|---|---|"]
    for n in sizes:
        s = stats(g[n]["full_s"])
        lines.append(f"| {n} | {fmt(s)} | {1000 * s['median'] / int(n):.3g} | {g[n]['batches']} |")
    if "1" in g and str(big) in g:
        growth = ratio_stats(g[str(big)]["full_s"], g["1"]["full_s"])
        summary.append((f"wall time {big} vs 1 condition", "<= 2x", f"{growth['median']:.2f}x",
                        "met" if growth["median"] <= 2 else "NOT met"))
        lines += ["", f"**Wall time {big} vs 1 condition: {growth['median']:.2f}x** "
                  f"({growth['min']:.2f}-{growth['max']:.2f}); target <= 2x: "
                  f"{'met' if growth['median'] <= 2 else 'NOT met'}."]
    lines.append("")

    # 4. Brian2's default standalone (reference)
    lines += _brian2_standalone(res, summary)

    # 5. cores
    lines += _cores(res, summary)

    # 6. memory
    lines += _memory(res, summary)
    # 7. parameter layout, 8. vectorizing build: the same cell built two ways
    vec = res.get("vectorize") or {}
    sections = (
        ("layout", "7. Parameter layout", "with every constant parameter a per-neuron variable "
         "(`per_neuron=\"all\"`) and with the default layout (only `Mg_o` per neuron, the rest "
         "shared namespace constants; `models/neuron.py`)", "layout",
         (("every parameter per neuron", "all"), ("shared constants", "shared")),
         "Shared constants", "shared constants vs every parameter per neuron"),
        ("vectorize", "8. Vectorizing build", "compiled from Brian2's Cython source as it is "
         "(`HYPOMAG_VECTORIZE=0`) and by `experiments/engine/codegen.py` (C division, libmvec "
         f"exponentials, alias checks; libmvec {'available' if vec.get('simd') else 'NOT available'}"
         " here)", "build", (("scalar (Brian2's source)", "scalar"), ("vectorizing", "vector")),
         "Vectorizing build", "vectorizing vs scalar Cython build"))
    for key, *spec in sections:
        if res.get(key):
            lines += _two_builds(res[key], summary, *spec)
    if res.get("fresh"):
        lines += fresh.report_lines(res["fresh"], summary)
    lines += _per_step(res, summary)
    lines += _dask(res, summary)
    lines += _cost_model(res)
    table = ["## Summary", "", "| figure | target | measured (median) | |", "|---|---|---|---|"]
    table += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in summary]
    at = lines.index("## Workload")
    return "\n".join(lines[:at] + table + [""] + lines[at:])


def _two_builds(data: dict, summary: list, title: str, intro: str, column: str,
                builds: tuple, winner: str, summary_label: str) -> list[str]:
    """Report section comparing the cell built two ways (tasks ``layout``, ``vectorize``)."""
    (slow_label, slow), (fast_label, fast) = builds
    gain = ratio_stats(data[f"{slow}_s"], data[f"{fast}_s"])
    summary.append((f"{summary_label}, {data['n']} cells", "(reported)",
                    f"{gain['median']:.2f}x", "-"))
    cell_steps = data["n"] * data["steps"]
    lines = [f"## {title}", "", f"The benchmark cell rerun on {data['n']} conditions "
             f"({data['duration_ms']:g} ms) {intro}, alternately in one process. Whole rerun, "
             "per-batch setup included.", "",
             f"| {column} | rerun (s) | per neuron-step (ns) |", "|---|---|---|"]
    for label, key in builds:
        t = stats(data[f"{key}_s"])
        lines.append(f"| {label} | {fmt(t)} | {t['median'] / cell_steps * 1e9:.0f} |")
    return lines + ["", f"**{winner}: {gain['median']:.2f}x faster** "
                    f"({gain['min']:.2f}-{gain['max']:.2f}); identical spike counts: "
                    f"{'yes' if data['spikes_equal'] else 'NO'}; largest difference of the final "
                    f"potential {data['v_end_max_diff_mV']:.1e} mV.", ""]


def _min_steps() -> int:
    from experiments.engine.compiled import STANDALONE_MIN_STEPS
    return STANDALONE_MIN_STEPS


def _best_neuron(nrn: dict) -> tuple[list[float], str]:
    """The fastest NEURON variant (by median): its times and a label."""
    options = [(v, f"network, {k} thread{'s' if k != '1' else ''}")
               for k, v in (nrn.get("threads_s") or {"1": nrn["network_s"]}).items() if v]
    if nrn.get("loop_s"):
        options.append((nrn["loop_s"], "loop"))
    return min(options, key=lambda o: stats(o[0])["median"])


def _programs(res: dict) -> list[str]:
    """The compiled programs of the run and their cold compile times."""
    progs = res.get("programs") or []
    if not progs:
        return []
    by_size: dict[tuple, dict] = {}
    for prog in progs:
        entry = by_size.setdefault((prog["size"], prog["folder"]), {"uses": [], "compile_s": None,
                                                                    "cached": prog["cached"]})
        entry["uses"].append(prog["use"] + ("" if prog["cores"] > 1 else ", 1 piece"))
        if prog["compile_s"] is not None:
            entry["compile_s"] = prog["compile_s"]
    lines = ["## Compiled programs", "",
             "Every program the run uses, compiled before the measurements (the `compiling` "
             "phase of a first run: code generation of Brian2's C++ standalone device and the "
             "C++ compilation, in a subprocess; `benchmarks/tasks.py: program`). The figures "
             "below are warm: the program is on disk, as from a user's second run of a shape "
             "on. A batch of n conditions runs in one piece per usable core, each "
             "`build_size(n / cores)` neurons (rounded up to one of 8 sizes per octave).", "",
             "| neurons per program | used by | cold compile (s) |", "|---|---|---|"]
    for (size, _), entry in sorted(by_size.items()):
        compile_s = (f"{entry['compile_s']:.1f}" if entry["compile_s"] is not None
                     else "already in the build cache")
        lines.append(f"| {size} | {'; '.join(entry['uses'])} | {compile_s} |")
    return lines + [""]


def _brian2_standalone(res: dict, summary: list) -> list[str]:
    """Section 4: Brian2's default C++ standalone build, the reference."""
    st, g = res.get("standalone", {}), res["growth"]
    if not st:
        return []
    lines = ["## 4. Brian2's default C++ standalone (reference)", "",
             "Brian2's own standalone build of the same network, compiled once "
             "(`set_device('cpp_standalone', build_on_run=False)`, Brian2's default flags, "
             "scalar loops, input trains in a SpikeGeneratorGroup fixed at build time), then the "
             "binary rerun with `device.run(run_args={group.Mg_o: ...})` "
             "(`benchmarks/standalone.py`), one process on one core. Neuron-steps per second = "
             "cells x steps / wall time. The engine: its program (vectorized, one piece per "
             "core), rerun and whole sweep.", "",
             "| cells | Brian2 compile (s) | Brian2 run (s) | engine rerun (s) | engine sweep (s) "
             "| Brian2 Msteps/s | engine rerun Msteps/s | engine / Brian2 time |",
             "|---|---|---|---|---|---|---|---|"]
    for n, s in sorted(st.items(), key=lambda kv: int(kv[0])):
        e = g.get(n) or res["peer"].get(n, {}).get("engine")
        if e is None:
            continue
        work = int(n) * s["steps"]
        run_s, rer = stats(s["run_s"]), stats(_engine_rerun(e))
        ratio = ratio_stats(_engine_rerun(e), s["run_s"])
        lines.append(f"| {n} | {s['build_compile_s']:.1f} | {fmt(run_s)} | {fmt(rer)} | "
                     f"{fmt(stats(e['full_s']))} | {work / run_s['median'] / 1e6:.1f} | "
                     f"{work / rer['median'] / 1e6:.1f} | {ratio['median']:.2f}x |")
    pair = res.get("paired")
    if pair and pair["ratios"]:
        r = stats(pair["ratios"])
        summary.append((f"engine time per step vs Brian2 default standalone, {pair['n']} cells "
                        "(paired runs)", "<= 1.5x", f"{r['median']:.2f}x",
                        "met" if r["median"] <= 1.5 else "NOT met"))
        lines += ["", f"Adjacent pairs at {pair['n']} cells, alternately in one task "
                  "(`benchmarks/tasks.py: paired`): the engine's rerun, then at once Brian2's "
                  "binary (`./main`), so that drift of a shared machine falls on both.", "",
                  "| pair | engine rerun (s) | Brian2 binary (s) | ratio |", "|---|---|---|---|"]
        for k, (a, b) in enumerate(zip(pair["engine_s"], pair["binary_s"])):
            lines.append(f"| {k + 1} | {a:.2f} | {b:.2f} | {a / b:.2f}x |")
        lines += ["", f"**At {pair['n']} cells the engine needs {r['median']:.2f}x the time of "
                  f"Brian2's default standalone binary** (median of the pair ratios; "
                  f"{r['min']:.2f}-{r['max']:.2f}); target within 1.5x: "
                  f"{'met' if r['median'] <= 1.5 else 'NOT met'}."]
    return lines + [""]


def _cores(res: dict, summary: list) -> list[str]:
    """Section 5: one sweep on one core vs on every usable core; --workers 2 vs 1."""
    c = res.get("cores")
    if not c:
        return []
    one, every = c["one"], c["all"]
    sp = ratio_stats(one["full_s"], every["full_s"])
    ok = sp["median"] >= 1.6
    summary.append((f"one sweep, {every['cores']} cores vs 1 core, {every['n']} conditions",
                    ">= 1.6x", f"{sp['median']:.2f}x", "met" if ok else "NOT met"))
    lines = [f"## 5. Cores: one sweep on {every['cores']} cores vs on one "
             f"({every['n']} conditions, {every['duration_ms']:g} ms each)", "",
             "The same sweep on the engine's default path, in its own process: restricted to "
             "one core (`os.sched_setaffinity(0, {0})` before anything is imported; the "
             "programs inherit it, so the batch runs as one piece) or unrestricted (one piece "
             "per core), repeats interleaved (one core, unrestricted, again ...).", "",
             "| process | whole sweep (s) | rerun (s) | CPU (s, median) | cores used (CPU / wall) |",
             "|---|---|---|---|---|"]
    for label, e in (("one core", one), (f"unrestricted ({every['cores']} cores)", every)):
        lines.append(f"| {label} | {fmt(stats(e['full_s']))} | {fmt(stats(_engine_rerun(e)))} | "
                     + _cpu_cells(e) + " |")
    rer = ratio_stats(_engine_rerun(one), _engine_rerun(every))
    lines += ["", f"**Speed-up on {every['cores']} cores: {sp['median']:.2f}x** "
              f"({sp['min']:.2f}-{sp['max']:.2f}; rerun {rer['median']:.2f}x); target >= 1.6x: "
              f"{'met' if ok else 'NOT met'}.", ""]
    w = res.get("workers")
    if w:
        ws = ratio_stats(w["one"]["full_s"], w["two"]["full_s"])
        summary.append(("--workers 2 vs one worker process on one core", ">= 1.6x",
                        f"{ws['median']:.2f}x", "met" if ws["median"] >= 1.6 else "NOT met"))
        lines += [f"`--workers 2` vs one worker process restricted to one core, {w['two']['n']} "
                  f"conditions in batches of {w['two']['batch_size']}: the same two cores used "
                  "through worker processes (each worker runs its batches, each in one piece "
                  "per usable core, so two workers run up to four programs at once; on one "
                  "core a batch is one piece):", "",
                  "| backend | wall (s) | batches | CPU (s, median) | cores used (CPU / wall) |",
                  "|---|---|---|---|---|"]
        for label, key in (("one worker process, one core", "one"),
                           ("two worker processes", "two")):
            e = w[key]
            lines.append(f"| {label} | {fmt(stats(e['full_s']))} | {e['batches']} | "
                         + _cpu_cells(e) + " |")
        lines += ["", f"**--workers 2: {ws['median']:.2f}x** ({ws['min']:.2f}-{ws['max']:.2f}); "
                  f"target >= 1.6x: {'met' if ws['median'] >= 1.6 else 'NOT met'}. "
                  + _start_note(w["two"]), ""]
    return lines


def _cpu_cells(e: dict) -> str:
    cpu = e.get("cpu_s") or []
    if not cpu:
        return "- | -"
    cpu_s, wall_s = statistics.median(cpu), statistics.median(e["full_s"])
    return f"{cpu_s:.2f} | {cpu_s / wall_s:.2f}"


def _memory(res: dict, summary: list) -> list[str]:
    """Section 6: peak memory of sweeps in fresh processes."""
    mem = res.get("memory") or {}
    if not mem:
        return []
    lines = ["## 6. Peak memory", "",
             "Each sweep in a fresh process (`benchmarks/tasks.py: engine`, `memory=True`). "
             "Peak RSS of the process (`getrusage(RUSAGE_SELF).ru_maxrss`: Python, numpy, "
             "Brian2, matplotlib imports, the plan, the inputs, the tables) and of its "
             "children (`RUSAGE_CHILDREN`: the largest child; Linux counts a child's size "
             "before its `exec`, which is this process's, so this is at least the process's "
             "own figure and says nothing about the programs). Therefore also sampled every "
             "20 ms from `/proc`: the largest peak (`VmHWM`) of one compiled program, and the "
             "largest sum of the resident sizes of the process and all its children at once "
             "(the programs of a batch run at the same time, one per core).", "",
             "| conditions | batches (size) | process peak (MB) | RUSAGE_CHILDREN (MB) "
             "| one program, peak (MB) | process + programs, sampled peak (MB) | wall (s) |",
             "|---|---|---|---|---|---|---|"]
    for n, e in sorted(mem.items(), key=lambda kv: int(kv[0])):
        lines.append(f"| {n} | {e['batches']} ({min(int(n), e['batch_size'])}) | "
                     f"{e['peak_rss_mb']:.0f} | {e['peak_children_mb']:.0f} | "
                     f"{e.get('program_peak_mb', 0):.0f} | {e.get('tree_peak_mb', 0):.0f} | "
                     f"{fmt(stats(e['full_s']))} |")
        summary.append((f"peak memory, {n} conditions (process; process + programs)",
                        "(reported)", f"{e['peak_rss_mb']:.0f} MB; "
                        f"{e.get('tree_peak_mb', 0):.0f} MB", "-"))
    return lines + [""]


def _per_step(res: dict, summary: list) -> list[str]:
    """Section 10: a one-condition sweep vs the step loop of the big program, per step."""
    ps = res.get("per_step")
    if not ps:
        return []
    steps, big = ps["steps"], ps["big"]
    single = stats(ps["single_s"])
    loop, wall = stats(ps["big_loop_s"]), stats(ps["big_wall_s"])
    ratio = ratio_stats(ps["single_s"], ps["big_loop_s"])
    ratio_wall = ratio_stats(ps["single_s"], ps["big_wall_s"])
    ok = ratio["median"] <= 3
    summary.append((f"single-cell sweep vs {big}-cell step loop, cost per step", "<= 3x",
                    f"{ratio['median']:.3f}x", "met" if ok else "NOT met"))
    return [f"## 10. One condition vs the {big}-cell step loop, per time step", "",
            f"A {ps['duration_ms']:g} ms sweep of one condition through the engine (whole "
            "sweep: plan, runner, program run, batch file, merge; warm, after one untimed "
            f"sweep) against one run of the program built for exactly {big} neurons (one "
            f"process, one core, {big} conditions' inputs; `benchmarks/tasks.py: per_step`). "
            f"Both take {steps} steps, so the ratio of wall times is the ratio per step.", "",
            "| run | wall (s) | per step (us) |", "|---|---|---|",
            f"| one condition, whole sweep | {fmt(single)} | {single['median'] / steps * 1e6:.1f} |",
            f"| {big}-cell program, step loop (its own `last_run_time`) | {fmt(loop)} | "
            f"{loop['median'] / steps * 1e6:.1f} |",
            f"| {big}-cell program, process (start, input files, loop, output files) | "
            f"{fmt(wall)} | {wall['median'] / steps * 1e6:.1f} |", "",
            f"**One condition costs {ratio['median']:.3f}x per step what the {big}-cell step "
            f"loop costs** ({ratio['min']:.3f}-{ratio['max']:.3f}; {ratio_wall['median']:.3f}x "
            f"against the whole program process); target <= 3x: {'met' if ok else 'NOT met'}.",
            ""]


def _dask(res: dict, summary: list) -> list[str]:
    """Section 11: a big sweep on a local Dask cluster."""
    dk = res.get("dask")
    if not dk:
        return []
    rate = dk["n"] / dk["wall_s"]
    summary.append((f"{dk['n']} conditions on a local Dask cluster of {dk['workers']} workers",
                    "(reported)", f"{dk['wall_s']:.0f} s, {rate:.0f} conditions/s", "-"))
    workers = ", ".join(f"{a:.0f}" for a in dk["worker_tree_peak_mb"])
    return [f"## 11. {dk['n']} conditions on a local Dask cluster", "",
            f"`distributed.LocalCluster(n_workers={dk['workers']}, threads_per_worker=1)`, then "
            f"`simulate(BenchCell, scheduler=ADDRESS, batch_size={dk['batch_size']}, "
            f"max_conditions={dk['n']}, ...)` (as `hypomag run ... --scheduler ADDRESS "
            f"--batch-size {dk['batch_size']} --max-conditions {dk['n']}`; "
            "`benchmarks/tasks.py: dask`). Each worker runs its batches one at a time, each "
            "batch in one piece per core of the machine, so on this machine up to "
            f"{2 * dk['workers']} programs run at once on the {res['machine'].get('usable_cores', '?')} "
            "cores.", "",
            "| | |", "|---|---|",
            f"| cluster start (s) | {dk['cluster_start_s']:.1f} |",
            f"| sweep wall time (s; connect, every batch, merge of {dk['rows']} rows) | "
            f"{dk['wall_s']:.1f} |",
            f"| conditions per second | {rate:.0f} |",
            f"| peak per worker, worker + its programs (MB, sampled) | {workers} |",
            "| peak per worker process alone (MB, `RUSAGE_SELF`) | "
            + ", ".join(f"{a:.0f}" for a in dk["worker_peak_mb"]) + " |",
            f"| peak of one program (MB) | {dk['program_peak_mb']:.0f} |",
            f"| peak of the whole tree: client, scheduler, workers, programs (MB, sampled) | "
            f"{dk['tree_peak_mb']:.0f} |",
            f"| peak of the client process (MB; plan, merged table) | {dk['client_peak_mb']:.0f} |",
            ""]


def _cost_model(res: dict) -> list[str]:
    """Per-step and per-neuron-step costs derived from the measurements."""
    ps, peer = res.get("per_step"), res["peer"]
    if not ps:
        return []
    steps = ps["steps"]
    out = ["## Where the time goes", ""]
    single = stats(ps["single_s"])["median"]
    per_neuron = stats(ps["big_loop_s"])["median"] / (ps["big"] * steps)
    out += [f"- Engine, whole sweep of one condition: **{single * 1e3:.0f} ms** (plan, "
            "runner, program start, input and output files, batch file, merge), "
            f"{single / steps * 1e6:.1f} us per step.",
            f"- Compiled program, step loop per neuron-step at {ps['big']} cells (one core): "
            f"**{per_neuron * 1e9:.0f} ns**."]
    nrn = [(int(n), p["neuron"]) for n, p in peer.items() if p["neuron"]["network_s"]]
    if nrn:
        n, p = max(nrn)
        best, label = _best_neuron(p)
        per_cell = stats(best)["median"] / (n * steps)
        out.append(f"- NEURON, best run at {n} cells ({label}), per cell-step including "
                   f"building the cells: **{per_cell * 1e9:.0f} ns**.")
        rt = peer[str(n)].get("runtime")
        if rt:
            out.append(f"- `path=runtime`, whole sweep of {n} conditions per neuron-step: "
                       f"**{stats(rt['full_s'])['median'] / (n * steps) * 1e9:.0f} ns**.")
    load = res["machine"].get("load_average", (0.0,))[0]
    if load > 0.5:
        out.append(f"- The machine was not idle at the start (1-min load average {load:.1f}, "
                   "see the header): absolute times are inflated, and the figures that use "
                   "both cores are capped by the cores other jobs use.")
    return out + [""]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    parser.add_argument("--tiny", action="store_true", help="smoke run at a tiny size")
    parser.add_argument("--out", type=Path, default=HERE,
                        help="folder for RESULTS.md and results.json (default: benchmarks/)")
    parser.add_argument("--build-cache", metavar="DIR",
                        help="build cache of the compiled programs (default: a new empty one for "
                             "the full suite, so compile times are cold; the user's for --tiny)")
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite RESULTS.md from the results.json in --out, no measurement")
    parser.add_argument("--fresh-only", action="store_true",
                        help="measure only the fresh-clone section (section 9) and write its "
                             "raw numbers to --out/fresh.json")
    args = parser.parse_args(argv)
    if args.fresh_only:
        data = fresh.measure(ROOT, tiny=args.tiny, log=lambda s: print(s, file=sys.stderr,
                                                                       flush=True))
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "fresh.json").write_text(json.dumps(data, indent=1) + "\n")
        print("\n".join(fresh.report_lines(data, [])))
        return 0
    if args.report_only:
        res = json.loads((args.out / "results.json").read_text())
    else:
        config = dict(TINY if args.tiny else FULL)
        if args.build_cache:
            config["build_cache"] = str(args.build_cache)
        res = run_suite(config, log=lambda s: print(s, file=sys.stderr, flush=True))
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "results.json").write_text(json.dumps(res, indent=1) + "\n")
    (args.out / "RESULTS.md").write_text(report(res) + "\n")
    print(f"wrote {args.out / 'RESULTS.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
