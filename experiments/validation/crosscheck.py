"""Cross-simulator check against an independent NEURON build (full validation only: compiles NMODL)."""
from __future__ import annotations


import numpy as np

from .report import Context, Result, check, close

@check(quick=False, requires=("neuron",))
def neuron_crosscheck(ctx: Context) -> list[Result]:
    """Brian2 against an independent NEURON build: NMDA I-V and pyramidal-cell spike times."""
    from . import neuron_peer as peer
    mech = ctx.out / ".nrnmech"
    peer.load_mechanisms(mech)
    mg, v = [0.0, 0.1, 0.5, 1.0, 2.0], np.linspace(-100.0, 40.0, 29)
    table = ctx.experiment("nmda_iv", mg_o=mg, v=list(v))["main"]
    nrn = peer.nmda_iv(mg, v)
    worst = 0.0
    for k, m in enumerate(mg):
        part = table.where(mg_o_mM=m)
        order = np.argsort(part["v_mV"])
        ib = part["i_pA"][order]
        err = np.abs(nrn[k] - ib) / np.maximum(np.abs(ib), 1e-3 * np.max(np.abs(ib)))
        worst = max(worst, float(err.max()))
    cells = [0.1, 1.0]
    result = peer.compare_pyramidal(cells)
    src = "NEURON 9 (Hines & Carnevale 1997), NMODL written from the same equations"
    rows = [close("max relative difference of the NMDA I-V (5 Mg_o, -100..+40 mV)", src, 0.0,
                  worst, atol=0.01, digits=3)]
    for k, m in enumerate(cells):
        sb, sn = result["spikes_b"][k], result["spikes_n"][k]
        rows.append(close(f"spikes in 1 s, pyramidal cell at Mg_o {m:g} mM (Brian2 vs NEURON)",
                          src, float(len(sn)), float(len(sb)), atol=0.0))
        diff = float(np.max(np.abs(sb - sn))) if len(sb) == len(sn) and len(sb) else float("nan")
        rows.append(close(f"max spike-time difference at Mg_o {m:g} mM", src, 0.0, diff,
                          atol=0.1, unit="ms", digits=3))
    _figure_neuron(ctx, result["t_b"], result["v_b"], result["t_n"], result["v_n"], cells)
    return rows


def _figure_neuron(ctx: Context, t_b, v_b, t_n, v_n, cells) -> None:
    from experiments.engine.style import figure
    fig, axes = figure(len(cells), 1, width=8.0, height=2.2)
    for k, m in enumerate(cells):
        ax = axes[k][0]
        window = t_b <= 400
        ax.plot(t_b[window], v_b[k][window], lw=1.2, label="Brian2 (hypomag model, RK4)")
        window_n = t_n <= 400
        ax.plot(t_n[window_n], v_n[k][window_n], "--", lw=1.0, label="NEURON (NMODL, CVODE)")
        ax.set(ylabel="V (mV)", title=f"pyramidal cell, Mg$_o$ {m:g} mM, same synaptic input")
        if k == 0:
            ax.legend(fontsize=7, loc="upper right")
    axes[-1][0].set(xlabel="time (ms)")
    ctx.save(fig, "neuron_crosscheck")
