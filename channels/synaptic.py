"""Shared form of the fast synaptic channels (AMPA, GABA-A).

:math:`I_X = g_X s_X (V - E_X)`, :math:`ds_X/dt = -s_X/\\tau_X`, and each
presynaptic spike adds its weight to ``s_X`` (``s_X += w``), so the inputs of
many synapses sum linearly in one postsynaptic variable (Brunel & Wang 2001).
"""
from __future__ import annotations

from brian2 import mV

from .base import Channel, as_array


class ExponentialSynapse(Channel):
    """Base of single-exponential conductance synapses; subclasses set name and parameters."""

    @property
    def recordables(self):  # type: ignore[override]
        return (f"s_{self.name}",)

    def equation_text(self) -> str:
        n = self.name
        return (f"I_{n} = g_{n} * s_{n} * (v - E_{n}) : amp\n"
                f"ds_{n}/dt = -s_{n} / tau_{n} : 1")

    def initial_states(self, env):
        return {f"s_{self.name}": 0.0}

    def current_states(self, env):
        """The gate fully open (``s = 1``), the state :meth:`current` assumes."""
        return {f"s_{self.name}": 1.0}

    def reversal(self, **_env):
        return self.values[f"E_{self.name}"]

    def current(self, v, s=1.0, **_env):
        """Current at open fraction ``s`` (default fully open)."""
        n = self.name
        return self.values[f"g_{n}"] * s * (as_array(v, mV) * mV - self.values[f"E_{n}"])
