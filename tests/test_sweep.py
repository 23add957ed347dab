"""The sweep engine: grids, batches, resume, backends and common random numbers.

Every check compares tables written by the engine byte for byte
(``Table.to_csv_text``, the exact text of ``NAME.csv``): the same sweep must
give the same bytes whatever the backend (serial, ``--workers 2``, a Dask
``LocalCluster``), the batch size, padding or an interruption and resume.
Runs use the real ``nmda_iv`` and ``romk_iv`` experiments with short clamps;
two test-only experiments (found by the engine through their import path,
``test_sweep:CountingIV`` and ``test_sweep:NoisyCells``) count batches, fail
on request and draw random numbers per condition seed.
"""
from __future__ import annotations

import signal

import numpy as np
import pytest
from brian2 import mM

from experiments.nmda_iv import NMDAIV
from experiments.romk_iv import ROMKIV
from experiments.engine.framework import Experiment
from experiments.engine.run import resolve
from experiments.engine.settings import Setting, concentration
from experiments.engine.backends import (ProcessBackend, SerialBackend, make_backend,
                                         worker_start_method)
from experiments.engine.batch import experiment_spec, resolve_experiment
from experiments.engine.plan import make_plan
from experiments.engine.storage import partial_dir, stored_batches
from experiments.engine.sweep import SweepError, SweepInterrupted, execute

#: A small, fast nmda_iv sweep: 2 Mg x 5 voltages, 2 ms clamps.
SMALL = {"mg_o": "0,1", "v": "-80:0:5", "settle": "2"}


def plan_of(cls, cli=None, seed=1, zip_dims=(), batch_size=None, quick=True):
    values = resolve(cls, quick, {}, cli or {})
    return make_plan(cls(), values, seed, zip_dims, batch_size)


def csv(tables) -> str:
    return tables["main"].to_csv_text()


class CountingIV(NMDAIV):
    """nmda_iv that counts the batches it runs and can fail from a given batch on."""

    name = "counting_iv"
    calls = 0
    fail_after: int | None = None
    fail_when_v: float | None = None

    def build(self, n, fixed):
        runner = super().build(n, fixed)

        def counted(conditions):
            cls = type(self)
            cls.calls += 1
            if cls.fail_after is not None and cls.calls > cls.fail_after:
                raise FloatingPointError("simulated crash")
            if cls.fail_when_v is not None and any(c["v"] == cls.fail_when_v for c in conditions):
                raise FloatingPointError("simulated crash")
            return runner(conditions)
        return counted

    @classmethod
    def reset(cls):
        cls.calls, cls.fail_after, cls.fail_when_v = 0, None, None


class NoisyCells(Experiment):
    """Leaky units with a random input drawn from each condition's seed (checks CRN)."""

    name = "noisy_cells"
    stochastic = True
    default_replicates = (3, 3)
    settings = (concentration("mg_o", (0.0, 0.5, 1.0), "extracellular Mg2+", "test values"),
                Setting("gain", (1.0,), None, "input scale", "test value", structural=True))

    def build(self, n, fixed):
        from brian2 import NeuronGroup, Network, ms
        group = NeuronGroup(n, "dv/dt = (I - v) / (2*ms) : 1\nI : 1 (constant)",
                            method="exact", dt=0.1 * ms, name="noisy*")
        network = Network(group)
        network.store()

        def runner(conditions):
            network.restore()
            drive = [np.random.default_rng(c["seed"]).normal() for c in conditions]
            group.I = np.asarray(drive) * fixed["gain"] * (1 + np.array(
                [c.get("mg_o", fixed.get("mg_o")) for c in conditions]))
            network.run(1 * ms)
            rows = [[{"v_end": float(v)}] for v in group.v[:]]
            rows[0].append({"_table": "run", "_once": True, "gain": fixed["gain"]})  # run-level
            return rows
        return runner


@pytest.fixture(autouse=True)
def fresh_counter():
    CountingIV.reset()
    yield
    CountingIV.reset()


def test_specs_find_registered_and_test_only_experiments():
    """Every experiment travels to a worker by import path (the engine knows no registry)."""
    assert experiment_spec(NMDAIV()) == "experiments.nmda_iv:NMDAIV"
    spec = experiment_spec(CountingIV)
    assert spec.endswith(":CountingIV") and resolve_experiment(spec) is CountingIV
    assert resolve_experiment(experiment_spec(ROMKIV)) is ROMKIV


def test_same_bytes_serial_workers_and_dask(tmp_path):
    """Serial, --workers 2 (forked or spawned) and a Dask LocalCluster write identical tables."""
    distributed = pytest.importorskip("distributed")
    tables = {}
    plan = plan_of(NMDAIV, SMALL)
    tables["serial"] = csv(execute(plan, tmp_path / "s", SerialBackend(), progress=False))
    for method in ("fork", "spawn"):  # the two ways --workers starts its processes
        backend = ProcessBackend(2, start_method=method)
        try:
            plan = plan_of(NMDAIV, SMALL)
            tables[method] = csv(execute(plan, tmp_path / method, backend, progress=False))
            assert len(plan.batches) == 2  # one batch per worker without --batch-size
        finally:
            backend.close()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        backend = make_backend(scheduler=cluster.scheduler_address)
        try:
            tables["dask"] = csv(execute(plan_of(NMDAIV, SMALL), tmp_path / "d", backend,
                                         progress=False))
        finally:
            backend.close()
    assert tables["serial"].count("\n") == 11
    assert tables["fork"] == tables["serial"]
    assert tables["spawn"] == tables["serial"]
    assert tables["dask"] == tables["serial"]


def test_worker_start_method(monkeypatch):
    """--workers forks on Linux only from a single-threaded process; the variable overrides."""
    import sys
    import threading
    from experiments.engine.settings import UsageError
    monkeypatch.delenv("HYPOMAG_START_METHOD", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    assert worker_start_method() == "fork"
    monkeypatch.setattr(threading, "active_count", lambda: 2)
    assert worker_start_method() == "spawn"
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    monkeypatch.setattr(sys, "platform", "darwin")
    assert worker_start_method() == "spawn"
    monkeypatch.setenv("HYPOMAG_START_METHOD", "fork")
    assert worker_start_method() == "fork"
    monkeypatch.setenv("HYPOMAG_START_METHOD", "thread")
    with pytest.raises(UsageError, match="HYPOMAG_START_METHOD='thread': allowed: fork, spawn"):
        worker_start_method()


def test_crash_names_conditions_and_resume_recomputes_only_missing(tmp_path):
    """A crash after 3 of 5 batches keeps them; --resume runs only the 2 others, same table."""
    reference = csv(execute(plan_of(NMDAIV, SMALL, batch_size=2), tmp_path / "ref",
                            progress=False))
    CountingIV.fail_after = 3
    plan = plan_of(CountingIV, SMALL, batch_size=2)
    with pytest.raises(SweepError) as error:
        execute(plan, tmp_path, progress=False)
    message = str(error.value)
    assert "conditions 7-8 of 10" in message and "mg_o_mM=1 v_mV=-40" in message
    assert "FloatingPointError: simulated crash" in message and "--resume" in message
    assert "+1 more failed batches" in message
    assert len(stored_batches(partial_dir(plan, tmp_path), 10)) == 3
    CountingIV.reset()
    resumed = execute(plan_of(CountingIV, SMALL, batch_size=2), tmp_path, resume=True,
                      progress=False)
    assert CountingIV.calls == 2
    assert csv(resumed) == reference


class SwallowedInterrupt(CountingIV):
    """counting_iv whose first batch gets Ctrl-C while Python runs a ``__del__`` (as during
    garbage collection): the KeyboardInterrupt raised there is printed and ignored."""

    name = "swallowed_interrupt"

    def build(self, n, fixed):
        runner = super().build(n, fixed)

        class Finalized:
            def __del__(self):
                signal.raise_signal(signal.SIGINT)

        def run(conditions):
            rows = runner(conditions)
            if type(self).calls == 1:
                Finalized()  # deleted at once: the signal handler runs inside __del__
            return rows
        return run


def test_an_interrupt_python_swallowed_still_stops_the_sweep(tmp_path, capfd):
    """The sweep stops after the batch during which the swallowed Ctrl-C came (that batch
    ran its whole simulated time and is kept: the interrupt did not end its runner), instead
    of finishing with exit 0, and prints no traceback of the swallowed exception."""
    plan = plan_of(SwallowedInterrupt, SMALL, batch_size=2)
    with pytest.raises(SweepInterrupted, match="interrupted: 1 of 5 batches finished"):
        execute(plan, tmp_path, progress=False)
    assert "Traceback" not in capfd.readouterr().err
    assert SwallowedInterrupt.calls == 1
    assert len(stored_batches(partial_dir(plan, tmp_path), 10)) == 1


def test_a_simulation_is_not_rerun_for_another_build():
    """A process keeps its built simulation per build too: a batch asking for another code
    generation target (a Dask worker serving clients with other HYPOMAG_TARGET) is built
    anew, not run on code compiled for the first target."""
    from experiments.engine.batch import _RUNNERS, run_batch
    fixed, conditions = plan_of(ROMKIV, {"mg_i": "0,1", "v": "-80", "settle": "2"}).batches[0]
    spec = experiment_spec(ROMKIV)
    try:
        numpy_rows = run_batch(spec, fixed, conditions, "numpy")
        assert [key[1][0] for key in _RUNNERS] == ["numpy"]
        cython_rows = run_batch(spec, fixed, conditions, "cython")
        assert [key[1][0] for key in _RUNNERS] == ["cython"]
    finally:
        _RUNNERS.clear()
    assert len(numpy_rows) == len(cython_rows) == 2


def test_a_failure_before_any_batch_finished_leaves_nothing(tmp_path):
    """The only batch fails (a bug in an experiment, say): the message names the failing
    conditions and the error, does not advise --resume (it could not help), and no folder
    of unfinished batches is left."""
    from brian2 import mV
    CountingIV.fail_when_v = -40.0 * mV
    plan = plan_of(CountingIV, SMALL)
    with pytest.raises(SweepError) as error:
        execute(plan, tmp_path, progress=False)
    message = str(error.value)
    assert "conditions 1-10 of 10" in message and "mg_o_mM=0 v_mV=-80" in message
    assert "nothing was kept" in message and "--resume" not in message
    assert not partial_dir(plan, tmp_path).exists() and list(tmp_path.iterdir()) == []


def test_resume_after_deleted_batch_files_and_new_batch_size(tmp_path):
    """Deleted batch files are recomputed, kept ones reused, whatever the new batch size."""
    plan = plan_of(CountingIV, SMALL, batch_size=2)
    full = csv(execute(plan, tmp_path, progress=False))
    folder = partial_dir(plan, tmp_path)
    files = sorted(folder.glob("rows-*.json"))
    assert len(files) == 5 and CountingIV.calls == 5
    files[1].unlink()
    files[4].unlink()
    CountingIV.calls = 0
    again = execute(plan_of(CountingIV, SMALL, batch_size=10), tmp_path, resume=True,
                    progress=False)
    assert CountingIV.calls == 2  # the two gaps, each within the new batch size
    assert csv(again) == full
    CountingIV.calls = 0
    execute(plan_of(CountingIV, SMALL, batch_size=2), tmp_path, resume=False, progress=False)
    assert CountingIV.calls == 5  # without --resume everything is recomputed


def test_results_independent_of_batch_size_and_padding(tmp_path):
    """The same tables for batch sizes 1, 5 (5 + 4, padded) and all at once (common random numbers)."""
    texts = set()
    for size in (1, 5, None):
        plan = plan_of(NoisyCells, batch_size=size, seed=7)
        tables = execute(plan, tmp_path / str(size), progress=False)
        texts.add((csv(tables), tables["run"].to_csv_text()))
    assert len(texts) == 1
    # run-level rows ("_once"): one copy, without condition columns, whatever the batches
    assert texts.pop()[1] == "gain\n1\n"
    table = execute(plan_of(NoisyCells, seed=7), tmp_path / "again", progress=False)["main"]
    assert len(table) == 9 and len(set(table["v_end"])) == 9
    # seeds are replicates seed, seed+1, ...; the same seed gives the same input at every Mg
    first = table.where(seed=7)
    ratio = first["v_end"] / (1 + first["mg_o_mM"])
    assert np.allclose(ratio, ratio[0], rtol=1e-9)


def test_padding_reuses_the_built_simulation(tmp_path):
    """Equal batches (4,3,3 of 10) run on one build: the short ones are padded."""
    import experiments.engine.batch as sweep
    plan = plan_of(NMDAIV, SMALL, batch_size=4)
    assert [b - a for a, b in plan.layout()] == [4, 3, 3]
    builds = []
    original = NMDAIV.build

    def counting_build(self, n, fixed):
        builds.append(n)
        return original(self, n, fixed)
    sweep._RUNNERS.clear()
    NMDAIV.build = counting_build
    try:
        tables = execute(plan, tmp_path, progress=False)
    finally:
        NMDAIV.build = original
    assert builds == [4] and len(tables["main"]) == 10


def test_zip_and_product_grids():
    """--zip pairs values in lock-step; without it the grid is the full product."""
    cli = {"mg_i": "0,1", "k_o": "5,10", "v": "-80,0"}
    product = plan_of(ROMKIV, cli)
    zipped = plan_of(ROMKIV, cli, zip_dims=("mg_i", "k_o"))
    assert len(product.conditions) == 8 and len(zipped.conditions) == 4
    def in_mM(condition):
        return float(condition["mg_i"] / mM), float(condition["k_o"] / mM)
    pairs = {in_mM(c) for c in zipped.conditions}
    assert pairs == {(0.0, 5.0), (1.0, 10.0)}
    assert {in_mM(c) for c in product.conditions} == {
        (m, k) for m in (0.0, 1.0) for k in (5.0, 10.0)}
    from experiments.engine.settings import UsageError
    with pytest.raises(UsageError, match="same number of values"):
        plan_of(ROMKIV, {"mg_i": "0,1,2", "k_o": "5,10"}, zip_dims=("mg_i", "k_o"))


def test_zipped_sweep_runs(tmp_path):
    """A zipped romk_iv sweep gives one row per (pair, voltage) with matching columns."""
    plan = plan_of(ROMKIV, {"mg_i": "0,1", "k_o": "5,10", "v": "-80,0", "settle": "1"},
                   zip_dims=("mg_i", "k_o"))
    table = execute(plan, tmp_path, progress=False)["main"]
    assert len(table) == 4
    assert set(zip(table["mg_i_mM"], table["k_o_mM"])) == {(0.0, 5.0), (1.0, 10.0)}


def test_structural_values_never_share_a_batch(tmp_path):
    """Block forms (structural) go outermost and split batches, even with a large batch size."""
    cli = {**SMALL, "block": "jahr_stevens,woodhull"}
    plan = plan_of(NMDAIV, cli, batch_size=1000)
    assert plan.dims[0] == "block"
    assert len(plan.batches) == 2
    for fixed, conditions in plan.batches:
        assert {c["block"] for c in conditions} == {fixed["block"]}
    small = plan_of(NMDAIV, cli, batch_size=3)
    for fixed, conditions in small.batches:
        assert {c["block"] for c in conditions} == {fixed["block"]}
    table = execute(plan, tmp_path, progress=False)["main"]
    # Woodhull with the default parameters reproduces Jahr-Stevens (REFERENCE section 1)
    js, wh = table.where(block="jahr_stevens"), table.where(block="woodhull")
    assert np.allclose(js["unblocked"], wh["unblocked"], rtol=1e-6)
