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
from .style import figure

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
            result = clamp.run(env)
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

    def group_label(self, value) -> str:
        """Legend suffix of a curve from the grouping column (with several groups)."""
        return f"{self.GROUP_COLUMN}={value}"

    def plot_family(self, table, xlabel: str, ylabel: str, fraction_label: str,
                    iv_title: str, fraction_title: str, mg_title: str):
        """I–V family (one curve per Mg, one line style per group) and fraction not blocked."""
        fig, axes = figure(1, 2, width=4.2)
        ax_iv, ax_f = axes[0]
        groups = table.unique(self.GROUP_COLUMN)
        mg_values = sorted(table.unique(self.MG_COLUMN))
        colors = {mg: f"C{k % 10}" for k, mg in enumerate(mg_values)}  # same Mg, same colour
        for group in groups:
            part = table.where(**{self.GROUP_COLUMN: group})
            style = "-" if group == groups[0] else "--"
            for mg in sorted(part.unique(self.MG_COLUMN)):
                rows = part.where(**{self.MG_COLUMN: mg})
                order = np.argsort(rows["v_mV"])
                label = f"{mg:g} mM" + ("" if len(groups) == 1 else f", {self.group_label(group)}")
                ax_iv.plot(rows["v_mV"][order], rows["i_pA"][order], style, color=colors[mg],
                           label=label)
                ax_f.plot(rows["v_mV"][order], rows["unblocked"][order], style, color=colors[mg])
        ax_iv.axhline(0, color="0.5", lw=0.8)
        ax_iv.set(xlabel=xlabel, ylabel=ylabel, title=iv_title)
        ax_iv.legend(title=mg_title)
        ax_f.set(xlabel=xlabel, ylabel=fraction_label, ylim=(0, 1.05), title=fraction_title)
        return fig
