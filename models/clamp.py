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
from brian2 import Network, NeuronGroup, Quantity, ms

from channels.base import ENVIRONMENT, Channel

from .environment import channel_equations, environment_equations


class VoltageClamp:
    """A group of ``n`` voltage-clamped compartments carrying one channel.

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
    """

    def __init__(self, channel: Channel, n: int, settle: Quantity = 20 * ms,
                 dt: Quantity = 0.025 * ms):
        self.channel, self.n, self.settle = channel, n, settle
        eqs = environment_equations([channel], extra=("v",)) + channel_equations([channel])
        self.group = NeuronGroup(n, eqs, method="exponential_euler", dt=dt,
                                 name=f"clamp_{channel.name}_*")
        self.network = Network(self.group)
        self.network.store("initial")

    def run(self, environment: Mapping[str, Quantity | Sequence]) -> dict[str, np.ndarray]:
        """Clamp at the given per-neuron environment; return current and recordables.

        Parameters
        ----------
        environment : mapping
            Values (scalars or arrays of length ``n``, with units) for every
            environment variable the channel uses, and optionally for any of
            the channel's parameters.

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
        self.network.restore("initial")
        present = {k: v for k, v in environment.items() if k in self.group.variables}
        for key, value in present.items():
            setattr(self.group, key, value)
        env = {k: v for k, v in present.items() if k in ENVIRONMENT}
        self.channel.initialize(self.group, env)
        for key, value in present.items():  # swept channel parameters win over defaults
            if key not in ENVIRONMENT:
                setattr(self.group, key, value)
        self.network.run(self.settle)
        # Reading subexpressions evaluates them with numpy: a diverged clamp gives NaN/inf,
        # which the caller reports (one line), so numpy's warnings are not printed as well.
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = {"I": np.asarray(getattr(self.group, self.channel.current_name)[:])}
            for name in self.channel.recordables:
                out[name] = np.asarray(getattr(self.group, name)[:])
        return out
