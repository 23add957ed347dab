"""The sweep engine every experiment runs on.

Design
------
* **Grid.** Every setting with more than one value is a sweep dimension.
  Dimensions combine as a product (in declaration order, the last varying
  fastest; ``seed`` last of all) or, for names given to ``zip_dims``, in
  lock-step.
* **Batches.** The conditions are cut into batches of at most
  ``batch_size``; each batch is one Brian2 simulation with one neuron (or one
  network block) per condition. The simulation is built once per process and
  batch size and rerun for later batches with new per-neuron values; Brian2's
  Cython runtime compiles each code object once and caches it on disk, so a
  rerun costs no compilation. Memory is bounded by the batch: runners return
  summary rows, not traces.
* **Storage and resume.** Each finished batch is written atomically to a
  hidden folder ``.partial-NAME-<fingerprint>`` in the output folder. With
  ``resume=True`` the batches found there are kept and only missing ones are
  computed; the merged table is identical to an uninterrupted run. The
  fingerprint covers every setting, the seed and the batch layout.
* **Backends.** :class:`SerialBackend` (in process), :class:`ProcessBackend`
  (``--workers N`` local processes) and :class:`DaskBackend`
  (``--scheduler ADDRESS``, a Dask distributed scheduler) run the same batch
  function, so results are identical byte for byte.
* **Common random numbers.** Runners seed every random draw of a condition
  from that condition's ``seed`` only, so inputs and wiring do not depend on
  Mg, batch size or worker count.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import os
import shutil
import sys
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
    """A sweep laid out: conditions, fixed values and batches."""

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

    @property
    def batches(self) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
        """(fixed values, conditions) of each batch, in table order.

        Conditions are cut into runs of equal structural values (which join
        the batch's fixed values), then into chunks of at most ``batch_size``.
        """
        structural = [n for n in self.dims if self.experiment.all_settings().get(n) is not None
                      and self.experiment.all_settings()[n].structural]
        out = []
        run: list[dict[str, Any]] = []
        for condition in self.conditions + [None]:
            key = None if condition is None else tuple(condition[n] for n in structural)
            if run and (condition is None or key != tuple(run[0][n] for n in structural)
                        or len(run) == self.batch_size):
                fixed = dict(self.fixed)
                fixed.update({n: run[0][n] for n in structural})
                out.append((fixed, run))
                run = []
            if condition is not None:
                run.append(condition)
        return out

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
        if name in zip_dims:
            if zip_dims[0] == name:
                groups.append(list(zip_dims))
            elif name in zip_dims[1:] and len(values[name]) == 1:
                continue
        else:
            groups.append([name])
    axes = []
    for group in groups:
        axes.append([dict(zip(group, combo)) for combo in zip(*(values[n] for n in group))])
    conditions = [{k: v for part in parts for k, v in part.items()} for parts in itertools.product(*axes)]
    dims = [n for group in groups for n in group]
    fixed = {n: v[0] for n, v in values.items() if n not in dims}
    experiment.validate(values)
    size = int(batch_size or experiment.batch_size)
    if size < 1:
        raise UsageError(f"--batch-size {size}: allowed: whole numbers >= 1")
    key = json.dumps({"experiment": experiment.name, "values": {k: list(v) for k, v in sorted(values.items())},
                      "seed": seed, "zip": list(zip_dims), "batch_size": size}, sort_keys=True)
    fingerprint = hashlib.sha256(key.encode()).hexdigest()[:16]
    columns = [settings[n].column_name for n in settings
               if n in dims or settings[n].column]
    if experiment.stochastic:
        columns.append("seed")
    return Plan(experiment, values, seed, dims, conditions, fixed, size, zip_dims,
                fingerprint, columns)


def condition_columns(plan: Plan, condition: Mapping[str, Any]) -> dict[str, Any]:
    """The leading columns of a result row: swept and column settings with units."""
    settings = plan.experiment.all_settings()
    out = {}
    for name, setting in settings.items():
        if name in plan.dims or setting.column:
            out[setting.column_name] = condition.get(name, plan.fixed.get(name))
    if plan.experiment.stochastic:
        out["seed"] = condition["seed"]
    return out


# -- the batch function every backend runs --------------------------------------

_RUNNERS: dict[tuple, Any] = {}


def configure_brian(target: str | None = None) -> None:
    """Set Brian2's code generation target (default: Cython, numpy if unavailable)."""
    from brian2 import prefs
    target = target or os.environ.get("HYPOMAG_TARGET", "cython")
    prefs.codegen.target = target
    prefs.logging.file_log = False
    prefs.logging.delete_log_on_exit = True


def run_batch(experiment_name: str, fixed: Mapping[str, Any],
              conditions: Sequence[Mapping[str, Any]], target: str | None = None) -> list[list[dict]]:
    """Run one batch of conditions of a registered experiment; return rows per condition.

    The built simulation is cached per process, experiment, fixed values and
    batch size, so later batches rerun it without rebuilding or recompiling.
    """
    from . import get_experiment
    configure_brian(target)
    key = (experiment_name, json.dumps(fixed, sort_keys=True, default=str), len(conditions))
    runner = _RUNNERS.get(key)
    if runner is None:
        experiment = get_experiment(experiment_name)()
        runner = experiment.build(len(conditions), fixed)
        _RUNNERS.clear()  # keep one simulation per process: memory bounded by the batch
        _RUNNERS[key] = runner
    rows = runner(list(conditions))
    if len(rows) != len(conditions):
        raise RuntimeError(f"{experiment_name}: runner returned {len(rows)} results "
                           f"for {len(conditions)} conditions")
    return rows


# -- backends ---------------------------------------------------------------------

class SerialBackend:
    """Run batches one after another in this process."""

    name = "serial"

    def __init__(self, target: str | None = None):
        self.target = target

    def submit_all(self, experiment_name, batches: dict[int, tuple]) -> Iterator[tuple[int, Any]]:
        for index, (fixed, conditions) in batches.items():
            try:
                yield index, run_batch(experiment_name, fixed, conditions, self.target)
            except KeyboardInterrupt:
                raise
            except Exception as exc:  # reported with the batch's conditions
                yield index, exc

    def close(self):
        pass


class ProcessBackend(SerialBackend):
    """Run batches in ``workers`` local processes (``--workers N``)."""

    name = "processes"

    def __init__(self, workers: int, target: str | None = None):
        import concurrent.futures
        import multiprocessing
        super().__init__(target)
        self.workers = workers
        self.pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn"))

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
    ``dask-jobqueue`` on SLURM, ...).
    """

    name = "dask"

    def __init__(self, address, target: str | None = None):
        super().__init__(target)
        try:
            from distributed import Client
        except ImportError:
            raise UsageError("--scheduler needs Dask distributed: pip install 'hypomag[cluster]'") from None
        try:
            self.client = Client(address, timeout="10s")
        except Exception as exc:
            raise UsageError(f"--scheduler {address}: cannot connect ({exc})") from None

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
    return Path(out) / f".partial-{plan.experiment.name}-{plan.fingerprint}"


def _progress(total: int, description: str):
    from tqdm import tqdm
    quiet = not sys.stderr.isatty() or bool(os.environ.get("CI"))
    return tqdm(total=total, desc=description, unit="cond", disable=quiet, leave=False,
                dynamic_ncols=True)


def execute(plan: Plan, out: Path, backend=None, resume: bool = False,
            progress: bool = True) -> dict[str, Table]:
    """Run every batch of ``plan`` (skipping finished ones with ``resume``); merge tables.

    Finished batches are written to the partial folder as they complete; the
    folder is removed after a complete run. A failing batch does not stop the
    others: when all have run, :class:`SweepError` names the failed conditions.
    """
    backend = backend or SerialBackend()
    folder = partial_dir(plan, out)
    if folder.exists() and not resume:
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    batches = plan.batches
    done = {i for i in range(len(batches)) if (folder / f"batch-{i:06d}.json").exists()}
    todo = {i: batches[i] for i in range(len(batches)) if i not in done}
    failures: list[str] = []
    bar = _progress(len(plan.conditions), plan.experiment.name) if progress else None
    if bar is not None:
        bar.update(sum(len(batches[i][1]) for i in done))
    try:
        for index, result in backend.submit_all(plan.experiment.name, todo):
            conditions = batches[index][1]
            if isinstance(result, BaseException):
                result = root_cause(result)
                where = "; ".join(plan.describe(c) for c in conditions[:5])
                more = f" and {len(conditions) - 5} more" if len(conditions) > 5 else ""
                failures.append(f"batch {index + 1}/{len(batches)} ({where}{more}) failed: "
                                f"{type(result).__name__}: {str(result).splitlines()[0] if str(result) else ''}")
                if os.environ.get("HYPOMAG_DEBUG"):
                    traceback.print_exception(result)
                continue
            tables: dict[str, list] = {}
            for condition, rows in zip(conditions, result):
                lead = condition_columns(plan, condition)
                for row in rows:
                    row = dict(row)
                    tables.setdefault(row.pop("_table", MAIN), []).append({**lead, **row})
            atomic_write_text(folder / f"batch-{index:06d}.json", json.dumps(tables))
            if bar is not None:
                bar.update(len(conditions))
    finally:
        if bar is not None:
            bar.close()
    if failures:
        kept = len(batches) - len(failures)
        raise SweepError(f"{failures[0]}" + (f" (+{len(failures) - 1} more failed batches)"
                                             if len(failures) > 1 else "")
                         + f"; {kept} finished batches kept in {folder}, rerun with --resume")
    merged: dict[str, list] = {}
    for i in range(len(batches)):
        stored = json.loads((folder / f"batch-{i:06d}.json").read_text())
        for name, rows in stored.items():
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
