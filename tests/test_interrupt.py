"""Ctrl-C and SIGTERM stop a sweep at once and keep only batches that finished.

A real signal is sent to a ``hypomag run`` subprocess once two batch files
of a ``romk_iv`` sweep (8 batches of one Mg value each, 2 s clamps, about
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
SWEEP = ["run", "romk_iv", "--set", "mg_i=0:2:8", "--set", "settle=2000",
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
        time.sleep(0.02)
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


def interrupt_after_two_batches(out: Path, root: Path = REPO) -> None:
    """Start the sweep in the package at ``root`` and Ctrl-C it once two batches are stored."""
    env = {**os.environ, "PYTHONPATH": str(root), "CI": "1", "MPLBACKEND": "Agg"}
    process = subprocess.Popen([sys.executable, "-m", "experiments.cli", *SWEEP, "--out", str(out)],
                               cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    deadline = time.monotonic() + 300
    while len(batch_files(out)) < 2 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert process.poll() is None, "the sweep finished before it could be interrupted"
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130 and len(batch_files(out)) >= 2, stderr


def _resume_in(root: Path, out: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root), "CI": "1", "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, "-m", "experiments.cli", *SWEEP, "--out", str(out),
                           "--resume"], cwd=root, env=env, capture_output=True, text=True,
                          timeout=300)


def test_resume_refuses_batches_of_other_code(tmp_path):
    """Killed, then the channel's source edited: ``--resume`` refuses (exit 2, one line
    naming the changed file), writes nothing and keeps the batches. Killed, then the
    channel's default conductance doubled (another sweep): ``--resume`` recomputes every
    batch and says so."""
    import shutil
    root = tmp_path / "package"
    for package in ("channels", "models", "experiments"):
        shutil.copytree(REPO / package, root / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path / "out"
    interrupt_after_two_batches(out, root)
    kept = batch_files(out)
    romk = root / "channels" / "romk.py"
    text = romk.read_text()
    romk.write_text(text + "\n# an edit after the batches were computed\n")
    refused = _resume_in(root, out)
    lines = refused.stderr.strip().splitlines()
    assert refused.returncode == 2 and len(lines) == 1, refused.stderr
    assert "--resume" in lines[0] and "channels/romk.py" in lines[0] and "other code" in lines[0]
    assert not (out / "romk_iv.csv").exists() and batch_files(out) == kept
    assert 'Parameter("g_ROMK", 3.8 * nS' in text
    romk.write_text(text.replace('Parameter("g_ROMK", 3.8 * nS', 'Parameter("g_ROMK", 7.6 * nS'))
    recomputed = _resume_in(root, out)
    assert recomputed.returncode == 0, recomputed.stderr
    assert "--resume: computing every batch of this sweep" in recomputed.stderr
    assert (out / "romk_iv.csv").exists() and batch_files(out) == []


def test_stale_partial_folders_of_other_sweeps_are_removed(tmp_path):
    """An unfinished folder of another romk_iv sweep is reported and removed; one whose
    sweep is running (its lock held) is left alone."""
    from experiments.engine.locking import exclusive
    out = tmp_path / "out"
    stale, running = out / ".partial-romk_iv-0000000000000000", out / ".partial-romk_iv-1111"
    for folder in (stale, running):
        folder.mkdir(parents=True)
        (folder / "rows-000000000-000000001.json").write_text("{}")
    with exclusive(running.with_name(running.name + ".lock"), wait=False):
        process = hypomag("run", "romk_iv", "--quick", "--set", "mg_i=0", "--set", "v=-80,0",
                          "--out", str(out))
        _, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr
    assert not stale.exists() and running.exists()
    assert "removed the unfinished batches of another romk_iv sweep" in stderr
    assert str(stale) in stderr and str(running) not in stderr
