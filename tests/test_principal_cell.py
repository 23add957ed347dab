"""The collecting-duct principal cell: channels, steady state and published bands.

Bands from docs/reference.md section 4 (rat CCD, [uncertain] typical
values): K+ secretion 5-30 pmol/min/mm with Na+ absorption several-fold
higher; basolateral potential -70 to -85 mV; transepithelial potential 0 to
-50 mV (lumen negative); apical potential -30 to -60 mV.
"""
from __future__ import annotations

import numpy as np
import pytest
from brian2 import mM, mV, pliter, second, uS

from channels.constants import FARADAY_C_PER_MOL
from channels.enac import ENaC, exprel
from channels.kir_basolateral import Kir45
from experiments.k_secretion import (APICAL_BAND, BASOLATERAL_BAND, K_SECRETION_BAND,
                                     TRANSEPITHELIAL_BAND, KSecretion)
from models.principal_cell import PrincipalCell

#: The default Mg_i sweep of ``k_secretion``.
MG_SWEEP = np.array(KSecretion.setting("mg_i").default)


@pytest.fixture(scope="module")
def steady():
    """One batched run: the default Mg_i sweep, then amiloride at Mg_i 0.5 mM (last unit)."""
    from experiments.engine.batch import configure_brian
    configure_brian()
    n = len(MG_SWEEP) + 1
    cell = PrincipalCell()
    group = cell.build_group(n)
    p_enac = ENaC.parameter("P_ENaC").value
    scale = np.ones(n)
    scale[-1] = 0.0
    mg = np.append(MG_SWEEP, 0.5)
    result = cell.run(group, {"Mg_i": mg * mM, "P_ENaC": p_enac * scale}, duration=300 * second)
    return (cell, group), mg, result


def test_enac_ghk_limits():
    """GHK current: P F (Na_i - Na_o) at V = 0 (the exprel limit); zero at E_Na; inward below."""
    enac = ENaC()
    p_si = float(enac.values["P_ENaC"] / (pliter / second)) * 1e-15
    at_zero = float(enac.current(v=0 * mV, Na_o=140 * mM, Na_i=15 * mM) / 1e-9) * 1e-9
    assert at_zero == pytest.approx(p_si * FARADAY_C_PER_MOL * (15 - 140), rel=1e-9)
    e_na = enac.reversal(Na_o=140 * mM, Na_i=15 * mM)
    assert abs(float(enac.current(v=e_na, Na_o=140 * mM, Na_i=15 * mM))) < 1e-18
    assert float(enac.current(v=-60 * mV, Na_o=140 * mM, Na_i=15 * mM)) < 0
    assert exprel(np.array([0.0]))[0] == 1.0


def test_kir45_ohmic_sqrt_k():
    """Kir4.1/5.1: zero at E_K; conductance x2 when K_o x4 (square-root law), at equal drive."""
    kir = Kir45()
    e4 = kir.reversal(K_o=4 * mM, K_i=140 * mM)
    assert abs(float(kir.current(v=e4, K_o=4 * mM, K_i=140 * mM))) < 1e-18
    i4 = kir.current(v=e4 + 10 * mV, K_o=4 * mM, K_i=140 * mM)
    e16 = kir.reversal(K_o=16 * mM, K_i=140 * mM)
    i16 = kir.current(v=e16 + 10 * mV, K_o=16 * mM, K_i=140 * mM)
    assert float(i16 / i4) == pytest.approx(2.0, rel=1e-12)
    assert float(i4 / (10 * mV * kir.values["g_Kir45"])) == pytest.approx(1.0, rel=1e-12)


def test_secretion_never_increases_with_mg_i(steady):
    """Over the default Mg_i sweep K+ secretion falls (never rises) as Mg_i rises."""
    _, mg, result = steady
    j = result["j_k_pmol_min_mm"][:len(MG_SWEEP)]
    order = np.argsort(MG_SWEEP)
    assert np.all(np.diff(j[order]) < 0)
    assert j[order][0] > 2 * j[order][-1]  # clearly Mg-dependent, not flat


def test_baseline_within_reference_bands(steady):
    """Baseline (Mg_i 0.5 mM, luminal K 5, Na 140, plasma K 4 mM) in the docs/reference.md section 4 bands."""
    _, mg, result = steady
    k = int(np.flatnonzero(np.isclose(MG_SWEEP, 0.5))[0])
    j_k, j_na = result["j_k_pmol_min_mm"][k], result["j_na_pmol_min_mm"][k]
    assert K_SECRETION_BAND[0] <= j_k <= K_SECRETION_BAND[1]
    assert j_na >= 3 * j_k
    assert BASOLATERAL_BAND[0] <= result["v_basolateral_mV"][k] <= BASOLATERAL_BAND[1]
    assert TRANSEPITHELIAL_BAND[0] <= result["v_te_mV"][k] < TRANSEPITHELIAL_BAND[1]
    assert APICAL_BAND[0] <= result["v_apical_mV"][k] <= APICAL_BAND[1]
    assert 5.0 <= result["na_c_mM"][k] <= 25.0 and 120.0 <= result["k_c_mM"][k] <= 160.0


def test_potentials_close_the_circuit(steady):
    """V_apical = V_basolateral - V_te (Kirchhoff), to rounding."""
    _, _, r = steady
    np.testing.assert_allclose(r["v_apical_mV"], r["v_basolateral_mV"] - r["v_te_mV"], atol=1e-9)


def test_steady_state_is_steady(steady):
    """All balances close (< 1e-9 relative); derivatives of cell Na, K < 1e-9 mM/s; a
    further 60 s from the end state changes J_K by < 1e-9 relative."""
    (cell, group), mg, result = steady
    assert np.all(result["residual"] < 1e-9)
    assert np.all(np.abs(result["dk_c_dt_mM_s"]) < 1e-9)
    assert np.all(np.abs(result["dna_c_dt_mM_s"]) < 1e-9)
    p_enac = ENaC.parameter("P_ENaC").value
    scale = np.ones(len(mg))
    scale[-1] = 0.0
    again = cell.run(group, {"Mg_i": mg * mM, "P_ENaC": p_enac * scale}, duration=60 * second,
                     initial={"Na_c": result["na_c_mM"] * mM, "K_c": result["k_c_mM"] * mM,
                              "V_b": result["v_basolateral_mV"] * mV,
                              "V_te": result["v_te_mV"] * mV})
    np.testing.assert_allclose(again["j_k_pmol_min_mm"], result["j_k_pmol_min_mm"], rtol=1e-9)


def test_pump_is_garay_garrahan(steady):
    """The pump rate equals Weinstein's Garay-Garrahan form at the steady state, and
    Na+ entry (apical ENaC + basolateral leak) is three pump cycles (3 Na : 2 K)."""
    (cell, _), _, r = steady
    na_c, k_c, k_b, na_b = r["na_c_mM"], r["k_c_mM"], 4.0, 140.0
    k_na = 0.2 * (1 + k_c / 8.33)
    k_k = 0.1 * (1 + na_b / 18.5)
    jmax = float(cell.values["Jmax_pump"]) * 1e12 * 60  # mol/s -> pmol/min
    expected = jmax * (na_c / (na_c + k_na)) ** 3 * (k_b / (k_b + k_k)) ** 2
    np.testing.assert_allclose(r["j_pump_pmol_min_mm"], expected, rtol=1e-9)
    np.testing.assert_allclose(r["j_na_pmol_min_mm"] + r["j_na_basolateral_pmol_min_mm"],
                               3 * r["j_pump_pmol_min_mm"], rtol=1e-8)


def test_amiloride_abolishes_lumen_negative_potential_and_most_secretion(steady):
    """ENaC off (amiloride): V_te near 0 and K+ secretion falls to < 1/3 (Weinstein 2001;
    Palmer reviews: secretion needs the ENaC-driven lumen-negative potential)."""
    _, mg, r = steady
    base = int(np.flatnonzero(np.isclose(MG_SWEEP, 0.5))[0])
    assert abs(r["v_te_mV"][-1]) < 2.0
    assert r["j_na_pmol_min_mm"][-1] == pytest.approx(0.0, abs=1e-9)
    assert r["j_k_pmol_min_mm"][-1] < r["j_k_pmol_min_mm"][base] / 3


def test_unknown_cell_parameter_rejected():
    with pytest.raises(ValueError, match="unknown parameter"):
        PrincipalCell(values={"g_nonsense": 1 * uS})


def test_description_builds_no_group():
    """The model describes itself without a simulation: equations and parameter rows
    without a Brian2 group; build_group(n) gives n units on request."""
    from brian2 import NeuronGroup
    cell = PrincipalCell()
    assert not any(isinstance(v, NeuronGroup) for v in vars(cell).values())
    eqs = cell.equations()
    for name in ("Na_c", "K_c", "V_b", "V_te", "I_ROMK", "I_ENaC", "I_Kir45", "Mg_i"):
        assert name in eqs.names
    assert {r["name"] for r in cell.parameter_rows()} >= {"g_ROMK", "P_ENaC", "Jmax_pump"}
    group = cell.build_group(3)
    assert len(group) == 3
    assert np.allclose(group.Mg_i[:] / mM, 0.5)
