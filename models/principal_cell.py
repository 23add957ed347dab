"""Principal cell of the cortical collecting duct (CCD): K+ secretion by ROMK.

One unit is one millimetre of CCD under one condition, so a sweep (over
Mg_i, luminal K, ENaC activity, aldosterone, or ROMK's uncertain block) is
one batched computation: the steady state of every unit is solved at once by
Newton (:meth:`PrincipalCell.steady_state`, numpy), and the same equations as
a Brian2 ``NeuronGroup`` (:meth:`PrincipalCell.build_group`,
:meth:`PrincipalCell.run`) give the time course; the tests check that the
Newton state is a fixed point of the Brian2 equations. Fluxes are per mm of
tubule, the unit of the perfused-tubule literature.

Circuit (potentials relative to blood, which is ground)::

    lumen (V_te) --[ENaC, ROMK]-- cell (V_b) --[Na/K pump, Kir4.1/5.1, Cl]-- blood (0)
      \\______________________ paracellular shunt g_para ___________________/

* apical potential :math:`V_a = V_b - V_{te}` (cell minus lumen), the ``v``
  of ENaC and ROMK; basolateral potential :math:`V_b` (cell minus blood),
  the ``v`` of Kir4.1/5.1; transepithelial potential :math:`V_{te}` (lumen
  minus blood), negative when ENaC drives Na+ absorption.

Notes
-----
Currents are outward from the cell (positive charge leaving the cell):

.. math::

    I_{ap} = I_{ENaC}(V_a, [Na]_L, [Na]_c) + I_{ROMK}(V_a, [K]_L, [K]_c, [Mg]_i)

    I_{bl} = F J_{pump} + I_{Kir45}(V_b, [K]_b, [K]_c) + g_{Cl}(V_b - E_{Cl})
             + g_{Na,b}(V_b - E_{Na,b})

    J_{pump} = J_{max} f_{Mg}\\left(\\frac{[Na]_c}{[Na]_c + K_{Na}}\\right)^3
               \\left(\\frac{[K]_b}{[K]_b + K_K}\\right)^2,\\quad
    K_{Na} = 0.2(1 + [K]_c/8.33)\\ \\mathrm{mM},\\ K_K = 0.1(1 + [Na]_b/18.5)\\ \\mathrm{mM}

Aldosterone :math:`A` (relative to baseline, the condition ``aldosterone``)
multiplies the ENaC permeability by :math:`A^{n_E}`, the apical ROMK
conductance by :math:`A^{n_R}` and the pump's :math:`J_{max}` by
:math:`A^{n_P}` (defaults 1, 0.5, 0.5: with mineralocorticoid, apical Na+
conductance doubled within a day while apical K+ conductance doubled only
after days, Sansom & O'Neil 1985; ROMK channel density rose 3-fold on a
high-K diet, Palmer, Antonian & Frindt 1994; Na/K-ATPase activity fell by
half after adrenalectomy).

(Garay–Garrahan form as used by Weinstein 2001; 3 Na+ out and 2 K+ in per
cycle, so the pump carries the outward current :math:`F J_{pump}`). A small
basolateral Na+ leak :math:`g_{Na,b}` stands for Na+ entry from the blood
side (NHE1 and Na-coupled transport) and keeps cell Na+ defined when ENaC is
blocked.
:math:`f_{Mg} = (1 + K_{Mg}/[Mg]_{ref})\\,[Mg]_i/([Mg]_i + K_{Mg})` is an
optional, qualitative Mg-ATP dependence, off by default (K_Mg = 0 gives 1).

Balances (cell water volume :math:`W` per mm, relaxation capacitances
:math:`C_c`, :math:`C_L`):

.. math::

    W\\,\\frac{d[Na]_c}{dt} = -\\frac{I_{ENaC} + I_{Na,b}}{F} - 3 J_{pump}, \\qquad
    W\\,\\frac{d[K]_c}{dt} = 2 J_{pump} - \\frac{I_{ROMK} + I_{Kir45}}{F}

    C_c \\frac{dV_b}{dt} = -(I_{ap} + I_{bl}), \\qquad
    C_L \\frac{dV_{te}}{dt} = I_{ap} - g_{para} V_{te}

Cell Cl- follows from electroneutrality with impermeant anions :math:`A`
(one negative charge each): :math:`[Cl]_c = [Na]_c + [K]_c - A`. At steady
state the Na+ and K+ balances make the non-Cl currents sum to zero, so the Cl
current vanishes, Cl- is at equilibrium and :math:`[Na]_c + [K]_c = A +
[Cl]_b e^{F V_b/RT}`. The steady state therefore depends on the
parameters only, not on the capacitances, which just set how fast the
potentials relax in the Brian2 time course (a numerical device).
:meth:`PrincipalCell.steady_state` solves the three remaining balances (Na+,
K+, lumen charge) for ln [Na]_c, V_b and V_te by batched damped Newton
(:mod:`models.steady_state`) to a relative imbalance near 1e-14; a unit that
does not reach 1e-9 is reported as not converged. Its outward current rises
monotonically with voltage (the weak rectifier of :mod:`channels.romk`), and
from the default start Newton reaches the same state as the Brian2
relaxation. (:math:`[Cl]_c` is floored at 0.01 mM during Brian2 transients.)
The luminal and blood compositions are fixed (a perfused tubule); a segment
with flow is :class:`models.collecting_duct.CollectingDuct`.

Outputs: K+ secretion :math:`J_K = I_{ROMK}/F`, Na+ absorption
:math:`J_{Na} = -I_{ENaC}/F` (pmol/min/mm), the three potentials, cell
concentrations and ``residual``, the largest relative imbalance of the
balances (0 at an exact steady state).

References
----------
Weinstein AM (2001) A mathematical model of rat cortical collecting duct
determinants of the transtubular potassium gradient. Am J Physiol Renal
Physiol 280:F1072-F1092.
Garay RP, Garrahan PJ (1973) The interaction of sodium and potassium with the
sodium pump in red cells. J Physiol 231:297-325.
Tomita K, Pisano JJ, Knepper MA (1985) J Clin Invest 76:132-136.
Schafer JA, Troutman SL (1990) Am J Physiol 259:F823-F831.
Palmer LG, Frindt G (2000) Aldosterone and potassium secretion by the
cortical collecting duct. Kidney Int 57:1324-1328.
Palmer LG, Antonian L, Frindt G (1994) Regulation of apical K and Na channels
and Na/K pumps in rat cortical collecting tubule by dietary K. J Gen Physiol
104:693-710.
Sansom SC, O'Neil RG (1985) Mineralocorticoid regulation of apical cell
membrane Na+ and K+ transport of the cortical collecting duct. Am J Physiol
248:F858-F868.
"""
from __future__ import annotations

import dataclasses
from typing import Mapping

import numpy as np
from brian2 import (Equations, Network, NeuronGroup, Quantity, kelvin, mM, ms, mV, nliter,
                    pmole, second, ufarad, uS)

from channels.base import TUBULE_CONDUCTANCE_US, Parameter, unit_string
from channels.constants import (BODY_TEMPERATURE, F_OVER_R, F_OVER_R_TEXT, FARADAY_C_PER_MOL,
                                FARADAY_TEXT)
from channels.enac import ENaC
from channels.kir_basolateral import Kir45
from channels.enac import exprel
from channels.romk import ROMK, romk_current, romk_unblocked

from . import register, steady_state

#: Largest relative balance imbalance of a solved steady state.
STEADY_TOLERANCE = 1e-9
#: Newton's stopping tolerance on the balances in pmol/s and nA (fluxes of the cell are
#: 0.1-100 pmol/s; near round-off, so that even a unit of tiny fluxes reaches a relative
#: imbalance below STEADY_TOLERANCE; a unit that cannot get lower stops where it is).
NEWTON_TOLERANCE = 1e-15
#: Finite-difference steps of the Newton unknowns ln [Na]_c, V_b (V), V_te (V).
NEWTON_STEPS = np.array([1e-7, 1e-8, 1e-8])

WEINSTEIN = "Weinstein 2001 AJP Renal 280:F1072"
TOMITA = "Tomita, Pisano & Knepper 1985 JCI 76:132"
#: Conversion of a flux in mol/s to pmol/min.
PMOL_MIN = 1e12 * 60.0


class ApicalROMK(ROMK):
    """ROMK with its conductance given per mm of collecting duct (apical membrane).

    Same equations as :class:`channels.romk.ROMK`; only the default of
    ``g_ROMK`` differs (uS per mm of tubule instead of nS per patch).
    """

    parameters = (
        dataclasses.replace(
            ROMK.parameter("g_ROMK"), value=1.22 * uS, unit=uS,
            meaning="apical ROMK conductance per mm of collecting duct at saturating luminal K",
            source="chosen so that baseline K+ secretion lies in the 5-30 pmol/min/mm of "
                   f"perfused rat CCD ({TOMITA}; docs/reference.md section 4); ~400 principal "
                   "cells/mm x ~3 nS", uncertain=True, **TUBULE_CONDUCTANCE_US),
    ) + tuple(p for p in ROMK.parameters if p.name != "g_ROMK")


ALDOSTERONE_SOURCE = ("Palmer, Antonian & Frindt 1994 JGP 104:693; Sansom & O'Neil 1985 AJP "
                      "248:F858; Palmer & Frindt 2000 Kidney Int 57:1324")
#: Allowed range of an exponent of aldosterone action.
ALDOSTERONE_EXPONENT = dict(
    minimum=0.0, maximum=2.0,
    bounds_reason="0 (no effect of aldosterone) to 2 (activity rising with its square); "
                  "measured responses are at most proportional")
#: Allowed range (uF) of the numerical relaxation capacitances.
RELAXATION_UF = dict(
    minimum=0.5, maximum=100.0,
    bounds_reason="numerical: below about 0.3 uF the potentials outrun the 50 ms forward-Euler "
                  "step and diverge; at 100 uF they take ~10 s to relax, well within the "
                  "default 300 s; the steady state does not depend on the value")
#: Parameters of the principal cell besides its channels'.
CELL_PARAMETERS: tuple[Parameter, ...] = (
    Parameter("Jmax_pump", 1.6 * pmole / second, pmole / second,
              "maximal Na/K-ATPase cycle rate per mm of collecting duct (1 pmol/s = 60 pmol/min)",
              f"pump form from {WEINSTEIN}; value chosen for cell Na+ 10-20 mM at the "
              "baseline Na+ absorption", uncertain=True, minimum=0.0, maximum=100.0,
              bounds_reason="0 (ouabain) to 100 pmol/s = 6000 pmol/min per mm, more Na+ than "
                            "any tubule segment transports"),
    Parameter("Km_Mg_pump", 0.0 * mM, mM,
              "cytoplasmic Mg2+ of half-maximal pump rate (Mg-ATP is the substrate); 0 = no "
              "Mg dependence", "qualitative: the pump runs on Mg-ATP (docs/reference.md section 4); "
              "off by default", uncertain=True, minimum=0.0, maximum=100.0,
              bounds_reason="0 (no Mg dependence) to 100 mM, far above the sub-millimolar "
                            "Mg-ATP affinity of the Na/K-ATPase"),
    Parameter("Mgref_pump", 0.5 * mM, mM, "cytoplasmic Mg2+ at which the pump runs at Jmax_pump",
              "intracellular free Mg about 0.5 mM (docs/reference.md section 2)",
              minimum=0.0, exclusive_minimum=True, maximum=100.0,
              bounds_reason="> 0 (the rate is normalised by Km_Mg_pump/Mgref_pump); at most "
                            "100 mM, above any cytoplasmic free Mg2+"),
    Parameter("g_Cl_b", 2.0 * uS, uS, "basolateral Cl- conductance per mm",
              f"basolateral Cl- exit of principal cells ({WEINSTEIN}); value uncertain",
              uncertain=True, **TUBULE_CONDUCTANCE_US),
    Parameter("g_Na_b", 0.05 * uS, uS,
              "basolateral Na+ entry (NHE1, Na-coupled transport) lumped as a leak, per mm",
              "small (Na entry ~5 % of ENaC's at baseline); keeps cell Na defined when ENaC "
              "is blocked (amiloride) [uncertain]", uncertain=True, **TUBULE_CONDUCTANCE_US),
    Parameter("g_para", 4.0 * uS, uS, "paracellular (shunt) conductance per mm of tubule",
              "chosen for a lumen-negative transepithelial potential of -10 to -40 mV "
              "(docs/reference.md section 4)", uncertain=True, **TUBULE_CONDUCTANCE_US),
    Parameter("W_cell", 0.6 * nliter, nliter, "principal-cell water volume per mm of tubule",
              "derived: CCD epithelium ~0.9 nl/mm (outer/inner diameter 40/20 um), "
              "principal cells about 2/3 of it", uncertain=True, minimum=0.05, maximum=10.0,
              bounds_reason="0.05 nl (a twelfth of the baseline) to 10 nl: a 1-mm tubule of 100 "
                            "um outer diameter, wider than any collecting duct, holds 7.9 nl"),
    Parameter("A_imp", 140.0 * mM, mM, "impermeant intracellular anion (one charge each)",
              "chosen so that cell Na + K is about 145 mM (cell K about 145 mM, docs/reference.md "
              "section 3)", uncertain=True, minimum=0.0, maximum=300.0,
              bounds_reason="0 to 300 mM, the whole osmolarity of the cell (~300 mOsm)"),
    Parameter("Na_blood", 140.0 * mM, mM, "plasma (peritubular) Na+", "normal plasma Na+",
              minimum=0.0, exclusive_minimum=True, maximum=300.0,
              bounds_reason="> 0 (the basolateral Na+ Nernst potential needs it); at most 300 "
                            "mM, twice normal plasma Na+"),
    Parameter("Cl_blood", 110.0 * mM, mM, "plasma (peritubular) Cl-", "normal plasma Cl-",
              minimum=0.0, exclusive_minimum=True, maximum=300.0,
              bounds_reason="> 0 (the Cl- Nernst potential needs it); at most 300 mM, nearly "
                            "three times normal plasma Cl-"),
    Parameter("nENaC_aldo", 1.0, 1, "exponent of ENaC activity in aldosterone: P_ENaC x A^n",
              f"{ALDOSTERONE_SOURCE}: apical Na+ conductance doubled within a day of "
              "mineralocorticoid", uncertain=True, **ALDOSTERONE_EXPONENT),
    Parameter("nROMK_aldo", 0.5, 1, "exponent of apical ROMK density in aldosterone: g_ROMK x A^n",
              f"{ALDOSTERONE_SOURCE}: apical K conductance rises about 2-fold where ENaC "
              "doubles (after days of mineralocorticoid), ROMK density 3-fold on a high-K diet",
              uncertain=True, **ALDOSTERONE_EXPONENT),
    Parameter("npump_aldo", 0.5, 1, "exponent of Na/K-ATPase capacity in aldosterone: Jmax x A^n",
              f"{ALDOSTERONE_SOURCE}: Na/K-ATPase activity fell by half after adrenalectomy",
              uncertain=True, **ALDOSTERONE_EXPONENT),
    Parameter("C_cell", 1.0 * ufarad, ufarad,
              "relaxation capacitance of the cell node (numerical; steady state independent)",
              "numerical choice: potentials relax in ~0.1 s", **RELAXATION_UF),
    Parameter("C_lumen", 1.0 * ufarad, ufarad,
              "relaxation capacitance of the lumen node (numerical; steady state independent)",
              "numerical choice: potentials relax in ~0.1 s", **RELAXATION_UF),
)

def _unit_text(value) -> str:
    """Unit string for an equation declaration (``unit_string`` gives ``metre3`` for volumes)."""
    text = unit_string(value)
    return "metre**3" if text == "metre3" else text


#: Per-neuron conditions of the cell (variable -> unit, meaning).
CONDITIONS = {
    "Na_lumen": (mM, "luminal Na+"),
    "K_lumen": (mM, "luminal K+"),
    "K_blood": (mM, "plasma (peritubular) K+"),
    "Mg_i": (mM, "cytoplasmic free Mg2+"),
    "T": (kelvin, "absolute temperature"),
    "aldosterone": (1, "mineralocorticoid activity relative to the perfused-CCD baseline"),
}

#: Default initial state (close to the baseline steady state).
INITIAL = {"Na_c": 15 * mM, "K_c": 135 * mM, "V_b": -80 * mV, "V_te": -15 * mV}
#: Default conditions (values of :data:`CONDITIONS`): perfusate, plasma K, cell Mg, 37 C.
DEFAULT_CONDITIONS = {"Na_lumen": 140 * mM, "K_lumen": 5 * mM, "K_blood": 4 * mM,
                      "Mg_i": 0.5 * mM, "T": BODY_TEMPERATURE, "aldosterone": 1.0}


@register
class PrincipalCell:
    """Principal-cell unit (1 mm of CCD): its channels, parameters and equations.

    Parameters
    ----------
    enac, romk, kir : Channel, optional
        The apical ENaC, apical ROMK and basolateral Kir4.1/5.1 channels
        (defaults: :class:`ENaC`, :class:`ApicalROMK`, :class:`Kir45`).
    values : mapping, optional
        Overrides of :data:`CELL_PARAMETERS` (quantities).

    Notes
    -----
    The model is a description and builds no Brian2 object:
    :meth:`equations` gives its equations (module docstring) and
    :meth:`build_group` a ``NeuronGroup`` of ``n`` units, one per condition,
    on request. :meth:`steady_state` solves the steady state of any number of
    units by Newton in numpy (no Brian2); :meth:`run` integrates a group in
    time (Brian2) and returns the same outputs. Every channel and cell
    parameter is a per-unit constant: both accept per-unit arrays for any of
    them, and for the conditions in :data:`CONDITIONS`; no change of value
    needs a rebuild.
    """

    parameters = CELL_PARAMETERS

    def __init__(self, enac: ENaC | None = None, romk: ROMK | None = None,
                 kir: Kir45 | None = None, values: Mapping[str, Quantity] | None = None):
        self.enac = enac or ENaC()
        self.romk = romk or ApicalROMK()
        self.kir = kir or Kir45()
        known = {p.name: p for p in CELL_PARAMETERS}
        values = dict(values or {})
        for key in values:
            if key not in known:
                raise ValueError(f"PrincipalCell: unknown parameter {key!r}; allowed: {', '.join(known)}")
        self.values = {p.name: values.get(p.name, p.value) for p in CELL_PARAMETERS}
        #: The Network of each group this model has run, by id(group) (a group simulated
        #: in one Network cannot join another; the Network keeps the group, and so its id).
        self._networks: dict[int, Network] = {}

    @property
    def channels(self) -> tuple:
        """The apical ENaC and ROMK and the basolateral Kir4.1/5.1 channel."""
        return (self.enac, self.romk, self.kir)

    def parameter_rows(self) -> list[dict[str, str]]:
        """Rows (name, value, unit, meaning, source) of every parameter the unit uses."""
        rows = [p.row(channel.values[p.name]) for channel in self.channels
                for p in channel.parameters]
        return rows + [p.row(self.values[p.name]) for p in CELL_PARAMETERS]

    # -- equations ------------------------------------------------------------
    def equations(self) -> Equations:
        """The full Brian2 equations of the principal-cell unit."""
        faraday = FARADAY_TEXT
        rt_over_f = f"(T / {F_OVER_R_TEXT})"
        text = f"""
        dNa_c/dt = dNa_c_dt : mmolar
        dK_c/dt = dK_c_dt : mmolar
        dV_b/dt = dV_b_dt : volt
        dV_te/dt = dV_te_dt : volt
        V_a = V_b - V_te : volt
        Cl_c = clip(Na_c + K_c - A_imp, 0.01*mmolar, inf*mmolar) : mmolar
        dNa_c_dt = (-(I_ENaC + I_Na_b) / {faraday} - 3 * J_pump) / W_cell : mmolar/second
        dK_c_dt = (2 * J_pump - (I_ROMK + I_Kir45) / {faraday}) / W_cell : mmolar/second
        dV_b_dt = -(I_apical + I_basolateral) / C_cell : volt/second
        dV_te_dt = (I_apical - I_para) / C_lumen : volt/second
        I_apical = I_ENaC + I_ROMK : amp
        I_basolateral = I_pump + I_Kir45 + I_Cl_b + I_Na_b : amp
        I_Na_b = g_Na_b * (V_b - log(Na_blood / Na_c) * {rt_over_f}) : amp
        I_para = g_para * V_te : amp
        I_Cl_b = g_Cl_b * (V_b - E_Cl) : amp
        E_Cl = log(Cl_c / Cl_blood) * {rt_over_f} : volt
        I_pump = {faraday} * J_pump : amp
        I_ENaC = aldosterone**nENaC_aldo * I_ENaC_unit : amp
        I_ROMK = aldosterone**nROMK_aldo * I_ROMK_unit : amp
        J_pump = Jmax_pump * aldosterone**npump_aldo * f_Mg_pump * (Na_c / (Na_c + K_Na_pump))**3 * (K_blood / (K_blood + K_K_pump))**2 : mole/second
        K_Na_pump = 0.2*mmolar * (1 + K_c / (8.33*mmolar)) : mmolar
        K_K_pump = 0.1*mmolar * (1 + Na_blood / (18.5*mmolar)) : mmolar
        f_Mg_pump = (1 + Km_Mg_pump / Mgref_pump) * (Mg_i + 1e-9*mmolar) / (Mg_i + Km_Mg_pump + 1e-9*mmolar) : 1
        """
        lines = [line.strip() for line in text.strip().splitlines()]
        lines += [f"{p.name} : {_unit_text(p.value)} (constant)" for p in CELL_PARAMETERS]
        lines += [f"{name} : {unit_string(unit)} (constant)" for name, (unit, _) in CONDITIONS.items()]
        eqs = Equations("\n".join(lines))
        eqs += self.enac.equations().substitute(v="V_a", Na_o="Na_lumen", Na_i="Na_c",
                                                I_ENaC="I_ENaC_unit")
        eqs += self.romk.equations().substitute(v="V_a", K_o="K_lumen", K_i="K_c",
                                                I_ROMK="I_ROMK_unit")
        eqs += self.kir.equations().substitute(v="V_b", K_o="K_blood", K_i="K_c")
        return eqs

    def build_group(self, n: int = 1, dt: Quantity = 50 * ms, method: str = "euler",
                    name: str = "principal_cell_*") -> NeuronGroup:
        """A ``NeuronGroup`` of ``n`` units, initialized (:meth:`initialize`).

        Parameters
        ----------
        n : int
            Number of units (conditions) simulated together.
        dt : Quantity
            Integration step.
        method : str
            Brian2 integration method. Forward Euler by default: the steady
            state (the fixed point) does not depend on the method.
        name : str
            Brian2 name of the group (``*`` is replaced by a number).
        """
        group = NeuronGroup(n, self.equations(), method=method, dt=dt, name=name)
        self.initialize(group)
        return group

    def initialize(self, group) -> None:
        """Write every parameter, :data:`DEFAULT_CONDITIONS` and :data:`INITIAL` into ``group``."""
        for name, value in self.values.items():
            setattr(group, name, value)
        for channel in self.channels:
            channel.initialize(group)
        for name, value in {**DEFAULT_CONDITIONS, **INITIAL}.items():
            setattr(group, name, value)

    # -- running --------------------------------------------------------------
    def run(self, group, per_unit: Mapping[str, Quantity],
            duration: Quantity = 30 * 60 * second,
            initial: Mapping[str, Quantity] | None = None,
            report=None) -> dict[str, np.ndarray]:
        """Integrate every unit of ``group`` from :data:`INITIAL` for ``duration``; return the end state.

        Parameters
        ----------
        group : NeuronGroup
            A group from :meth:`build_group`; it is re-initialized first, so
            one group serves any number of runs (in one Brian2 ``Network``,
            made on the first run and kept by the model).
        per_unit : mapping
            Per-unit values (scalars or arrays of length ``n`` with units) of
            conditions (:data:`CONDITIONS`) and of any channel or cell parameter.
        duration : Quantity
            Relaxation time; the default reaches relative imbalances below 1e-6.
        initial : mapping, optional
            Initial states overriding :data:`INITIAL`.
        report : callable, optional
            A Brian2 report callable, ``report(elapsed, completed, start,
            duration)``, passed to ``Network.run`` (called at the start and end
            of the run and at most once per second of wall time in between).

        Returns
        -------
        dict
            Arrays (floats): ``j_k_pmol_min_mm``, ``j_na_pmol_min_mm``,
            ``j_pump_pmol_min_mm``, ``v_apical_mV``, ``v_basolateral_mV``,
            ``v_te_mV``, ``na_c_mM``, ``k_c_mM``, ``cl_c_mM``, ``residual``
            (largest relative imbalance), ``dk_c_dt_mM_s``, ``dna_c_dt_mM_s``.
        """
        self.initialize(group)
        for key, value in per_unit.items():
            if key not in group.variables:
                raise KeyError(f"PrincipalCell has no variable {key!r}")
            setattr(group, key, value)
        for key, value in (initial or {}).items():
            setattr(group, key, value)
        if id(group) not in self._networks:
            self._networks[id(group)] = Network(group)
        self._networks[id(group)].run(duration, report=report, report_period=1 * second)
        return self.read(group)

    # -- steady state (numpy) ------------------------------------------------
    def values_si(self, per_unit: Mapping[str, Quantity], n: int) -> dict[str, np.ndarray]:
        """Every parameter and condition as a float array of length ``n`` in SI units.

        ``per_unit`` overrides (scalars or arrays, quantities or floats) the
        model's values and :data:`DEFAULT_CONDITIONS`; unknown names are refused.
        """
        known = {**{p.name: ch.values[p.name] for ch in self.channels for p in ch.parameters},
                 **self.values, **DEFAULT_CONDITIONS}
        for key in per_unit:
            if key not in known:
                raise KeyError(f"PrincipalCell has no variable {key!r}")
        return {name: np.broadcast_to(np.asarray(per_unit.get(name, value), float), (n,)).copy()
                for name, value in known.items()}

    def fluxes(self, na_c_mM, v_b, v_te, p: Mapping[str, np.ndarray],
               na_lumen=None, k_lumen=None) -> dict[str, np.ndarray]:
        """Currents (A) and fluxes (mol/s) per mm at a steady state's cell Na and potentials.

        Cell Cl- is at equilibrium across the basolateral membrane and cell K+
        follows from electroneutrality (module docstring); ``p`` is
        :meth:`values_si`; ``na_lumen``/``k_lumen`` (mM) override its luminal
        composition (a slab of a segment).
        """
        # Newton's trial states may leave cell K+ <= 0 (logarithms give NaN there, which
        # the line search rejects); no warning for them
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            return self._fluxes(na_c_mM, v_b, v_te, p, na_lumen, k_lumen)

    def _fluxes(self, na_c_mM, v_b, v_te, p, na_lumen, k_lumen) -> dict[str, np.ndarray]:
        rt_f = p["T"] / F_OVER_R
        na_lumen = p["Na_lumen"] if na_lumen is None else na_lumen
        k_lumen = p["K_lumen"] if k_lumen is None else k_lumen
        cl_c = p["Cl_blood"] * np.exp(v_b / rt_f)
        k_c = p["A_imp"] + cl_c - na_c_mM
        v_a = v_b - v_te
        u = v_a / rt_f
        aldo = p["aldosterone"]
        i_enac = (aldo ** p["nENaC_aldo"] * p["P_ENaC"] * FARADAY_C_PER_MOL
                  * (na_c_mM / exprel(-u) - na_lumen / exprel(u)))
        i_romk = 1e-3 * romk_current(
            v_a * 1e3, p["Mg_i"], k_lumen, k_c, aldo ** p["nROMK_aldo"] * p["g_ROMK"],
            km_mM=p["Km_K_ROMK"], kd0_mM=p["Kd0_ROMK"], zdelta=p["zdelta_ROMK"],
            rho=p["rho_ROMK"], k_r_mM=p["Kr_ROMK"], alpha=p["alpha_ROMK"], temperature_K=p["T"])
        i_kir = (p["g_Kir45"] * (p["K_blood"] / p["Kref_Kir45"]) ** p["nK_Kir45"]
                 * (v_b - rt_f * np.log(p["K_blood"] / k_c)))
        i_na_b = p["g_Na_b"] * (v_b - rt_f * np.log(p["Na_blood"] / na_c_mM))
        k_na = 0.2 * (1 + k_c / 8.33)
        k_k = 0.1 * (1 + p["Na_blood"] / 18.5)
        mg = p["Mg_i"] + 1e-9
        f_mg = (1 + p["Km_Mg_pump"] / p["Mgref_pump"]) * mg / (mg + p["Km_Mg_pump"])
        j_pump = (p["Jmax_pump"] * aldo ** p["npump_aldo"] * f_mg
                  * (na_c_mM / (na_c_mM + k_na)) ** 3 * (p["K_blood"] / (p["K_blood"] + k_k)) ** 2)
        return {"i_enac": i_enac, "i_romk": i_romk, "i_kir": i_kir, "i_na_b": i_na_b,
                "j_pump": j_pump, "i_para": p["g_para"] * v_te, "na_c": na_c_mM, "k_c": k_c,
                "cl_c": cl_c, "v_a": v_a, "v_b": v_b, "v_te": v_te,
                "unblocked": romk_unblocked(v_a * 1e3, p["Mg_i"], k_lumen, p["Kd0_ROMK"],
                                            p["zdelta_ROMK"], p["rho_ROMK"], p["Kr_ROMK"], p["T"])}

    @staticmethod
    def balances(f: Mapping[str, np.ndarray]) -> np.ndarray:
        """Cell Na+, cell K+ and lumen charge balances, shape (3, n), in pmol/s and nA."""
        return np.array([
            (-(f["i_enac"] + f["i_na_b"]) / FARADAY_C_PER_MOL - 3 * f["j_pump"]) * 1e12,
            (2 * f["j_pump"] - (f["i_romk"] + f["i_kir"]) / FARADAY_C_PER_MOL) * 1e12,
            (f["i_enac"] + f["i_romk"] - f["i_para"]) * 1e9,
        ])

    @staticmethod
    def relative_residual(f: Mapping[str, np.ndarray]) -> np.ndarray:
        """Largest balance imbalance relative to the fluxes it balances (0 at steady state)."""
        raw = PrincipalCell.balances(f)
        scale = np.array([
            (np.abs(f["i_enac"]) + np.abs(f["i_na_b"])) / FARADAY_C_PER_MOL * 1e12
            + 3e12 * f["j_pump"],
            2e12 * f["j_pump"] + (np.abs(f["i_romk"]) + np.abs(f["i_kir"])) / FARADAY_C_PER_MOL
            * 1e12,
            (np.abs(f["i_enac"]) + np.abs(f["i_romk"]) + np.abs(f["i_para"])) * 1e9,
        ])
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.max(np.abs(raw) / np.maximum(scale, 1e-300), axis=0)

    def steady_state(self, per_unit: Mapping[str, Quantity] | None = None, n: int | None = None,
                     start=None) -> dict[str, np.ndarray]:
        """Steady state of ``n`` units at a fixed luminal composition (a perfused tubule).

        Solved by batched Newton (:func:`models.steady_state.solve`) in the
        unknowns ln [Na]_c, V_b and V_te. Returns the outputs of :meth:`run`
        (``residual`` is the largest relative imbalance, about 1e-14 when
        solved) plus ``converged``; ``start`` (3, n) is an initial state.
        """
        per_unit = dict(per_unit or {})
        n = n or max([np.size(v) for v in per_unit.values()] + [1])
        p = self.values_si(per_unit, n)
        x0 = start if start is not None else np.array(
            [np.full(n, np.log(15.0)), np.full(n, -0.08), np.full(n, -0.015)])

        def residual(x):
            return self.balances(self.fluxes(np.exp(x[0]), x[1], x[2], p))

        solution = steady_state.solve(residual, x0, NEWTON_STEPS, tolerance=NEWTON_TOLERANCE)
        f = self.fluxes(np.exp(solution.x[0]), solution.x[1], solution.x[2], p)
        out = self.outputs(f)
        out["state"] = solution.x
        return out

    @staticmethod
    def outputs(f: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The named outputs (as in :meth:`read`) of a steady state's fluxes."""
        residual = PrincipalCell.relative_residual(f)
        return {
            "j_k_pmol_min_mm": f["i_romk"] / FARADAY_C_PER_MOL * PMOL_MIN,
            "j_na_pmol_min_mm": -f["i_enac"] / FARADAY_C_PER_MOL * PMOL_MIN,
            "j_pump_pmol_min_mm": f["j_pump"] * PMOL_MIN,
            "j_na_basolateral_pmol_min_mm": -f["i_na_b"] / FARADAY_C_PER_MOL * PMOL_MIN,
            "v_apical_mV": f["v_a"] * 1e3, "v_basolateral_mV": f["v_b"] * 1e3,
            "v_te_mV": f["v_te"] * 1e3, "na_c_mM": f["na_c"], "k_c_mM": f["k_c"],
            "cl_c_mM": f["cl_c"], "unblocked": f["unblocked"], "residual": residual,
            "converged": np.isfinite(residual) & (residual <= STEADY_TOLERANCE),
        }

    @staticmethod
    def read(group) -> dict[str, np.ndarray]:
        """Outputs of the current state of ``group`` (see :meth:`run`)."""

        def arr(name):
            return np.asarray(getattr(group, name + "_")[:], dtype=float)

        j_k = arr("I_ROMK") / FARADAY_C_PER_MOL
        j_na = -arr("I_ENaC") / FARADAY_C_PER_MOL
        j_pump = arr("J_pump")
        j_kir = arr("I_Kir45") / FARADAY_C_PER_MOL
        j_na_b = -arr("I_Na_b") / FARADAY_C_PER_MOL
        i_ap, i_bl, i_para = arr("I_apical"), arr("I_basolateral"), arr("I_para")
        tiny = 1e-30
        residual = np.max([
            np.abs(j_na + j_na_b - 3 * j_pump) / (np.abs(j_na) + np.abs(j_na_b) + 3 * j_pump + tiny),
            np.abs(2 * j_pump - j_k - j_kir) / (2 * j_pump + np.abs(j_k) + np.abs(j_kir) + tiny),
            np.abs(i_ap + i_bl) / (np.abs(arr("I_ENaC")) + np.abs(arr("I_ROMK")) + np.abs(arr("I_pump"))
                                   + np.abs(arr("I_Kir45")) + np.abs(arr("I_Cl_b"))
                                   + np.abs(arr("I_Na_b")) + tiny),
            np.abs(i_ap - i_para) / (np.abs(i_ap) + np.abs(i_para) + tiny),
        ], axis=0)
        return {
            "j_k_pmol_min_mm": j_k * PMOL_MIN,
            "j_na_pmol_min_mm": j_na * PMOL_MIN,
            "j_pump_pmol_min_mm": j_pump * PMOL_MIN,
            "j_na_basolateral_pmol_min_mm": j_na_b * PMOL_MIN,
            "v_apical_mV": arr("V_a") * 1e3,
            "v_basolateral_mV": arr("V_b") * 1e3,
            "v_te_mV": arr("V_te") * 1e3,
            "na_c_mM": arr("Na_c"),
            "k_c_mM": arr("K_c"),
            "cl_c_mM": arr("Cl_c"),
            "unblocked": arr("f_ROMK"),
            "residual": residual,
            "dk_c_dt_mM_s": arr("dK_c_dt"),
            "dna_c_dt_mM_s": arr("dNa_c_dt"),
        }
