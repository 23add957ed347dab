"""Whole-body K and Mg balance and the four treatment scenarios of ``hypokalemia``.

Balance: intake = urinary excretion + change in body stores, relative error
< 1e-6 (exact bookkeeping; RK4 preserves linear invariants). The default
patient has Gitelman syndrome (models.causes): NCC loss with its measured
adaptations, so the kidney wastes Mg (serum Mg 0.56 mM, FE_Mg 5.5 %, cell
free Mg 0.41 mM, all emerging from the nephron and gut models) and the
collecting duct sees secondary aldosteronism (aldosterone 2, ENaC x1.3, flow
5.5 nl/min): untreated plasma K is about 3.13 mM (3.17 mM in the same patient
with normal cell Mg). What the model shows (Huang & Kuo 2007 JASN 18:2649;
Wester & Dyckner 1981; Dorup et al. 1993):

* the kidney: the steady plasma-K gain of a K+ supplement is smaller while Mg
  is low, at every dose (gain ratio deficient/replete about 0.97 with the
  central ROMK fit and cytoplasmic Mg ~ serum^0.5; lower, about 0.95, with
  cytoplasmic Mg proportional to serum Mg). The target of the issue (ratio
  < 0.75) is not met by the data-constrained model and is not tested;
* the cells: cell K is refilled only when Mg is given (Mg-ATP pump).

The CLI is run once (``--quick``, 21 days, five K doses); the variants of the
gain ratio (ROMK fits, cell exponent) go through the sweep engine without a
figure, each once.
"""
from __future__ import annotations

import numpy as np
import pytest

from channels.romk import ROMK_FITS
from experiments.cli import main
from experiments.engine.table import Table
from models.body import (
    INTRACELLULAR_MG,
    PMOL_MIN_TO_MMOL_DAY,
    SCENARIOS,
    Body,
    BodyParameters,
    RenalTable,
    aldosterone_at,
    balance_error,
    cell_k_holding,
    scenario_doses,
)
from models.causes import mineral_body


@pytest.fixture(scope="module")
def deficient():
    """Four units of a low-intake patient's Mg balance (serum Mg ~0.6 mM), and its
    untreated steady state."""
    mineral = mineral_body(["low_intake"]).select(np.zeros(4, int))
    return mineral, Body(mineral=mineral).untreated()


def synthetic_table() -> RenalTable:
    """A smooth stand-in for the duct table: J = 9 (K/4)^2 (0.5/Mg)^0.3 pmol/min/mm.

    The steep K dependence stands in for aldosterone; the steady plasma K at
    serum Mg 0.35 mM (Mg_i 0.32 mM) is then about 3.7 mM, inside the grid.
    """
    k = np.linspace(1.5, 7, 8)
    mg = np.geomspace(0.02, 1.2, 7)
    j = 9.0 * (k[:, None] / 4.0) ** 2 * (0.5 / mg[None, :]) ** 0.3
    return RenalTable(k, mg, j)


def _column(result, s):
    return {key: (v[:, s] if isinstance(v, np.ndarray) and v.ndim == 2 else v)
            for key, v in result.items()}


# -- the body model on a synthetic table ---------------------------------------------


def test_balance_closes_synthetic(deficient):
    """K and Mg: cumulative intake - urine - change in stores < 1e-6 of intake, all
    scenarios, with scalar and with per-scenario doses."""
    mineral, start = deficient
    body = Body(synthetic_table(), mineral=mineral)
    for k_dose in (40.0, np.array([0.0, 20.0, 0.0, 100.0])):
        k, mg, load = scenario_doses(SCENARIOS, k_dose, 5.0, 20.0)
        result = body.simulate(k, mg, start_day=1.0, days=6.0, mg_load=load,
                               mg_load_days=3.0, dt_day=0.02, start=start)
        assert np.all(np.isfinite(result["plasma_k_mM"]))
        for s in range(4):
            assert balance_error(_column(result, s), "k") < 1e-6
            if SCENARIOS[s] in ("mg_only", "k_and_mg"):
                assert balance_error(_column(result, s), "mg") < 1e-6
    assert body.table.clamped == 0


def test_scenario_doses_per_scenario():
    """Doses as one value per scenario: a scenario without K gets no K, one without Mg no Mg."""
    k, mg, load = scenario_doses(SCENARIOS, [1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], 9.0)
    np.testing.assert_array_equal(k, [0.0, 2.0, 0.0, 4.0])
    np.testing.assert_array_equal(mg, [0.0, 0.0, 7.0, 8.0])
    np.testing.assert_array_equal(load, [0.0, 0.0, 9.0, 9.0])


def test_untreated_stays_at_steady_state_and_calibration(deficient):
    """The untreated patient starts at the steady state (constant plasma K, serum and
    cell Mg, cell K at K_i0 (K_p/K_p0)^beta_K h(Mg_i)); the Mg-replete body excretes its
    dietary K at k_p0 (calibration of the duct length, default: on the table itself)."""
    mineral, start = deficient
    table = synthetic_table()
    body = Body(table, mineral=mineral)
    result = body.simulate(0.0, 0.0, 1.0, 2.0, dt_day=0.02, start=start)
    k_p = result["plasma_k_mM"][:, 0]
    assert np.ptp(k_p) < 1e-9 and 3.0 < k_p[0] < 4.0
    assert np.ptp(result["serum_mg_mM"][:, 0]) < 1e-9 and result["serum_mg_mM"][0, 0] < 0.7
    assert np.ptp(result["mg_i_mM"][:, 0]) < 1e-9
    p = BodyParameters()
    mg_i = float(start["mg_i_mM"][0])
    expected = p.k_i0_mM * (k_p[0] / p.k_p0_mM) ** p.beta_k * float(cell_k_holding(p, mg_i))
    assert result["k_icf_mM"][0, 0] == pytest.approx(expected, rel=1e-12)
    assert np.ptp(result["k_icf_mM"][:, 0]) < 1e-9
    assert float(body.urine_k(p.k_p0_mM, INTRACELLULAR_MG)) == pytest.approx(
        p.k_diet_mmol_day, rel=1e-12)
    # lower cytoplasmic Mg -> more secretion per mm -> lower steady plasma K
    assert np.all(np.diff(body.steady_plasma_k(np.array([0.1, 0.2, 0.3, 0.5]))) > 0)


def test_reference_secretion_calibrates_length():
    """Body(table, params, reference_j): L0 = diet / reference_j; a reference <= 0 is refused."""
    p = BodyParameters(k_diet_mmol_day=90.0)
    table = synthetic_table()
    body = Body(table, p, 12.0)
    assert body.length_mm == pytest.approx(90.0 / (12.0 * PMOL_MIN_TO_MMOL_DAY), rel=1e-12)
    j = float(table(p.k_p0_mM, INTRACELLULAR_MG))
    assert float(body.urine_k(p.k_p0_mM, INTRACELLULAR_MG)) == pytest.approx(90.0 * j / 12.0,
                                                                              rel=1e-12)
    with pytest.raises(ValueError, match="must be > 0"):
        Body(synthetic_table(), p, 0.0)
    assert Body().length_mm is None


def test_cell_k_holding_and_aldosterone():
    """h = 1 at normal cytoplasmic Mg and rises with Mg (saturating); aldosterone is A0 at
    K_p0, e-fold per 1/0.95 mM, clipped to 0.05-20."""
    p = BodyParameters()
    assert float(cell_k_holding(p, INTRACELLULAR_MG)) == pytest.approx(1.0, rel=1e-12)
    h = cell_k_holding(p, np.array([0.1, 0.3, 0.5, 1.0]))
    assert np.all(np.diff(h) > 0) and h[-1] < 1.2
    assert float(aldosterone_at(4.0, 1.5, 0.95, 4.0)) == pytest.approx(1.5, rel=1e-12)
    assert float(aldosterone_at(5.0, 1.0, 0.95, 4.0)) == pytest.approx(np.exp(0.95), rel=1e-12)
    np.testing.assert_allclose(aldosterone_at(np.array([-20.0, 40.0]), 1.0, 0.95, 4.0),
                               [0.05, 20.0])


# -- one CLI run: the default patient, five K doses, 21 days -------------------------

DOSES = (10.0, 20.0, 40.0, 60.0, 100.0)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """``hypomag run hypokalemia --quick --set days=21 --set k_supplement=10,20,40,60,100``."""
    out = tmp_path_factory.mktemp("hypokalemia")
    doses = ",".join(f"{d:g}" for d in DOSES)
    assert main(["run", "hypokalemia", "--quick", "--out", str(out), "--no-show",
                 "--set", "days=21", "--set", f"k_supplement={doses}"]) == 0
    return {name: Table.read_csv(out / f"hypokalemia{suffix}.csv")
            for name, suffix in (("main", ""), ("balance", "_balance"), ("gain", "_gain"),
                                 ("renal", "_renal"))}


def _end(run, column="final_plasma_k_mM"):
    """{(scenario, dose): final value} from the balance table."""
    return {(row["scenario"], row["k_supplement_mmol_day"]): row[column]
            for row in run["balance"].rows}


def test_cli_writes_columns_and_one_gain_row_per_dose(run):
    table = run["main"]
    for column in ("scenario", "k_supplement_mmol_day", "mg_supplement_mmol_day", "t_day",
                   "plasma_k_mM", "serum_mg_mM", "mg_i_mM", "urine_k_mmol_day", "k_icf_mM"):
        assert column in table.columns
    assert set(table.unique("scenario")) == set(SCENARIOS)
    assert sorted(table.unique("k_supplement_mmol_day")) == list(DOSES)
    assert sorted(run["gain"]["k_supplement_mmol_day"]) == list(DOSES)
    assert len(run["balance"]) == len(SCENARIOS) * len(DOSES)
    assert len(run["renal"]) == 12 * 12  # quick table: 12 x 12 grid points
    assert np.max(table["t_day"]) == 21.0


def test_balance_closes_in_run(run):
    """Every scenario and every swept K dose: relative K and Mg balance error < 1e-6
    (measured ~4e-14); the table is never left."""
    balance = run["balance"]
    assert np.all(balance["k_balance_error"] < 1e-6)
    assert np.all(balance["mg_balance_error"] < 1e-6)
    assert np.all(balance["table_clamped"] == 0)


def test_untreated_stays_at_steady_state(run):
    """Untreated: plasma K constant (< 1e-9 mM) at about 3.13 mM (quick table), hypokalemic."""
    for dose in DOSES:
        k = run["main"].where(scenario="untreated", k_supplement_mmol_day=dose)["plasma_k_mM"]
        assert np.ptp(k) < 1e-9
        assert 3.05 < k[0] < 3.25


def test_gain_ratio_below_one_at_every_dose(run):
    """Steady plasma-K gain, deficient / replete: 0.973, 0.972, 0.973, 0.974, 0.978 at 10,
    20, 40, 60, 100 mmol/day (exact duct solves); < 1 everywhere, within 0.94-0.99; the
    relative gain (gain / plasma K) is smaller in deficiency too. Plasma K without a
    supplement: 3.144 mM (deficient) vs 3.166 mM (same patient, normal cell Mg)."""
    gain = run["gain"]
    assert np.all(gain["gain_ratio"] < 1.0)
    assert np.all((gain["gain_ratio"] > 0.94) & (gain["gain_ratio"] < 0.99))
    np.testing.assert_allclose(gain["gain_ratio"], gain["gain_deficient_mM"]
                               / gain["gain_replete_mM"], rtol=1e-8)  # CSV: 10 digits
    assert np.all(gain["relative_gain_deficient"] < gain["relative_gain_replete"])
    assert np.all(np.diff(gain["gain_deficient_mM"][np.argsort(gain["k_supplement_mmol_day"])]) > 0)
    assert np.all(gain["plasma_k_deficient_mM"] == pytest.approx(3.144, abs=0.005))
    assert np.all(gain["plasma_k_replete_mM"] == pytest.approx(3.166, abs=0.005))
    assert np.all(gain["plasma_k_deficient_mM"] < gain["plasma_k_replete_mM"])


def test_scenarios_at_day_21(run):
    """Plasma K at day 21 (default dose 40 mmol/day, quick table): untreated 3.13, k_only
    3.54, mg_only 3.14, k_and_mg 3.56 mM. untreated < 3.5; a K supplement raises plasma K
    and K with Mg a little more (every dose; K + Mg - K alone 0.01-0.03 mM; not robust: in
    the sensitivity experiment some variants reverse it); Mg alone barely moves it
    (|change| < 0.05 mM: cells take up K as Mg refills them); K + Mg within 3.5-5.0. K
    alone leaves serum Mg at the untreated 0.56 mM; Mg treatment raises it to 0.86 mM in
    21 days although the kidney still wastes Mg."""
    end = _end(run)
    mg = _end(run, "final_serum_mg_mM")
    assert end["untreated", 40] < 3.5
    for dose in DOSES:
        assert end["untreated", dose] < end["k_only", dose] < end["k_and_mg", dose]
        assert abs(end["mg_only", dose] - end["untreated", dose]) < 0.05
        assert mg["k_only", dose] == pytest.approx(mg["untreated", dose], abs=1e-9)
        assert mg["k_and_mg", dose] > mg["k_only", dose] + 0.25
    assert mg["k_only", 40] == pytest.approx(0.559, abs=0.005)
    assert 3.5 <= end["k_and_mg", 40] <= 5.0
    assert end["k_only", 40] == pytest.approx(3.54, abs=0.03)
    assert end["k_and_mg", 40] == pytest.approx(3.56, abs=0.03)


def test_cell_k_refilled_only_with_mg(run):
    """Cell K at day 21 (normal 140 mM; dose 40): untreated 125.2, k_only 129.9, mg_only 130.2,
    k_and_mg 135.2 mM. Up to 40 mmol/day of K, mg_only and k_and_mg hold more cell K than
    k_only and untreated; at every dose K + Mg holds more than K alone (from 60 mmol/day K
    alone passes mg_only through the rise of plasma K itself)."""
    k_icf = _end(run, "final_k_icf_mM")
    for dose in DOSES:
        assert k_icf["k_and_mg", dose] > k_icf["k_only", dose] + 4.0
        if dose <= 40:
            assert min(k_icf["mg_only", dose], k_icf["k_and_mg", dose]) > max(
                k_icf["k_only", dose], k_icf["untreated", dose])
    assert k_icf["untreated", 40] == pytest.approx(125.2, abs=1.0)
    assert k_icf["k_and_mg", 40] == pytest.approx(135.2, abs=1.0)


def test_k_supplement_is_excreted_by_day_21(run):
    """In ``k_only`` urinary K at day 21 has risen by > 99 % of the supplement at every dose
    (measured 99.5-99.96 %): plasma K is near its new steady state."""
    table = run["main"]
    for dose in DOSES:
        part = table.where(scenario="k_only", k_supplement_mmol_day=dose)
        last, first = int(np.argmax(part["t_day"])), int(np.argmin(part["t_day"]))
        rise = part["urine_k_mmol_day"][last] - part["urine_k_mmol_day"][first]
        supplement = part["k_intake_mmol_day"][last] - part["k_intake_mmol_day"][first]
        assert supplement == pytest.approx(dose)
        assert 0.99 * supplement < rise <= 1.001 * supplement


# -- the gain ratio under other fits and Mg mappings (engine, no figure) -----------------

VARIANTS = {
    "weak": dict(ROMK_FITS["weak"]),
    "strong": dict(ROMK_FITS["strong"]),
    "cell_0.3": {"cell_exponent": 0.3},
    "cell_1": {"cell_exponent": 1.0},
    "cell_1_deep": {"cell_exponent": 1.0, "mg_intake": 6.0},
}


@pytest.fixture(scope="module")
def variant_gains(tmp_path_factory):
    """Gain table at K doses 10 and 100 mmol/day for each variant (days=3: the gain table
    does not depend on the simulated days; 6-point table: it only brackets the exact solve)."""
    from experiments.validation.report import Context
    ctx = Context(quick=True, out=tmp_path_factory.mktemp("variants"))
    return {name: ctx.experiment("hypokalemia", k_supplement=[10.0, 100.0], days=3.0,
                                 table_points=6, **settings)["gain"]
            for name, settings in VARIANTS.items()}


def test_gain_ratio_below_one_for_other_fits_and_mappings(variant_gains):
    """Ratio at 10 / 100 mmol/day: weak ROMK fit 0.978 / 0.977, strong 0.971 / 0.976,
    cell_exponent 0.3: 0.983 / 0.987, cell_exponent 1: 0.950 / 0.956; all < 1 and > 0.85;
    relative gains smaller in deficiency."""
    measured = {"weak": (0.978, 0.977), "strong": (0.971, 0.976), "cell_0.3": (0.983, 0.987),
                "cell_1": (0.950, 0.956)}
    for name, expected in measured.items():
        gain = variant_gains[name]
        ratio = gain["gain_ratio"][np.argsort(gain["k_supplement_mmol_day"])]
        assert np.all(ratio < 1.0), name
        np.testing.assert_allclose(ratio, expected, atol=0.005, err_msg=name)
        assert np.all(gain["relative_gain_deficient"] < gain["relative_gain_replete"]), name


def test_gain_ratio_falls_with_the_depth_of_the_cell_mg_deficit(run, variant_gains):
    """cell_exponent 0.3 -> 0.5 (default) -> 1, then 1 with half the dietary Mg (serum Mg
    0.56 -> lower): the ratio falls (0.983 -> 0.973 -> 0.950 -> 0.926 at 10 mmol/day;
    0.987 -> 0.978 -> 0.956 -> 0.928 at 100)."""
    default = run["gain"]
    tables = [variant_gains["cell_0.3"], default, variant_gains["cell_1"],
              variant_gains["cell_1_deep"]]
    for dose in (10.0, 100.0):
        chain = [float(g.where(k_supplement_mmol_day=dose)["gain_ratio"][0]) for g in tables]
        assert np.all(np.diff(chain) < 0), (dose, chain)
        assert chain[-1] < 0.94
    deep = variant_gains["cell_1_deep"]
    assert np.all(deep["plasma_k_deficient_mM"] < default["plasma_k_deficient_mM"][0])


# -- refusals ------------------------------------------------------------------------


@pytest.mark.parametrize("flag, word", [
    ("mg_intake=-0.2", "mg_intake"),
    ("k_supplement=-5", "k_supplement"),
    ("cause=sometimes", "cause"),
    ("scenario=sometimes", "scenario"),
    ("cause=gitelman,east", "cause"),
    ("cell_exponent=0.3,1", "cell_exponent"),
])
def test_bad_values_exit_2(flag, word, tmp_path, capsys):
    code = main(["run", "hypokalemia", "--quick", "--out", str(tmp_path / "o"), "--set", flag])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.startswith("hypomag: error:") and "\n" not in err and word in err
    assert not (tmp_path / "o" / "hypokalemia.csv").exists()
