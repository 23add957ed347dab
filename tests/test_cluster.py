"""hypomag on a Dask cluster started as a user starts one, and a bad ``--scheduler``.

The cluster is a scheduler and two ``dask worker --nthreads 1`` processes, started
as plain commands in an environment that only makes hypomag importable (no preload,
no Dask settings): everything a worker needs, ``DaskBackend`` brings when it
connects (a worker plugin). The scheduler is ``dask scheduler``, or one kept in a
Python process as dask-jobqueue keeps it, whose event loop runs in a thread: there
every batch used to fail with ``ValueError: signal only works in main thread``
(it unpickled the batch's Brian2 quantities, importing Brian2 off the main thread).
The table must equal a serial run's byte for byte. A refused connection and an
empty address fail at once, with one line.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

REPO = Path(__file__).resolve().parents[1]
#: A small sweep: nmda_iv --quick, 145 conditions (two batches on two workers).
SWEEP = ["run", "nmda_iv", "--quick", "--no-show"]


def _plain_env() -> dict:
    """An environment with hypomag importable and nothing else of it or of Dask set."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DASK_", "HYPOMAG_", "PYTHONPATH"))}
    env["PYTHONPATH"] = str(REPO)  # as installed (pip install -e . does the same)
    return env


def _command(script: str, module: str) -> list[str]:
    """``script`` of this environment (``hypomag``), else ``python -m module``."""
    path = Path(sys.executable).with_name(script)
    return [str(path)] if path.exists() else [sys.executable, "-m", module]


def _dask(command: str) -> list[str]:
    """``dask scheduler`` or ``dask worker`` of this environment."""
    path = Path(sys.executable).with_name("dask")
    return ([str(path), command] if path.exists()
            else [sys.executable, "-m", f"distributed.cli.dask_{command}"])


def _hypomag(args, cwd, env=None) -> tuple[subprocess.CompletedProcess, float]:
    start = time.perf_counter()
    # XDG_CACHE_HOME (the catalogue of the command line) is this test run's, see conftest.py
    result = subprocess.run(_command("hypomag", "experiments.cli") + args, cwd=cwd,
                            env={**_plain_env(), **(env or {})}, capture_output=True, text=True,
                            timeout=600)
    return result, time.perf_counter() - start


class Cluster:
    """Processes started by this test, each in its own session (ended with its children)."""

    def __init__(self, folder: Path):
        self.folder, self.processes, self.address = folder, [], None

    def start(self, name: str, args: list[str], env: dict | None = None) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "wb")
        process = subprocess.Popen(args, cwd=self.folder, env={**_plain_env(), **(env or {})},
                                   stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.processes.append((name, process))
        return process

    def logs(self) -> str:
        return "\n".join(f"--- {name}.log\n" + (self.folder / f"{name}.log").read_text()[-3000:]
                         for name, _ in self.processes)

    def stop(self) -> None:
        for _, process in reversed(self.processes):  # workers first, then the scheduler
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for _, process in reversed(self.processes):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


#: A scheduler in a Python process, kept as ``dask_jobqueue.SLURMCluster`` keeps it (in a
#: ``distributed.LocalCluster`` without workers): its event loop runs in a thread, so it
#: unpickles tasks off the main thread. It writes its address as ``dask scheduler
#: --scheduler-file`` does. It imports hypomag only when it deserializes a task (the
#: task's function is ``experiments.engine.dask_backend._run_pickled_batch``), off its main
#: thread: ``import_brian2`` makes that import work there.
SCHEDULER_IN_PYTHON = """
import json, os, sys, time
import distributed
cluster = distributed.LocalCluster(n_workers=0, host="127.0.0.1", protocol="tcp",
                                   scheduler_port=0, dashboard_address=None)
with open(sys.argv[1] + ".part", "w") as file:
    json.dump({"address": cluster.scheduler_address}, file)
os.replace(sys.argv[1] + ".part", sys.argv[1])
parent = os.getppid()
while os.getppid() == parent:  # ends with the test run, even one killed
    time.sleep(1)
"""


@pytest.fixture(scope="module", params=["dask scheduler", "scheduler in python"])
def cluster(tmp_path_factory, request):
    """A scheduler and two ``dask worker --nthreads 1``, each a separate process: the
    scheduler is ``dask scheduler``, or one kept in a Python process (dask-jobqueue's
    way, and a ``LocalCluster`` started in a script or notebook)."""
    folder = tmp_path_factory.mktemp("cluster")
    running = Cluster(folder)
    request.addfinalizer(running.stop)
    scheduler_file = folder / "scheduler.json"
    if request.param == "dask scheduler":
        command = _dask("scheduler") + ["--host", "127.0.0.1", "--port", "0",
                                        "--dashboard-address", "127.0.0.1:0",
                                        "--idle-timeout", "600"]  # if the test run dies
    else:
        command = [sys.executable, "-c", SCHEDULER_IN_PYTHON]
    scheduler = running.start("scheduler", command + (
        ["--scheduler-file", str(scheduler_file)] if request.param == "dask scheduler"
        else [str(scheduler_file)]))
    deadline = time.monotonic() + 120
    while not scheduler_file.exists() or not scheduler_file.read_text().strip():
        assert scheduler.poll() is None and time.monotonic() < deadline, running.logs()
        time.sleep(0.2)
    running.address = json.loads(scheduler_file.read_text())["address"]
    # the workers' own compiled-code cache, so that a test sees what they compile
    running.worker_cache = folder / "worker-cache"
    for number in (1, 2):
        running.start(f"worker{number}", _dask("worker") + [
            "--scheduler-file", str(scheduler_file), "--nthreads", "1", "--name", f"w{number}",
            "--dashboard-address", "127.0.0.1:0", "--local-directory", str(folder / "work"),
            "--death-timeout", "60"], env={"HYPOMAG_CYTHON_CACHE": str(running.worker_cache)})
    with distributed.Client(running.address, timeout="60s") as client:
        try:
            client.wait_for_workers(2, timeout=180)
        except TimeoutError:
            pytest.fail("the workers did not start:\n" + running.logs())
    return running


@pytest.fixture(scope="module")
def serial_table(tmp_path_factory) -> bytes:
    """The table of the sweep run serially by the command line."""
    folder = tmp_path_factory.mktemp("serial")
    result, _ = _hypomag(SWEEP + ["--out", str(folder / "out")], folder)
    assert result.returncode == 0, result.stderr
    return (folder / "out" / "nmda_iv.csv").read_bytes()


def test_plain_cluster_same_bytes_as_serial(cluster, serial_table, tmp_path):
    """``--scheduler`` on a cluster that knows nothing of hypomag: every batch runs and the
    table equals a serial run's byte for byte; afterwards no worker keeps Brian2's SIGINT
    handler (which would return a batch cut short as complete)."""
    result, _ = _hypomag(SWEEP + ["--scheduler", cluster.address, "--out", str(tmp_path / "d")],
                         tmp_path)
    assert result.returncode == 0, result.stderr + cluster.logs()
    table = (tmp_path / "d" / "nmda_iv.csv").read_bytes()
    assert table.count(b"\n") == 146
    assert table == serial_table
    record = json.loads((tmp_path / "d" / "nmda_iv.json").read_text())
    assert record["backend"] == "dask" and record["batches"] == 2

    def state():  # runs on each worker's event loop
        import signal
        import sys
        brian2 = sys.modules.get("brian2")
        return (brian2 is not None,
                signal.getsignal(signal.SIGINT) is getattr(brian2, "_int_handler", 0),
                brian2 is not None and brian2.prefs.core.stop_on_keyboard_interrupt)

    with distributed.Client(cluster.address, timeout="60s") as client:
        states = client.run(state)
    assert len(states) == 2 and all(s == (True, False, False) for s in states.values()), states


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


def test_refused_scheduler_connection_fails_at_once(tmp_path):
    """A port nobody listens on: one line naming --scheduler, exit 2, nothing written, and
    no wait (Dask's own connect retried a refused connection for 10 s)."""
    address = f"tcp://127.0.0.1:{_free_port()}"
    out = tmp_path / "out"
    result, elapsed = _hypomag(SWEEP + ["--scheduler", address, "--out", str(out)], tmp_path)
    _refused(result, out, address)
    assert "connection refused" in result.stderr
    assert elapsed < 10, elapsed  # the whole command, Python and Brian2 imports included

    from experiments.engine.backends import make_backend
    from experiments.engine.errors import UsageError
    start = time.perf_counter()
    with pytest.raises(UsageError, match="connection refused"):
        make_backend(scheduler=f"tcp://127.0.0.1:{_free_port()}")
    assert time.perf_counter() - start < 2


def test_silent_server_times_out(monkeypatch):
    """A server that accepts the connection and never answers (Dask's own Client waits for
    ever there) fails after CONNECT_TIMEOUT seconds (10; 1 here)."""
    from experiments.engine import backends, dask_backend
    from experiments.engine.errors import UsageError
    monkeypatch.setattr(dask_backend, "CONNECT_TIMEOUT", 1)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        start = time.perf_counter()
        with pytest.raises(UsageError, match=r"no answer as a Dask scheduler within 1 s"):
            backends.make_backend(scheduler=f"tcp://127.0.0.1:{silent.getsockname()[1]}")
        assert time.perf_counter() - start < 5


def test_empty_scheduler_refused(tmp_path):
    """``--scheduler ""`` is no scheduler address: refused, not run serially."""
    out = tmp_path / "out"
    result, _ = _hypomag(SWEEP + ["--scheduler", "", "--out", str(out)], tmp_path)
    _refused(result, out, "")

    from experiments.engine.backends import make_backend
    from experiments.engine.errors import UsageError
    for blank in ("", "   "):
        with pytest.raises(UsageError, match=r"^--scheduler '\s*': allowed: "):
            make_backend(scheduler=blank)


#: A Brian2 sweep that integrates (the kinetic NMDA block; no other test of this module
#: compiles it): the Cython build compiles its code, the numpy build compiles nothing;
#: two Mg values, one batch each (one per worker).
BUILD_SWEEP = ["run", "nmda_iv", "--quick", "--no-show", "--set", "block=kinetic",
               "--set", "mg_o=0.1,1.0", "--batch-size", "1"]


@pytest.fixture(scope="module")
def serial_builds(tmp_path_factory) -> dict:
    """The table of BUILD_SWEEP run serially with HYPOMAG_TARGET=numpy and with the default."""
    tables = {}
    for target in ("numpy", "cython"):
        folder = tmp_path_factory.mktemp(f"serial-{target}")
        result, _ = _hypomag(BUILD_SWEEP + ["--out", str(folder / "out")], folder,
                             {"HYPOMAG_TARGET": target})
        assert result.returncode == 0, result.stderr
        tables[target] = (folder / "out" / "nmda_iv.csv").read_bytes()
    return tables


def _cached_files(folder: Path) -> set:
    return {p for p in folder.rglob("*") if p.is_file()} if folder.exists() else set()


def test_client_build_reaches_workers(cluster, serial_builds, tmp_path):
    """The workers run the client's build, whatever their own environment says:
    HYPOMAG_TARGET=numpy set for ``hypomag`` only makes the workers compile nothing into
    their (own, initially without the kinetic block's code) compiled-code cache, the default
    makes them compile the kinetic NMDA clamp there; both give the serial table of their
    build."""
    for target in ("numpy", "cython"):
        out = tmp_path / target
        before = _cached_files(cluster.worker_cache)
        result, _ = _hypomag(BUILD_SWEEP + ["--scheduler", cluster.address, "--out", str(out)],
                             tmp_path, {"HYPOMAG_TARGET": target})
        assert result.returncode == 0, result.stderr + cluster.logs()
        assert (out / "nmda_iv.csv").read_bytes() == serial_builds[target], target
        assert json.loads((out / "nmda_iv.json").read_text())["backend"] == "dask"
        compiled = _cached_files(cluster.worker_cache) - before
        if target == "numpy":
            assert not compiled, sorted(map(str, compiled))
        else:
            assert compiled, "the workers compiled nothing for the Cython build"


def _one_error_line(result, code: int) -> str:
    assert result.returncode == code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("hypomag: error: --scheduler "), result.stderr
    return lines[0]


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
        # a collecting duct of 1000 slabs: about 2 s per batch, time to kill the scheduler
        command = _command("hypomag", "experiments.cli") + [
            "run", "k_secretion", "--quick", "--no-show", "--set", f"mg_i={mg}",
            "--set", "slab_length=0.002", "--batch-size", "1", "--scheduler", address,
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
    says to start workers, not a silent wait for ever."""
    from experiments.engine import backends, dask_backend
    from experiments.engine.errors import UsageError
    monkeypatch.setattr(dask_backend, "CONNECT_TIMEOUT", 1)
    with distributed.LocalCluster(n_workers=0, host="127.0.0.1", protocol="tcp",
                                  scheduler_port=0, dashboard_address=None) as empty:
        address = empty.scheduler_address
        start = time.perf_counter()
        with pytest.raises(UsageError, match=(
                rf"^--scheduler '{address}': the scheduler has no workers; allowed: start "
                rf"workers first \(dask worker {address} --nthreads 1\)$")):
            backends.make_backend(scheduler=address)
        assert time.perf_counter() - start < 8


def test_long_host_and_workers_with_scheduler(tmp_path):
    """An over-long host name is a usage error of one line (was UnicodeError, exit 1), the
    address cut in the message; ``--workers N`` with ``--scheduler`` is refused (Dask sets
    its own workers), ``--workers 1`` (the default) is not."""
    out = tmp_path / "out"
    result, _ = _hypomag(SWEEP + ["--scheduler", "tcp://" + "a" * 300 + ":1", "--out", str(out)],
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
