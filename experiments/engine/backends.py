"""Where batches run: in this process, in local processes, or on a Dask cluster.

:class:`SerialBackend` (in process), :class:`ProcessBackend` (``--workers N``:
local processes, forked on Linux so that they start with Brian2 already
imported, see :func:`worker_start_method`) and :class:`DaskBackend`
(``--scheduler ADDRESS``) run the same :func:`~experiments.engine.batch.run_batch`,
so results are identical byte for byte. Brian2 is not thread safe, so
``run_batch`` runs one batch at a time per process (a lock): give Dask
workers one thread each. Local workers share the Cython cache: Brian2's
``prefs.codegen.runtime.cython.multiprocess_safe`` (True by default) takes a
file lock per compiled module, so two workers needing the same code compile
it once. ``HYPOMAG_CYTHON_CACHE=DIR`` moves the cache, for example to a
node-local disk on a cluster.
"""
from __future__ import annotations

import os
import sys
import threading
from typing import Any, Iterator

from .batch import _RUNNERS, configure_brian, run_batch
from .settings import UsageError


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
    """Initializer of a worker process: no simulation inherited from the parent, and
    Ctrl-C ignored: Brian2's own handler would end a running batch early and return
    it as if complete; the parent process stops the sweep instead."""
    import signal
    _RUNNERS.clear()
    signal.signal(signal.SIGINT, signal.SIG_IGN)


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
        except KeyboardInterrupt:
            self.stop()
            raise
        finally:
            for future in futures:
                future.cancel()

    def stop(self) -> None:
        """End the workers at once (an interrupted sweep keeps none of their running batches)."""
        processes = list(getattr(self.pool, "_processes", {}).values())  # no public handle
        self.pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(timeout=5)

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
