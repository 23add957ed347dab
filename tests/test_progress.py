"""Progress that tells the truth: batch phases and simulated time, on a terminal only.

* the reporter (a Brian2 ``report`` callable) goes building -> compiling ->
  simulating and adds up the simulated time of a batch's several runs;
* nobody listening (CI, pipes) means no reporter at all: Brian2 runs with
  ``report=None`` as before;
* a real run in process with a forced bar shows the phases; a run under a
  pseudo-terminal shows them; the same command in a pipe prints nothing on stderr;
* local worker processes carry their batches' events to the parent;
* ``validate`` shows a bar over its checks, naming the running one, and only then.

No test depends on timing.
"""
from __future__ import annotations

import io
import os
import select
import subprocess
import sys
from pathlib import Path

import pytest

from experiments.engine import progress

REPO = Path(__file__).resolve().parents[1]


def brian_runs(reporter, *runs):
    """Call ``reporter`` as Brian2's ``Network.run`` does for runs of these durations (s):
    at the start, once half way (a periodic call) and at the end of each."""
    start = 0.0
    for duration in runs:
        reporter(0.0, 0.0, start, duration)
        reporter(1.0, 0.5, start, duration)
        reporter(2.0, 1.0, start, duration)
        start += duration


def test_reporter_phases_and_accumulated_time():
    seen = []
    reporter = progress.BatchReporter(seen.append)
    reporter.set_phase("building")
    reporter.set_phase("compiling")
    brian_runs(reporter, 2.0)
    assert seen == ["building", "compiling",
                    # compiling lasts until Brian2's first call of the first run
                    "simulating 0 s (run 0 % of 2 s)", "simulating 1 s (run 50 % of 2 s)",
                    "simulated 2 s"]
    # later runs add to the batch's simulated time; asking for the reporter before a run
    # (progress.report()) shows Brian2's preparation of it until the run starts
    del seen[:]
    for _ in range(2):
        reporter.next_run()
        brian_runs(reporter, 0.5)
    assert seen == ["simulated 2 s, preparing run 2", "simulating 2 s (run 0 % of 0.5 s)",
                    "simulating 2.25 s (run 50 % of 0.5 s)", "simulated 2.5 s",
                    "simulated 2.5 s, preparing run 3", "simulating 2.5 s (run 0 % of 0.5 s)",
                    "simulating 2.75 s (run 50 % of 0.5 s)", "simulated 3 s"]
    assert reporter.runs == 3 and reporter.simulated == pytest.approx(3.0)


def test_brian2_quantities_and_long_times():
    from brian2 import second
    seen = []
    reporter = progress.BatchReporter(seen.append)
    reporter.set_phase("starting")  # a batch reusing the simulation of the one before
    reporter(0 * second, 0.0, 0 * second, 1800 * second)
    reporter(3 * second, 1.0, 0 * second, 1800 * second)
    assert seen == ["starting", "simulating 0 s (run 0 % of 1800 s)", "simulated 1800 s"]
    assert progress.seconds(0.0125) == "0.0125" and progress.seconds(12.5) == "12.5"


def test_nobody_listens_nothing_reports():
    assert progress.listener() is None and progress.report() is None
    with progress.batch() as reporter:
        assert reporter is None and progress.report() is None
        progress.phase("building")  # a no-op


def test_listener_gets_the_batch_and_its_end():
    events = []
    with progress.listening(lambda key, text: events.append((key, text))):
        with progress.batch() as reporter:
            progress.phase("compiling")
            assert progress.report() is reporter
            brian_runs(reporter, 0.1)
        assert progress.report() is None
    assert progress.listener() is None
    key = os.getpid()
    assert events[0] == (key, "compiling") and events[-1] == (key, None)
    assert (key, "simulated 0.1 s") in events


def test_ticking_without_listener_starts_no_thread():
    import threading
    before = threading.active_count()
    with progress.ticking():
        assert threading.active_count() == before


def test_a_thread_of_its_own_does_not_report():
    """Dask's threads in this process run batches that report nothing (batch-level bar)."""
    import threading
    found = []
    with progress.listening(lambda key, text: None):
        thread = threading.Thread(target=lambda: found.append(progress.batch().__enter__()))
        thread.start()
        thread.join()
    assert found == [None]


def romk_plan():
    from experiments import get_experiment
    from experiments.engine.plan import make_plan
    from experiments.engine.run import resolve
    cls = get_experiment("romk_iv")
    return make_plan(cls(), resolve(cls, True, {}, {}), 1)


def test_real_run_in_process_shows_phases(tmp_path, monkeypatch):
    """A forced bar on a StringIO: the batch's phases and its simulated time appear.

    The process's built simulations are set aside first, so that this batch builds and
    compiles (or loads) its code whatever ran before it in this process."""
    from experiments.engine import batch, sweep
    from experiments.engine.backends import SerialBackend
    monkeypatch.setattr(batch, "_RUNNERS", {})
    screen = io.StringIO()
    monkeypatch.setattr(sweep, "progress_bar", lambda total, description: progress.bar(
        total, description, "cond", enabled=True, file=screen))
    plan = romk_plan()
    tables = sweep.execute(plan, tmp_path, SerialBackend())
    assert len(tables["main"]) == len(plan.conditions)
    text = screen.getvalue()
    assert "romk_iv" in text and "compiling" in text
    assert "simulated 0.02 s" in text  # the clamp's settle time
    assert progress.listener() is None  # the sweep's listener is gone with its bar


@pytest.mark.skipif(sys.platform != "linux", reason="forked workers")
def test_workers_carry_their_progress_to_the_parent(tmp_path):
    """ProcessBackend: events of the workers' batches reach the parent's listener."""
    from experiments.engine.backends import ProcessBackend
    from experiments.engine.sweep import execute
    events = []
    plan = romk_plan()  # split into two batches, one per worker
    backend = ProcessBackend(2, start_method="fork")
    try:
        with progress.listening(lambda key, text: events.append((key, text))):
            execute(plan, tmp_path, backend, progress=False)
    finally:
        backend.close()
    keys = {key for key, _ in events}
    assert keys and os.getpid() not in keys  # the workers' process ids
    texts = [text for _, text in events]
    assert "compiling" in texts and "simulated 0.02 s" in texts
    for key in keys:  # every batch's last event ends it
        assert [text for k, text in events if k == key][-1] is None


def cli_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "HYPOMAG_DEBUG")}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env["TERM"] = "xterm"
    return env


def hypomag() -> list[str]:
    script = Path(sys.executable).with_name("hypomag")
    return [str(script)] if script.exists() else [sys.executable, "-m", "experiments.cli"]


def run_in_pty(argv, env, cwd) -> tuple[int, str]:
    """Run ``argv`` with stdin, stdout and stderr on a pseudo-terminal (150 columns)."""
    import fcntl
    import pty
    import struct
    import termios
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 150, 0, 0))
    process = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd,
                               close_fds=True)
    os.close(slave)
    output = b""
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 300)
            if not ready:
                break
            try:
                data = os.read(master, 65536)
            except OSError:  # the terminal closed: the process ended
                break
            if not data:
                break
            output += data
    finally:
        status = process.wait(timeout=300)
        os.close(master)
    return status, output.decode(errors="replace")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_terminal_shows_phases_and_a_pipe_nothing(tmp_path):
    command = hypomag() + ["run", "romk_iv", "--quick", "--no-show"]
    status, screen = run_in_pty(command + ["--out", str(tmp_path / "tty")], cli_env(), tmp_path)
    assert status == 0, screen
    assert "compiling" in screen and "simulated 0.02 s" in screen
    assert "cond/s" in screen  # the bar itself
    piped = subprocess.run(command + ["--out", str(tmp_path / "pipe")], env=cli_env(),
                           cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert piped.returncode == 0 and piped.stderr == ""


def fake_checks():
    from experiments.validation.report import Check, Result

    def passing(ctx):
        return [Result("one", "src", "1", "1", "exact", True)]

    def running_a_batch(ctx):
        # what ctx.experiment does: a batch in this process, reporting to the bar
        with progress.batch() as reporter:
            progress.phase("compiling")
            if reporter is not None:
                brian_runs(reporter, 0.5)
        return [Result("two", "src", "2", "2", "exact", True)]
    return [Check("first_check", passing), Check("second_check", running_a_batch)]


def test_validate_shows_each_check_on_a_terminal_only(tmp_path):
    from experiments.validation.report import Context, run_selected
    ctx = Context(quick=True, out=tmp_path)
    screen = io.StringIO()
    results = run_selected(fake_checks(), ctx, show=True, file=screen)
    assert [r.check for r in results] == ["first_check", "second_check"]
    text = screen.getvalue()
    assert "validate first_check" in text and "validate second_check" in text
    assert "validate second_check:  50%" in text and "1/2" in text
    assert "compiling" in text and "simulated 0.5 s" in text
    quiet = io.StringIO()  # not a terminal: nothing
    results = run_selected(fake_checks(), ctx, file=quiet)
    assert len(results) == 2 and quiet.getvalue() == ""
