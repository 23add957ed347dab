"""``k_secretion``: CLI quick run, the uncertainty band and one-line errors for bad input.

Direction test (no single published number): K+ secretion never rises with
cytoplasmic Mg2+ (Yang, Frindt & Palmer 2010 JASN 21:2109; docs/reference.md
section 3), and at every Mg_i the default ROMK block lies inside the band
spanned by Kd0 0.5-5 mM, z*delta 0.6-1.4 (docs/reference.md section 3, [uncertain]).
"""
from __future__ import annotations

import numpy as np
import pytest

from conftest import run_quick

from experiments.cli import main
from experiments.engine.table import Table

COLUMNS = ("mg_i_mM", "k_lumen_mM", "enac_scale", "na_lumen_mM", "j_k_pmol_min_mm",
           "j_na_pmol_min_mm", "v_apical_mV", "v_basolateral_mV", "v_te_mV", "residual")


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    return run_quick(tmp_path_factory, "k_secretion")


def test_cli_quick_writes_columns_and_band(quick_run):
    out = quick_run
    table = Table.read_csv(out / "k_secretion.csv")
    for column in COLUMNS:
        assert column in table.columns
    assert (out / "k_secretion.png").is_file() and (out / "k_secretion.json").is_file()
    band = Table.read_csv(out / "k_secretion_band.csv")
    mg = table["mg_i_mM"]
    order = np.argsort(mg)
    j = table["j_k_pmol_min_mm"][order]
    assert np.all(np.diff(j) < 0)
    assert np.all(table["residual"] < 1e-6)
    for x, jx in zip(mg[order], j):
        rows = band.where(mg_i_mM=x)
        assert len(rows) == 4  # the four corners of (Kd0, z*delta)
        assert rows["j_k_pmol_min_mm"].min() <= jx <= rows["j_k_pmol_min_mm"].max()
    # every corner of the band also secretes less at higher Mg_i
    for kd0 in band.unique("kd0_mM"):
        for zd in band.unique("zdelta"):
            rows = band.where(kd0_mM=kd0, zdelta=zd)
            k = np.argsort(rows["mg_i_mM"])
            assert np.all(np.diff(rows["j_k_pmol_min_mm"][k]) <= 1e-9)


def test_band_obeys_woodhull_scaling(quick_run):
    """The block depends on Mg_i/Kd0 only (f = 1/(1 + Mg_i/Kd0 e^{z delta F (V-E_K)/RT})), and
    nothing else in the cell depends on Mg_i by default, so J_K(Mg_i 0.1, Kd0 0.5) equals
    J_K(Mg_i 1, Kd0 5) at the same z*delta (closed form; relative 1e-9)."""
    band = Table.read_csv(quick_run / "k_secretion_band.csv")
    for zd in band.unique("zdelta"):
        low = band.where(mg_i_mM=0.1, kd0_mM=0.5, zdelta=zd)["j_k_pmol_min_mm"]
        high = band.where(mg_i_mM=1.0, kd0_mM=5.0, zdelta=zd)["j_k_pmol_min_mm"]
        assert low[0] == pytest.approx(high[0], rel=1e-9)


@pytest.mark.parametrize("flag, word", [
    ("mg_i=-0.1", "mg_i"),
    ("enac_scale=-1", "enac_scale"),
    ("k_lumen=0", "k_lumen"),
    ("na_lumen=-5", "na_lumen"),
    ("k_plasma=-4", "k_plasma"),
])
def test_bad_values_exit_2_with_one_line(flag, word, tmp_path, capsys):
    code = main(["run", "k_secretion", "--quick", "--out", str(tmp_path / "o"), "--set", flag])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith("hypomag: error:") and "\n" not in err and word in err
    assert not (tmp_path / "o" / "k_secretion.csv").exists()
