"""Cross-simulator check against an independent NEURON build (full validation: compiles NMODL).

The NEURON side is :mod:`experiments.validation.neuron_peer`: NMODL written
from the papers, compiled into the report folder (``OUT/.nrnmech``).

References
----------
Hines ML, Carnevale NT (1997) The NEURON simulation environment. Neural
Comput 9:1179-1209.
"""
from __future__ import annotations

import numpy as np

from .report import Context, Result, check, close

SRC = "NEURON 9 (Hines & Carnevale 1997), NMODL written from the same equations"

#: The NMDA I-V grid: Mg_o (mM) and clamped potentials (mV, 5 mV steps).
IV_MG = [0.0, 0.1, 0.5, 1.0, 2.0]
IV_V = np.linspace(-100.0, 40.0, 29)

#: Mg_o (mM) of the two pyramidal cells compared.
CELL_MG = [0.1, 1.0]


@check(quick=False, requires=("neuron",))
def neuron_crosscheck(ctx: Context) -> list[Result]:
    """Brian2 against an independent NEURON build: NMDA I-V and pyramidal-cell spike times."""
    from . import neuron_peer as peer
    peer.load_mechanisms(ctx.out / ".nrnmech")
    table = ctx.experiment("nmda_iv", mg_o=IV_MG, v=list(IV_V))["main"]
    worst = peer.nmda_iv_error(table, IV_MG, IV_V)
    result = peer.compare_pyramidal(CELL_MG)
    rows = [close("max relative difference of the NMDA I-V (5 Mg_o, -100..+40 mV)", SRC, 0.0,
                  worst, atol=0.01, digits=3)]
    for k, m in enumerate(CELL_MG):
        rows += _spike_rows(m, result["spikes_b"][k], result["spikes_n"][k])
    _figure_neuron(ctx, result["t_b"], result["v_b"], result["t_n"], result["v_n"], CELL_MG)
    return rows


def _spike_rows(mg: float, spikes_b: np.ndarray, spikes_n: np.ndarray) -> list[Result]:
    """Spike count and largest spike-time difference (ms) of one cell, Brian2 vs NEURON."""
    same = len(spikes_b) == len(spikes_n) and len(spikes_b)
    diff = float(np.max(np.abs(spikes_b - spikes_n))) if same else float("nan")
    return [close(f"spikes in 1 s, pyramidal cell at Mg_o {mg:g} mM (Brian2 vs NEURON)", SRC,
                  float(len(spikes_n)), float(len(spikes_b)), atol=0.0),
            close(f"max spike-time difference at Mg_o {mg:g} mM", SRC, 0.0, diff, atol=0.1,
                  unit="ms", digits=3)]


def _figure_neuron(ctx: Context, t_b, v_b, t_n, v_n, cells, window_ms: float = 400.0) -> None:
    """Both traces of each cell over the first ``window_ms``."""
    from experiments.engine.style import figure
    fig, axes = figure(len(cells), 1, width=8.0, height=2.2)
    for k, m in enumerate(cells):
        ax = axes[k][0]
        shown_b, shown_n = t_b <= window_ms, t_n <= window_ms
        ax.plot(t_b[shown_b], v_b[k][shown_b], lw=1.2, label="Brian2 (hypomag model, RK4)")
        ax.plot(t_n[shown_n], v_n[k][shown_n], "--", lw=1.0, label="NEURON (NMODL, CVODE)")
        ax.set(ylabel="V (mV)", title=f"pyramidal cell, Mg$_o$ {m:g} mM, same synaptic input")
        if k == 0:
            ax.legend(fontsize=7, loc="upper right")
    axes[-1][0].set(xlabel="time (ms)")
    ctx.save(fig, "neuron_crosscheck")
