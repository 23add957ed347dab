"""The sweep engine every experiment runs on.

Design
------
* **Grid.** Every setting with more than one value is a sweep dimension.
  Dimensions combine as a product (in declaration order, the last varying
  fastest; ``seed`` last of all) or, for names given to ``zip_dims``
  (``--zip A,B``), in lock-step. Structural dimensions (a block form, a
  network size: values that change the equations) go outermost.
* **Batches.** The conditions are cut into batches of at most ``batch_size``;
  each batch is one Brian2 simulation with one neuron (or one network block)
  per condition. A run of conditions with equal structural values is split
  into batches of equal size (sizes differ by at most one), and structural
  values are never mixed in a batch. Without ``--batch-size`` a sweep on
  ``N`` parallel workers gets at least ``N`` batches.
* **Compile once, rerun.** :func:`run_batch` keeps the built simulation of
  the current (experiment, fixed values) in the process (``_RUNNERS``) and
  reruns it for later batches with new per-neuron values; a batch one or a
  few conditions smaller is padded with copies of its last condition (whose
  rows are dropped) rather than rebuilt. Brian2's Cython runtime caches each
  compiled code object on disk (``~/.cython/brian_extensions``), keyed by the
  generated code, so a new process (a worker, a rerun) loads it without
  compiling; object names are part of that code, so the engine collects
  garbage before building a replacement network to let Brian2 reuse names.
  After a build the engine freezes the garbage collector's view of what
  exists (``gc.freeze``): Brian2 collects garbage at the start of every run,
  and without the freeze that scan costs 0.1-0.2 s per run, a fifth of a
  100-condition batch of the benchmark cell.
* **Memory** is bounded by the batch: runners return summary rows, not
  traces, and each batch's rows go to disk as soon as it finishes.
* **Storage and resume.** Each finished batch is written atomically
  (temporary file + rename) to ``OUT/.partial-NAME-<fingerprint>/`` as
  ``rows-<first>-<end>.json`` (condition indices). The fingerprint covers the
  experiment, every setting value, the seed and the zipped names, not the
  batch layout: with ``resume=True`` every stored batch is kept, only the
  conditions no file covers are computed (in batches of the current layout,
  so ``--workers`` and ``--batch-size`` may change between runs), and the
  merged table, in condition order, is identical byte for byte to that of an
  uninterrupted run.
* **Backends.** :class:`SerialBackend` (in process), :class:`ProcessBackend`
  (``--workers N``: local processes, forked on Linux so that they start with
  Brian2 already imported, see :func:`worker_start_method`) and
  :class:`DaskBackend` (``--scheduler ADDRESS``: a Dask distributed
  scheduler) run the same :func:`run_batch`, so results are identical byte
  for byte. Brian2 is not thread safe, so :func:`run_batch` runs one batch at
  a time per process (a lock): give Dask workers one thread each (a worker
  process is one unit of parallelism). Local workers share the Cython cache: Brian2's
  ``prefs.codegen.runtime.cython.multiprocess_safe`` (True by default) takes
  a file lock per compiled module, so two workers needing the same code
  compile it once. Set ``HYPOMAG_CYTHON_CACHE=DIR`` (or Brian2's
  ``codegen.runtime.cython.cache_dir``) to move the cache, for example to a
  node-local disk on a cluster.
* **Common random numbers.** Runners seed every random draw of a condition
  from that condition's ``seed`` only (``numpy.random.default_rng(seed)``),
  so inputs and wiring do not depend on Mg, batch size, padding or worker
  count.
* **Progress.** A tqdm bar (conditions done, rate, ETA) on a terminal;
  silent when stderr is not a terminal or ``CI`` is set.

Why the Cython runtime and not C++ standalone
---------------------------------------------
Brian2 (>= 2.6) can also compile a whole simulation once in C++ standalone
mode and rerun the binary with new values (``device.run(run_args=...)``).
``benchmarks/`` measures both on the benchmark's single-cell sweep
(``models.neuron.PyramidalNeuron`` with Poisson input, 100 ms at 0.025 ms;
``benchmarks/RESULTS.md``, 2 cores). For 100 conditions standalone reruns a
built batch in 0.12 s against 0.46 s for the runtime (which pays, per run, a
fixed cost for Brian2's code-object setup and, per time step, about 40-90 us
of Python and code-object calls: cProfile of a one-cell run, and the
benchmark's fixed cost per step), but its build compiles for 13 s against
under 1 s, so a first sweep takes 13 s in standalone and 0.8 s in the engine,
and standalone pays off only after about 40 batches on the same binary. At
10^4 conditions per batch the runtime, with its rate loop vectorized
(:mod:`experiments.codegen`), needs 0.69-0.83x the time per step of Brian2's
default (scalar) standalone build in adjacent pairs (7.4-8.9 s vs 10.7-11.3
s); the scalar runtime needed 1.3-1.8x. Standalone is not the engine's mode
also because ``run_args`` can change group variables and TimedArrays but not a
SpikeGeneratorGroup's spikes (per-condition input trains would need dense
time-by-neuron arrays: memory grows with batch size times steps), the device
is process-global (no runtime Brian2 code, no store/restore in the same
process), experiments could no longer run Python between segments of a
simulation, and every new model or batch size recompiles the project. The
runtime's per-step cost is amortised by batching: by default one batch holds
the whole sweep (up to the experiment's ``batch_size``).

The progress bar advances per finished batch, so a sweep that is one batch
shows no ETA until it ends; ``--batch-size`` trades a little speed for a
finer bar.
"""
from __future__ import annotations

import gc
import hashlib
import importlib
import itertools
import json
import math
import os
import shutil
import sys
import threading
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

from .framework import Experiment
from .settings import UsageError
from .table import Table, atomic_write_text

MAIN = "main"


class SweepError(RuntimeError):
    """A batch failed; the message names its conditions. Finished batches are kept."""


@dataclass
class Plan:
    """A sweep laid out: conditions, fixed values and batches.

    ``batch_size`` is the most conditions per simulation; ``explicit_batch``
    says whether the user chose it (otherwise the engine may lower it so that
    every parallel worker gets a batch).
    """

    experiment: Experiment
    values: dict[str, tuple]
    seed: int
    dims: list[str]
    conditions: list[dict[str, Any]]
    fixed: dict[str, Any]
    batch_size: int
    zip_dims: tuple[str, ...] = ()
    fingerprint: str = ""
    columns: list[str] = field(default_factory=list)
    explicit_batch: bool = False

    @property
    def structural(self) -> list[str]:
        """The swept dimensions that change the model's equations."""
        settings = self.experiment.all_settings()
        return [n for n in self.dims if n in settings and settings[n].structural]

    def runs(self) -> list[tuple[int, int]]:
        """``(start, end)`` of each run of conditions with equal structural values."""
        structural = self.structural
        out, start = [], 0
        for k in range(1, len(self.conditions) + 1):
            if k == len(self.conditions) or any(
                    self.conditions[k][n] != self.conditions[start][n] for n in structural):
                out.append((start, k))
                start = k
        return out

    def split(self, ranges: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
        """Cut index ranges at structural boundaries, then into equal batches <= batch_size."""
        out = []
        for run_start, run_end in self.runs():
            for start, end in ranges:
                lo, hi = max(start, run_start), min(end, run_end)
                if lo >= hi:
                    continue
                count = math.ceil((hi - lo) / self.batch_size)
                base, extra = divmod(hi - lo, count)
                for j in range(count):  # larger batches first: later ones are padded
                    size = base + (j < extra)
                    out.append((lo, lo + size))
                    lo += size
        return sorted(out)

    def layout(self) -> list[tuple[int, int]]:
        """``(start, end)`` condition indices of every batch, in table order."""
        return self.split([(0, len(self.conditions))])

    def batch_fixed(self, start: int) -> dict[str, Any]:
        """The fixed values of the batch starting at condition ``start``."""
        fixed = dict(self.fixed)
        fixed.update({n: self.conditions[start][n] for n in self.structural})
        return fixed

    @property
    def batches(self) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
        """(fixed values, conditions) of each batch, in table order."""
        return [(self.batch_fixed(a), self.conditions[a:b]) for a, b in self.layout()]

    def rebatch(self, size: int) -> None:
        """Use at most ``size`` conditions per batch (the fingerprint does not change)."""
        if size < 1:
            raise UsageError(f"--batch-size {size}: allowed: whole numbers >= 1")
        self.batch_size = int(size)

    def describe(self, condition: Mapping[str, Any]) -> str:
        """Human-readable condition, e.g. ``mg_o_mM=0.1 seed=3``."""
        settings = self.experiment.all_settings()
        parts = []
        for name in self.dims:
            col = settings[name].column_name if name in settings else name
            parts.append(f"{col}={condition[name]:g}" if isinstance(condition[name], (int, float))
                         else f"{col}={condition[name]}")
        return " ".join(parts) or "(single condition)"


def make_plan(experiment: Experiment, values: Mapping[str, tuple], seed: int,
              zip_dims: Sequence[str] = (), batch_size: int | None = None) -> Plan:
    """Lay out the grid of conditions of ``experiment`` for resolved ``values``."""
    settings = experiment.all_settings()
    values = dict(values)
    if experiment.stochastic:
        replicates = int(values["replicates"][0])
        values["seed"] = tuple(seed + r for r in range(replicates))
    order = [n for n in settings if len(values[n]) > 1 and settings[n].structural]
    order += [n for n in settings if len(values[n]) > 1 and not settings[n].structural]
    if experiment.stochastic:
        order.append("seed")
    zip_dims = tuple(zip_dims)
    for name in zip_dims:
        if name not in values:
            raise UsageError(f"--zip {name}: not a parameter of {experiment.name}")
        if len(values[name]) != len(values[zip_dims[0]]):
            raise UsageError(f"--zip {','.join(zip_dims)}: zipped parameters need the same "
                             f"number of values, not {', '.join(str(len(values[z])) for z in zip_dims)}")
    groups: list[list[str]] = []
    for name in order:
        if name not in zip_dims:
            groups.append([name])
        elif name == zip_dims[0]:  # the zipped group sits where its first name is
            groups.append(list(zip_dims))
    axes = []
    for group in groups:
        axes.append([dict(zip(group, combo)) for combo in zip(*(values[n] for n in group))])
    conditions = [{k: v for part in parts for k, v in part.items()} for parts in itertools.product(*axes)]
    dims = [n for group in groups for n in group]
    fixed = {n: v[0] for n, v in values.items() if n not in dims}
    experiment.validate(values)
    explicit = batch_size is not None
    size = int(batch_size or experiment.batch_size)
    if size < 1:
        raise UsageError(f"--batch-size {size}: allowed: whole numbers >= 1")
    key = json.dumps({"experiment": experiment_spec(experiment),
                      "values": {k: list(v) for k, v in sorted(values.items())},
                      "seed": seed, "zip": list(zip_dims)}, sort_keys=True, default=str)
    fingerprint = hashlib.sha256(key.encode()).hexdigest()[:16]
    columns = [settings[n].column_name for n in settings
               if n in dims or settings[n].column]
    if experiment.stochastic:
        columns.append("seed")
    return Plan(experiment, values, seed, dims, conditions, fixed, size, zip_dims,
                fingerprint, columns, explicit)


def _lead_columns(plan: Plan) -> list[tuple[str, str]]:
    """(column, setting name) of the leading columns, in order."""
    settings = plan.experiment.all_settings()
    out = [(s.column_name, name) for name, s in settings.items() if name in plan.dims or s.column]
    if plan.experiment.stochastic:
        out.append(("seed", "seed"))
    return out


def condition_columns(plan: Plan, condition: Mapping[str, Any],
                      lead: Sequence[tuple[str, str]] | None = None) -> dict[str, Any]:
    """The leading columns of a result row: swept and column settings with units."""
    return {column: condition.get(name, plan.fixed.get(name))
            for column, name in (lead if lead is not None else _lead_columns(plan))}


# -- the batch function every backend runs --------------------------------------

def experiment_spec(experiment: Experiment | type) -> str:
    """How a worker finds the experiment: its registered name, else ``module:Class``.

    Experiments outside the ``experiments`` package (a benchmark workload, a
    test-only experiment) are found by import path, so they run on every
    backend as long as their module is importable in the worker.
    """
    cls = experiment if isinstance(experiment, type) else type(experiment)
    module = cls.__module__
    if (cls.name and module.startswith(f"{__package__}.")
            and module.rpartition(".")[2] not in _framework_modules()):
        return cls.name  # registered by experiments.experiments()
    return f"{module}:{cls.__qualname__}"


def _framework_modules() -> set[str]:
    from . import _FRAMEWORK
    return _FRAMEWORK


def resolve_experiment(spec: str) -> type:
    """The experiment class of a spec from :func:`experiment_spec`."""
    if ":" in spec:
        module, _, qualname = spec.partition(":")
        obj: Any = importlib.import_module(module)
        for part in qualname.split("."):
            obj = getattr(obj, part)
        return obj
    try:  # by convention experiment NAME lives in experiments/NAME.py: import only that
        module = importlib.import_module(f"{__package__}.{spec}")
    except (ImportError, ValueError):
        module = None
    for obj in vars(module).values() if module is not None else ():
        if isinstance(obj, type) and issubclass(obj, Experiment) and obj.name == spec:
            return obj
    from . import get_experiment
    return get_experiment(spec)


#: The simulation built in this process: (spec, fixed) -> (size, runner).
_RUNNERS: dict[tuple, tuple[int, Any]] = {}
_LOCK = threading.RLock()


def configure_brian(target: str | None = None) -> None:
    """Set Brian2's code generation target and the Cython cache folder.

    The default, ``"cython"``, is Brian2's Cython runtime compiled so that
    loops over neurons vectorize (:mod:`experiments.codegen`); any other
    Brian2 target name (``HYPOMAG_TARGET``, e.g. ``numpy``) is used as given.
    """
    from brian2 import prefs
    target = target or os.environ.get("HYPOMAG_TARGET", "cython")
    if target == "cython":
        from .codegen import install
        target = install()
    prefs.codegen.target = target
    prefs.logging.file_log = False
    prefs.logging.delete_log_on_exit = True
    cache = os.environ.get("HYPOMAG_CYTHON_CACHE")
    if cache:
        prefs.codegen.runtime.cython.cache_dir = cache


def _padding_fits(size: int, wanted: int) -> bool:
    """Whether a simulation of ``size`` may run ``wanted`` conditions padded (no rebuild)."""
    return wanted <= size <= wanted + max(1, wanted // 4)


def run_batch(experiment_name: str, fixed: Mapping[str, Any],
              conditions: Sequence[Mapping[str, Any]], target: str | None = None) -> list[list[dict]]:
    """Run one batch of conditions of an experiment; return rows per condition.

    ``experiment_name`` is a registered name or ``module:Class``. The built
    simulation is kept per process for this experiment and these fixed values
    and rerun for later batches; a batch slightly smaller than it is padded
    with copies of its last condition instead of rebuilt.
    """
    with _LOCK:  # Brian2 is not thread safe: one batch at a time per process
        configure_brian(target)
        conditions = list(conditions)
        if not conditions:
            return []
        key = (experiment_name, json.dumps(fixed, sort_keys=True, default=str))
        cached = _RUNNERS.get(key)
        if cached is None or not _padding_fits(cached[0], len(conditions)):
            # one simulation per process: memory bounded by the batch. Collect the
            # old one first so Brian2 can reuse its object names (same code, no compile).
            _RUNNERS.clear()
            cached = None
            gc.unfreeze()
            gc.collect()
            experiment = resolve_experiment(experiment_name)()
            cached = (len(conditions), experiment.build(len(conditions), fixed))
            _RUNNERS[key] = cached
            # Brian2 runs a full garbage collection at the start of every run (0.1-0.2 s
            # in a process holding Brian2, sympy and matplotlib); frozen objects (what
            # exists now: modules and the built network) are not scanned again
            gc.collect()
            gc.freeze()
        size, runner = cached
        padded = conditions + [conditions[-1]] * (size - len(conditions))
        rows = runner(padded)
        if len(rows) != len(padded):
            raise RuntimeError(f"{experiment_name}: runner returned {len(rows)} results "
                               f"for {len(padded)} conditions")
        return rows[:len(conditions)]


# -- backends ---------------------------------------------------------------------

class SerialBackend:
    """Run batches one after another in this process."""

    name = "serial"
    #: How many batches run at the same time.
    parallelism = 1

    def __init__(self, target: str | None = None):
        self.target = target

    def submit_all(self, experiment_name, batches: dict[Any, tuple]) -> Iterator[tuple[Any, Any]]:
        """Yield ``(key, rows or exception)`` for every batch, as they finish."""
        for index, (fixed, conditions) in batches.items():
            try:
                yield index, run_batch(experiment_name, fixed, conditions, self.target)
            except KeyboardInterrupt:
                raise
            except Exception as exc:  # reported with the batch's conditions
                yield index, exc

    def close(self):
        pass


def worker_start_method() -> str:
    """How :class:`ProcessBackend` starts its workers: ``"fork"`` or ``"spawn"``.

    ``fork`` on Linux when this process runs no other thread: a forked worker
    starts in milliseconds with Brian2 already imported, where a spawned one
    spends about 3 s on a fresh interpreter and Brian2's import before its
    first batch (``benchmarks/``, section 5). Forking a process that runs
    other threads may copy a lock held by one of them, so such processes
    (and macOS and Windows, where ``fork`` is unsafe or missing) use ``spawn``.
    ``HYPOMAG_START_METHOD=spawn`` (or ``fork``) overrides the choice.
    """
    import multiprocessing
    chosen = os.environ.get("HYPOMAG_START_METHOD")
    if chosen:
        if chosen not in ("fork", "spawn"):
            raise UsageError(f"HYPOMAG_START_METHOD={chosen!r}: allowed: fork, spawn")
        return chosen
    if (sys.platform.startswith("linux") and threading.active_count() == 1
            and "fork" in multiprocessing.get_all_start_methods()):
        return "fork"
    return "spawn"


def _worker_started() -> None:
    """Initializer of a worker process: no simulation inherited from the parent."""
    _RUNNERS.clear()


class ProcessBackend(SerialBackend):
    """Run batches in ``workers`` local processes (``--workers N``).

    The processes start at once (:func:`worker_start_method` says how); each
    builds and keeps its own simulation and shares the on-disk Cython cache.
    """

    name = "processes"

    def __init__(self, workers: int, target: str | None = None, start_method: str | None = None):
        import concurrent.futures
        import multiprocessing
        super().__init__(target)
        self.workers = self.parallelism = workers
        self.start_method = start_method or worker_start_method()
        if self.start_method == "fork":
            configure_brian(target)  # imports Brian2 here, once, for every worker
        self.pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context(self.start_method),
            initializer=_worker_started)
        if self.start_method == "fork":
            # a first task forks every worker now, while this process has one thread
            self.pool.submit(int).result()

    def submit_all(self, experiment_name, batches):
        import concurrent.futures
        futures = {self.pool.submit(run_batch, experiment_name, fixed, conditions, self.target): index
                   for index, (fixed, conditions) in batches.items()}
        try:
            for future in concurrent.futures.as_completed(futures):
                exc = future.exception()
                yield futures[future], exc if exc is not None else future.result()
        finally:
            for future in futures:
                future.cancel()

    def close(self):
        self.pool.shutdown(wait=True, cancel_futures=True)


class DaskBackend(SerialBackend):
    """Run batches on a Dask distributed cluster (``--scheduler ADDRESS``).

    Needs the optional extra ``hypomag[cluster]``; workers must have hypomag
    installed. Any scheduler works (``distributed.LocalCluster``,
    ``dask-jobqueue`` on SLURM, ...). ``address`` may also be a
    ``distributed.Client``, which is then left open on :meth:`close`.
    """

    name = "dask"

    def __init__(self, address, target: str | None = None):
        super().__init__(target)
        try:
            from distributed import Client
        except ImportError:
            raise UsageError("--scheduler needs Dask distributed: pip install 'hypomag[cluster]'") from None
        if isinstance(address, Client):
            self.client, self._own = address, False
        else:
            try:
                self.client, self._own = Client(address, timeout="10s"), True
            except Exception as exc:
                raise UsageError(f"--scheduler {address}: cannot connect ({exc})") from None
        try:  # batches in one worker process run one at a time (run_batch holds a lock)
            self.parallelism = max(1, len(self.client.nthreads()))
        except Exception:
            self.parallelism = 1

    def submit_all(self, experiment_name, batches):
        from distributed import as_completed
        futures = {self.client.submit(run_batch, experiment_name, fixed, conditions, self.target,
                                      pure=False): index
                   for index, (fixed, conditions) in batches.items()}
        try:
            for future in as_completed(list(futures)):
                index = futures[future]
                if future.status == "error":
                    yield index, future.exception()
                else:
                    yield index, future.result()
        finally:
            for future in futures:
                future.cancel()

    def close(self):
        if self._own:
            self.client.close()


def make_backend(workers: int = 1, scheduler: str | None = None, target: str | None = None):
    """The backend for ``--workers`` and ``--scheduler``."""
    if scheduler:
        return DaskBackend(scheduler, target)
    if workers > 1:
        return ProcessBackend(workers, target)
    return SerialBackend(target)


# -- running a plan -----------------------------------------------------------------

def root_cause(exc: BaseException) -> BaseException:
    """The innermost cause of a chained exception (Brian2 wraps the real error)."""
    seen = set()
    while (exc.__cause__ or exc.__context__) is not None and id(exc) not in seen:
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return exc


def partial_dir(plan: Plan, out: Path) -> Path:
    """The folder holding the finished batches of ``plan`` in ``out``."""
    return Path(out) / f".partial-{plan.experiment.name}-{plan.fingerprint}"


def sweep_lock(plan: Plan, out: Path) -> Path:
    """The lock file of ``plan``'s partial folder (see :mod:`experiments.locking`)."""
    folder = partial_dir(plan, out)
    return folder.with_name(folder.name + ".lock")


def _batch_file(folder: Path, start: int, end: int) -> Path:
    return folder / f"rows-{start:09d}-{end:09d}.json"


def stored_batches(folder: Path, total: int) -> list[tuple[int, int]]:
    """Non-overlapping ``(start, end)`` ranges of the batch files in ``folder``.

    Files left by runs with another layout may overlap; the earliest-starting,
    longest file wins and overlapping ones are ignored. Unfinished temporary
    files are removed.
    """
    found = []
    if not folder.is_dir():
        return []
    for path in folder.iterdir():
        if path.name.endswith(".tmp"):
            path.unlink(missing_ok=True)
            continue
        parts = path.stem.split("-")
        if len(parts) == 3 and parts[0] == "rows" and parts[1].isdigit() and parts[2].isdigit():
            start, end = int(parts[1]), int(parts[2])
            if 0 <= start < end <= total:
                found.append((start, end))
    chosen, reach = [], 0
    for start, end in sorted(found, key=lambda r: (r[0], -r[1])):
        if start >= reach:
            chosen.append((start, end))
            reach = end
    return chosen


def _gaps(covered: Sequence[tuple[int, int]], total: int) -> list[tuple[int, int]]:
    gaps, at = [], 0
    for start, end in covered:
        if start > at:
            gaps.append((at, start))
        at = max(at, end)
    if at < total:
        gaps.append((at, total))
    return gaps


def _progress(total: int, description: str):
    from tqdm import tqdm

    class Bar(tqdm):
        monitor_interval = 0  # no monitor thread: workers forked later stay safe

    quiet = (not sys.stderr.isatty() or bool(os.environ.get("CI"))
             or os.environ.get("TERM") == "dumb")
    return Bar(total=total, desc=description, unit="cond", disable=quiet, leave=False,
                dynamic_ncols=True, smoothing=0.1)


#: Key prefix, in a batch file, of a side table of run-level rows (``"_once": True``).
ONCE = "once:"


def _batch_tables(plan: Plan, conditions: Sequence[Mapping[str, Any]],
                  result: Sequence[Sequence[Mapping[str, Any]]],
                  lead_columns: Sequence[tuple[str, str]]) -> dict[str, list[dict]]:
    """The rows of one finished batch, by table, as its batch file stores them.

    A row goes to the table its ``"_table"`` names (default: the main one),
    after the leading columns of its condition. A row with ``"_once": True``
    describes the run, not its condition (a lookup table computed from the
    fixed settings): it gets no leading columns and is stored under
    ``ONCE + table``; every batch emits it, and the merge keeps one copy, so
    the table does not depend on the number of batches.
    """
    tables: dict[str, list] = {}
    for condition, rows in zip(conditions, result):
        lead = condition_columns(plan, condition, lead_columns)
        for row in rows:
            row = dict(row)
            name = row.pop("_table", MAIN)
            if row.pop("_once", False):
                tables.setdefault(ONCE + name, []).append(row)
            else:
                tables.setdefault(name, []).append({**lead, **row})
    return tables


def execute(plan: Plan, out: Path, backend=None, resume: bool = False,
            progress: bool = True) -> dict[str, Table]:
    """Run every batch of ``plan`` (skipping finished ones with ``resume``); merge tables.

    Finished batches are written to the partial folder as they complete
    (:func:`finish` removes it after a complete run). A failing batch does
    not stop the others: when all have run, :class:`SweepError` names the
    conditions of the failed batches; the finished ones are kept for
    ``--resume``.
    """
    backend = backend or SerialBackend()
    total = len(plan.conditions)
    parallel = int(getattr(backend, "parallelism", 1) or 1)
    if not plan.explicit_batch and parallel > 1 and total > 1:
        plan.rebatch(min(plan.batch_size, math.ceil(total / parallel)))
    folder = partial_dir(plan, out)
    if folder.exists() and not resume:
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    covered = stored_batches(folder, total)
    todo_ranges = plan.split(_gaps(covered, total))
    spec = experiment_spec(plan.experiment)
    todo = {(a, b): (plan.batch_fixed(a), plan.conditions[a:b]) for a, b in todo_ranges}
    n_batches = len(covered) + len(todo)
    lead_columns = _lead_columns(plan)
    failures: list[str] = []
    bar = _progress(total, plan.experiment.name) if progress else None
    if bar is not None:
        bar.update(sum(b - a for a, b in covered))
    try:
        for (start, end), result in backend.submit_all(spec, todo):
            conditions = plan.conditions[start:end]
            if isinstance(result, BaseException):
                result = root_cause(result)
                where = "; ".join(plan.describe(c) for c in conditions[:5])
                more = f" and {len(conditions) - 5} more" if len(conditions) > 5 else ""
                message = str(result).splitlines()[0] if str(result) else ""
                failures.append(f"batch of conditions {start + 1}-{end} of {total} ({where}{more}) "
                                f"failed: {type(result).__name__}: {message}")
                if os.environ.get("HYPOMAG_DEBUG"):
                    traceback.print_exception(result)
                continue
            atomic_write_text(_batch_file(folder, start, end),
                              json.dumps(_batch_tables(plan, conditions, result, lead_columns)))
            covered.append((start, end))
            if bar is not None:
                bar.update(len(conditions))
    finally:
        if bar is not None:
            bar.close()
    if failures:
        kept = n_batches - len(failures)
        raise SweepError(f"{failures[0]}" + (f" (+{len(failures) - 1} more failed batches)"
                                             if len(failures) > 1 else "")
                         + f"; {kept} finished batches kept in {folder}, rerun with --resume")
    merged: dict[str, list] = {}
    seen_once: set[str] = set()
    for start, end in sorted(covered):
        stored = json.loads(_batch_file(folder, start, end).read_text())
        for name, rows in stored.items():
            if name.startswith(ONCE):  # run-level rows: every batch repeats them, keep one copy
                name, text = name[len(ONCE):], json.dumps([name, rows])
                if text in seen_once:
                    continue
                seen_once.add(text)
            merged.setdefault(name, []).extend(rows)
    merged.setdefault(MAIN, [])
    tables = {}
    for name, rows in merged.items():
        table = Table(rows)
        if name == MAIN:
            rest = [c for c in table.columns if c not in plan.columns]
            table = Table(rows, plan.columns + rest)
        tables[name] = table
    return tables


def finish(plan: Plan, out: Path) -> None:
    """Remove the partial folder of a completed run."""
    shutil.rmtree(partial_dir(plan, out), ignore_errors=True)
