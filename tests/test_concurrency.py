"""Two runs writing into the same output folder at once do not corrupt each other.

* Two ``hypomag run nmda_iv --quick`` subprocesses with different ``--set``
  are started together on one ``--out`` folder. Both must finish; every file
  left behind must be complete and valid (tables are written to a temporary
  file and renamed, experiments/engine/table.py), the surviving ``nmda_iv.csv`` must
  be entirely one run's table (one Mg value, every clamp voltage, no mixed
  rows), ``nmda_iv.json`` must describe that same run (the output lock of
  experiments/engine/locking.py), and no partial batch folder, lock or temporary
  file may remain.
* A run with the same settings as one in progress (same partial folder) stops
  at once with exit status 2 and one line, and leaves the running one's
  batches alone.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from experiments.engine.table import Table

QUICK_VOLTAGES = 29  # nmda_iv --quick: -100 to +40 mV in 5 mV steps


def hypomag_command() -> list[str]:
    script = Path(sys.executable).parent / "hypomag"
    return [str(script)] if script.exists() else [sys.executable, "-m", "experiments.cli"]


def test_two_runs_into_one_folder(tmp_path):
    out = tmp_path / "shared"
    env = {**os.environ, "CI": "1"}
    runs = {mg: subprocess.Popen(hypomag_command() + ["run", "nmda_iv", "--quick", "--set",
                                                       f"mg_o={mg}", "--out", str(out)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 env=env)
            for mg in ("0.1", "1.5")}
    for mg, proc in runs.items():
        stdout, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, f"mg_o={mg}: {stderr}"
        assert "nmda_iv: wrote" in stdout
    table = Table.read_csv(out / "nmda_iv.csv")
    assert table.columns[:3] == ["mg_o_mM", "v_mV", "block"]
    assert len(table) == QUICK_VOLTAGES
    mg_values = table.unique("mg_o_mM")
    assert len(mg_values) == 1 and mg_values[0] in (0.1, 1.5), mg_values
    assert np.all(np.isfinite(table["i_pA"])) and np.all(np.isfinite(table["unblocked"]))
    assert np.allclose(np.sort(table["v_mV"]), np.linspace(-100, 40, QUICK_VOLTAGES))
    record = json.loads((out / "nmda_iv.json").read_text())
    assert record["experiment"] == "nmda_iv"
    assert record["settings"]["mg_o"]["values"] == [mg_values[0]], "csv and json of different runs"
    assert (out / "nmda_iv.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert (out / "nmda_iv.svg").read_text().rstrip().endswith("</svg>")
    leftovers = [p.name for p in out.iterdir() if p.name.startswith(".")]
    assert not leftovers, f"partial folders or temporary files left: {leftovers}"


def test_identical_run_in_progress_is_refused(tmp_path):
    from experiments.engine.locking import exclusive
    from experiments.nmda_iv import NMDAIV
    from experiments.engine.run import resolve
    from experiments.engine.plan import make_plan
    from experiments.engine.storage import partial_dir, sweep_lock

    out = tmp_path / "shared"
    out.mkdir()
    plan = make_plan(NMDAIV(), resolve(NMDAIV, True, {}, {}), seed=1)
    batches = partial_dir(plan, out)
    batches.mkdir()
    (batches / "rows-0-1.json").write_text("{}")  # a finished batch of the run in progress
    env = {**os.environ, "CI": "1"}
    command = hypomag_command() + ["run", "nmda_iv", "--quick", "--out", str(out)]
    with exclusive(sweep_lock(plan, out), wait=False):  # "the run in progress"
        refused = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
        assert refused.returncode == 2, refused.stderr
        lines = refused.stderr.strip().splitlines()
        assert len(lines) == 1 and "another hypomag run" in lines[0] and "--out" in lines[0], lines
        assert (batches / "rows-0-1.json").read_text() == "{}"
        assert not (out / "nmda_iv.csv").exists()
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert len(Table.read_csv(out / "nmda_iv.csv")) > 0
    leftovers = [p.name for p in out.iterdir() if p.name.startswith(".")]
    assert not leftovers, leftovers
