"""Physical constants and the Nernst potential, shared by every channel and model.

Every channel and model takes F, R, body temperature and the Nernst
potential from here, so a value is written once in the project.

Each constant comes in two forms:

* a Brian2 quantity with units (:data:`FARADAY`, :data:`GAS_CONSTANT`,
  :data:`BODY_TEMPERATURE`), for Python code that works with units;
* a plain float in stated SI units (:data:`FARADAY_C_PER_MOL`,
  :data:`F_OVER_R`, :data:`BODY_TEMPERATURE_K`), for the numpy functions of
  the channels, whose arguments are floats in mV, mM and K, and for Brian2
  equation strings. An equation string cannot refer to a Python quantity by
  name without a namespace entry, so the constant is written into the text as
  a number times its unit: :data:`F_OVER_R_TEXT` and :data:`FARADAY_TEXT` are
  those expressions. The generated code, and so Brian2's compiled-code cache,
  depends on that text.

The Nernst potential of an ion of valence :math:`z` is

.. math:: E = \\frac{RT}{zF} \\ln\\frac{c_{out}}{c_{in}}

References
----------
Tiesinga E, Mohr PJ, Newell DB, Taylor BN (2021) CODATA recommended values of
the fundamental physical constants: 2018. Rev Mod Phys 93:025010 (F and R;
both exact since the 2019 SI redefinition).
"""
from __future__ import annotations

import numpy as np
from brian2 import coulomb, joule, kelvin, mole

#: Faraday constant in C/mol (CODATA 2018, exact).
FARADAY_C_PER_MOL = 96485.33212
#: Molar gas constant in J/(mol K) (CODATA 2018, exact).
GAS_CONSTANT_J_PER_MOL_K = 8.314462618
#: Faraday constant, a Brian2 quantity (C/mol).
FARADAY = FARADAY_C_PER_MOL * coulomb / mole
#: Molar gas constant, a Brian2 quantity (J/(mol K)).
GAS_CONSTANT = GAS_CONSTANT_J_PER_MOL_K * joule / (mole * kelvin)
#: F/R in kelvin per volt, a float: ``F_OVER_R * v / T`` is the dimensionless
#: :math:`FV/RT` for v in volt and T in kelvin (numpy and equation strings).
F_OVER_R = FARADAY_C_PER_MOL / GAS_CONSTANT_J_PER_MOL_K
#: Brian2 expression of F/R with its unit (kelvin/volt), for equation strings.
F_OVER_R_TEXT = f"({F_OVER_R!r} * kelvin / volt)"


def nernst_text(c_out: str, c_in: str, valence: int = 1) -> str:
    """The Nernst potential as Brian2 expression text, :math:`(RT/zF) \\ln(c_o/c_i)`.

    ``c_out`` and ``c_in`` are names of concentration variables (``"K_o"``,
    ``"K_i"``); the temperature is the model's ``T``. The numpy twin is
    :func:`nernst_mV`.
    """
    z = "" if valence == 1 else f" / {valence}"
    return f"log({c_out} / {c_in}) * T / {F_OVER_R_TEXT}{z}"


#: Brian2 expression of F with its unit (coulomb/mole), for equation strings.
FARADAY_TEXT = f"({FARADAY_C_PER_MOL!r} * coulomb / mole)"

#: Body temperature (37 C) in kelvin, a float: the default temperature of the
#: numpy functions, whose temperatures are floats in kelvin.
BODY_TEMPERATURE_K = 310.15
#: Body temperature (37 C), a Brian2 quantity: the default ``T`` of the
#: channels' numpy methods and of the models' environments.
BODY_TEMPERATURE = BODY_TEMPERATURE_K * kelvin
#: Allowed temperatures (K) of every ``temperature`` setting: 0 C, below which the
#: water of a preparation freezes, to 45 C, above which mammalian cells and their
#: channel proteins are heat-damaged within minutes. The band holds cooled preparations,
#: room-temperature recordings (20-25 C), body temperature and fever; the models'
#: kinetics carry no Q10, so T enters only through RT/F.
TEMPERATURE_RANGE_K = (273.15, 318.15)


def nernst_mV(c_out_mM, c_in_mM, temperature_K=BODY_TEMPERATURE_K, valence=1):
    """Nernst potential in mV: :math:`(RT/zF) \\ln(c_{out}/c_{in})`.

    Parameters
    ----------
    c_out_mM, c_in_mM : float or array
        Concentrations outside and inside the cell (any one unit, mM by
        convention: only their ratio enters).
    temperature_K : float or array
        Absolute temperature in kelvin (default: body temperature, 37 C).
    valence : int
        Charge number z of the ion (1 for K+ and Na+, 2 for Mg2+ and Ca2+).

    Returns
    -------
    ndarray
        The reversal potential in mV (floats; arrays broadcast).
    """
    return (1e3 * np.asarray(temperature_K, float) / (valence * F_OVER_R)
            * np.log(np.asarray(c_out_mM, float) / np.asarray(c_in_mM, float)))
