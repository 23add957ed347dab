"""The two paths of a declared simulation (experiments/engine/compiled.py, standalone.py).

The same declared simulation runs on Brian2's runtime and as a compiled C++ program
(``path=runtime|standalone``): the pyramidal cell (the benchmark cell) and the
principal cell give the same spike counts, potentials and concentrations on both.
The runtime and the program use different exponentials (glibc's scalar ``exp`` in
Brian2's non-vectorized loops, libmvec's SIMD ``exp``, accurate to 4 ulp, in the
program's), so the tolerances are relative 1e-9 on the state variables, and spike
counts must be identical. The program is compiled once per structure into the build
cache and rerun with new inputs: a new process does not compile it again. On the
compiled path too, the engine's promises hold: the same bytes whatever the backend
(serial, --workers, Dask) and batch layout, resume after a failure, progress.

Every test uses one of two programs (the benchmark cell for 5 conditions of 50 ms:
batches of 10 in two pieces; the principal cell for 3 conditions, 120 steps), so the
suite compiles each once (on a 2-core machine; the piece size is a batch per core).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from brian2 import Hz, mM, ms, second

from benchmarks.cell import BatchCell, BenchCell
from experiments.engine import Experiment, Setting, concentration
from experiments.engine.compiled import STANDALONE_MIN_STEPS, Simulation, choose_path
from experiments.engine.run import simulate
from experiments.engine.standalone import build_size, cache_root

REPO = Path(__file__).resolve().parents[1]
#: The benchmark cell's test sweep: 5 Mg values x 4 seeds, 50 ms (2000 steps), 1.5 kHz input.
BENCH = {"mg_o": [0.0, 0.5, 1.0, 1.5, 2.0], "replicates": 4, "duration": 50.0, "input_rate": 1500.0}
#: Conditions per batch (two batches, each run in two pieces of 5): every test runs
#: batches of this size, so all share one program.
BATCH = 10


class PrincipalRelaxation(Experiment):
    """Principal cells (models.principal_cell) relaxing from the model's initial state."""

    name = "principal_relaxation"
    title = "Principal cell relaxation at several Mg_i (test workload)"
    columns = ("mg_i_mM", "v_b_mV", "v_te_mV", "k_c_mM", "na_c_mM")
    settings = (
        concentration("mg_i", (0.05, 0.1, 0.25, 0.5, 1.0, 2.0), "cytoplasmic free Mg2+", "test"),
        Setting("duration", (6.0,), second, "relaxation time", "test", minimum=0.0,
                exclusive_minimum=True),
        Setting("dt", (50.0,), ms, "time step", "PrincipalCell.build_group default",
                minimum=0.0, exclusive_minimum=True),
    )
    outputs = {"v_b_mV": ("V_b", 1e3), "v_te_mV": ("V_te", 1e3), "k_c_mM": ("K_c", 1.0),
               "na_c_mM": ("Na_c", 1.0)}

    def schedule(self, fixed):
        return fixed["duration"], fixed["dt"]

    def simulation(self, n, fixed):
        from models.principal_cell import PrincipalCell
        group = PrincipalCell().build_group(n, dt=fixed["dt"], name="principal_cell")
        return Simulation([group], fixed["duration"], inputs={"Mg_i": (group, "Mg_i")},
                          outputs={v: (group, v) for v, _ in self.outputs.values()})

    def inputs(self, conditions, fixed):
        return {"Mg_i": self.batch_values(conditions, fixed, ["mg_i"])["mg_i"]}

    def rows(self, conditions, fixed, outputs):
        return [[{column: float(outputs[v][k] * scale) for column, (v, scale) in
                  self.outputs.items()}] for k in range(len(conditions))]


def bench(path, **options):
    return simulate(BenchCell, path=path, batch_size=BATCH, **BENCH, **options)["main"]


@pytest.fixture(scope="module")
def bench_paths():
    """The benchmark sweep on both paths: (runtime table, standalone table)."""
    return bench("runtime"), bench("standalone")


def program_files() -> dict[str, int]:
    """Every file of the benchmark sweep's program (its runs excluded) -> modification time."""
    from experiments.engine.run import prepare
    from experiments.engine.standalone import build_key
    plan = prepare(BenchCell, cli_set={"path": "standalone", **BENCH}, batch_size=BATCH)
    folder = cache_root() / build_key("benchmarks.cell:BenchCell", BATCH // 2, plan.fixed)
    assert (folder / "manifest.json").is_file()
    return {str(p): p.stat().st_mtime_ns for p in folder.rglob("*")
            if p.is_file() and "runs" not in p.relative_to(folder).parts[:1]}


def test_path_rule():
    assert choose_path("auto", STANDALONE_MIN_STEPS) == "standalone"
    assert choose_path("auto", STANDALONE_MIN_STEPS - 1) == "runtime"
    assert choose_path("runtime", 10**9) == "runtime"
    assert choose_path("standalone", 1) == "standalone"
    with pytest.raises(ValueError, match="path='fast'; allowed: auto, runtime, standalone"):
        choose_path("fast", 10)
    # eight program sizes per octave: nearby batch sizes share a program, padding <= 1/8
    assert [build_size(n) for n in (1, 5, 8, 9, 17, 100, 1000)] == [1, 5, 8, 9, 18, 104, 1024]
    assert all(n <= build_size(n) <= n * 9 / 8 for n in range(1, 5000))


def test_program_depends_on_the_declared_settings_only():
    """Fixed values that reach the program as inputs (one Mg value) or belong to the engine
    (path, replicates) do not make a new program; its run length does."""
    from experiments.engine.standalone import build_key
    spec = "benchmarks.cell:BenchCell"
    base = {"input_rate": 500 * Hz, "duration": 50 * ms, "dt": 0.025 * ms}
    key = build_key(spec, 5, {**base, "mg_o": 1 * mM, "path": "auto", "replicates": 3})
    assert key == build_key(spec, 5, {**base, "mg_o": 0.2 * mM, "path": "standalone"})
    assert key != build_key(spec, 5, {**base, "duration": 60 * ms})
    assert key != build_key(spec, 6, base)


def test_a_build_without_its_program_or_manifest_is_not_whole(tmp_path):
    from experiments.engine.standalone import is_built
    (tmp_path / "manifest.json").write_text("{}")
    assert not is_built(tmp_path)  # an interrupted link, or a deleted binary
    (tmp_path / "main").write_text("")
    assert is_built(tmp_path)
    (tmp_path / "manifest.json").unlink()
    assert not is_built(tmp_path)  # an interrupted build: the manifest comes last


def test_pyramidal_cell_same_on_both_paths(bench_paths):
    runtime, standalone = bench_paths
    spikes = np.asarray(runtime["spikes"])
    assert spikes.sum() > 10 and len(set(spikes)) > 2  # the sweep fires, and differently by Mg
    assert np.array_equal(spikes, np.asarray(standalone["spikes"]))
    np.testing.assert_allclose(standalone["v_end_mV"], runtime["v_end_mV"], rtol=1e-9, atol=1e-9)


def test_delayed_synapses_deliver_what_the_generator_delivers(bench_paths):
    """The declared cell's input (one start spike, event times as delays) is the
    generator's input of BatchCell, event for event: the same spikes and end potentials."""
    runtime, _ = bench_paths
    cell = BatchCell(len(runtime["seed"]), {"duration_ms": BENCH["duration"],
                                            "rate_hz": BENCH["input_rate"]})
    counts, v_end = cell.run(np.asarray(runtime["mg_o_mM"]), np.asarray(runtime["seed"]))
    assert np.array_equal(counts, np.asarray(runtime["spikes"]))
    np.testing.assert_allclose(v_end, runtime["v_end_mV"], rtol=1e-12, atol=1e-12)


def test_principal_cell_same_on_both_paths():
    runtime = simulate(PrincipalRelaxation, path="runtime")["main"]
    standalone = simulate(PrincipalRelaxation, path="standalone")["main"]
    v_b = np.asarray(runtime["v_b_mV"])
    assert np.ptp(v_b) > 0.1  # relaxed away from the common start, differently by Mg_i
    for column in PrincipalRelaxation.outputs:
        np.testing.assert_allclose(standalone[column], runtime[column], rtol=1e-9)


RERUN = """
import json, sys
from experiments.engine.run import simulate
from benchmarks.cell import BenchCell
table = simulate(BenchCell, path="standalone", batch_size=10, mg_o=[0.1, 0.3, 0.7, 0.9, 1.9],
                 replicates=4, duration=50.0, input_rate=1500.0)["main"]
print(json.dumps([int(s) for s in table["spikes"]]))
"""


def test_rerun_with_new_values_compiles_nothing(bench_paths):
    """A new process runs the sweep at other Mg values (new inputs, same structure): it
    reuses the program, whose files (code, objects, binary, manifest) are untouched, and
    gets other numbers."""
    before = program_files()
    assert any(p.endswith("/main") for p in before) and len(before) > 20
    done = subprocess.run([sys.executable, "-c", RERUN], cwd=REPO, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert program_files() == before
    spikes = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(spikes) == 20 and spikes != [int(s) for s in bench_paths[1]["spikes"]]


def test_same_bytes_serial_workers_batches(bench_paths, tmp_path):
    """The compiled path gives byte-identical tables serially and with --workers 2."""
    serial = tmp_path / "serial"
    simulate(BenchCell, path="standalone", batch_size=BATCH, out=serial, **BENCH)
    workers = tmp_path / "workers"
    simulate(BenchCell, path="standalone", batch_size=BATCH, workers=2, out=workers, **BENCH)
    table = (serial / "bench_cell.csv").read_bytes()
    assert table == (workers / "bench_cell.csv").read_bytes()
    assert table.count(b"\n") == 21


def test_same_bytes_on_dask(bench_paths, tmp_path):
    distributed = pytest.importorskip("distributed")
    serial = tmp_path / "serial"
    simulate(BenchCell, path="standalone", batch_size=BATCH, out=serial, **BENCH)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        dask = tmp_path / "dask"
        simulate(BenchCell, path="standalone", batch_size=BATCH,
                 scheduler=cluster.scheduler_address, out=dask, **BENCH)
    assert (serial / "bench_cell.csv").read_bytes() == (dask / "bench_cell.csv").read_bytes()


def test_resume_after_a_failed_batch(bench_paths, tmp_path, monkeypatch):
    """A batch that fails keeps the other; --resume runs only the missing one and writes
    the table of an uninterrupted run."""
    from experiments.engine.run import prepare, run
    from experiments.engine.sweep import SweepError
    inputs = BenchCell.inputs
    ran = []

    def failing(self, conditions, fixed):
        ran.append(len(conditions))
        if failing.on and any(float(c["mg_o"] / mM) == 2.0 for c in conditions):
            raise RuntimeError("injected failure")
        return inputs(self, conditions, fixed)
    failing.on = True
    monkeypatch.setattr(BenchCell, "inputs", failing)

    def plan():
        return prepare(BenchCell, cli_set={"path": "standalone", **BENCH}, batch_size=BATCH)
    out = tmp_path / "out"
    with pytest.raises(SweepError, match="injected failure"):
        run(plan(), out, progress=False)
    failing.on = False
    del ran[:]
    run(plan(), out, resume=True, progress=False)
    assert ran == [5, 5]  # one batch of 10 conditions, in two pieces
    reference = tmp_path / "reference"
    run(plan(), reference, progress=False)
    assert (out / "bench_cell.csv").read_bytes() == (reference / "bench_cell.csv").read_bytes()


def test_progress_of_a_compiled_run(bench_paths, monkeypatch):
    """The program's progress reaches the batch's listener as Brian2's runs do."""
    from experiments.engine import batch, progress
    monkeypatch.setattr(batch, "_RUNNERS", {})
    seen = []
    from experiments.engine.run import prepare
    plan = prepare(BenchCell, cli_set={"path": "standalone", **BENCH}, batch_size=BATCH)
    conditions = plan.conditions[:BATCH]
    with progress.listening(lambda key, text: seen.append(text)):
        batch.run_batch("benchmarks.cell:BenchCell", plan.fixed, conditions)
    assert seen[0] == "building" and seen[-1] is None
    assert "simulating 0 s (run 0 % of 0.05 s)" in seen and "simulated 0.05 s" in seen
