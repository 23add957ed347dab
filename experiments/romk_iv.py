"""``romk_iv``: ROMK (Kir1.1) I–V at several intracellular Mg2+ concentrations.

Each (Mg_i, K_o, V) triple is one voltage-clamped compartment; ``v`` is the
cell potential relative to the outside (the lumen, for a principal cell's
apical membrane) and ``k_o`` the external (luminal) K. Cytoplasmic Mg2+
blocks outward current and spares inward current; without Mg the I–V is a
straight line through E_K. Lowering ``k_o`` strengthens the block.

Columns: ``mg_i_mM``, ``k_o_mM``, ``k_i_mM``, ``v_mV``, ``i_pA`` (outward
positive = K+ secretion), ``unblocked`` (fraction not blocked by Mg2+),
``e_k_mV``.

References: Lu & MacKinnon 1994 Nature 371:243; Yang, Frindt & Palmer 2010
JASN 21:2109; Löffler & Hunter 1997 Pflügers Arch 434:151.
"""
from __future__ import annotations

import numpy as np
from brian2 import mV

from channels.romk import ROMK

from .engine.clamp import ClampIV, clamp_settings
from .engine.settings import Setting, concentration, temperature
from .engine.style import LINE_STYLES, distinct


class ROMKIV(ClampIV):
    """ROMK current–voltage family at several cytoplasmic Mg2+ concentrations."""

    name = "romk_iv"
    order = 20
    title = "ROMK (Kir1.1) current-voltage curves at several intracellular Mg2+"
    channel_classes = (ROMK,)
    columns = ("mg_i_mM", "k_o_mM", "v_mV", "i_pA", "unblocked", "e_k_mV")
    settings = (
        concentration("mg_i", (0, 0.1, 0.5, 1, 2), "cytoplasmic free Mg2+",
                      "intracellular free Mg about 0.5 mM, range 0.5-1.0 (docs/reference.md section 2)",
                      variable="Mg_i"),
        concentration("k_o", (10.0,), "external (luminal) K+",
                      "cortical collecting duct luminal K of order 10 mM (5-40 mM, "
                      "Malnic, Klose & Giebisch 1964 AJP 206:674) [uncertain]", variable="K_o"),
        concentration("k_i", (145.0,), "cytoplasmic K+",
                      "principal cell K 145 mM (docs/reference.md section 3)", variable="K_i"),
        Setting("v", tuple(np.round(np.linspace(-120, 40, 161), 6)), mV,
                "cell potential relative to the outside (lumen)", "range covering E_K +- 80 mV",
                quick=tuple(np.linspace(-120, 40, 33)), minimum=-200.0, maximum=200.0, column=True,
                variable="v"),
        temperature("absolute temperature"),
    ) + clamp_settings()

    def validate(self, values):
        from .engine.settings import UsageError
        for name in ("k_o", "k_i"):
            if any(v <= 0 for v in values[name]):
                shown = ",".join(f"{v:g}" for v in self.setting(name).in_unit(values[name]))
                raise UsageError(f"--set {name}={shown}: "
                                 f"K+ must be > 0 mM (E_K is undefined at 0); allowed: numbers in mM > 0")

    def make_channel(self, fixed):
        return self.channel(ROMK, fixed)

    def measures(self, result, k):
        return {"unblocked": result["f_ROMK"][k], "e_k_mV": result["E_K_ROMK"][k] / float(mV)}

    MG_COLUMN, GROUP_COLUMN = "mg_i_mM", "k_o_mM"
    MG_REFERENCE = 0.5  # normal cytoplasmic free Mg, always drawn (docs/reference.md section 2)

    def group_label(self, value):
        return f"K$_o$ {value:g} mM"

    def plot(self, tables):
        table = tables["main"]
        k_all = distinct(table["k_o_mM"])
        k_values = (", ".join(f"{k:g}" for k in k_all) if len(k_all) <= len(LINE_STYLES)
                    else f"{min(k_all):g}-{max(k_all):g}")
        return self.plot_family(table, "cell potential re outside (mV)",
                                "ROMK current (pA, outward +)", "fraction not blocked by Mg$^{2+}$",
                                f"ROMK I-V, K$_o$ = {k_values} mM", "internal Mg$^{2+}$ block",
                                "Mg$_i$")

if __name__ == "__main__":
    from .cli import experiment_main
    experiment_main("romk_iv")
