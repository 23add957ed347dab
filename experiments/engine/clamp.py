"""Shared machinery of the voltage-clamp I–V experiments (``nmda_iv``, ``romk_iv``).

A subclass names its channel, declares the settings that become the
clamp's environment with the model variable each sets (``Setting(...,
variable="Mg_o")``; the channel's own parameters set themselves), and says
how to build the channel from the run's fixed values. Every (voltage,
condition) pair is one clamped compartment of a single batched simulation.
"""
from __future__ import annotations

from typing import Any, ClassVar, Mapping

import numpy as np
from brian2 import ms, pA

from channels.base import Channel
from models.clamp import VoltageClamp

from .framework import Experiment
from .settings import Setting
from .style import (LINE_STYLES, MAX_CURVES, columns, distinct, drawn, figure, legend,
                    row_groups, spread, subset_note)

DT_SOURCE = "numerical choice; kinetic block time constants are 0.03-2 ms"


def clamp_settings() -> tuple[Setting, ...]:
    """Settle time and time step of the clamp."""
    return (
        Setting("settle", (20.0,), ms, "how long each voltage is held before the current is read",
                "numerical choice: > 10 time constants of the slowest block kinetics",
                minimum=0.0, exclusive_minimum=True, maximum=10_000.0),
        Setting("dt", (0.025,), ms, "integration time step", DT_SOURCE,
                minimum=0.0, exclusive_minimum=True, maximum=1.0),
    )


class ClampIV(Experiment):
    """Base of steady-state voltage-clamp I–V experiments."""

    def make_channel(self, fixed: Mapping[str, Any]) -> Channel:
        raise NotImplementedError

    def measures(self, result: Mapping[str, np.ndarray], index: int) -> dict:
        """Output columns of one clamped compartment besides the current."""
        return {}

    def build(self, n, fixed):
        channel = self.make_channel(fixed)
        clamp = VoltageClamp(channel, n, settle=fixed["settle"], dt=fixed["dt"])

        def runner(conditions):
            env = self.model_values(conditions, fixed)
            result = clamp.run(env, report=self.report())
            current_pA = result["I"] / float(pA)
            bad = np.flatnonzero(~np.isfinite(current_pA))
            if len(bad):  # name the first diverged condition (the batch may be large)
                where = ", ".join(f"{k}={v}" for k, v in conditions[bad[0]].items()) \
                    or "all conditions"
                raise FloatingPointError(f"non-finite current in {len(bad)} of "
                                         f"{len(conditions)} conditions, first at {where}")
            return [[{"i_pA": current_pA[k], **self.measures(result, k)}]
                    for k in range(len(conditions))]
        return runner

    #: Plot description: (Mg column, grouping column, its label format, axis labels).
    MG_COLUMN: ClassVar[str] = ""
    GROUP_COLUMN: ClassVar[str] = ""
    #: Mg value (mM) always drawn when a long Mg sweep is subsampled (nearest swept value).
    MG_REFERENCE: ClassVar[float | None] = None

    def group_label(self, value) -> str:
        """Legend suffix of a curve from the grouping column (with several groups)."""
        return f"{self.GROUP_COLUMN}={value}"

    def plot_family(self, table, xlabel: str, ylabel: str, fraction_label: str,
                    iv_title: str, fraction_title: str, mg_title: str):
        """I–V family (one curve per Mg, one line style per group) and fraction not blocked.

        At most ``style.MAX_CURVES`` Mg values (the ends and ``MG_REFERENCE`` among them) and
        ``len(style.LINE_STYLES)`` groups are drawn, evenly spread (``style.spread``); the
        figure says so when the sweep has more.
        """
        fig, axes = figure(1, 2, width=4.2)
        ax_iv, ax_f = axes[0]
        group_of, mg_of, v, current, fraction = columns(
            table, self.GROUP_COLUMN, self.MG_COLUMN, "v_mV", "i_pA", "unblocked")
        all_groups = distinct(group_of)
        groups = spread(all_groups if len(all_groups) <= len(LINE_STYLES)
                        else sorted(all_groups), len(LINE_STYLES))
        mg_all = sorted(distinct(mg_of))
        mg_values = spread(mg_all, MAX_CURVES, keep=(self.MG_REFERENCE,))
        colors = {mg: f"C{k % 10}" for k, mg in enumerate(mg_values)}  # same Mg, same colour
        combined = len(groups) == 1 or len(groups) * len(mg_values) <= MAX_CURVES
        by_group = row_groups(group_of)
        for index, group in enumerate(groups):
            part = by_group[(group,)]
            style = LINE_STYLES[min(index, 1) if len(all_groups) <= 2 else index]
            by_mg = row_groups(mg_of[part])
            for mg in sorted(key[0] for key in by_mg):
                if mg not in colors:
                    continue
                rows = part[by_mg[(mg,)]]
                rows = rows[np.argsort(v[rows])]
                shown = f"{mg:g}" if len(mg_values) == len(mg_all) else f"{mg:.3g}"
                label = f"{shown} mM" + ("" if len(groups) == 1 else f", {self.group_label(group)}")
                if not combined:  # Mg colours on the first group, line styles below
                    label = f"{shown} mM" if index == 0 else None
                ax_iv.plot(v[rows], current[rows], style, color=colors[mg], label=label)
                ax_f.plot(v[rows], fraction[rows], style, color=colors[mg])
        ax_iv.axhline(0, color="0.5", lw=0.8)
        ax_iv.set(xlabel=xlabel, ylabel=ylabel, title=iv_title)
        handles, labels = ax_iv.get_legend_handles_labels()
        if not combined:
            from matplotlib.lines import Line2D
            for index, group in enumerate(groups):
                handles.append(Line2D([], [], color="0.3", ls=LINE_STYLES[index]))
                labels.append(self.group_label(group))
        legend(ax_iv, handles, labels, title=mg_title)
        ax_f.set(xlabel=xlabel, ylabel=fraction_label, ylim=(0, 1.05), title=fraction_title)
        subset_note(fig, [drawn(len(shown), len(every), what) for shown, every, what in (
            (mg_values, mg_all, f"{mg_title} values"),
            (groups, all_groups, f"{self.GROUP_COLUMN} values")) if len(shown) < len(every)],
            len(table), f"{self.name}.csv")
        return fig
