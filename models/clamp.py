"""Voltage-clamped cells: one neuron per (voltage, environment) condition.

Used by the I–V experiments. Each neuron of the group holds its membrane
potential ``v`` and environment (``Mg_o``, ``K_o`` ...) as per-neuron constants;
the channel's kinetics run for ``settle`` so that kinetic blocks reach their
steady state, and the current and the channel's recordables are read at the end.
The same compiled network is reused for later batches of the same size.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
from brian2 import Equations, Network, NeuronGroup, Quantity, ms

from channels.base import ENVIRONMENT, Channel

from .environment import channel_equations, environment_equations


class VoltageClamp:
    """``n`` voltage-clamped compartments carrying one channel.

    Parameters
    ----------
    channel : Channel
        The channel under clamp.
    n : int
        Number of clamped compartments (conditions) simulated together.
    settle : Quantity
        How long each clamp is held before the current is read.
    dt : Quantity
        Integration time step.

    Notes
    -----
    Like the other models, the clamp builds its group on request: on the
    first :meth:`run` (or :meth:`build_group`); later runs reuse it.
    :meth:`equations` needs no group.
    """

    def __init__(self, channel: Channel, n: int, settle: Quantity = 20 * ms,
                 dt: Quantity = 0.025 * ms):
        self.channel, self.n, self.settle, self.dt = channel, n, settle, dt
        self._group: NeuronGroup | None = None
        self._network: Network | None = None

    def equations(self) -> Equations:
        """Environment (``v`` included, as a per-neuron constant) and the channel's equations."""
        return environment_equations([self.channel], extra=("v",)) + channel_equations([self.channel])

    def build_group(self) -> NeuronGroup:
        """The group of ``n`` clamped compartments (built once, then reused)."""
        if self._group is None:
            self._group = NeuronGroup(self.n, self.equations(), method="exponential_euler",
                                      dt=self.dt, name=f"clamp_{self.channel.name}_*")
            self._network = Network(self._group)
            self._network.store("initial")
        return self._group

    @property
    def group(self) -> NeuronGroup:
        """The clamped compartments (:meth:`build_group`)."""
        return self.build_group()

    def run(self, environment: Mapping[str, Quantity | Sequence],
            report=None) -> dict[str, np.ndarray]:
        """Clamp at the given per-neuron environment; return current and recordables.

        Parameters
        ----------
        environment : mapping
            Values (scalars or arrays of length ``n``, with units) for every
            environment variable the channel uses, and optionally for any of
            the channel's parameters.
        report : callable, optional
            A Brian2 report callable, ``report(elapsed, completed, start,
            duration)``, passed to ``Network.run`` (called at the start and end
            of the run and at most once per second of wall time in between).

        Returns
        -------
        dict
            ``I`` (amp) and each recordable of the channel at the end of the clamp,
            as arrays in SI units.
        """
        missing = [k for k in ("v", *self.channel.uses) if k not in environment]
        if missing:  # restore() would leave them at 0 (T = 0 K, K_o = 0): say so instead
            raise ValueError(f"VoltageClamp of {self.channel.name}: no value for "
                             f"{', '.join(dict.fromkeys(missing))}")
        group = self.build_group()
        self._network.restore("initial")
        present = {k: v for k, v in environment.items() if k in group.variables}
        for key, value in present.items():
            setattr(group, key, value)
        env = {k: v for k, v in present.items() if k in ENVIRONMENT}
        self.channel.initialize(group, env)
        for key, value in present.items():  # swept channel parameters win over defaults
            if key not in ENVIRONMENT:
                setattr(group, key, value)
        self._network.run(self.settle, report=report, report_period=1000 * ms)
        # Reading subexpressions evaluates them with numpy: a diverged clamp gives NaN/inf,
        # which the caller reports (one line), so numpy's warnings are not printed as well.
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = {"I": np.asarray(getattr(group, self.channel.current_name)[:])}
            for name in self.channel.recordables:
                out[name] = np.asarray(getattr(group, name)[:])
        return out
