"""``hypomagnesemia``: causes -> tissue Mg, reuse of ``excitability``, and the
kidney/body columns.

Each cause's Mg comes from the whole-body Mg and Ca balance (models.causes.mineral_body,
tested in test_mineral.py); CSF Mg is regulated (0.82 mM (plasma ionized / 0.58 mM)^0.15,
Brewer et al. 2001). The neuron protocols are the ``excitability`` experiment's own
runner; to stay inside the test time budget the CLI test replaces that runner with a stub
that records the Mg_o it is given (the neuron itself is tested by the excitability
tests).

Kidney and body: each cause's own collecting duct (models.causes.duct_knobs). The healthy
person's plasma K is calibrated to 4.0 mM; Mg deficiency alone (FHHNC: serum Mg 0.41 mM,
normal collecting duct) lowers it only a little (3.97 mM; measured): without more distal
Na+ delivery or aldosterone it does not cause hypokalemia (Huang & Kuo 2007 JASN
18:2649). The Gitelman patient, with secondary aldosteronism, is hypokalemic (3.14 mM).
"""
from __future__ import annotations

import numpy as np
import pytest
from brian2 import mM

from experiments.cli import main
from experiments.engine.table import Table
from experiments.excitability import Excitability
from experiments.hypomagnesemia import Hypomagnesemia
from models import calciotropic as ct


def test_reuses_excitability_settings():
    """Every excitability setting except its Mg sweep is a setting of hypomagnesemia (same object)."""
    ours = Hypomagnesemia.all_settings()
    for setting in Excitability.settings:
        if setting.name != "mg_o":
            assert ours[setting.name] is setting
    assert "mg_o" not in ours


@pytest.fixture
def stub_neuron(monkeypatch):
    """Replace the excitability runner by one that records Mg_o and returns rate = 10/Mg_o."""
    seen = []

    def build(self, n, fixed):
        def runner(conditions):  # conditions carry Brian2 quantities, as from the engine
            mg = [float(c["mg_o"] / mM) for c in conditions]
            seen.extend(mg)
            return [[{"rate_hz": 10.0 / m, "epsp_mV": 1.0, "threshold_inputs": 20.0}] for m in mg]
        return runner
    monkeypatch.setattr(Excitability, "build", build)
    return seen


def _run(tmp_path, *settings):
    from experiments.engine.batch import configure_brian
    configure_brian()
    out = tmp_path / "o"
    args = [a for s in settings for a in ("--set", s)]
    assert main(["run", "hypomagnesemia", "--quick", "--out", str(out), "--no-show",
                 "--set", "cause=healthy,gitelman,fhhnc", "--set", "replicates=1"] + args) == 0
    return out, Table.read_csv(out / "hypomagnesemia.csv")


def test_cli_quick_writes_columns(stub_neuron, tmp_path):
    out, table = _run(tmp_path)
    for column in Hypomagnesemia.columns:
        assert column in table.columns
    assert (out / "hypomagnesemia.png").is_file()
    rows = {row["cause"]: row for row in table.rows}
    # the neuron sees the regulated CSF Mg of each cause
    np.testing.assert_allclose(sorted(stub_neuron), sorted(table["csf_mg_mM"]), rtol=1e-9)
    for row in rows.values():
        expected = float(ct.csf_mg_target(row["ionized_mg_mM"]))
        assert row["csf_mg_mM"] == pytest.approx(expected, rel=1e-9)
    # serum Mg and FE_Mg emerge from each cause: 0.90 / 0.56 / 0.41 mM, 3.4 / 5.5 / 7.4 %
    healthy, gitelman, fhhnc = rows["healthy"], rows["gitelman"], rows["fhhnc"]
    assert 0.7 < healthy["serum_mg_mM"] < 1.1 and healthy["fe_mg_pct"] < 4.0
    for sick in (gitelman, fhhnc):
        assert sick["serum_mg_mM"] < 0.7 and sick["fe_mg_pct"] > 4.0
        assert sick["mg_i_mM"] < healthy["mg_i_mM"]
    # CSF Mg falls far less than serum Mg (0.81 -> 0.73 mM while serum falls 0.90 -> 0.41)
    assert fhhnc["csf_mg_mM"] > 0.85 * healthy["csf_mg_mM"]
    # the body is calibrated to balance at 4.0 mM plasma K in the healthy person
    assert healthy["plasma_k_mM"] == pytest.approx(4.0, abs=0.01)
    # lower cell Mg with a normal duct: a little more K+ secretion, plasma K still normal
    assert fhhnc["j_k_pmol_min_mm"] > healthy["j_k_pmol_min_mm"]
    assert 3.5 < fhhnc["plasma_k_mM"] < healthy["plasma_k_mM"]
    # Gitelman's secondary aldosteronism and distal Na+ delivery: hypokalemia
    assert gitelman["j_k_pmol_min_mm"] > 1.5 * healthy["j_k_pmol_min_mm"]
    assert gitelman["plasma_k_mM"] < 3.5


def test_csf_exponent_sets_the_regulation(stub_neuron, tmp_path):
    """csf_exponent 0.3 (the steepest plausible): CSF = 0.82 mM (ionized / 0.58 mM)^0.3."""
    _, table = _run(tmp_path, "csf_exponent=0.3")
    np.testing.assert_allclose(table["csf_mg_mM"], 0.82 * (table["ionized_mg_mM"] / 0.58) ** 0.3,
                               rtol=1e-9)


@pytest.mark.parametrize("flag, word", [
    ("cause=nowhere", "cause"),
    ("cell_exponent=0.3,1", "cell_exponent"),
    ("csf_exponent=-1", "csf_exponent"),
])
def test_bad_values_exit_2(flag, word, tmp_path, capsys):
    code = main(["run", "hypomagnesemia", "--quick", "--out", str(tmp_path / "o"),
                 "--set", flag])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.startswith("hypomag: error:") and "\n" not in err and word in err
