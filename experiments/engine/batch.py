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
import signal
import sys
import threading
from typing import Any, Mapping, Sequence

_BRIAN2_IMPORT = threading.Lock()


def import_brian2():
    """Import Brian2 from any thread; return the module.

    Brian2's ``__init__`` installs a SIGINT handler, which only the main thread
    may do: a first import from another thread raises ``ValueError: signal only
    works in main thread of the main interpreter``. A Dask scheduler and its
    workers import this module when they unpickle a task: on their event loop,
    which is the main thread of ``dask scheduler`` and ``dask worker`` but a
    thread of a Python process that keeps a scheduler (``LocalCluster``,
    dask-jobqueue's clusters), and in a ``Dask-Offload`` thread for a message
    larger than ``distributed.comm.offload`` (10 MiB). Off the main thread
    Brian2 is imported without its handler (only the importing thread's own
    ``signal.signal`` calls are skipped meanwhile).
    """
    with _BRIAN2_IMPORT:
        if "brian2" in sys.modules or threading.current_thread() is threading.main_thread():
            import brian2
            return brian2
        importer, install = threading.get_ident(), signal.signal

        def install_from_main_thread_only(signalnum, handler):
            if threading.get_ident() == importer:
                return signal.getsignal(signalnum)
            return install(signalnum, handler)

        signal.signal = install_from_main_thread_only
        try:
            import brian2
        finally:
            signal.signal = install
        return brian2


def prepare_worker() -> None:
    """Make this process a worker that runs every batch to completion or fails it.

    Brian2's SIGINT handler turns Ctrl-C during a run into a clean stop:
    ``Network.run`` returns early, and the batch's rows, computed over a shorter
    time, would be returned as complete. A worker (Ctrl-C in the terminal of a
    ``dask worker`` reaches it) gets the handler Brian2 replaced back, so an
    interrupt ends it as it ends any Dask worker and the scheduler reruns its
    batch elsewhere; where it cannot (off the main thread) Brian2 is told not
    to stop on interrupts. :class:`~experiments.engine.dask_backend.DaskBackend`
    runs this on every worker's event loop (a worker plugin).
    """
    brian2 = import_brian2()
    brian2.prefs.core.stop_on_keyboard_interrupt = False
    handler = getattr(brian2, "_int_handler", None)
    if (handler is not None and threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGINT) is handler):
        previous = getattr(handler, "previous_handler", None)
        signal.signal(signal.SIGINT, signal.default_int_handler if previous is None else previous)


# Brian2 is imported with this module: a spawned --workers process then imports it
# before its initializer sets SIGINT aside, and a Dask worker imports it when it
# unpickles a task (importing this module), never on the thread that runs the task.
import_brian2()


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


#: The simulation built in this process: (spec, build, fixed) -> (size, runner).
_RUNNERS: dict[tuple, tuple[int, Any]] = {}
_LOCK = threading.RLock()


def configure_brian(target: str | None = None) -> None:
    """Set Brian2's code generation target and the Cython cache folder.

    The default, ``"cython"``, is Brian2's Cython runtime compiled so that
    loops over neurons vectorize (:mod:`experiments.engine.codegen`); any other
    Brian2 target name (``HYPOMAG_TARGET``, e.g. ``numpy``) is used as given.
    On every target the generated code is the same in every process
    (:func:`~experiments.engine.codegen.order_subexpressions`), so the compiled
    cache serves a new process.
    """
    from brian2 import prefs
    from .codegen import order_subexpressions
    from .environment import setting
    order_subexpressions()
    target = target or setting("HYPOMAG_TARGET")
    if target == "cython":
        from .codegen import install
        target = install()
    prefs.codegen.target = target
    prefs.logging.file_log = False
    prefs.logging.delete_log_on_exit = True
    cache = setting("HYPOMAG_CYTHON_CACHE")
    if cache:
        prefs.codegen.runtime.cython.cache_dir = cache


def _padding_fits(size: int, wanted: int) -> bool:
    """Whether a simulation of ``size`` may run ``wanted`` conditions padded (no rebuild)."""
    return wanted <= size <= wanted + max(1, wanted // 4)


def _build(experiment, n: int, fixed: Mapping[str, Any]):
    """The experiment's runner for ``n`` conditions, its Brian2 objects prepared for reruns.

    A simulation built in this process (the runtime path): the old one is
    collected first so Brian2 can reuse its object names (same code, no
    compile); after the build, the garbage collector's view is frozen, since
    Brian2 runs a full collection at the start of every run (0.1-0.2 s in a
    process holding Brian2, sympy and matplotlib) and frozen objects (what
    exists now: modules and the built network) are not scanned again; Brian2
    then generates and compiles (or loads) the code in its first run's
    ``before_run``, on all cores (:mod:`~experiments.engine.compile_pool`),
    and the first report call of that run ends the ``compiling`` phase. A
    compiled program (:mod:`~experiments.engine.standalone`) holds no Brian2
    objects here: none of this applies, and its build shows its own phase.
    """
    from . import progress
    from .compiled import planned_path
    if planned_path(experiment, fixed) == "standalone":
        return experiment.build(n, fixed)
    gc.unfreeze()
    gc.collect()
    runner = experiment.build(n, fixed)
    gc.collect()
    gc.freeze()
    progress.phase("compiling")
    from .compile_pool import install
    install()
    return runner


def run_batch(experiment_name: str, fixed: Mapping[str, Any],
              conditions: Sequence[Mapping[str, Any]], target: str | None = None) -> list[list[dict]]:
    """Run one batch of conditions of an experiment; return rows per condition.

    ``experiment_name`` is a registered name or ``module:Class``. The built
    simulation is kept per process for this experiment and these fixed values
    and rerun for later batches; a batch slightly smaller than it is padded
    with copies of its last condition instead of rebuilt. While someone listens
    (:mod:`experiments.engine.progress`), the batch reports its phase (building,
    compiling, starting) and the experiment's runs their simulated time.
    """
    from . import progress
    with _LOCK, progress.batch():  # Brian2 is not thread safe: one batch at a time per process
        configure_brian(target)
        conditions = list(conditions)
        if not conditions:
            return []
        # the build (target, vectorizing) is part of the key: a long-lived worker serving
        # clients with other builds never reruns a simulation compiled for another
        from .codegen import vectorize_enabled
        from .environment import setting
        build = (target or setting("HYPOMAG_TARGET"), vectorize_enabled())
        key = (experiment_name, build, json.dumps(fixed, sort_keys=True, default=str))
        cached = _RUNNERS.get(key)
        if cached is None or not _padding_fits(cached[0], len(conditions)):
            progress.phase("building")
            _RUNNERS.clear()  # one simulation per process: memory bounded by the batch
            cached = None
            experiment = resolve_experiment(experiment_name)()
            cached = (len(conditions), _build(experiment, len(conditions), fixed))
            _RUNNERS[key] = cached
        else:
            progress.phase("starting")
        size, runner = cached
        padded = conditions + [conditions[-1]] * (size - len(conditions))
        rows = runner(padded)
        if len(rows) != len(padded):
            raise RuntimeError(f"{experiment_name}: runner returned {len(rows)} results "
                               f"for {len(padded)} conditions")
        return rows[:len(conditions)]
