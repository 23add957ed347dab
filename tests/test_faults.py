"""Faults of the user's making or of the machine: refused up front, or nothing half-written.

Each test runs the command line (in process, or in a subprocess where a
process limit is needed) and asserts three things: the exit status, the one
line on stderr (naming the parameter or path, the value and what is
allowed), and what is on disk afterwards. The sweeps are ``romk_iv`` clamps
of a few ms, compiled once for the module.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from experiments.cli import main
from experiments.romk_iv import ROMKIV

REPO = Path(__file__).resolve().parents[1]
#: A romk_iv sweep of 2 Mg values x 3 voltages, 5 ms clamps.
SMALL = ["--set", "mg_i=0,1", "--set", "v=-100:20:3", "--set", "settle=5"]


def call(*argv: str) -> tuple[int, str, str]:
    """Run ``hypomag ARGV`` in process; return (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(argv))
    return status, out.getvalue(), err.getvalue()


def one_error_line(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("hypomag: error: "), stderr
    return lines[0]


def listing(folder: Path) -> list[str]:
    """Every file and folder below ``folder`` (hidden ones too), sorted."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def reference_run(tmp_path_factory, sweep: list[str]) -> Path:
    """A clean run of ``romk_iv`` with ``sweep`` (compiling what it needs); its folder."""
    out = tmp_path_factory.mktemp("reference")
    status, _, stderr = call("run", "romk_iv", *sweep, "--out", str(out), "--no-show")
    assert status == 0, stderr
    return out


@pytest.fixture(scope="module")
def compiled(tmp_path_factory) -> Path:
    """The small sweep, run once for the module."""
    return reference_run(tmp_path_factory, SMALL)


# -- item 6: absurd grids are refused before they are laid out -------------------------------

def test_a_grid_over_the_limit_is_refused_at_once(tmp_path):
    """10^11 conditions: one line with the size and the limit, from the counts of the two
    ranges alone (neither is parsed, the grid is never built), nothing written."""
    out = tmp_path / "out"
    start = time.perf_counter()
    status, _, stderr = call("run", "romk_iv", "--set", "mg_i=0:1:1000000",
                             "--set", "v=-100:40:100000", "--out", str(out))
    elapsed = time.perf_counter() - start
    line = one_error_line(stderr)
    assert status == 2
    assert "the romk_iv sweep has 100000000000 conditions (1000000 mg_i x 100000 v)" in line
    assert "at most 1000000" in line and "--max-conditions" in line
    assert elapsed < 5  # parsing the two axes took 20-30 s; a laid-out grid fills the memory
    assert not out.exists()


def test_the_limit_is_configurable(tmp_path):
    """--max-conditions lowers (or raises) the limit; 6 conditions over a limit of 5 fail."""
    out = tmp_path / "out"
    status, _, stderr = call("run", "romk_iv", *SMALL, "--max-conditions", "5", "--out", str(out))
    assert status == 2 and "the romk_iv sweep has 6 conditions (2 mg_i x 3 v)" in one_error_line(stderr)
    assert not out.exists()


# -- item 8: an output folder that cannot take the results -----------------------------------

def test_out_inside_a_file_is_refused(tmp_path):
    afile = tmp_path / "notes.txt"
    afile.write_text("keep me")
    status, _, stderr = call("run", "romk_iv", *SMALL, "--out", str(afile / "results"))
    line = one_error_line(stderr)
    assert status == 2 and str(afile) in line and "not a folder" in line
    assert afile.read_text() == "keep me" and listing(tmp_path) == ["notes.txt"]


@contextlib.contextmanager
def read_only(folder: Path):
    """``folder`` made unwritable: chmod for a user, the immutable flag for root."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("root without chattr +i: no way to make a folder unwritable here")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_a_read_only_folder_is_refused_before_simulating(tmp_path):
    """One line naming the folder and the cause, not a PermissionError on a lock file."""
    folder = tmp_path / "shared"
    folder.mkdir()
    with read_only(folder):
        status, _, stderr = call("run", "romk_iv", *SMALL, "--out", str(folder / "results"))
    line = one_error_line(stderr)
    assert status == 2 and f"cannot create files in {str(folder)!r}" in line
    assert "lock" not in line and listing(folder) == []


def limited_run(out: Path, kilobytes: int, *args: str) -> subprocess.CompletedProcess:
    """The small sweep in a subprocess whose files may not grow beyond ``kilobytes``."""
    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (kilobytes * 1024, kilobytes * 1024))
    env = {**os.environ, "PYTHONPATH": str(REPO), "CI": "1", "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, "-m", "experiments.cli", "run", "romk_iv", *args,
                           "--out", str(out), "--no-show"], cwd=REPO, env=env,
                          capture_output=True, text=True, preexec_fn=limit, timeout=600)


#: 1000 conditions in 4 batches: each stored batch is under 40 kB, the table about 60 kB.
WIDE = ["--set", "mg_i=0:1:20", "--set", "v=-100:40:50", "--set", "settle=5",
        "--batch-size", "250"]


@pytest.fixture(scope="module")
def wide_compiled(tmp_path_factory) -> Path:
    """The wide sweep, run once for the module (the limited runs then compile nothing)."""
    return reference_run(tmp_path_factory, WIDE)


def test_a_full_disk_while_writing_the_table_leaves_no_half_set(tmp_path, wide_compiled):
    """The table cannot be written (file size limit): one line naming the file and the
    cause, no CSV without its record (nothing of the set), the batches kept; once space is
    back, --resume writes exactly the table of an unlimited run."""
    out = tmp_path / "out"
    result = limited_run(out, 48, *WIDE)
    line = one_error_line(result.stderr)
    assert result.returncode == 1
    assert f"cannot write {str(out / 'romk_iv.csv')!r}: File too large" in line
    assert "--resume" in line
    assert not [f for f in listing(out) if not f.startswith(".partial-")]
    status, _, stderr = call("run", "romk_iv", *WIDE, "--out", str(out), "--resume", "--no-show")
    assert status == 0, stderr
    assert (out / "romk_iv.csv").read_bytes() == (wide_compiled / "romk_iv.csv").read_bytes()


def test_a_full_disk_before_any_batch_is_stored_leaves_nothing(tmp_path, wide_compiled):
    """Not even one batch fits: one line naming the batch file, no --resume advice, and no
    folder of unfinished batches is left."""
    out = tmp_path / "out"
    result = limited_run(out, 20, *WIDE)  # code.json (9 kB) fits, a batch (~35 kB) does not
    line = one_error_line(result.stderr)
    assert result.returncode == 1 and "File too large" in line and "rows-" in line
    assert "nothing was kept" in line and "--resume" not in line
    assert not out.exists()  # the folder this run created is gone with it


def test_an_interrupt_while_writing_the_tables_writes_none(tmp_path, compiled, monkeypatch):
    """Ctrl-C (or SIGTERM) once every batch has run, while the tables are written: exit 130,
    one line saying none was written and that --resume writes them from the kept batches;
    --resume then writes the table of an uninterrupted run."""
    from experiments.engine import run as run_module
    from experiments.engine.table import StagedFiles
    out = tmp_path / "out"
    real_write = StagedFiles.write

    def interrupted_write(self, path, data):
        if Path(path).name == "romk_iv.json":
            raise KeyboardInterrupt("SIGTERM")
        real_write(self, path, data)
    monkeypatch.setattr(StagedFiles, "write", interrupted_write)
    status, _, stderr = call("run", "romk_iv", *SMALL, "--out", str(out), "--no-show")
    lines = stderr.splitlines()
    assert status == 130 and len(lines) == 1, stderr
    assert "interrupted while writing the tables; none was written" in lines[0]
    assert "--resume to write the results" in lines[0]
    assert [f for f in listing(out) if not f.startswith(".partial-")] == []
    monkeypatch.undo()
    assert run_module.StagedFiles.write is real_write
    status, _, stderr = call("run", "romk_iv", *SMALL, "--out", str(out), "--resume", "--no-show")
    assert status == 0, stderr
    assert (out / "romk_iv.csv").read_bytes() == (compiled / "romk_iv.csv").read_bytes()
    assert listing(out) == ["romk_iv.csv", "romk_iv.json", "romk_iv.png", "romk_iv.svg"]


def test_a_failing_figure_keeps_the_complete_tables(tmp_path, compiled, monkeypatch):
    """Drawing fails after the tables and record are written: they stay, complete and
    checked; no figure of an earlier run is left beside them; --replot draws it later."""
    out = tmp_path / "out"
    assert call("run", "romk_iv", *SMALL, "--out", str(out), "--no-show")[0] == 0

    def broken(self, tables):
        raise RuntimeError("no fonts")
    monkeypatch.setattr(ROMKIV, "plot", broken)
    status, _, stderr = call("run", "romk_iv", *SMALL, "--seed", "3", "--out", str(out),
                             "--no-show")
    line = one_error_line(stderr)
    assert status == 1 and "the figure failed (RuntimeError: no fonts)" in line
    assert "--replot" in line
    assert listing(out) == ["romk_iv.csv", "romk_iv.json"]
    record = json.loads((out / "romk_iv.json").read_text())
    assert record["files"] == ["romk_iv.csv", "romk_iv.json"]  # no figure claimed
    monkeypatch.undo()
    status, _, stderr = call("run", "romk_iv", "--replot", "--out", str(out))
    assert status == 0, stderr
    assert (out / "romk_iv.png").is_file() and (out / "romk_iv.svg").is_file()
    assert "romk_iv.png" in json.loads((out / "romk_iv.json").read_text())["files"]
    assert (out / "romk_iv.csv").read_bytes() == (compiled / "romk_iv.csv").read_bytes()


# -- item 9: silent surprises ------------------------------------------------------------------

def test_a_setting_given_twice_is_refused(tmp_path):
    out = tmp_path / "out"
    status, _, stderr = call("run", "romk_iv", "--set", "mg_i=0.1", "--set", "mg_i=0.5",
                             "--out", str(out))
    line = one_error_line(stderr)
    assert status == 2 and "--set mg_i: given twice ('0.1' and '0.5')" in line
    assert "mg_i=A,B" in line and not out.exists()


def test_workers_are_capped_at_the_batches_and_said(tmp_path, compiled):
    """--workers 64 for a sweep of 6 conditions starts 6 processes at most, and says so;
    the table is that of a serial run."""
    out = tmp_path / "out"
    status, _, stderr = call("run", "romk_iv", *SMALL, "--workers", "64", "--out", str(out),
                             "--no-show")
    assert status == 0, stderr
    assert stderr.splitlines() == ["hypomag: --workers 64: using 6, one per batch of this "
                                   "romk_iv sweep"]
    assert (out / "romk_iv.csv").read_bytes() == (compiled / "romk_iv.csv").read_bytes()


@pytest.mark.parametrize("variable, value, allowed", [
    ("HYPOMAG_TARGET", "bogus", "allowed: cython, numpy"),
    ("HYPOMAG_VECTORIZE", "maybe", "allowed: 1, true, yes, on, 0, false, no, off"),
    ("HYPOMAG_START_METHOD", "thread", "allowed: fork, spawn"),
    ("HYPOMAG_TRAGET", "numpy", "not a variable of hypomag; allowed: HYPOMAG_TARGET"),
])
def test_bad_environment_values_are_refused_at_start(tmp_path, monkeypatch, variable, value,
                                                      allowed):
    """Checked before any command runs (even ``list``), one line with the allowed values."""
    monkeypatch.setenv(variable, value)
    out = tmp_path / "out"
    for argv in (["list"], ["run", "romk_iv", *SMALL, "--out", str(out)]):
        status, stdout, stderr = call(*argv)
        line = one_error_line(stderr)
        assert status == 2 and stdout == "" and f"{variable}={value!r}" in line and allowed in line
    assert not out.exists()


def test_a_cache_folder_that_cannot_be_made_is_refused_at_start(tmp_path, monkeypatch):
    """HYPOMAG_CYTHON_CACHE inside a file: refused before anything runs, not a failure of
    the first batch that compiles."""
    afile = tmp_path / "afile"
    afile.write_text("")
    monkeypatch.setenv("HYPOMAG_CYTHON_CACHE", str(afile / "cache"))
    status, _, stderr = call("run", "romk_iv", *SMALL, "--out", str(tmp_path / "out"))
    line = one_error_line(stderr)
    assert status == 2 and f"is inside the file {str(afile)!r}" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def test_a_huge_echoed_value_is_cut(tmp_path):
    """A 100 000-character value is echoed in at most about 100 characters, its length said."""
    value = "x" * 100_000
    status, _, stderr = call("run", "romk_iv", "--set", f"mg_i={value}", "--out", str(tmp_path))
    line = one_error_line(stderr)
    assert status == 2 and len(line) < 400 and "(100000 characters)" in line
