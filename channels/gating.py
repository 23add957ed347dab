"""Shared parts of the voltage-gated channels of the regular-spiking cortical cell.

The Na, delayed-rectifier K and M-type K channels of Pospischil et al. (2008)
(:mod:`channels.na_hh`, :mod:`channels.k_hh`, :mod:`channels.m_current`)
share

* the geometry of the published regular-spiking (RS) cell, used to turn the
  published conductance densities (S/cm2) into absolute conductances (nS):
  a single cylindrical compartment with length = diameter = 61.4 um, area
  :math:`A = \\pi d L = 11\\,844\\ \\mu m^2`;
* the *gating voltage*: every rate function is evaluated at

  .. math:: u = V - V_T - \\Delta V \\; [- V_{surf}]

  with the channel's threshold offset :math:`V_T` (Traub & Miles 1991
  convention; the M current has none), a constant per-neuron shift
  :math:`\\Delta V` (default 0) and, optionally, the name of a model variable
  (``shift="V_surf"``) that the model defines, for example the divalent
  surface-charge shift below;
* the numerically safe :func:`vtrap` :math:`x/(e^{x/y}-1) = y/\\mathrm{exprel}(x/y)`;
* rates declared ``(constant over dt)``: Brian2 evaluates them once per step
  from the v at the step's start (what exponential Euler assumes anyway)
  instead of substituting them into the update, where sympy would expand
  every exponential of a sum into a product of exponentials.

Divalent surface-charge screening
---------------------------------
Raising extracellular divalent cations screens the negative fixed charge on
the outer face of the membrane, so gating senses a more hyperpolarized
potential and activation curves move to more positive voltages (Frankenhaeuser
& Hodgkin 1957; Hille, Woodhull & Shapiro 1975). We use the empirical
logarithmic form

.. math:: V_{surf} = k_{surf} \\, \\log_{10}
          \\frac{[Ca]_o + r_{Mg} [Mg]_o}{[Ca]_{ref} + r_{Mg} [Mg]_{ref}}

with :math:`k_{surf}` = 22 mV per tenfold change of divalents (Hille et al.
1975: +20 to +25 mV per tenfold rise), a relative potency of Mg2+ versus Ca2+
:math:`r_{Mg}` = 0.7 ("Mg somewhat less potent than Ca"; chosen so that
removing 1 mM Mg at 2 mM Ca shifts gating by about -3 mV, docs/reference.md
section 2) and the reference solution 2 mM Ca, 1 mM Mg (standard slice saline,
the conditions under which the channel kinetics were fitted), where the shift
is zero. The log form is a fit of Gouy-Chapman screening over roughly 0.3 to
30 mM total divalents; it is not meant for nominally divalent-free solutions.

References
----------
Pospischil M, Toledo-Rodriguez M, Monier C, Piwkowska Z, Bal T, Fregnac Y,
Markram H, Destexhe A (2008) Minimal Hodgkin-Huxley type models for different
classes of cortical and thalamic neurons. Biol Cybern 99:427-441.
(Kinetics code: ModelDB 123623 ``HH_traub.mod``, ``IM_cortex.mod``; the RS
densities, VT, tau_max, E_leak and the -71.9 mV rest as transcribed in the
Brain Dynamics Toolbox ``Pospischil2008.m`` and PySONIC ``CorticalRS``, which
agree. The L = d = 61.4 um geometry is quoted from the paper's RS cell but was
not re-checked against the PDF here; it only sets the absolute scale, i.e.
capacitance and conductances in pF and nS, not the densities.)
Traub RD, Miles R (1991) Neuronal Networks of the Hippocampus. Cambridge UP.
Hille B, Woodhull AM, Shapiro BI (1975) Negative surface charge near sodium
channels of nerve: divalent ions, monovalent ions, and pH. Phil Trans R Soc
Lond B 270:301-318.
Frankenhaeuser B, Hodgkin AL (1957) The action of calcium on the electrical
properties of squid axons. J Physiol 137:218-244.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
from brian2 import Quantity, mM, msiemens, mV, cm, umetre

from .base import Channel, Parameter, as_array

#: Allowed range (mV) of the threshold offsets and gating shifts of the gated channels.
OFFSET_MV = dict(
    minimum=-100.0, maximum=100.0,
    bounds_reason="+-100 mV: a larger offset moves the gating curves out of the -100 to +50 mV "
                  "over which membranes operate")

POSPISCHIL = "Pospischil et al. 2008 Biol Cybern 99:427 (RS cell)"
#: Code of the kinetics (NEURON): HH_traub.mod (hh2) and IM_cortex.mod. Its demo
#: cell sPY uses other values (L = d = 96 um, gNa 0.05, gKd 0.005, gM 7e-5 S/cm2,
#: tau_max 1000 ms, VT -55 mV, EK -100 mV); the published RS fit is used here.
MODELDB = "ModelDB 123623 (HH_traub.mod, IM_cortex.mod)"
TRAUB = "Traub & Miles 1991 Neuronal Networks of the Hippocampus"
HWS = "Hille, Woodhull & Shapiro 1975 Phil Trans R Soc B 270:301"

#: Length = diameter of the single compartment of the RS cell (Pospischil et al. 2008).
RS_DIAMETER = 61.4 * umetre
#: Membrane area of the RS cell, pi d L (cylinder without end caps, as NEURON computes it).
RS_AREA = np.pi * RS_DIAMETER * RS_DIAMETER
AREA_SOURCE = (POSPISCHIL + ": L = d = 61.4 um, area pi d L = 11844 um2 [the densities are "
               "confirmed in two transcriptions; the 61.4 um geometry is not re-checked here]")
#: Short note for densities converted with the same source's area.
AREA_NOTE = ("times area pi d L = 11844 um2 (L = d = 61.4 um, same source; geometry "
             "not re-checked, so absolute values are uncertain)")


def density(value_mS_per_cm2: float) -> Quantity:
    """Absolute conductance of a density given in mS/cm2 over the RS cell area."""
    return value_mS_per_cm2 * msiemens / cm ** 2 * RS_AREA


def vtrap(x, y):
    """:math:`x/(e^{x/y} - 1)`, continuous at x = 0 (where it is y)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    z = x / y
    small = np.abs(z) < 1e-6
    safe = np.where(small, 1.0, z)
    return np.where(small, y * (1 - z / 2), x / np.expm1(safe))


# -- divalent surface charge -----------------------------------------------------

SURFACE_PARAMETERS = (
    Parameter("k_surf", 22 * mV, mV,
              "gating shift per tenfold change of extracellular divalents", HWS +
              ": +20 to +25 mV per tenfold rise", uncertain=True,
              minimum=0.0, maximum=62.0,
              bounds_reason="0 (no screening) to the Nernst slope of a monovalent ion, 2.303 RT/F "
                            "= 61.5 mV per decade at 37 C; Gouy-Chapman theory gives at most half "
                            "of it for divalents"),
    Parameter("r_Mg_surf", 0.7, 1, "screening potency of Mg2+ relative to Ca2+",
              HWS + " (Mg less potent than Ca); chosen so that removing 1 mM Mg at "
              "2 mM Ca shifts by about -3 mV (docs/reference.md section 2)", uncertain=True,
              minimum=0.0, maximum=10.0,
              bounds_reason="0 (Mg2+ inert) to 10: the screening potencies of the divalent "
                            "cations differ by a factor of a few"),
    Parameter("Ca_ref_surf", 2 * mM, mM, "Ca2+ of the reference solution (zero shift)",
              "standard slice saline (2 mM Ca, 1 mM Mg)", uncertain=True,
              minimum=0.0, exclusive_minimum=True, maximum=100.0,
              bounds_reason="> 0: the log form needs divalents in the reference solution (it "
                            "is fitted over 0.3-30 mM); at most 100 mM"),
    Parameter("Mg_ref_surf", 1 * mM, mM, "Mg2+ of the reference solution (zero shift)",
              "standard slice saline (2 mM Ca, 1 mM Mg)", uncertain=True,
              minimum=0.0, maximum=100.0,
              bounds_reason="0 (Mg-free reference) to 100 mM, the range of bath solutions"),
)


def surface_shift_mV(mg_o_mM, ca_o_mM, k_mV=22.0, r_mg=0.7, ca_ref_mM=2.0, mg_ref_mM=1.0):
    """Divalent surface-charge shift of gating (mV, depolarizing for more divalents).

    :math:`V_{surf} = k \\log_{10}(([Ca]_o + r [Mg]_o)/([Ca]_{ref} + r [Mg]_{ref}))`
    (module docstring). Concentrations in mM.
    """
    mg, ca = np.asarray(mg_o_mM, float), np.asarray(ca_o_mM, float)
    return k_mV * np.log10((ca + r_mg * mg) / (ca_ref_mM + r_mg * mg_ref_mM))


#: Brian2 expression of the surface shift (per-neuron switch ``surface_charge``).
#: The 1e-9 mM floor only keeps log() finite for Ca_o = Mg_o = 0 (shift off).
SURFACE_EQUATION = (
    "V_surf = surface_charge * k_surf * log((Ca_o + r_Mg_surf * Mg_o + 1e-9*mM) / "
    "(Ca_ref_surf + r_Mg_surf * Mg_ref_surf)) / 2.302585092994046 : volt (constant over dt)")


# -- base of the voltage-gated channels -------------------------------------------

class GatedChannel(Channel):
    """Base of the voltage-gated channels: gating voltage with offsets and an optional shift.

    Parameters
    ----------
    shift : str or None
        Name of a model variable (volt) subtracted from the gating voltage,
        for example ``"V_surf"`` (the divalent surface-charge shift the
        :class:`models.neuron.PyramidalNeuron` defines). None: no such term,
        the channel uses ``v`` only.
    **overrides
        New parameter values.
    """

    #: Name of the threshold-offset parameter (None: no offset, e.g. the M current).
    offset: str | None = None

    def __init__(self, shift: str | None = None, **overrides):
        super().__init__(**overrides)
        self.shift = shift

    def gating_voltage_text(self) -> str:
        """Brian2 line defining the gating voltage ``u_<name>``."""
        n = self.name
        text = "v"
        if self.offset:
            text += f" - {self.offset}"
        text += f" - dV_{n}"
        if self.shift:
            text += f" - {self.shift}"
        return f"u_{n} = {text} : volt (constant over dt)"

    def gating_voltage_mV(self, v, shift=0 * mV, values: Mapping | None = None) -> np.ndarray:
        """Gating voltage in mV (numpy) for membrane potential ``v`` and shift ``shift``."""
        p = self.values if values is None else values
        u = as_array(v, mV) - as_array(p[f"dV_{self.name}"], mV) - as_array(shift, mV)
        if self.offset:
            u = u - as_array(p[self.offset], mV)
        return u

    def reversal(self, **_env):
        return self.values[f"E_{self.name}"]

    def initial_states(self, env):
        u = self.gating_voltage_mV(env["v"], env.get("V_surf", 0 * mV))
        return {k: v for k, v in self.steady_gates(u).items()}

    def steady_gates(self, u_mV) -> dict[str, np.ndarray]:
        """Steady-state gates at gating voltage ``u_mV`` (mV)."""
        raise NotImplementedError(f"{type(self).__name__} does not define steady_gates(): every "
                                  "gated channel must give its gates' steady states")

    def open_fraction(self, u_mV) -> np.ndarray:
        """Steady-state open fraction (product of gates) at gating voltage ``u_mV``."""
        raise NotImplementedError(f"{type(self).__name__} does not define open_fraction(): "
                                  "every gated channel must give its steady-state open fraction")

    def current(self, v, V_surf=0 * mV, **_env) -> Quantity:
        """Steady-state current g x_inf(u) (v - E), outward positive."""
        n = self.name
        u = self.gating_voltage_mV(v, V_surf)
        e = as_array(self.values[f"E_{n}"], mV)
        return self.values[f"g_{n}"] * self.open_fraction(u) * (as_array(v, mV) - e) * mV


def shift_parameter(name: str) -> Parameter:
    """The constant gating shift ``dV_<name>`` every gated channel declares."""
    return Parameter(f"dV_{name}", 0 * mV, mV,
                     "extra shift of all gating curves along the voltage axis",
                     "none (0 mV); set it for experimental shifts", **OFFSET_MV)
