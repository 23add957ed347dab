"""Running a planned sweep: every batch on a backend, stored, then merged.

:func:`execute` takes a :class:`~experiments.engine.plan.Plan`, skips the
batches a resumed run already stored (:mod:`experiments.engine.storage`),
runs the others on a backend (:mod:`experiments.engine.backends`), writes
each finished batch to disk at once and merges the stored batches, in
condition order, into the result tables. A failing batch does not stop the
others; when all have run, :class:`SweepError` names the conditions of the
failed batches and their error, and the finished ones are kept for
``--resume`` (a sweep that finished none leaves nothing behind).

Progress is a tqdm bar (conditions done, rate, ETA, and the running batches'
phase and simulated time, :mod:`experiments.engine.progress`) on a terminal;
silent when stderr is not a terminal or ``CI`` is set.
"""
from __future__ import annotations

import contextlib
import json
import math
import shutil
import signal
import sys
import threading
import traceback
from pathlib import Path
from typing import Any, Mapping, Sequence

from . import progress as batch_progress
from .backends import BackendLost, SerialBackend
from .batch import experiment_spec
from .environment import flag
from .plan import Plan, lead_columns
from .storage import (ONCE, batch_file, batch_tables, check_code, code_record, gaps, partial_dir,
                      remove_stale, stored_batches)
from .table import MAIN, OutputError, Table, atomic_write_text


class SweepError(RuntimeError):
    """A batch failed; the message names its conditions. Finished batches are kept."""


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM stopped a sweep; the message says what was kept and how to resume."""


class StopRequest:
    """The signal that asked a sweep to stop, if any (see :func:`stop_at_once_on_signals`)."""

    def __init__(self):
        self.signal: str | None = None

    def check(self) -> None:
        """Raise :class:`KeyboardInterrupt` if a signal asked to stop."""
        if self.signal is not None:
            raise KeyboardInterrupt(self.signal)


@contextlib.contextmanager
def stop_at_once_on_signals():
    """Within the block, SIGINT (Ctrl-C) and SIGTERM raise :class:`KeyboardInterrupt` at once.

    Brian2's own SIGINT handler only asks the running simulation to stop:
    the run returns early and a batch cut short would look finished. Raising
    instead means a batch either completes its whole simulated time or is
    not stored. The exception can land where Python ignores it (a weakref
    callback or ``__del__`` running during garbage collection prints
    "Exception ignored" and goes on); so the handler also records the signal
    in the :class:`StopRequest` the block gets, which the sweep checks after
    every batch: the run then stops there instead of finishing with exit 0.
    Outside the main thread (where signals cannot be handled) nothing changes.
    """
    request = StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield request
        return

    def interrupt(signum, frame):
        request.signal = signal.Signals(signum).name
        raise KeyboardInterrupt(request.signal)

    def unraisable(info):  # the swallowed interrupt is acted on later: no traceback for it
        if not issubclass(info.exc_type, KeyboardInterrupt):
            previous_hook(info)
    previous = {s: signal.signal(s, interrupt) for s in (signal.SIGINT, signal.SIGTERM)}
    previous_hook, sys.unraisablehook = sys.unraisablehook, unraisable
    try:
        yield request
    finally:
        sys.unraisablehook = previous_hook
        for number, handler in previous.items():
            signal.signal(number, handler)


def interrupted(folder: Path, kept: int, total: int) -> SweepInterrupted:
    """The interruption to raise: finished batches kept for ``--resume``, or nothing left."""
    if kept:
        return SweepInterrupted(f"interrupted: {kept} of {total} batches finished and are kept in "
                                f"{folder}; run the same command with --resume to compute the rest")
    shutil.rmtree(folder, ignore_errors=True)
    return SweepInterrupted("interrupted before any batch finished; nothing was kept")


def root_cause(exc: BaseException) -> BaseException:
    """The innermost cause of a chained exception (Brian2 wraps the real error).

    A worker process's exception arrives with the worker's traceback as its
    cause (``concurrent.futures``' ``_RemoteTraceback``, text only): that is
    not a cause, so the chain stops before it.
    """
    seen = set()
    while id(exc) not in seen:
        seen.add(id(exc))
        inner = exc.__cause__ or exc.__context__
        if inner is None or type(inner).__name__ == "_RemoteTraceback":
            break
        exc = inner
    return exc


def progress_bar(total: int, description: str):
    """A tqdm bar on a terminal; a disabled one in CI, pipes and dumb terminals.

    Its postfix shows the phase of each running batch (building, compiling,
    simulated time: :mod:`experiments.engine.progress`).
    """
    return batch_progress.bar(total, description, "cond")


def batch_failure(plan: Plan, start: int, end: int, exc: BaseException) -> str:
    """One line naming a failed batch's conditions and its error."""
    exc = root_cause(exc)
    conditions = plan.conditions[start:end]
    where = "; ".join(plan.describe(c) for c in conditions[:5])
    more = f" and {len(conditions) - 5} more" if len(conditions) > 5 else ""
    message = str(exc).splitlines()[0] if str(exc) else ""
    if flag("HYPOMAG_DEBUG"):
        traceback.print_exception(exc)
    return (f"batch of conditions {start + 1}-{end} of {len(plan.conditions)} ({where}{more}) "
            f"failed: {type(exc).__name__}: {message}")


def _prepare(plan: Plan, out: Path, backend, resume: bool):
    """The partial folder, the stored ranges and the batches still to run."""
    total = len(plan.conditions)
    parallel = int(getattr(backend, "parallelism", 1) or 1)
    if not plan.explicit_batch and parallel > 1 and total > 1:
        plan.rebatch(min(plan.batch_size, math.ceil(total / parallel)))
    folder = partial_dir(plan, out)
    if folder.exists() and not resume:
        earlier = len(stored_batches(folder, total))
        shutil.rmtree(folder)
        if earlier:
            print(f"hypomag: computing every batch again: removed {earlier} finished batches "
                  f"of an earlier, unfinished run of this sweep ({folder}; --resume would have "
                  "kept them)", file=sys.stderr)
    folder.mkdir(parents=True, exist_ok=True)
    covered = stored_batches(folder, total)
    for stale in remove_stale(folder):
        note = (" --resume: computing every batch of this sweep, since" if resume and not covered
                else "")
        print(f"hypomag:{note} removed the unfinished batches of another "
              f"{plan.experiment.name} sweep (other settings or defaults, which this sweep "
              f"cannot reuse): {stale}", file=sys.stderr)
    check_code(folder, code_record(plan.experiment, getattr(backend, "target", None)),
               bool(covered))
    todo = {(a, b): (plan.batch_fixed(a), plan.conditions[a:b])
            for a, b in plan.split(gaps(covered, total))}
    return folder, covered, todo


def _run_batches(plan: Plan, folder: Path, backend, covered: list, todo: Mapping,
                 progress: bool, stop: StopRequest) -> list[str]:
    """Run and store the batches of ``todo``; return one line per failed batch.

    After each batch, a signal recorded in ``stop`` ends the sweep.
    """
    lead = lead_columns(plan)
    failures: list[str] = []
    bar = progress_bar(len(plan.conditions), plan.experiment.name) if progress else None
    if bar is not None:
        bar.update(sum(b - a for a, b in covered))
    shown = contextlib.ExitStack()  # the bar shows the running batches' phases
    if bar is not None and not bar.disable:
        shown.enter_context(batch_progress.listening(batch_progress.BarStatus(bar)))
    try:
        for (start, end), result in backend.submit_all(experiment_spec(plan.experiment), todo):
            if isinstance(result, BaseException):
                failures.append(batch_failure(plan, start, end, result))
                continue
            rows = batch_tables(plan, plan.conditions[start:end], result, lead)
            atomic_write_text(batch_file(folder, start, end), json.dumps(rows))
            covered.append((start, end))
            if bar is not None:
                bar.update(end - start)
            stop.check()
        stop.check()
    finally:
        shown.close()
        if bar is not None:
            bar.close()
    return failures


def merge(plan: Plan, folder: Path, covered: Sequence[tuple[int, int]]) -> dict[str, Table]:
    """The stored batches of ``covered`` as tables, in condition order.

    Run-level rows (``"_once": True``) repeat in every batch; one copy is kept.
    """
    merged: dict[str, list] = {}
    seen_once: set[str] = set()
    for start, end in sorted(covered):
        stored = json.loads(batch_file(folder, start, end).read_text())
        for name, rows in stored.items():
            if name.startswith(ONCE):
                name, text = name[len(ONCE):], json.dumps([name, rows])
                if text in seen_once:
                    continue
                seen_once.add(text)
            merged.setdefault(name, []).extend(rows)
    merged.setdefault(MAIN, [])
    tables: dict[str, Table] = {}
    for name, rows in merged.items():
        columns: Any = None
        if name == MAIN:
            first = Table(rows)
            columns = plan.columns + [c for c in first.columns if c not in plan.columns]
        tables[name] = Table(rows, columns)
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
    folder, covered, todo = _prepare(plan, Path(out), backend, resume)
    n_batches = len(covered) + len(todo)
    try:
        with stop_at_once_on_signals() as stop:
            failures = _run_batches(plan, folder, backend, covered, todo, progress, stop)
    except KeyboardInterrupt:
        if hasattr(backend, "stop"):  # end the batches still running in other processes
            backend.stop()
        raise interrupted(folder, len(covered), n_batches) from None
    except (OutputError, BackendLost) as exc:  # a full disk, a lost cluster: kept for --resume
        raise type(exc)(f"{exc}; {kept_note(folder, len(covered))}") from None
    if failures:
        more = f" (+{len(failures) - 1} more failed batches)" if len(failures) > 1 else ""
        raise SweepError(f"{failures[0]}{more}; {kept_note(folder, len(covered))}")
    return merge(plan, folder, covered)


def kept_note(folder: Path, kept: int) -> str:
    """What a failed sweep leaves: its finished batches for ``--resume``, or nothing.

    ``--resume`` is advised only when finished batches were kept; a sweep
    that finished none leaves no folder behind.
    """
    if kept:
        return (f"{kept} finished batches kept in {folder}; after fixing the cause, run the "
                "same command with --resume to compute only the rest")
    shutil.rmtree(folder, ignore_errors=True)
    return "no batch finished, nothing was kept"


def finish(plan: Plan, out: Path) -> None:
    """Remove the partial folder of a completed run."""
    shutil.rmtree(partial_dir(plan, out), ignore_errors=True)
