"""Bad input of every shape: one line ``hypomag: error: ...``, exit 2, nothing written.

Long names, paths and options are cut in the error line; paths the system
cannot take, broken links, empty folder names, damaged records and bytes
that are not UTF-8 are refused up front, never as a traceback after work.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import time
from pathlib import Path

import pytest

from experiments import simulate
from experiments.cli import main
from experiments.engine.errors import LINE_RUN_CHARACTERS, UsageError

RUN = ["run", "romk_iv", "--set", "v=-80", "--set", "settle=5", "--set", "mg_i=0,1"]
LONG = "a" * 5000


def call(*argv: str) -> tuple[int, str, str]:
    """Run ``hypomag ARGV`` in process; return (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(argv))
    return status, out.getvalue(), err.getvalue()


def refused(*argv: str) -> str:
    """The one error line of ``hypomag ARGV``, which must exit 2."""
    status, _, stderr = call(*argv)
    lines = stderr.splitlines()
    assert status == 2, stderr[:500]
    assert len(lines) == 1 and lines[0].startswith("hypomag: error: "), stderr[:500]
    return lines[0]


def longest_run(line: str) -> int:
    return max(len(w) for w in line.split())


@pytest.mark.parametrize("argv", [
    ["run", "romk_iv", "--set", f"{LONG}=1"],
    ["run", "romk_iv", "--zip", f"{LONG},v"],
    ["run", LONG],
    [f"--{LONG}"],
    ["channels", LONG],
    ["equations", LONG],
], ids=["set-name", "zip", "run-name", "option", "channels", "equations"])
def test_long_input_is_cut_in_the_error_line(argv):
    line = refused(*argv)
    assert LONG not in line
    assert longest_run(line) <= LINE_RUN_CHARACTERS
    assert "characters)" in line and "aaaa" in line


@pytest.mark.parametrize("argv, words", [
    (["--config", f"{LONG}.toml"], ["--config", "too long", "characters)"]),
    (["--out", f"afile/{LONG}"], ["--out", "too long", "characters)"]),
], ids=["config", "out"])
def test_overlong_paths_are_usage_errors(tmp_path, monkeypatch, argv, words):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("")
    line = refused(*RUN, *argv)
    assert all(w in line for w in words), line
    assert longest_run(line) <= LINE_RUN_CHARACTERS
    assert sorted(os.listdir(tmp_path)) == ["afile"]


def test_broken_link_and_link_loop_are_refused_up_front(tmp_path):
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    (tmp_path / "loop1").symlink_to(tmp_path / "loop2")
    (tmp_path / "loop2").symlink_to(tmp_path / "loop1")
    before = sorted(os.listdir(tmp_path))
    assert "is a broken symbolic link" in refused(*RUN, "--out", str(tmp_path / "dangling"))
    assert "is a broken symbolic link" in refused(*RUN, "--out", str(tmp_path / "dangling/sub"))
    assert "symbolic link loop" in refused(*RUN, "--out", str(tmp_path / "loop1"))
    assert "symbolic link loop" in refused(*RUN, "--out", str(tmp_path / "loop1/sub"))
    assert sorted(os.listdir(tmp_path)) == before
    assert not (tmp_path / "nowhere").exists()


def test_empty_out_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert refused(*RUN, "--out", "") == \
        "hypomag: error: --out '': empty; allowed: a folder path in which files can be created"
    (tmp_path / "c.toml").write_text('out = ""\n')
    assert "config out '': empty" in refused(*RUN, "--config", str(tmp_path / "c.toml"))
    with pytest.raises(UsageError, match="out '': empty"):
        simulate("romk_iv", out="", v=-80, settle=5, mg_i="0,1")
    assert sorted(os.listdir(tmp_path)) == ["c.toml"]


def test_validate_checks_out_before_running(tmp_path):
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    (tmp_path / "afile").write_text("")
    start = time.perf_counter()
    assert "broken symbolic link" in refused("validate", "--quick", "--out",
                                             str(tmp_path / "dangling"))
    assert "is inside the file" in refused("validate", "--quick", "--out",
                                           str(tmp_path / "afile/report"))
    assert "empty" in refused("validate", "--quick", "--out", "")
    assert time.perf_counter() - start < 10
    assert sorted(os.listdir(tmp_path)) == ["afile", "dangling"]


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> Path:
    """A finished small romk_iv run."""
    out = tmp_path_factory.mktemp("finished")
    status, _, stderr = call(*RUN, "--out", str(out), "--no-show")
    assert status == 0, stderr
    return out


def damaged_copy(finished: Path, tmp_path: Path, tables) -> Path:
    out = tmp_path / "damaged"
    out.mkdir()
    for f in finished.iterdir():
        if f.is_file():
            (out / f.name).write_bytes(f.read_bytes())
    record = json.loads((out / "romk_iv.json").read_text())
    record["tables"] = tables(record["tables"])
    (out / "romk_iv.json").write_text(json.dumps(record))
    return out


@pytest.mark.parametrize("tables, words", [
    (lambda t: {"romk_iv.csv": {"sha256": t["romk_iv.csv"]["sha256"]}}, "is not a record"),
    (lambda t: {"romk_iv.csv": "x"}, "is not a record"),
    (lambda t: ["romk_iv.csv"], "is not a record"),
    (lambda t: {}, "lists no table 'main'"),
], ids=["no-table-key", "entry-not-a-dict", "list", "empty"])
def test_replot_of_a_damaged_record_is_a_usage_error(finished, tmp_path, tables, words):
    out = damaged_copy(finished, tmp_path, tables)
    before = {f.name: f.read_bytes() for f in out.iterdir()}
    line = refused(*RUN, "--replot", "--out", str(out), "--no-show")
    assert words in line and "lacks the columns" not in line, line
    assert {f.name: f.read_bytes() for f in out.iterdir()} == before


def test_config_folder_is_not_a_file(tmp_path):
    line = refused(*RUN, "--config", str(tmp_path))
    assert "is a folder, not a file" in line and "no such file" not in line


def test_non_utf8_argument_is_refused(tmp_path):
    value = b"\xff".decode("utf-8", "surrogateescape")
    out = tmp_path / "out"
    line = refused("run", "romk_iv", "--set", "v=-80", "--set", "settle=5",
                   "--set", f"mg_i={value}", "--out", str(out))
    assert line == "hypomag: error: --set 'mg_i=\\xff': not UTF-8 text; allowed: UTF-8 text"
    assert not out.exists()


def test_simulate_zip_dims_string_and_progress(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    as_text = simulate("romk_iv", v="-80,-60", settle=5, mg_i="0,1", zip_dims="mg_i,v")
    as_list = simulate("romk_iv", v="-80,-60", settle=5, mg_i="0,1", zip_dims=["mg_i", "v"])
    assert len(as_text["main"]) == len(as_list["main"]) == 2
    with pytest.raises(UsageError, match="progress='x'.*True or False"):
        simulate("romk_iv", v=-80, settle=5, mg_i="0,1", progress="x")
    with pytest.raises(UsageError, match="zip_dims"):
        simulate("romk_iv", v=-80, settle=5, mg_i="0,1", zip_dims=5)
    assert os.listdir(tmp_path) == []
