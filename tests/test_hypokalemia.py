"""Whole-body K and Mg balance and the four treatment scenarios of ``hypokalemia``.

Balance: intake = urinary excretion + change in body stores, relative error
< 1e-6 (exact bookkeeping; RK4 preserves linear invariants). Scenario order
(Huang & Kuo 2007 JASN 18:2649; docs/reference.md section 5): with Mg deficiency the
untreated patient is hypokalemic; K+ alone raises plasma K less than K+ with
Mg, because the Mg-deficient kidney excretes the supplement; Mg alone raises
it partly; K+ and Mg together bring it into the normal range.
"""
from __future__ import annotations

import numpy as np
import pytest

from conftest import run_quick

from experiments.cli import main
from experiments.engine.table import Table
from models.body import SCENARIOS, Body, BodyParameters, RenalTable, balance_error, scenario_doses


def synthetic_table() -> RenalTable:
    """A smooth stand-in for the principal-cell table: J = 9 (K/4)^0.1 (0.5/Mg)^0.3."""
    k = np.linspace(2, 7, 6)
    mg = np.geomspace(0.02, 1.2, 7)
    j = 9.0 * (k[:, None] / 4.0) ** 0.1 * (0.5 / mg[None, :]) ** 0.3
    return RenalTable(k, mg, j)


def test_balance_closes_synthetic():
    """K and Mg: cumulative intake - urine - change in stores < 1e-6 of intake, all scenarios."""
    body = Body(synthetic_table())
    k, mg, load = scenario_doses(SCENARIOS, 40.0, 5.0, 20.0)
    result = body.simulate(np.full(4, 0.35), k, mg, start_day=1.0, days=6.0, mg_load=load,
                           mg_load_days=3.0, dt_day=0.02)
    for s in range(4):
        column = {key: (v[:, s] if isinstance(v, np.ndarray) and v.ndim == 2 else v)
                  for key, v in result.items()}
        assert balance_error(column, "k") < 1e-6
        if SCENARIOS[s] in ("mg_only", "k_and_mg"):
            assert balance_error(column, "mg") < 1e-6


def test_untreated_stays_at_steady_state_and_calibration():
    """The untreated patient starts at the steady state (constant plasma K); the Mg-replete
    body excretes its dietary K at k_p0 (calibration of the duct length)."""
    body = Body(synthetic_table())
    result = body.simulate(np.array([0.35]), np.array([0.0]), np.array([0.0]), 1.0, 2.0,
                           dt_day=0.02)
    k_p = result["plasma_k_mM"][:, 0]
    assert np.ptp(k_p) < 1e-9
    p = BodyParameters()
    assert float(body.urine_k(p.k_p0_mM, 0.5)) == pytest.approx(p.k_diet_mmol_day, rel=1e-12)
    # lower cytoplasmic Mg -> more secretion per mm -> lower steady plasma K
    assert np.all(np.diff(body.steady_plasma_k(np.array([0.1, 0.2, 0.3, 0.5]))) > 0)


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    return run_quick(tmp_path_factory, "hypokalemia")


def test_cli_quick_writes_columns(quick_run):
    table = Table.read_csv(quick_run / "hypokalemia.csv")
    for column in ("scenario", "t_day", "plasma_k_mM", "serum_mg_mM", "mg_i_mM",
                   "urine_k_mmol_day"):
        assert column in table.columns
    assert set(table.unique("scenario")) == set(SCENARIOS)
    assert (quick_run / "hypokalemia_renal.csv").is_file()


def test_balance_closes_in_run(quick_run):
    balance = Table.read_csv(quick_run / "hypokalemia_balance.csv")
    assert np.all(balance["k_balance_error"] < 1e-6)
    assert np.all(balance["mg_balance_error"] < 1e-6)
    assert np.all(balance["table_clamped"] == 0)


def test_scenarios_order(quick_run):
    """untreated < 3.5 mM; untreated < k_only < k_and_mg; untreated < mg_only < k_and_mg;
    k_and_mg normal (3.5-5.0); K+ alone leaves plasma K below 3.5 mM at the default dose
    (Huang & Kuo 2007: K repletion fails until Mg is repleted) and falls short of K+ with
    Mg by > 0.3 mM; K alone leaves serum Mg low, Mg treatment raises it by > 0.3 mM."""
    balance = Table.read_csv(quick_run / "hypokalemia_balance.csv")
    end = {row["scenario"]: row["final_plasma_k_mM"] for row in balance.rows}
    mg = {row["scenario"]: row["final_serum_mg_mM"] for row in balance.rows}
    assert end["untreated"] < 3.5
    assert end["untreated"] < end["k_only"] < end["k_and_mg"]
    assert end["untreated"] < end["mg_only"] < end["k_and_mg"]
    assert 3.5 <= end["k_and_mg"] <= 5.0
    assert end["k_and_mg"] - end["k_only"] > 0.3
    assert end["k_only"] < 3.5
    assert mg["k_only"] < 0.5 and mg["k_and_mg"] > mg["k_only"] + 0.3


def test_k_supplement_is_mostly_excreted_when_mg_deficient(quick_run):
    """In ``k_only`` urinary K at the end has risen by most (> 80 %) of the supplement."""
    table = Table.read_csv(quick_run / "hypokalemia.csv").where(scenario="k_only")
    t = table["t_day"]
    urine = table["urine_k_mmol_day"]
    intake = table["k_intake_mmol_day"]
    last, first = int(np.argmax(t)), int(np.argmin(t))
    supplement = intake[last] - intake[first]
    assert supplement > 0
    assert urine[last] - urine[first] > 0.8 * supplement


@pytest.mark.parametrize("flag, word", [
    ("serum_mg=-0.2", "serum_mg"),
    ("k_supplement=-5", "k_supplement"),
    ("enac_scale=-1", "enac_scale"),
    ("scenario=sometimes", "scenario"),
    ("n_adapt=2,3", "n_adapt"),
])
def test_bad_values_exit_2(flag, word, tmp_path, capsys):
    code = main(["run", "hypokalemia", "--quick", "--out", str(tmp_path / "o"), "--set", flag])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.startswith("hypomag: error:") and "\n" not in err and word in err
