"""Passive leak current, :math:`I_L = g_L (V - E_L)`.

References
----------
Brunel N, Wang XJ (2001) J Comput Neurosci 11:63-85 (pyramidal cell values).
"""
from __future__ import annotations

from brian2 import mV, nS

from .base import CELL_CONDUCTANCE_NS, POTENTIAL_MV, Channel, Parameter, as_array
from .citations import BRUNEL_WANG_2001 as BW


class Leak(Channel):
    """Ohmic leak; uses ``v`` only."""

    name = "L"
    reference = BW
    parameters = (
        Parameter("g_L", 25 * nS, nS, "leak conductance (pyramidal cell)", BW,
                  **CELL_CONDUCTANCE_NS),
        Parameter("E_L", -70 * mV, mV, "leak reversal potential", BW, **POTENTIAL_MV),
    )

    def equation_text(self) -> str:
        return "I_L = g_L * (v - E_L) : amp"

    def reversal(self, **_env):
        return self.values["E_L"]

    def current(self, v, **_env):
        return self.values["g_L"] * (as_array(v, mV) * mV - self.values["E_L"])
