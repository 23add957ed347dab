"""GABA-A receptor current (single exponential, Brunel & Wang 2001).

References
----------
Brunel N, Wang XJ (2001) J Comput Neurosci 11:63-85.
"""
from brian2 import ms, mV, nS

from .base import POTENTIAL_MV, SYNAPSE_CONDUCTANCE_NS, TIME_CONSTANT_MS, Parameter
from .citations import BRUNEL_WANG_2001 as BW
from .synaptic import ExponentialSynapse


class GABA_A(ExponentialSynapse):
    """GABA-A current ``I_GABA_A = g_GABA_A s_GABA_A (v - E_GABA_A)``; uses ``v``."""

    name = "GABA_A"
    reference = BW
    parameters = (
        Parameter("g_GABA_A", 1.3 * nS, nS, "maximal GABA-A conductance (onto a pyramidal cell)",
                  BW + ", Table 1", **SYNAPSE_CONDUCTANCE_NS),
        Parameter("E_GABA_A", -70 * mV, mV, "GABA-A reversal potential", BW, **POTENTIAL_MV),
        Parameter("tau_GABA_A", 10 * ms, ms, "GABA-A decay time constant", BW,
                  **TIME_CONSTANT_MS),
    )
