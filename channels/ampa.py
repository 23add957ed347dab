"""AMPA receptor current (single exponential, Brunel & Wang 2001).

References
----------
Brunel N, Wang XJ (2001) J Comput Neurosci 11:63-85.
"""
from brian2 import ms, mV, nS

from .base import POTENTIAL_MV, SYNAPSE_CONDUCTANCE_NS, TIME_CONSTANT_MS, Parameter
from .citations import BRUNEL_WANG_2001 as BW
from .synaptic import ExponentialSynapse


class AMPA(ExponentialSynapse):
    """AMPA current ``I_AMPA = g_AMPA s_AMPA (v - E_AMPA)``; uses ``v``."""

    name = "AMPA"
    reference = BW
    parameters = (
        Parameter("g_AMPA", 2.08 * nS, nS, "maximal AMPA conductance (external input synapse)",
                  BW + ", Table 1", **SYNAPSE_CONDUCTANCE_NS),
        Parameter("E_AMPA", 0 * mV, mV, "AMPA reversal potential", BW, **POTENTIAL_MV),
        Parameter("tau_AMPA", 2 * ms, ms, "AMPA decay time constant", BW, **TIME_CONSTANT_MS),
    )
