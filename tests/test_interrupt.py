"""Ctrl-C and SIGTERM stop a sweep at once and keep only batches that finished.

A real signal is sent to a ``hypomag run`` subprocess once two batch files
of a ``romk_iv`` sweep (8 batches of one Mg value each, 400 ms clamps, about
a second per batch) exist. Expected: exit status 130, one line on stderr
saying how many batches are kept and to use ``--resume``, no result table
yet; then ``--resume`` finishes the sweep and its table equals, byte for byte,
that of an uninterrupted run. Before this rule, Brian2's own SIGINT handler
ended the running batch early and the truncated batch was stored as finished.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SWEEP = ["run", "romk_iv", "--set", "mg_i=0:2:8", "--set", "settle=400",
         "--batch-size", "161", "--no-show"]


def hypomag(*args: str, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO), "CI": "1", "MPLBACKEND": "Agg"}
    return subprocess.Popen([sys.executable, "-m", "experiments.cli", *args], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def batch_files(out: Path) -> list[Path]:
    return sorted(out.glob(".partial-romk_iv-*/rows-*.json"))


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("whole")
    process = hypomag(*SWEEP, "--out", str(out))
    _, stderr = process.communicate(timeout=600)
    assert process.returncode == 0, stderr
    return (out / "romk_iv.csv").read_text()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_signal_keeps_finished_batches_and_resume_completes(signum, tmp_path, uninterrupted):
    out = tmp_path / "out"
    process = hypomag(*SWEEP, "--out", str(out))
    deadline = time.monotonic() + 300
    while len(batch_files(out)) < 2 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.poll() is None, "the sweep finished before it could be interrupted"
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    lines = stderr.strip().splitlines()
    assert process.returncode == 130, stderr
    assert len(lines) == 1 and "--resume" in lines[0] and "of 8 batches" in lines[0], stderr
    kept = int(lines[0].split("interrupted: ")[1].split(" of")[0])
    assert kept == len(batch_files(out)) >= 2
    assert not (out / "romk_iv.csv").exists()
    resumed = hypomag(*SWEEP, "--out", str(out), "--resume")
    _, stderr = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, stderr
    assert (out / "romk_iv.csv").read_text() == uninterrupted
    assert batch_files(out) == []  # the partial folder is gone after a complete run
