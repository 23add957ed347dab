"""``hypomagnesemia``: the serum -> tissue Mg mapping, reuse of ``excitability``, and the
kidney/body columns.

Mapping (docs/reference.md section 2): at a normal serum total Mg of 0.85 mM, plasma
ionized Mg is 0.58 mM and CSF ionized Mg 0.82 mM (Brewer et al. 2001);
cytoplasmic free Mg about 0.5 mM. The neuron protocols are the
``excitability`` experiment's own runner; to stay inside the test time
budget the CLI test replaces that runner with a stub that records the Mg_o it
is given (the neuron itself is tested by the excitability tests).

Kidney and body: the person has no diuretic (the ``k_secretion`` baseline,
:class:`experiments.hypokalemia.PatientKidney` with the reference conditions)
and cytoplasmic free Mg ~ serum Mg^0.5 (``cell_exponent`` default). Plasma K
is calibrated to 4.0 mM at normal serum Mg; Mg deficiency alone lowers it only a
little (3.95 mM at serum Mg 0.3 mM; measured): without more distal Na+
delivery or aldosterone it does not cause hypokalemia (Huang & Kuo 2007 JASN
18:2649). The thiazide patient of ``hypokalemia`` is hypokalemic.
"""
from __future__ import annotations

import numpy as np
import pytest
from brian2 import mM

from experiments.cli import main
from experiments.engine.table import Table
from experiments.excitability import Excitability
from experiments.hypomagnesemia import Hypomagnesemia
from models.body import mg_compartments


def test_mapping_normal_values_and_proportionality():
    """0.85 mM serum -> 0.58 plasma ionized, 0.82 CSF, 0.5 cytoplasm (exact); linear by default."""
    normal = mg_compartments(0.85)
    assert float(normal["plasma_ionized_mM"]) == pytest.approx(0.58, rel=1e-12)
    assert float(normal["csf_mM"]) == pytest.approx(0.82, rel=1e-12)
    assert float(normal["intracellular_mM"]) == pytest.approx(0.5, rel=1e-12)
    half = mg_compartments(0.425)
    assert float(half["csf_mM"]) == pytest.approx(0.41, rel=1e-12)
    regulated = mg_compartments(0.425, csf_exponent=0.5)
    assert float(regulated["csf_mM"]) == pytest.approx(0.82 * 0.5 ** 0.5, rel=1e-12)


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


def test_cli_quick_writes_columns(stub_neuron, tmp_path):
    from experiments.engine.batch import configure_brian
    configure_brian()
    out = tmp_path / "o"
    assert main(["run", "hypomagnesemia", "--quick", "--out", str(out), "--no-show",
                 "--set", "serum_mg=0.3,0.85,1.2"]) == 0
    table = Table.read_csv(out / "hypomagnesemia.csv")
    for column in Hypomagnesemia.columns:
        assert column in table.columns
    assert (out / "hypomagnesemia.png").is_file()
    np.testing.assert_allclose(sorted(set(stub_neuron)), [0.82 * s / 0.85 for s in (0.3, 0.85, 1.2)])
    rows = {row["serum_mg_mM"]: row for row in table.rows}
    # cytoplasmic Mg ~ serum^0.5 (cell_exponent default): 0.297, 0.5, 0.594 mM
    for serum, row in rows.items():
        assert row["mg_i_mM"] == pytest.approx(0.5 * (serum / 0.85) ** 0.5, rel=1e-9)
    # lower Mg: more K+ secretion at the same plasma K (9.07 > 8.62 > 8.45 pmol/min/mm at
    # plasma K 4 mM), lower steady plasma K (3.954 < 4.0 < 4.019 mM)
    assert rows[0.3]["j_k_pmol_min_mm"] > rows[0.85]["j_k_pmol_min_mm"] > rows[1.2]["j_k_pmol_min_mm"]
    assert rows[0.3]["plasma_k_mM"] < rows[0.85]["plasma_k_mM"] < rows[1.2]["plasma_k_mM"]
    # the body is calibrated to balance at 4.0 mM plasma K with normal Mg (reference person)
    assert rows[0.85]["plasma_k_mM"] == pytest.approx(4.0, abs=1e-6)
    # without a diuretic, Mg deficiency alone leaves plasma K in the normal range
    assert rows[0.3]["plasma_k_mM"] == pytest.approx(3.954, abs=0.01)
    assert 3.5 < rows[0.3]["plasma_k_mM"]


@pytest.mark.parametrize("flag, word", [
    ("serum_mg=-0.5", "serum_mg"),
    ("cell_exponent=0.3,1", "cell_exponent"),
    ("aldosterone=1,1.5", "aldosterone"),
])
def test_bad_values_exit_2(flag, word, tmp_path, capsys):
    code = main(["run", "hypomagnesemia", "--quick", "--out", str(tmp_path / "o"),
                 "--set", flag])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.startswith("hypomag: error:") and "\n" not in err and word in err
