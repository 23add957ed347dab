"""``seizure``: the zero-Mg seizure model in a recurrent E–I network.

Lowering extracellular Mg2+ relieves the voltage-dependent block of NMDA
receptors at resting potentials (7x more NMDA conductance at -70 mV from 1 to
0.1 mM, Jahr & Stevens 1990). In a recurrent network of pyramidal cells and
interneurons (:mod:`models.network`) this removes the NMDA brake: at normal Mg
(1-1.2 mM) the network fires asynchronously and irregularly at a few Hz; at
low Mg (<= 0.3 mM) it fires recurrent population bursts of 0.15-0.2 s that
recruit most cells, ended by synaptic depression and spike-frequency
adaptation, as in Mg-free slices (interictal-like discharges of 100-800 ms,
Tancredi et al. 1990; abolished by NMDA antagonists: ``--set nmda_scale=0``).

All Mg values (and replicate seeds) run as one batched simulation: condition
k is the k-th disconnected block of one NeuronGroup; its wiring, external
input and initial state depend on its seed only (common random numbers).

Definitions (per condition, after discarding the first ``transient``):

* ``rate_hz``: mean firing rate of all cells; ``rate_e_hz``, ``rate_i_hz`` by type;
* population rate: spikes of all cells in 1-ms bins per cell, smoothed with a
  Gaussian of s.d. 10 ms;
* burst (:func:`models.network.detect_bursts`): an epoch in which the
  population rate stays above max(10 Hz, 3 x its median), epochs closer than
  50 ms merged, epochs shorter than 50 ms dropped;
* ``burst_rate_hz``: bursts per second; ``burst_duration_s``: their mean
  length (nan without bursts); ``recruited_fraction``: mean fraction of cells
  firing at least once in a burst (nan without bursts);
* ``synchrony``: Golomb's chi on spike counts of all cells in 10-ms bins,
  sqrt(Var[mean count] / mean Var[count]); about 1/sqrt(N) (0.03 for 1000
  cells) for independent cells, 1 for identical ones.

Side tables: ``raster`` (spikes of the first 40 pyramidal cells and first 10
interneurons of each condition: ``t_s``, ``neuron``, ``cell``) and ``rate``
(population rate every 10 ms: ``t_s``, ``rate_hz``).

References
----------
Tancredi V et al. (1990) Brain Res 511:280-290; Avoli M et al. (1991).
Jahr CE, Stevens CF (1990) J Neurosci 10:3178-3182.
Brunel N, Wang XJ (2001) J Comput Neurosci 11:63-85.
Tsodyks M, Uziel A, Markram H (2000) J Neurosci 20:RC50.
Golomb D (2007) Scholarpedia 2(1):1347.
"""
from __future__ import annotations

import numpy as np
from brian2 import ms, second

from models.network import (PARAMETERS, SHARED, BurstCriteria, EINetwork, detect_bursts, golomb_chi,
                            population_rate, recruited_fraction)

from .engine.framework import Experiment
from .engine.settings import Setting, UsageError, concentration
from .engine.style import (MAX_CURVES, MAX_POINTS, columns, distinct, drawn, figure, legend,
                           marked, mean_sem, row_groups, shade_mg_ranges, spread, subset_note,
                           thin)
from .engine.table import Table

#: Network parameters with one value per simulation: they change the wiring or the shared
#: input table, or are shared constants of all cells (models.network.SHARED).
STRUCTURAL = {"p_connect", "nu_ext", *SHARED}
#: Cells of each condition written to the raster table (pyramidal, interneurons).
RASTER_CELLS = (40, 10)
#: Resolution of the population-rate side table.
RATE_TABLE_BIN_S = 0.01
#: Mg values (mM) shown as rasters, if present.
RASTER_MG = (0.1, 0.5, 1.2)


def network_settings() -> tuple[Setting, ...]:
    """Settings for every network parameter, in its display unit, within its declared range
    (models/network_parameters.py)."""
    return tuple(Setting.from_parameter(p, structural=p.name in STRUCTURAL) for p in PARAMETERS)


class Seizure(Experiment):
    """Zero-Mg seizure model: population bursts of an E–I network as Mg_o falls."""

    name = "seizure"
    order = 40
    title = "Low extracellular Mg2+ turns asynchronous network firing into population bursts"
    stochastic = True
    default_replicates = (1, 1)
    columns = ("mg_o_mM", "nmda_scale", "seed", "rate_hz", "rate_e_hz", "rate_i_hz",
               "burst_rate_hz", "burst_duration_s", "recruited_fraction", "synchrony", "n_bursts")
    settings = (
        concentration("mg_o", (0, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1.2, 1.5, 2.0),
                      "extracellular free Mg2+",
                      "0 (Mg-free slices, Tancredi et al. 1990) to 2 mM; CSF ionized Mg 0.82 mM "
                      "(Brewer et al. 2001)", quick=(0, 0.1, 0.5, 1.2, 2.0), variable="Mg_o"),
        Setting("nmda_scale", (1.0,), None, "factor on all NMDA conductances (0 = NMDA antagonist)",
                "1 = model default; 0 mimics APV/CPP (Tancredi et al. 1990)", minimum=0.0,
                maximum=100.0, column=True, variable="nmda_scale"),
        Setting("n_e", (800,), None, "pyramidal cells per network",
                "4:1 ratio of Brunel & Wang 2001; also --quick: networks of a few hundred cells "
                "burst irregularly (0-4 bursts in 3 s between seeds)",
                minimum=10, maximum=100_000, integer=True, structural=True),
        Setting("n_i", (200,), None, "interneurons per network", "4:1 ratio of Brunel & Wang 2001",
                minimum=3, maximum=100_000, integer=True, structural=True),
        Setting("duration", (10.0,), second, "simulated time per condition",
                "long enough for several bursts at 0.5-2 /s", quick=(3.0,), minimum=0.0,
                exclusive_minimum=True, maximum=10_000.0, structural=True),
        Setting("transient", (0.5,), second, "initial time left out of all measures",
                "numerical choice: > 3 x the slowest time constant of the rates (tau_rec 0.8 s "
                "acts on bursts, the rates settle within 0.3 s)", minimum=0.0, maximum=10_000.0),
        Setting("dt", (0.2,), ms, "integration time step (exponential Euler with step-mean "
                "conductances, models.network)",
                "numerical choice: tau_AMPA / 10, a divisor of the 1-ms input bins; halving it "
                "changes the firing rates of the default sweep by < 2 % (seed means, 4 seeds); "
                "single runs at low Mg differ more, as much as between seeds, because the "
                "network is chaotic (tests/test_seizure_convergence.py)", minimum=0.0,
                exclusive_minimum=True, maximum=1.0, structural=True),
    ) + network_settings()

    def validate(self, values):
        if max(values["transient"]) >= min(values["duration"]):
            raise UsageError(f"--set transient={float(max(values['transient']) / second):g}: must "
                             f"be shorter than the duration "
                             f"({float(min(values['duration']) / second):g} s)")

    def build(self, n, fixed):
        n_e, n_i = int(fixed["n_e"]), int(fixed["n_i"])
        model = EINetwork(n_e, n_i, n, dt=fixed["dt"])
        duration_s = float(fixed["duration"] / second)
        criteria = BurstCriteria()

        def runner(conditions):
            values = self.model_values(conditions, fixed)  # every network parameter, Mg_o
            spikes = model.simulate(values.pop("Mg_o"), [int(c["seed"]) for c in conditions],
                                    fixed["duration"], values, report=self.report())
            transient = self.batch_values(conditions, fixed, ["transient"])["transient"]
            return [self.measure(i, t, n_e, n_i, duration_s, float(transient[k] / second),
                                 criteria)
                    for k, (i, t) in enumerate(spikes)]
        return runner

    @staticmethod
    def measure(spike_i, spike_t, n_e, n_i, duration_s, transient_s, criteria):
        """Main row, raster rows and rate rows of one condition."""
        n = n_e + n_i
        keep = spike_t >= transient_s
        i, t = spike_i[keep], spike_t[keep]
        span = duration_s - transient_s
        tc, rate = population_rate(t, n, duration_s, start_s=transient_s)
        bursts = detect_bursts(tc, rate, criteria)
        recruited = recruited_fraction(i, t, n, bursts)
        main = {
            "rate_hz": len(t) / (n * span),
            "rate_e_hz": np.sum(i < n_e) / (n_e * span),
            "rate_i_hz": np.sum(i >= n_e) / (n_i * span),
            "burst_rate_hz": len(bursts) / span,
            "burst_duration_s": float(np.mean(bursts[:, 1] - bursts[:, 0])) if len(bursts) else np.nan,
            "recruited_fraction": float(np.mean(recruited)) if len(bursts) else np.nan,
            "synchrony": golomb_chi(i, t, n, transient_s, duration_s),
            "n_bursts": len(bursts),
        }
        rows = [main]
        n_re, n_ri = min(RASTER_CELLS[0], n_e), min(RASTER_CELLS[1], n_i)
        shown = (spike_i < n_re) | ((spike_i >= n_e) & (spike_i < n_e + n_ri))
        for cell, when in zip(spike_i[shown], spike_t[shown]):
            rows.append({"_table": "raster", "t_s": float(when), "neuron": int(cell),
                         "cell": "E" if cell < n_e else "I"})
        tr, coarse = population_rate(spike_t, n, duration_s, bin_s=RATE_TABLE_BIN_S, sigma_s=0.0)
        for when, value in zip(tr, coarse):
            rows.append({"_table": "rate", "t_s": round(float(when), 6), "rate_hz": float(value)})
        return rows

    def plot(self, tables):
        main = tables["main"]
        # every selection is one numpy pass over a table (style.row_groups, masks), not a
        # Table.where pass over all rows per value
        seed_of, scale_of, mg_of, burst_of = columns(main, "seed", "nmda_scale", "mg_o_mM",
                                                     "burst_rate_hz")
        seeds = sorted(distinct(seed_of))
        scales = distinct(scale_of)
        first = np.flatnonzero((seed_of == seeds[0]) & (scale_of == scales[0]))
        available = sorted(distinct(mg_of[first]))
        shown = []
        for want in RASTER_MG:
            best = min(available, key=lambda m: abs(m - want))
            if best not in shown:
                shown.append(best)
        fig, axes = figure(3, 3, width=4.0, height=2.6)
        raster, rate = _keyed(tables.get("raster")), _keyed(tables.get("rate"))
        left_out = []
        for col in range(3):
            ax_r, ax_p = axes[0][col], axes[1][col]
            if col >= len(shown):
                ax_r.axis("off")
                ax_p.axis("off")
                continue
            where = dict(mg_o_mM=shown[col], seed=seeds[0], nmda_scale=scales[0])
            left_out += _raster_panel(ax_r, raster, where, legend=col == 0)
            match = first[mg_of[first] == shown[col]]
            _rate_panel(ax_p, rate, burst_of[match[0]] if len(match) else None, where)
        left_out += _summary_panels(axes[2], main, scales, several_seeds=len(seeds) > 1)
        left_out = _most(left_out)
        subset_note(fig, left_out, len(main), f"{self.name}.csv (spikes in {self.name}_raster.csv)"
                    if any("spikes" in part for part in left_out) else f"{self.name}.csv")
        return fig


def _most(parts: list[str]) -> list[str]:
    """One note part per kind of ``"... of up to M <kind>"`` (one per raster or scale), the
    one with the largest M; other parts unchanged."""
    import re
    out: dict[str, tuple[int, str]] = {}
    for part in parts:
        found = re.search(r" of up to (\d+) (.*)$", part)
        kind, total = (found.group(2), int(found.group(1))) if found else (part, 0)
        if kind not in out or total > out[kind][0]:
            out[kind] = (total, part)
    return [part for _, part in out.values()]


def _keyed(table):
    """``(table, its condition columns as arrays)`` for selections, or None if empty."""
    if table is None or not len(table):
        return None
    return table, dict(zip(("mg_o_mM", "seed", "nmda_scale"),
                           columns(table, "mg_o_mM", "seed", "nmda_scale")))


def _part(keyed, where) -> Table | None:
    """The rows of a keyed side table whose condition columns equal ``where``."""
    if keyed is None:
        return None
    table, keys = keyed
    mask = np.ones(len(table), bool)
    for name, value in where.items():
        mask &= keys[name] == value
    return Table([table.rows[k] for k in np.flatnonzero(mask)], table.columns)


def _raster_panel(ax, raster, where, legend: bool) -> list[str]:
    """Spikes of the shown cells of one condition, interneurons above pyramidal cells (a
    random ``style.MAX_POINTS`` of them if there are more); returns what was left out."""
    part, left_out = _part(raster, where), []
    if part is not None and len(part):
        cells, neuron, t = np.asarray(part["cell"]), part["neuron"], part["t_s"]
        offset = neuron - neuron[cells == "I"].min() if np.any(cells == "I") else 0
        y = np.where(cells == "E", neuron, RASTER_CELLS[0] + offset)
        keep = thin(len(part))
        if len(keep) < len(part):
            left_out.append(f"a random {len(keep)} of up to {len(part)} spikes per raster drawn")
        for kind, color in (("E", "tab:red"), ("I", "tab:blue")):
            sel = keep[cells[keep] == kind]
            ax.plot(t[sel], y[sel], "|", ms=2, color=color,
                    label="pyramidal" if kind == "E" else "interneuron")
    ax.set(title=f"Mg$_o$ = {where['mg_o_mM']:g} mM", ylabel="cell", xlabel="time (s)")
    if legend:
        ax.legend(loc="upper right", markerscale=3)
    return left_out


def _rate_panel(ax, rate, burst_rate, where) -> None:
    """Population rate of one condition, titled with its burst rate."""
    part = _part(rate, where)
    if part is not None:
        ax.plot(part["t_s"], part["rate_hz"], color="k", lw=0.8)
    ax.set(xlabel="time (s)", ylabel="population rate (Hz)",
           title=f"{burst_rate:.2f} bursts/s" if burst_rate is not None else "")


def _summary_panels(axes, main, scales, several_seeds: bool) -> list[str]:
    """Burst rate, firing rate and burst duration against Mg_o, one line per NMDA scale (at
    most ``style.MAX_CURVES``), seeds as dots (at most ``style.MAX_POINTS`` a panel);
    returns what was left out."""
    ax_b, ax_f, ax_d = axes
    scale_of, mg_of = columns(main, "nmda_scale", "mg_o_mM")
    by_scale = row_groups(scale_of)
    shown = spread(scales if len(scales) <= MAX_CURVES else sorted(scales), MAX_CURVES,
                   keep=(1.0,))
    left_out = [drawn(len(shown), len(scales), "nmda_scale values")] \
        if len(shown) < len(scales) else []
    panels = ((ax_b, "burst_rate_hz"), (ax_f, "rate_hz"), (ax_d, "burst_duration_s"))
    values_of = dict(zip((c for _, c in panels), columns(main, *(c for _, c in panels))))
    for scale in shown:
        part = by_scale[(scale,)]
        dots = part[thin(len(part), MAX_POINTS // len(shown))]  # at most MAX_POINTS a panel
        if several_seeds and len(dots) < len(part):
            left_out.append(f"a random {len(dots)} of up to {len(part)} seed dots per NMDA "
                            "scale drawn")
        for ax, column in panels:
            mgs, mean, _ = mean_sem(mg_of[part], values_of[column][part])  # nan: no finite value
            line, = ax.plot(mgs, mean, marked(len(mgs)) + "-", label=f"NMDA x {scale:g}")
            if several_seeds:
                ax.plot(mg_of[dots], values_of[column][dots], ".", color=line.get_color(),
                        alpha=0.4)
    for ax in axes:
        shade_mg_ranges(ax, label=ax is ax_b)
        ax.set_xlabel("extracellular Mg$^{2+}$ (mM)")
    ax_b.set(ylabel="population bursts per s", title="burst rate")
    ax_f.set(ylabel="mean firing rate (Hz)", title="firing rate")
    ax_d.set(ylabel="mean burst duration (s)", title="burst duration")
    legend(ax_b, loc="center right")
    return left_out


if __name__ == "__main__":
    from .cli import experiment_main
    experiment_main("seizure")
