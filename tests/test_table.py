"""Result tables: CSV round trip and atomic writes (experiments/engine/table.py)."""
from __future__ import annotations

import math
import os
import stat

import numpy as np
import pytest

from experiments.engine import table as table_module
from experiments.engine.table import Table, atomic_write_text, format_cell, parse_cell


def sample() -> Table:
    rows = [
        {"mg_o_mM": 0.0, "v_mV": -100.0, "block": "jahr_stevens", "i_pA": -32.7, "n": 3},
        {"mg_o_mM": 0.1, "v_mV": -70.0, "block": "woodhull", "i_pA": -1.2345678901234567e-5,
         "n": np.int64(4)},
        {"mg_o_mM": 1.0, "v_mV": 40.0, "block": "a, quoted \"text\"", "i_pA": float("nan"),
         "n": 5},
        {"mg_o_mM": 2.0, "v_mV": 1e20, "block": "kinetic", "i_pA": float("inf"), "n": -6},
        {"mg_o_mM": np.float32(0.5), "v_mV": -0.0, "block": "x", "i_pA": float("-inf"),
         "n": 0, "extra": 1.5},
    ]
    return Table(rows)


def test_csv_round_trip(tmp_path):
    """Write, read back: same columns in order, numbers to 10 significant digits (relative
    1e-9), NaN and +-inf preserved, text with commas and quotes preserved, missing cells empty."""
    original = sample()
    path = tmp_path / "t.csv"
    original.write_csv(path)
    back = Table.read_csv(path)
    assert back.columns == ["mg_o_mM", "v_mV", "block", "i_pA", "n", "extra"]
    assert len(back) == len(original)
    for column in ("mg_o_mM", "v_mV", "n"):
        np.testing.assert_allclose(back[column], np.asarray(original[column], float), rtol=1e-9)
    i = back["i_pA"]
    assert i[0] == -32.7 and i[1] == pytest.approx(-1.2345678901e-5, rel=1e-10)
    assert math.isnan(i[2]) and i[3] == math.inf and i[4] == -math.inf
    assert list(back["block"]) == [r["block"] for r in original.rows]
    assert back.rows[0]["extra"] == "" and back.rows[4]["extra"] == 1.5
    # a second round trip is byte-identical
    back.write_csv(tmp_path / "u.csv")
    assert (tmp_path / "u.csv").read_text() == path.read_text()


def test_format_and_parse_cell():
    """Whole floats print as integers, others with 10 significant digits; text stays text."""
    assert format_cell(2.0) == "2" and format_cell(-0.0) == "0" and format_cell(0.1) == "0.1"
    assert format_cell(1 / 3) == "0.3333333333"
    assert format_cell(float("nan")) == "nan" and format_cell(float("inf")) == "inf"
    assert format_cell(float("-inf")) == "-inf" and format_cell(np.float64(1e20)) == "1e+20"
    assert format_cell(np.int32(7)) == "7" and format_cell("abc") == "abc"
    assert parse_cell("1.5") == 1.5 and parse_cell("abc") == "abc" and parse_cell("") == ""


def test_empty_tables(tmp_path):
    """A table without rows round-trips (header only); an empty file reads as an empty table."""
    Table([], ["a_mM", "b"]).write_csv(tmp_path / "e.csv")
    back = Table.read_csv(tmp_path / "e.csv")
    assert back.columns == ["a_mM", "b"] and len(back) == 0
    (tmp_path / "z.csv").write_text("")
    assert len(Table.read_csv(tmp_path / "z.csv")) == 0


def test_table_queries():
    """Columns as float arrays (object arrays for text), where() with float tolerance, unique()."""
    t = sample()
    assert t["mg_o_mM"].dtype == float
    assert t["block"].dtype == object
    assert len(t.where(mg_o_mM=0.1 + 1e-13)) == 1
    assert len(t.where(block="kinetic", mg_o_mM=2.0)) == 1
    assert len(t.where(block="kinetic", mg_o_mM=1.0)) == 0
    assert t.unique("block")[:2] == ["jahr_stevens", "woodhull"]
    assert Table([{"a": float("nan")}, {"a": float("nan")}]).unique("a")[0] != 0
    assert len(Table([{"a": float("nan")}, {"a": float("nan")}]).unique("a")) == 1
    with pytest.raises(KeyError, match="no column 'nope'"):
        t["nope"]


def test_atomic_write_keeps_old_file_on_failure(tmp_path, monkeypatch):
    """A write that fails before the rename leaves the previous file intact and no temporary
    file behind (readers never see a half-written file)."""
    path = tmp_path / "result.csv"
    atomic_write_text(path, "old\n")

    def broken_replace(src, dst):
        assert open(src).read() == "new\n"  # the full text was in the temporary file
        raise OSError("disk full")
    monkeypatch.setattr(table_module.os, "replace", broken_replace)
    with pytest.raises(table_module.OutputError, match=r"cannot write .*result\.csv': disk full"):
        atomic_write_text(path, "new\n")
    monkeypatch.undo()
    assert path.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.csv"]


def test_atomic_write_replaces_and_creates_folders(tmp_path):
    """The target is replaced whole; missing parent folders are created; the file gets the
    mode a plain open() would give (not mkstemp's private 0600), or keeps its existing mode."""
    path = tmp_path / "deep" / "er" / "result.csv"
    atomic_write_text(path, "a" * 100_000)
    atomic_write_text(path, "b\n")
    assert path.read_text() == "b\n"
    assert [p.name for p in path.parent.iterdir()] == ["result.csv"]
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    assert stat.S_IMODE(os.stat(path).st_mode) == stat.S_IMODE(os.stat(plain).st_mode)
    os.chmod(path, 0o640)
    atomic_write_text(path, "c\n")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
