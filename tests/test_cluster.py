"""hypomag on a Dask cluster started as a user starts one.

The cluster is a scheduler and two ``dask worker --nthreads 1`` processes, started
as plain commands in an environment that only makes hypomag importable (no preload,
no Dask settings): everything a worker needs, ``DaskBackend`` brings when it
connects (a worker plugin). The scheduler is ``dask scheduler``, or one kept in a
Python process as dask-jobqueue keeps it, whose event loop runs in a thread: there
every batch used to fail with ``ValueError: signal only works in main thread``
(it unpickled the batch's Brian2 quantities, importing Brian2 off the main thread).
The table must equal a serial run's byte for byte. A bad or lost ``--scheduler``:
tests/test_cluster_failures.py (a file of its own, so that the two halves of the
cluster tests run on different xdist workers).
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

from cluster_support import SWEEP, Cluster, _dask, _hypomag

distributed = pytest.importorskip("distributed")


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
    result = _hypomag(SWEEP + ["--out", str(folder / "out")], folder)
    assert result.returncode == 0, result.stderr
    return (folder / "out" / "nmda_iv.csv").read_bytes()


def test_plain_cluster_same_bytes_as_serial(cluster, serial_table, tmp_path):
    """``--scheduler`` on a cluster that knows nothing of hypomag: every batch runs and the
    table equals a serial run's byte for byte; afterwards no worker keeps Brian2's SIGINT
    handler (which would return a batch cut short as complete)."""
    result = _hypomag(SWEEP + ["--scheduler", cluster.address, "--out", str(tmp_path / "d")],
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
        result = _hypomag(BUILD_SWEEP + ["--out", str(folder / "out")], folder,
                             {"HYPOMAG_TARGET": target})
        assert result.returncode == 0, result.stderr
        tables[target] = (folder / "out" / "nmda_iv.csv").read_bytes()
    return tables


def _cached_files(folder: Path) -> set:
    return {p for p in folder.rglob("*") if p.is_file()} if folder.exists() else set()


@pytest.mark.parametrize("cluster", ["dask scheduler"], indirect=True)
def test_client_build_reaches_workers(cluster, serial_builds, tmp_path):
    """The workers run the client's build, whatever their own environment says:
    HYPOMAG_TARGET=numpy set for ``hypomag`` only makes the workers compile nothing into
    their (own, initially without the kinetic block's code) compiled-code cache, the default
    makes them compile the kinetic NMDA clamp there; both give the serial table of their
    build. (On one kind of scheduler: the build travels with the task, whichever kind
    passes it on; both kinds run batches in test_plain_cluster_same_bytes_as_serial.)"""
    for target in ("numpy", "cython"):
        out = tmp_path / target
        before = _cached_files(cluster.worker_cache)
        result = _hypomag(BUILD_SWEEP + ["--scheduler", cluster.address, "--out", str(out)],
                             tmp_path, {"HYPOMAG_TARGET": target})
        assert result.returncode == 0, result.stderr + cluster.logs()
        assert (out / "nmda_iv.csv").read_bytes() == serial_builds[target], target
        assert json.loads((out / "nmda_iv.json").read_text())["backend"] == "dask"
        compiled = _cached_files(cluster.worker_cache) - before
        if target == "numpy":
            assert not compiled, sorted(map(str, compiled))
        else:
            assert compiled, "the workers compiled nothing for the Cython build"
