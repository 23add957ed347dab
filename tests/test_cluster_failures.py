"""A bad ``--scheduler``, and a scheduler lost mid-sweep.

A refused connection and an empty address fail at once, with one line (no Dask
connection attempt, whose retries waited 10 s); a server that never answers and a
scheduler without workers fail after ``CONNECT_TIMEOUT``; a scheduler killed
mid-sweep is one line and keeps the finished batches. None of this checks a time:
"at once" is checked as "one connection attempt, none by Dask", and a timeout as its
message (a guard much longer than the timeout only stops a hang).
"""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from cluster_support import (SWEEP, Cluster, _command, _dask, _hypomag, _one_error_line,
                             _plain_env)

distributed = pytest.importorskip("distributed")


def test_brian2_imports_off_the_main_thread(tmp_path):
    """The engine imports Brian2 from any thread (a Dask worker or scheduler unpickles a
    message over ``distributed.comm.offload`` in a thread): no ``ValueError``, and the
    main thread's SIGINT handler is left alone."""
    code = "\n".join([
        "import signal, sys, threading",
        "before = signal.getsignal(signal.SIGINT)",
        "errors = []",
        "def load():",
        "    try:",
        "        import experiments.engine.batch",
        "    except BaseException as exc:",
        "        errors.append(repr(exc))",
        "thread = threading.Thread(target=load)",
        "thread.start(); thread.join()",
        "assert not errors, errors",
        "assert 'brian2' in sys.modules",
        "assert signal.getsignal(signal.SIGINT) is before",
        "print('ok')"])
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=_plain_env(),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and result.stdout == "ok\n", result.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _refused(result, out: Path, value: str):
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"hypomag: error: --scheduler {value!r}: ")
    assert "allowed: " in lines[0]
    assert not out.exists()


@pytest.fixture
def connection_attempts(monkeypatch):
    """Every connection the engine opens: its own TCP probes (``socket.create_connection``)
    and Dask's (``distributed.comm.connect``, ``distributed.Client``), which retry a refused
    connection until their timeout (10 s): "at once" means one probe and no Dask attempt."""
    import distributed.comm
    attempts = []
    probe, dask_connect = socket.create_connection, distributed.comm.connect

    def counted_probe(*args, **kwargs):
        attempts.append("probe")
        return probe(*args, **kwargs)

    async def counted_connect(*args, **kwargs):
        attempts.append("dask connect")
        return await dask_connect(*args, **kwargs)

    class CountedClient(distributed.Client):
        def __init__(self, *args, **kwargs):
            attempts.append("dask client")
            super().__init__(*args, **kwargs)
    monkeypatch.setattr(socket, "create_connection", counted_probe)
    monkeypatch.setattr(distributed.comm, "connect", counted_connect)
    monkeypatch.setattr(distributed, "Client", CountedClient)
    return attempts


def _guarded(function, *, guard: float = 120.0):
    """``function()``'s exception (None if it returned), run in a thread; fails if it is
    still running after ``guard`` s: a stop for a hang, far beyond any timeout tested."""
    outcome = []

    def call():
        try:
            function()
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            outcome.append(exc)
    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    thread.join(guard)
    assert not thread.is_alive(), f"still waiting after {guard} s"
    return outcome[0]


def test_refused_scheduler_connection_fails_at_once(tmp_path, connection_attempts):
    """A port nobody listens on: one line naming --scheduler, exit 2, nothing written, and
    no wait: the engine tries one TCP connection and never Dask's connect, which retried a
    refused connection for 10 s (the command line's path is the same ``make_backend``)."""
    address = f"tcp://127.0.0.1:{_free_port()}"
    out = tmp_path / "out"
    result = _hypomag(SWEEP + ["--scheduler", address, "--out", str(out)], tmp_path)
    _refused(result, out, address)
    assert "connection refused" in result.stderr

    from experiments.engine.backends import make_backend
    from experiments.engine.errors import UsageError
    with pytest.raises(UsageError, match="connection refused"):
        make_backend(scheduler=f"tcp://127.0.0.1:{_free_port()}")
    assert connection_attempts == ["probe"]


def test_silent_server_times_out(monkeypatch):
    """A server that accepts the connection and never answers (Dask's own Client waits for
    ever there) fails after CONNECT_TIMEOUT seconds (10; 1 here): the error names the
    timeout that ended the wait, and the call returns."""
    from experiments.engine import backends, dask_backend
    from experiments.engine.errors import UsageError
    monkeypatch.setattr(dask_backend, "CONNECT_TIMEOUT", 1)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        error = _guarded(lambda: backends.make_backend(
            scheduler=f"tcp://127.0.0.1:{silent.getsockname()[1]}"))
    assert isinstance(error, UsageError), repr(error)
    assert re.search(r"no answer as a Dask scheduler within 1 s", str(error)), str(error)


def test_empty_scheduler_refused(tmp_path):
    """``--scheduler ""`` is no scheduler address: refused, not run serially."""
    out = tmp_path / "out"
    result = _hypomag(SWEEP + ["--scheduler", "", "--out", str(out)], tmp_path)
    _refused(result, out, "")

    from experiments.engine.backends import make_backend
    from experiments.engine.errors import UsageError
    for blank in ("", "   "):
        with pytest.raises(UsageError, match=r"^--scheduler '\s*': allowed: "):
            make_backend(scheduler=blank)


def test_scheduler_lost_mid_sweep(tmp_path):
    """``dask scheduler`` killed after two of ten batches: one line naming the scheduler
    (no Dask tracebacks), exit 1, the finished batches kept for --resume."""
    running = Cluster(tmp_path)
    scheduler_file = tmp_path / "scheduler.json"
    try:
        scheduler = running.start("scheduler", _dask("scheduler") + [
            "--host", "127.0.0.1", "--port", "0", "--dashboard-address", "127.0.0.1:0",
            "--scheduler-file", str(scheduler_file)])
        deadline = time.monotonic() + 120
        while not scheduler_file.exists() or not scheduler_file.read_text().strip():
            assert scheduler.poll() is None and time.monotonic() < deadline, running.logs()
            time.sleep(0.2)
        address = json.loads(scheduler_file.read_text())["address"]
        running.start("worker", _dask("worker") + [
            "--scheduler-file", str(scheduler_file), "--nthreads", "1",
            "--dashboard-address", "127.0.0.1:0", "--local-directory", str(tmp_path / "work"),
            "--death-timeout", "30"])
        out = tmp_path / "out"
        mg = ",".join(f"{0.1 * k:.1f}" for k in range(1, 11))
        # a collecting duct of 200 slabs: about 1 s per batch, time to kill the scheduler
        command = _command("hypomag", "experiments.cli") + [
            "run", "k_secretion", "--quick", "--no-show", "--set", f"mg_i={mg}",
            "--set", "slab_length=0.01", "--batch-size", "1", "--scheduler", address,
            "--out", str(out)]
        sweep = subprocess.Popen(command, cwd=tmp_path, env={**_plain_env(), "HYPOMAG_TARGET": "numpy"},
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 300
        while len(list(out.glob(".partial-*/rows-*.json"))) < 2:
            assert sweep.poll() is None and time.monotonic() < deadline, sweep.communicate()
            time.sleep(0.1)
        os.killpg(scheduler.pid, signal.SIGKILL)
        _, stderr = sweep.communicate(timeout=120)
    finally:
        running.stop()
    line = _one_error_line(subprocess.CompletedProcess(command, sweep.returncode, "", stderr), 1)
    assert f"--scheduler {address!r}: lost the connection to the scheduler" in line, stderr
    assert "Traceback" not in stderr
    kept = list(out.glob(".partial-*/rows-*.json"))
    assert 2 <= len(kept) < 10, kept


def test_scheduler_without_workers(monkeypatch, tmp_path):
    """A scheduler with no worker: after CONNECT_TIMEOUT s (10; 1 here) a usage error that
    says to start workers, not a silent wait for ever (the call returns)."""
    from experiments.engine import backends, dask_backend
    from experiments.engine.errors import UsageError
    monkeypatch.setattr(dask_backend, "CONNECT_TIMEOUT", 1)
    waits = []
    wait_for_workers = distributed.Client.wait_for_workers

    def recorded(self, n_workers=0, timeout=None):
        waits.append(timeout)
        return wait_for_workers(self, n_workers, timeout=timeout)
    monkeypatch.setattr(distributed.Client, "wait_for_workers", recorded)
    with distributed.LocalCluster(n_workers=0, host="127.0.0.1", protocol="tcp",
                                  scheduler_port=0, dashboard_address=None) as empty:
        address = empty.scheduler_address
        error = _guarded(lambda: backends.make_backend(scheduler=address))
    assert isinstance(error, UsageError), repr(error)
    assert re.match(rf"^--scheduler '{address}': the scheduler has no workers; allowed: start "
                    rf"workers first \(dask worker {address} --nthreads 1\)$", str(error)), \
        str(error)
    assert waits == [1]  # the one wait, bounded by CONNECT_TIMEOUT


def test_long_host_and_workers_with_scheduler(tmp_path):
    """An over-long host name is a usage error of one line (was UnicodeError, exit 1), the
    address cut in the message; ``--workers N`` with ``--scheduler`` is refused (Dask sets
    its own workers), ``--workers 1`` (the default) is not."""
    out = tmp_path / "out"
    result = _hypomag(SWEEP + ["--scheduler", "tcp://" + "a" * 300 + ":1", "--out", str(out)],
                         tmp_path)
    line = _one_error_line(result, 2)
    assert "not a valid host name" in line and "allowed: " in line and len(line) < 400, line
    assert not out.exists()

    from experiments.engine.backends import make_backend
    from experiments.engine.errors import UsageError
    with pytest.raises(UsageError, match=r"^--workers 4 with --scheduler: allowed: one of the two "):
        make_backend(workers=4, scheduler="tcp://127.0.0.1:1")
    with pytest.raises(UsageError, match="connection refused"):  # workers=1: the address is tried
        make_backend(workers=1, scheduler=f"tcp://127.0.0.1:{_free_port()}")
