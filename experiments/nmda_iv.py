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
from brian2 import kelvin, mM, mV

from channels.nmda import BLOCKS, NMDA

from .clamp_iv import ClampIV, clamp_settings
from .settings import Setting, concentration
from .style import figure


class NMDAIV(ClampIV):
    """NMDA current–voltage family at several extracellular Mg2+ concentrations."""

    name = "nmda_iv"
    title = "NMDA current-voltage curves at several extracellular Mg2+ (voltage clamp)"
    channel_classes = (NMDA,)
    columns = ("mg_o_mM", "v_mV", "i_pA", "unblocked", "g_nS")
    settings = (
        concentration("mg_o", (0, 0.1, 0.5, 1, 2), "extracellular free Mg2+",
                      "range around CSF ionized Mg 0.82 mM (Brewer et al. 2001)"),
        Setting("v", tuple(np.round(np.linspace(-100, 40, 141), 6)), mV, "clamp potential",
                "range of Jahr & Stevens 1990, Fig. 1", quick=tuple(np.linspace(-100, 40, 29)),
                minimum=-200.0, maximum=200.0, column=True),
        Setting("block", ("jahr_stevens",), None, "form of the Mg2+ block",
                "channels.nmda", choices=BLOCKS, column=True, structural=True),
        Setting("temperature", (310.15,), kelvin, "absolute temperature (Woodhull block)",
                "body temperature 37 C", minimum=0.0, exclusive_minimum=True, maximum=400.0),
    ) + clamp_settings()
    ENVIRONMENT = {"v": "v", "mg_o": "Mg_o", "temperature": "T"}

    def make_channel(self, fixed):
        return self.channel(NMDA, fixed, block=fixed["block"], gating="open")

    def measures(self, result, k):
        b = result["B_NMDA"][k]
        return {"unblocked": b}

    def build(self, n, fixed):
        runner = super().build(n, fixed)
        g_nS = fixed.get("g_NMDA")

        def with_conductance(conditions):
            rows = runner(conditions)
            g = np.array([c.get("g_NMDA", g_nS) for c in conditions], float)
            for k, condition_rows in enumerate(rows):
                condition_rows[0]["g_nS"] = g[k] * condition_rows[0]["unblocked"]
            return rows
        return with_conductance

    def plot(self, tables):
        table = tables["main"]
        fig, axes = figure(1, 2, width=4.2)
        ax_iv, ax_b = axes[0]
        for block in table.unique("block"):
            part = table.where(block=block)
            style = "-" if block == table.unique("block")[0] else "--"
            for mg in sorted(part.unique("mg_o_mM")):
                rows = part.where(mg_o_mM=mg)
                order = np.argsort(rows["v_mV"])
                label = f"{mg:g} mM" + ("" if len(table.unique("block")) == 1 else f" ({block})")
                line, = ax_iv.plot(rows["v_mV"][order], rows["i_pA"][order], style, label=label)
                ax_b.plot(rows["v_mV"][order], rows["unblocked"][order], style,
                          color=line.get_color(), label=label)
        ax_iv.axhline(0, color="0.5", lw=0.8)
        ax_iv.set(xlabel="membrane potential (mV)", ylabel="NMDA current (pA, outward +)",
                  title="I-V at full receptor occupancy")
        ax_iv.legend(title="Mg$_o$")
        ax_b.set(xlabel="membrane potential (mV)", ylabel="unblocked fraction B",
                 ylim=(0, 1.05), title="Mg$^{2+}$ block (Jahr & Stevens 1990)")
        return fig


if __name__ == "__main__":
    from .cli import experiment_main
    experiment_main("nmda_iv")
