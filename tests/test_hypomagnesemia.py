"""``hypomagnesemia``: the serum -> tissue Mg mapping, reuse of ``excitability``, and the
kidney/body columns.

Mapping (docs/reference.md section 2): at a normal serum total Mg of 0.85 mM, plasma
ionized Mg is 0.58 mM and CSF ionized Mg 0.82 mM (Brewer et al. 2001);
cytoplasmic free Mg about 0.5 mM. The neuron protocols are the
``excitability`` experiment's own runner; to stay inside the test time
budget the CLI test replaces that runner with a stub that records the Mg_o it
is given (the neuron itself is tested by the excitability tests).
"""
from __future__ import annotations

import numpy as np
import pytest
from brian2 import mM

from experiments.cli import main
from experiments.excitability import Excitability
from experiments.hypomagnesemia import Hypomagnesemia
from experiments.engine.table import Table
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
                 "--set", "serum_mg=0.3,0.85,1.2", "--set", "table_points=6"]) == 0
    table = Table.read_csv(out / "hypomagnesemia.csv")
    for column in Hypomagnesemia.columns:
        assert column in table.columns
    assert (out / "hypomagnesemia.png").is_file()
    np.testing.assert_allclose(sorted(set(stub_neuron)), [0.82 * s / 0.85 for s in (0.3, 0.85, 1.2)])
    rows = {row["serum_mg_mM"]: row for row in table.rows}
    # lower Mg: more K+ secretion at the same plasma K, lower steady plasma K
    assert rows[0.3]["j_k_pmol_min_mm"] > rows[0.85]["j_k_pmol_min_mm"] > rows[1.2]["j_k_pmol_min_mm"]
    assert rows[0.3]["plasma_k_mM"] < 3.5 < rows[0.85]["plasma_k_mM"] < rows[1.2]["plasma_k_mM"]
    # the body is calibrated to balance at 4.0 mM plasma K with normal Mg
    assert rows[0.85]["plasma_k_mM"] == pytest.approx(4.0, abs=1e-6)


def test_bad_serum_mg_exits_2(tmp_path, capsys):
    code = main(["run", "hypomagnesemia", "--quick", "--out", str(tmp_path / "o"),
                 "--set", "serum_mg=-0.5"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.startswith("hypomag: error:") and "\n" not in err and "serum_mg" in err
