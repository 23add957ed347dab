"""Checks of the neuron experiments: excitability and the seizure network (docs/reference.md section 2)."""
from __future__ import annotations

from .report import Context, Result, check, close, holds, mean_at, within

REF2 = "docs/reference.md §2"


@check(requires=("excitability",))
def excitability_directions(ctx: Context) -> list[Result]:
    """Pyramidal cell: lower Mg_o raises firing and EPSP, lowers the synaptic threshold."""
    table = ctx.experiment("excitability", mg_o=[0.1, 1.0], nmda_scale=[0.0, 1.0])["main"]
    rate = {(m, s): mean_at(table, "rate_hz", mg_o_mM=m, nmda_scale=s)
            for m in (0.1, 1.0) for s in (0.0, 1.0)}
    epsp = {m: mean_at(table, "epsp_mV", mg_o_mM=m, nmda_scale=1.0) for m in (0.1, 1.0)}
    epsp0 = {m: mean_at(table, "epsp_mV", mg_o_mM=m, nmda_scale=0.0) for m in (0.1, 1.0)}
    thr = {m: mean_at(table, "threshold_inputs", mg_o_mM=m, nmda_scale=1.0) for m in (0.1, 1.0)}
    src = "Jahr & Stevens 1990 block; docs/reference.md §1-2 [confirmed direction]"
    return [
        holds("firing rate under the same drive: Mg_o 0.1 mM > 1 mM", src, "rate(0.1) > rate(1)",
              f"{rate[0.1, 1.0]:.2f} > {rate[1.0, 1.0]:.2f} Hz", rate[0.1, 1.0] > rate[1.0, 1.0]),
        holds("EPSP amplitude: Mg_o 0.1 mM > 1 mM", src, "epsp(0.1) > epsp(1)",
              f"{epsp[0.1]:.3f} > {epsp[1.0]:.3f} mV", epsp[0.1] > epsp[1.0]),
        holds("synaptic threshold (inputs to fire): Mg_o 0.1 mM <= 1 mM", src,
              "threshold(0.1) <= threshold(1)", f"{thr[0.1]:g} <= {thr[1.0]:g}",
              thr[0.1] <= thr[1.0]),
        holds("NMDA antagonist (nmda_scale 0) removes the Mg dependence of the EPSP",
              "Tancredi et al. 1990: NMDA antagonists abolish low-Mg effects [confirmed]; "
              "surface-charge route off by default",
              "epsp(0.1) = epsp(1) within 1 %",
              f"{epsp0[0.1]:.4f} vs {epsp0[1.0]:.4f} mV",
              epsp0[0.1] > 0 and abs(epsp0[0.1] - epsp0[1.0]) <= 0.01 * epsp0[1.0]),
        holds("NMDA antagonist: firing at Mg_o 0.1 mM no higher than at 1 mM",
              "Tancredi et al. 1990 [confirmed]", "rate(0.1) <= rate(1) + 5 %",
              f"{rate[0.1, 0.0]:.2f} vs {rate[1.0, 0.0]:.2f} Hz",
              rate[0.1, 0.0] <= 1.05 * rate[1.0, 0.0] + 1e-9),
    ]


@check(requires=("seizure",))
def seizure_low_mg(ctx: Context) -> list[Result]:
    """E-I network: population bursts at 0.1 mM Mg_o, none at 1.2 mM, none without NMDA."""
    table = ctx.experiment("seizure", mg_o=[0.1, 1.2], nmda_scale=[0.0, 1.0])["main"]
    low = mean_at(table, "burst_rate_hz", mg_o_mM=0.1, nmda_scale=1.0)
    normal = mean_at(table, "n_bursts", mg_o_mM=1.2, nmda_scale=1.0)
    blocked = mean_at(table, "n_bursts", mg_o_mM=0.1, nmda_scale=0.0)
    duration = mean_at(table, "burst_duration_s", mg_o_mM=0.1, nmda_scale=1.0)
    return [
        within("burst rate at Mg_o 0.1 mM", REF2 + ", Tancredi et al. 1990 [confirmed]: "
               "spontaneous synchronous discharges in Mg-free solution", 1e-9, None, low,
               unit="Hz"),
        close("bursts at Mg_o 1.2 mM (normal)", REF2 + ": normal Mg, no discharges", 0.0,
              normal, atol=0.0),
        close("bursts at Mg_o 0.1 mM with NMDA receptors blocked (nmda_scale 0)",
              REF2 + ": NMDA antagonists abolish them [confirmed]", 0.0, blocked, atol=0.0),
        within("mean burst duration at Mg_o 0.1 mM",
               REF2 + ": interictal-like events 100-800 ms (Tancredi 1990) [confirmed]",
               0.1, 0.8, duration, unit="s"),
    ]
