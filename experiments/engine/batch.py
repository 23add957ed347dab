"""The function every backend runs: one batch of conditions in this process.

:func:`run_batch` keeps the built simulation of the current (experiment,
fixed values) in the process and reruns it for later batches with new
per-neuron values; a batch one or a few conditions smaller is padded with
copies of its last condition (whose rows are dropped) rather than rebuilt.
Brian2's Cython runtime caches each compiled code object on disk, keyed by
the generated code, so a new process (a worker, a rerun) loads it without
compiling; object names are part of that code, so the engine collects
garbage before building a replacement network to let Brian2 reuse names.
Memory is bounded by the batch: runners return summary rows, not traces.

Runners seed every random draw of a condition from that condition's ``seed``
only (``numpy.random.default_rng(seed)``), so inputs and wiring do not depend
on Mg, batch size, padding or worker count (common random numbers).
"""
from __future__ import annotations

import gc
import importlib
import json
import os
import threading
from typing import Any, Mapping, Sequence

# Brian2 installs a signal handler when imported, which only the main thread may do.
# A Dask worker unpickles a task (and so imports this module) on its main thread and
# runs it in another: importing Brian2 here keeps it off the task thread.
import brian2  # noqa: F401


def experiment_spec(experiment) -> str:
    """How a worker finds the experiment class: ``module:Class``.

    Any experiment whose module is importable in the worker runs on every
    backend: the project's own, a student's, a benchmark workload or a
    test-only one.
    """
    cls = experiment if isinstance(experiment, type) else type(experiment)
    return f"{cls.__module__}:{cls.__qualname__}"


def resolve_experiment(spec: str) -> type:
    """The experiment class of a spec from :func:`experiment_spec`."""
    module, _, qualname = spec.partition(":")
    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


#: The simulation built in this process: (spec, fixed) -> (size, runner).
_RUNNERS: dict[tuple, tuple[int, Any]] = {}
_LOCK = threading.RLock()


def configure_brian(target: str | None = None) -> None:
    """Set Brian2's code generation target and the Cython cache folder.

    The default, ``"cython"``, is Brian2's Cython runtime compiled so that
    loops over neurons vectorize (:mod:`experiments.engine.codegen`); any other
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
