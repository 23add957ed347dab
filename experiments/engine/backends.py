"""Where batches run: in this process, in local processes, or on a Dask cluster.

:class:`SerialBackend` (in process), :class:`ProcessBackend` (``--workers N``:
local processes, forked on Linux so that they start with Brian2 already
imported, see :func:`worker_start_method`) and
:class:`~experiments.engine.dask_backend.DaskBackend` (``--scheduler ADDRESS``,
its own module: Dask is optional) run the same :func:`~experiments.engine.batch.run_batch`,
so results are identical byte for byte. Brian2 is not thread safe, so
``run_batch`` runs one batch at a time per process (a lock): give Dask
workers one thread each. Local workers share the Cython cache: Brian2's
``prefs.codegen.runtime.cython.multiprocess_safe`` (True by default) takes a
file lock per compiled module, so two workers needing the same code compile
it once. ``HYPOMAG_CYTHON_CACHE=DIR`` moves the cache, for example to a
node-local disk on a cluster.

"""
from __future__ import annotations

import sys
import threading
from typing import Any, Iterator

from .batch import _RUNNERS, configure_brian, run_batch
from .settings import UsageError


class BackendLost(RuntimeError):
    """The backend stopped answering mid-sweep (a Dask scheduler gone): no further batch
    can run. The message names the backend; the finished batches are kept for ``--resume``."""


class SerialBackend:
    """Run batches one after another in this process."""

    name = "serial"
    #: How many batches run at the same time.
    parallelism = 1

    def __init__(self, target: str | None = None):
        self.target = target

    def submit_all(self, experiment_name, batches: dict[Any, tuple]) -> Iterator[tuple[Any, Any]]:
        """Yield ``(key, rows or exception)`` for every batch, as they finish.

        A batch reports its progress to this process's listener directly; while
        it runs, the listener also redraws every second (its clock moves on
        while Brian2 compiles).
        """
        from . import progress
        for index, (fixed, conditions) in batches.items():
            try:
                with progress.ticking():
                    rows = run_batch(experiment_name, fixed, conditions, self.target)
                yield index, rows
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
    from .environment import setting
    chosen = setting("HYPOMAG_START_METHOD")
    if chosen:
        return chosen
    if (sys.platform.startswith("linux") and threading.active_count() == 1
            and "fork" in multiprocessing.get_all_start_methods()):
        return "fork"
    return "spawn"


#: In a worker process of :class:`ProcessBackend`: the queue to the parent's progress display.
_EVENTS = None


def _worker_started(events=None) -> None:
    """Initializer of a worker process: no simulation inherited from the parent, and
    Ctrl-C ignored: Brian2's own handler would end a running batch early and return
    it as if complete; the parent process stops the sweep instead. ``events`` is the
    queue that carries progress events to the parent."""
    import signal
    global _EVENTS
    _RUNNERS.clear()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _EVENTS = events
    if events is not None:
        events.cancel_join_thread()  # a worker never waits for the parent to read at exit


def _send_event(key, text) -> None:
    """A progress event of a worker's batch, to the parent (lost if the queue is gone)."""
    try:
        _EVENTS.put_nowait((key, text))
    except Exception:  # progress is never worth failing a batch for
        pass


def _worker_batch(report: bool, *args):
    """:func:`run_batch` in a worker; with ``report``, its progress goes to the parent."""
    from . import progress
    with progress.listening(_send_event if report and _EVENTS is not None else None):
        return run_batch(*args)


class ProcessBackend(SerialBackend):
    """Run batches in ``workers`` local processes (``--workers N``).

    The processes start at once (:func:`worker_start_method` says how); each
    builds and keeps its own simulation and shares the on-disk Cython cache.
    A queue, handed to each worker when it starts, carries the progress of
    their batches (phase, simulated time) to this process's bar.
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
        context = multiprocessing.get_context(self.start_method)
        #: progress events of the workers' batches (:mod:`experiments.engine.progress`)
        self.events = context.Queue()
        self.pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=workers, mp_context=context,
            initializer=_worker_started, initargs=(self.events,))
        if self.start_method == "fork":
            # a first task forks every worker now, while this process has one thread
            self.pool.submit(int).result()

    def submit_all(self, experiment_name, batches):
        """As :meth:`SerialBackend.submit_all`; while waiting, passes the workers' progress
        events to this process's listener (workers report only if someone listens)."""
        import concurrent.futures
        from . import progress
        report = progress.listener() is not None
        futures = {self.pool.submit(_worker_batch, report, experiment_name, fixed, conditions,
                                    self.target): index
                   for index, (fixed, conditions) in batches.items()}
        pending = set(futures)
        try:
            while pending:
                done, pending = concurrent.futures.wait(
                    pending, timeout=0.25, return_when=concurrent.futures.FIRST_COMPLETED)
                self._drain()
                if not done:
                    progress.tick()
                for future in sorted(done, key=futures.__getitem__):
                    exc = future.exception()
                    yield futures[future], exc if exc is not None else future.result()
            self._drain()
        except KeyboardInterrupt:
            self.stop()
            raise
        finally:
            for future in futures:
                future.cancel()

    def _drain(self) -> None:
        """Pass the progress events that arrived from the workers to this process's listener."""
        import queue
        from . import progress
        while True:
            try:
                key, text = self.events.get_nowait()
            except (queue.Empty, OSError, ValueError, EOFError):
                return
            progress.forward(key, text)

    def stop(self) -> None:
        """End the workers at once (an interrupted sweep keeps none of their running batches)."""
        processes = list((getattr(self.pool, "_processes", None) or {}).values())  # no public handle
        self.pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(timeout=5)

    def close(self):
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.events.close()


def make_backend(workers: int = 1, scheduler: str | None = None, target: str | None = None):
    """The backend for ``--workers`` and ``--scheduler`` (``None``: no scheduler; an
    empty or blank address is refused, not taken for none)."""
    if scheduler is not None:
        if workers != 1:
            raise UsageError(f"--workers {workers} with --scheduler: allowed: one of the two "
                             "(a Dask cluster sets its own workers)")
        from .dask_backend import DaskBackend
        return DaskBackend(scheduler, target)
    if workers > 1:
        return ProcessBackend(workers, target)
    return SerialBackend(target)
