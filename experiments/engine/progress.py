"""Progress within a batch: its phase and the simulated time, for a terminal's bar.

A batch goes through these phases: ``building`` (the experiment builds its
Brian2 objects), ``compiling`` (from the end of the build until Brian2 first
reports the batch's first run: code generation and compilation, or loading
the compiled code from the cache), then ``simulating 0.8 s (run 40 % of 2 s)``
during a run and ``simulated 2 s`` after it: the simulated time of all the
batch's runs so far (an experiment with several runs per batch, such as the
threshold search of ``excitability``, accumulates it). Between runs,
``preparing run 3`` covers Brian2's preparation of the next run (its
``before_run``: code generation, and compilation if that run's code is new).
A batch that reuses the simulation of the previous one starts at
``starting``.

Who displays progress installs a *listener* (:func:`listening`): a callable
``listener(key, text)`` that gets the batch's state as one short text and
``text=None`` when the batch ends (``key`` is the process id of the process
running it). The sweep's bar (:func:`experiments.engine.sweep.progress_bar`)
and ``hypomag validate`` listen on a terminal only; otherwise nobody listens,
:func:`report` returns None and Brian2 runs exactly as without progress.
:class:`~experiments.engine.backends.SerialBackend` lets the bar redraw every
second while a batch runs (:func:`ticking`: its clock moves on while Brian2
compiles); :class:`~experiments.engine.backends.ProcessBackend` carries its
workers' events to the parent's listener through a queue. Dask workers report
nothing: the bar counts their finished batches.

The reporter is a plain Brian2 ``report`` callable
(``Network.run(duration, report=..., report_period=1 * second)``): Brian2 calls
it at the start and the end of every run and at most once per
``report_period`` of wall time in between, so the time loop is not slowed.
Each call, each phase and each request for the reporter (:func:`report`, just
before a run) emits one new text; nothing else does.
"""
from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from typing import Callable, Iterator, Optional

#: ``listener(key, text)``: the state of the batch ``key``; ``text`` None when it ended.
Listener = Callable[[object, Optional[str]], None]

#: The listener of this process (None: nobody listens, nothing is reported), and the
#: thread that installed it: batches run by other threads do not report.
_listener: Listener | None = None
_listener_thread: int | None = None
#: The reporter of the batch running in this process, while someone listens.
_current: "BatchReporter | None" = None


def seconds(value: float) -> str:
    """A simulated time for the bar: ``0.02``, ``0.8``, ``12.5``, ``1800`` (in s)."""
    return f"{value:.0f}" if abs(value) >= 1000 else f"{value:.3g}"


class BatchReporter:
    """The phase and accumulated simulated time of one batch; a Brian2 report callable.

    ``emit(text)`` receives every new state. Brian2 calls the reporter as
    ``report(elapsed, completed, start, duration)`` (wall time since the run
    started, completed fraction of the run, the run's start and duration in
    simulated time); a call with ``elapsed == 0`` and ``completed == 0``
    starts a new run, whose time adds to that of the runs before it.
    :func:`report` hands the reporter out just before a run: from then until
    Brian2's first call of that run (its ``before_run``: code generation and
    compilation, or finding the compiled code) the state says so.
    """

    def __init__(self, emit: Callable[[str], None]):
        self.emit = emit
        self.phase = ""
        self.finished = 0.0  # simulated seconds of the batch's earlier runs
        self.run_done = 0.0  # simulated seconds of the current (or last) run
        self.run_duration = 0.0
        self.runs = 0
        self.in_run = False
        self.preparing = False

    @property
    def simulated(self) -> float:
        """Simulated seconds of the batch so far."""
        return self.finished + self.run_done

    def set_phase(self, phase: str) -> None:
        """Enter ``building``, ``compiling`` or ``starting`` (emitted at once)."""
        self.phase = phase
        self.emit(self.text())

    def next_run(self) -> None:
        """A run is about to start (after a first one): Brian2 prepares its code."""
        if self.phase == "simulating" and not self.in_run:
            self.preparing = True
            self.emit(self.text())

    def text(self) -> str:
        """The current state: ``compiling``, ``simulating 0.8 s (run 40 % of 2 s)``,
        ``simulated 2 s``, ``simulated 2 s, preparing run 2``."""
        if self.phase != "simulating":
            return self.phase
        done = seconds(self.simulated)
        if self.in_run and self.run_duration > 0:
            percent = 100 * self.run_done / self.run_duration
            return f"simulating {done} s (run {percent:.0f} % of {seconds(self.run_duration)} s)"
        if self.preparing:
            return f"simulated {done} s, preparing run {self.runs + 1}"
        return f"simulated {done} s"

    def __call__(self, elapsed, completed, start, duration) -> None:
        completed, duration = float(completed), float(duration)
        if float(elapsed) == 0 and completed == 0:  # a run starts
            self.finished += self.run_done
            self.run_done, self.run_duration = 0.0, duration
            self.runs += 1
            self.in_run, self.preparing, self.phase = True, False, "simulating"
        else:
            self.run_done = min(completed, 1.0) * duration
            self.in_run = completed < 1.0  # Brian2's last call of a run reports it complete
        self.emit(self.text())


def listener() -> Listener | None:
    """The listener of this process, or None."""
    return _listener


@contextlib.contextmanager
def listening(receiver: Listener | None) -> Iterator[None]:
    """Within the block, batches run in this process report to ``receiver`` (None: nobody)."""
    global _listener, _listener_thread
    previous = _listener, _listener_thread
    _listener, _listener_thread = receiver, threading.get_ident()
    try:
        yield
    finally:
        _listener, _listener_thread = previous


def forward(key, text: str | None) -> None:
    """Pass an event (from a worker process) to this process's listener, if any."""
    if _listener is not None:
        try:
            _listener(key, text)
        except Exception:  # a broken display never fails a sweep
            pass


@contextlib.contextmanager
def batch() -> Iterator["BatchReporter | None"]:
    """The reporter of a batch run in the block (None if nobody listens).

    Used by :func:`~experiments.engine.batch.run_batch`; the listener gets
    ``None`` when the block ends.
    """
    global _current
    receiver = _listener
    if receiver is None or threading.get_ident() != _listener_thread:
        yield None  # nobody listens, or a thread of its own (Dask's threads in this process)
        return
    key = os.getpid()

    def send(text):
        try:
            receiver(key, text)
        except Exception:  # a broken display never fails a batch
            pass
    previous = _current
    _current = BatchReporter(send)
    try:
        yield _current
    finally:
        _current = previous
        send(None)


def phase(name: str) -> None:
    """Set the running batch's phase (nothing if nobody listens)."""
    if _current is not None:
        _current.set_phase(name)


def report() -> BatchReporter | None:
    """The Brian2 ``report`` callable of the batch running now, or None if nobody listens.

    Ask for it just before each run (in the call: ``net.run(d, report=report())``):
    the state then shows the run's preparation until Brian2 starts it.
    """
    if _current is not None:
        _current.next_run()
    return _current


def tick() -> None:
    """Let the listener redraw while waiting (the parent of local workers calls this)."""
    redraw = getattr(_listener, "tick", None)
    if redraw is not None:
        redraw()


@contextlib.contextmanager
def ticking(period: float = 1.0) -> Iterator[None]:
    """Within the block, a thread lets the listener redraw every ``period`` seconds.

    For a batch run in this process: the bar's clock moves on while Brian2
    compiles (no report calls then). Nothing happens if nobody listens.
    """
    redraw = getattr(_listener, "tick", None)
    if redraw is None or threading.get_ident() != _listener_thread:
        yield
        return
    stop = threading.Event()

    def loop():
        while not stop.wait(period):
            try:
                redraw()
            except Exception:  # a broken display stops redrawing, nothing else
                return
    thread = threading.Thread(target=loop, name="hypomag-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


# -- display on a terminal ----------------------------------------------------------


def on_terminal(stream=None) -> bool:
    """Whether progress is shown: ``stream`` (stderr) is a terminal, ``CI`` unset, TERM not dumb."""
    stream = sys.stderr if stream is None else stream
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    return tty and not os.environ.get("CI") and os.environ.get("TERM") != "dumb"


def _terminal_copy(stream):
    """A text stream on a duplicate of ``stream``'s descriptor, or None if it has none.

    Brian2 points descriptors 1 and 2 at temporary files while it compiles
    (``std_silent``); the bar, written through its own descriptor, stays on
    the terminal meanwhile (and out of Brian2's compiler logs).
    """
    try:
        fd = os.dup(stream.fileno())
    except (AttributeError, OSError, ValueError):
        return None
    return os.fdopen(fd, "w", encoding=getattr(stream, "encoding", None) or "utf-8",
                     errors="replace")


def bar(total: int, description: str, unit: str, enabled: bool | None = None, file=None):
    """A tqdm bar, disabled (prints nothing) unless :func:`on_terminal` (or ``enabled``).

    ``file`` defaults to stderr (written through a duplicate of its descriptor).
    """
    from tqdm import tqdm

    enabled = on_terminal(file) if enabled is None else enabled
    own = _terminal_copy(sys.stderr) if enabled and file is None else None

    class Bar(tqdm):
        monitor_interval = 0  # no monitor thread: workers forked later stay safe

        def close(self):
            super().close()
            if own is not None and not own.closed:
                own.close()

    return Bar(total=total, desc=description, unit=unit, disable=not enabled, leave=False,
               dynamic_ncols=True, smoothing=0.1, file=own or file)


class BarStatus:
    """A listener that shows the states of running batches as the postfix of a tqdm bar.

    With several batches running at once (local workers), their states are
    joined with `` | ``.
    """

    def __init__(self, progress_bar):
        self.bar, self.states = progress_bar, {}
        self._shown = 0.0

    def __call__(self, key, text: str | None) -> None:
        if text is None:
            self.states.pop(key, None)
        else:
            self.states[key] = text
        self.show()

    def show(self) -> None:
        self.bar.set_postfix_str(" | ".join(self.states.values()), refresh=True)
        self._shown = time.monotonic()

    def tick(self) -> None:
        """Redraw (the elapsed time moves on) if nothing was shown for a second.

        May be called from another thread (:func:`ticking`): it only redraws
        the bar under tqdm's lock, with the postfix last set.
        """
        if time.monotonic() - self._shown >= 1.0:
            self._shown = time.monotonic()
            self.bar.refresh()
