"""``k_secretion``: CLI quick run, the ROMK-fit band table and one-line errors for bad input.

Direction test (no single published number): K+ secretion never rises with cytoplasmic Mg2+
(Yang, Frindt & Palmer 2010 JASN 21:2109; docs/reference.md section 3), for the default ROMK
fit and for both fits of the band ("weak", "strong"; channels.romk.ROMK_FITS). The rows are
also checked against a direct :class:`models.collecting_duct.CollectingDuct` solve, so the
settings (flow, aldosterone, enac_scale, the fits) reach the model.
"""
from __future__ import annotations

import numpy as np
import pytest

from conftest import run_quick

from channels.romk import ROMK_FITS
from experiments.cli import main
from experiments.engine.table import Table
from experiments.k_secretion import BAND_FITS, KSecretion
from models.collecting_duct import CollectingDuct
from models.principal_cell import PrincipalCell

COLUMNS = ("mg_i_mM", "k_lumen_mM", "enac_scale", "aldosterone", "flow_nl_min", "na_lumen_mM",
           "k_plasma_mM", "j_k_pmol_min_mm", "j_na_pmol_min_mm", "k_lumen_out_mM",
           "na_lumen_out_mM", "k_lumen_mean_mM", "v_apical_mV", "v_basolateral_mV", "v_te_mV",
           "na_c_mM", "k_c_mM", "unblocked", "residual")
BAND_COLUMNS = ("mg_i_mM", "k_lumen_mM", "enac_scale", "aldosterone", "flow_nl_min",
                "romk_fit", "j_k_pmol_min_mm", "v_apical_mV")


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    return run_quick(tmp_path_factory, "k_secretion")


@pytest.fixture(scope="module")
def swept_run(tmp_path_factory):
    """A quick run over flow, aldosterone and enac_scale (2 x 2 x 2 segments per Mg_i)."""
    out = tmp_path_factory.mktemp("k_secretion_swept")
    assert main(["run", "k_secretion", "--quick", "--out", str(out), "--no-show",
                 "--set", "flow=3,10", "--set", "aldosterone=1,2",
                 "--set", "enac_scale=1,2"]) == 0
    return Table.read_csv(out / "k_secretion.csv"), Table.read_csv(out / "k_secretion_band.csv")


def test_cli_quick_writes_columns_and_band(quick_run):
    """Quick run: every column; residual below 1e-9; secretion falls strictly as Mg_i rises
    0.1 -> 0.5 -> 1 mM in the main table and for each band fit; two band rows (weak, strong)
    per main row."""
    out = quick_run
    table = Table.read_csv(out / "k_secretion.csv")
    for column in COLUMNS:
        assert column in table.columns, column
    assert (out / "k_secretion.png").is_file() and (out / "k_secretion.json").is_file()
    assert np.all(table["residual"] < 1e-9)
    order = np.argsort(table["mg_i_mM"])
    assert list(table["mg_i_mM"][order]) == [0.1, 0.5, 1.0]
    assert np.all(np.diff(table["j_k_pmol_min_mm"][order]) < 0)
    band = Table.read_csv(out / "k_secretion_band.csv")
    for column in BAND_COLUMNS:
        assert column in band.columns, column
    assert sorted(band.unique("romk_fit")) == sorted(BAND_FITS) == ["strong", "weak"]
    assert len(band) == 2 * len(table)
    for fit in BAND_FITS:
        rows = band.where(romk_fit=fit)
        k = np.argsort(rows["mg_i_mM"])
        assert list(rows["mg_i_mM"][k]) == [0.1, 0.5, 1.0]
        assert np.all(np.diff(rows["j_k_pmol_min_mm"][k]) < 0), fit


def test_rows_equal_a_direct_segment_solve(quick_run):
    """Main and band rows equal CollectingDuct(PrincipalCell(), 2 mm, 10 slabs).steady_state
    at 5 nl/min with the central, weak and strong fits (relative 1e-9): the table is the model."""
    table = Table.read_csv(quick_run / "k_secretion.csv")
    band = Table.read_csv(quick_run / "k_secretion_band.csv")
    mg = np.array([0.1, 0.5, 1.0])
    duct = CollectingDuct(PrincipalCell(), 2.0, 10)
    for fit in ("central",) + BAND_FITS:
        direct = duct.steady_state(5.0, {"Mg_i": mg, **ROMK_FITS[fit]}, 3)
        rows = table if fit == "central" else band.where(romk_fit=fit)
        k = np.argsort(rows["mg_i_mM"])
        np.testing.assert_allclose(rows["j_k_pmol_min_mm"][k], direct["j_k_pmol_min_mm"],
                                   rtol=1e-9)
        np.testing.assert_allclose(rows["v_apical_mV"][k], direct["v_apical_mV"], rtol=1e-9)
        if fit == "central":
            np.testing.assert_allclose(rows["k_lumen_out_mM"][k], direct["k_lumen_out_mM"],
                                       rtol=1e-9)


def test_swept_settings_reach_the_segment(swept_run):
    """--set flow=3,10 aldosterone=1,2 enac_scale=1,2: at every Mg_i and for every fit,
    secretion rises with flow, aldosterone and enac_scale; outflow K falls with flow (main
    table); the extra secretion of low Mg (J_K(0.1) - J_K(1)) grows with aldosterone and with
    enac_scale (test_collecting_duct has the measured ranges)."""
    table, band = swept_run
    assert len(table) == 3 * 8 and len(band) == 2 * len(table)

    def j(rows, **where):
        return float(rows.where(**where)["j_k_pmol_min_mm"][0])
    for rows in [table] + [band.where(romk_fit=f) for f in BAND_FITS]:
        for mg in (0.1, 0.5, 1.0):
            base = dict(mg_i_mM=mg, flow_nl_min=3.0, aldosterone=1.0, enac_scale=1.0)
            for key, high in (("flow_nl_min", 10.0), ("aldosterone", 2.0), ("enac_scale", 2.0)):
                assert j(rows, **{**base, key: high}) > j(rows, **base), (mg, key)
        for key in ("aldosterone", "enac_scale"):
            gain = [j(rows, mg_i_mM=0.1, flow_nl_min=3.0, **{key: x}, **other)
                    - j(rows, mg_i_mM=1.0, flow_nl_min=3.0, **{key: x}, **other)
                    for x in (1.0, 2.0)
                    for other in [{"enac_scale" if key == "aldosterone" else "aldosterone": 1.0}]]
            assert gain[1] > gain[0] > 0, key
    for mg in (0.1, 0.5, 1.0):
        slow, fast = (table.where(mg_i_mM=mg, flow_nl_min=f, aldosterone=1.0,
                                  enac_scale=1.0)["k_lumen_out_mM"][0] for f in (3.0, 10.0))
        assert fast < slow


def test_segment_settings_are_declared():
    """The segment's geometry and tubule settings exist with their defaults (2 mm, slab
    0.2 mm, 5 nl/min, aldosterone 1, enac_scale 1)."""
    defaults = {s.name: s.default for s in KSecretion.settings}
    assert defaults["segment_length"] == (2.0,)
    assert defaults["slab_length"] == pytest.approx((0.2,))
    assert defaults["flow"] == (5.0,) and defaults["aldosterone"] == (1.0,)
    assert defaults["enac_scale"] == (1.0,)


@pytest.mark.parametrize("flag, word", [
    ("mg_i=-0.1", "mg_i"),
    ("enac_scale=-1", "enac_scale"),
    ("k_lumen=0", "k_lumen"),
    ("na_lumen=-5", "na_lumen"),
    ("k_plasma=-4", "k_plasma"),
    ("flow=0", "flow"),
    ("aldosterone=0", "aldosterone"),
    ("segment_length=-1", "segment_length"),
])
def test_bad_values_exit_2_with_one_line(flag, word, tmp_path, capsys):
    code = main(["run", "k_secretion", "--quick", "--out", str(tmp_path / "o"), "--set", flag])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith("hypomag: error:") and "\n" not in err and word in err
    assert not (tmp_path / "o" / "k_secretion.csv").exists()
