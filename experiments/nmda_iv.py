"""``nmda_iv``: steady-state I–V of the NMDA current at several extracellular Mg.

Each (Mg_o, V) pair is one voltage-clamped compartment with fully bound
receptors (gating ``open``, s = 1); the block runs to steady state. The
family of curves shows the region of negative slope that the Mg2+ block
carves below about -20 mV at 1 mM, and how it vanishes without Mg. Second
panel: the unblocked fraction B(V).

Columns: ``mg_o_mM``, ``v_mV``, ``block``, ``i_pA`` (outward positive),
``unblocked`` (B), ``g_nS`` (chord conductance g s B).

Reference: Jahr CE, Stevens CF (1990) J Neurosci 10:3178-3182.
"""
from __future__ import annotations

import numpy as np
from brian2 import mV, nS

from channels.nmda import BLOCKS, NMDA

from .engine.clamp import ClampIV, clamp_settings
from .engine.settings import Setting, concentration, temperature


class NMDAIV(ClampIV):
    """NMDA current–voltage family at several extracellular Mg2+ concentrations."""

    name = "nmda_iv"
    order = 10
    title = "NMDA current-voltage curves at several extracellular Mg2+ (voltage clamp)"
    channel_classes = (NMDA,)
    columns = ("mg_o_mM", "v_mV", "i_pA", "unblocked", "g_nS")
    settings = (
        concentration("mg_o", (0, 0.1, 0.5, 1, 2), "extracellular free Mg2+",
                      "range around CSF ionized Mg 0.82 mM (Brewer et al. 2001)",
                      variable="Mg_o"),
        Setting("v", tuple(np.round(np.linspace(-100, 40, 141), 6)), mV, "clamp potential",
                "range of Jahr & Stevens 1990, Fig. 1", quick=tuple(np.linspace(-100, 40, 29)),
                minimum=-200.0, maximum=200.0, column=True, variable="v"),
        Setting("block", ("jahr_stevens",), None, "form of the Mg2+ block",
                "channels.nmda", choices=BLOCKS, column=True, structural=True),
        temperature("absolute temperature (Woodhull block)"),
    ) + clamp_settings()

    def make_channel(self, fixed):
        return self.channel(NMDA, fixed, block=fixed["block"], gating="open")

    def measures(self, result, k):
        b = result["B_NMDA"][k]
        return {"unblocked": b}

    def build(self, n, fixed):
        runner = super().build(n, fixed)

        def with_conductance(conditions):
            rows = runner(conditions)
            g = np.asarray(self.batch_values(conditions, fixed, ["g_NMDA"])["g_NMDA"] / nS)
            for k, condition_rows in enumerate(rows):
                condition_rows[0]["g_nS"] = g[k] * condition_rows[0]["unblocked"]
            return rows
        return with_conductance

    MG_COLUMN, GROUP_COLUMN = "mg_o_mM", "block"
    MG_REFERENCE = 1.0  # the 1 mM of Jahr & Stevens' comparisons, always drawn

    def group_label(self, value):
        return str(value)

    def plot(self, tables):
        return self.plot_family(tables["main"], "membrane potential (mV)",
                                "NMDA current (pA, outward +)", "unblocked fraction B",
                                "I-V at full receptor occupancy",
                                "Mg$^{2+}$ block (Jahr & Stevens 1990)", "Mg$_o$")

if __name__ == "__main__":
    from .cli import experiment_main
    experiment_main("nmda_iv")
