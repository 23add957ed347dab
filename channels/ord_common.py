"""Shared parts of the O'Hara-Rudy (ORd) human ventricular currents.

The ORd currents (:mod:`channels.ord_sodium`, :mod:`channels.ord_potassium`,
:mod:`channels.ord_calcium`, :mod:`channels.ord_transport`) are published as
densities per membrane capacitance (uA/uF, i.e. A/F). hypomag's channels give
currents in amperes, so each published density is multiplied by the
capacitance of the ORd cell,

.. math::

    C_m = A_{cap} \\cdot 1\\,\\mu F/cm^2, \\quad A_{cap} = 2 A_{geo}, \\quad
    A_{geo} = 2\\pi r^2 + 2\\pi r L

with :math:`r` = 11 um and :math:`L` = 100 um (ORd supplement, "Cell
geometry"; the authors use :math:`\\pi` = 3.14), so :math:`C_m` = 153.4 pF and
a maximal conductance of 1 mS/uF is 153.4 nS in this cell. The currents
depend only on densities: a model whose membrane has another capacitance
scales every conductance with it.

Environment: every ORd current reads the membrane potential ``v``, the
temperature ``T`` and the ion concentrations it depends on (``Na_i``, ``K_i``,
``Ca_i`` of the myoplasm; ``Na_ss``, ``K_ss``, ``Ca_ss`` of the junctional
subspace; ``Na_o``, ``K_o``, ``Ca_o``), and those phosphorylated by CaMKII
read ``phi_CaMK``, the fraction of targets CaMK has phosphorylated. The cell
(:mod:`models.myocyte`) owns all of them as states or subexpressions; the
channels never declare them.

Rate functions are written in the published form with :math:`u = V/\\mathrm{mV}`
and time constants in ms, declared ``(constant over dt)`` (see
:mod:`channels.gating`).

References
----------
O'Hara T, Virag L, Varro A, Rudy Y (2011) Simulation of the undiseased human
cardiac ventricular action potential: model formulation and experimental
validation. PLoS Comput Biol 7:e1002061 (Supplementary Text S1, "Supp").
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar, Mapping

import numpy as np
from brian2 import amp, farad, kelvin, mM, mV, pF, siemens

from .base import Channel, as_array
from .constants import (FARADAY_C_PER_MOL, FARADAY_TEXT, F_OVER_R, F_OVER_R_TEXT, nernst_mV,
                        nernst_text)

#: The citation every ORd current carries.
ORD = "O'Hara, Virag, Varro & Rudy 2011 PLoS Comput Biol 7:e1002061, Supp"

#: Membrane capacitance of the ORd cell (Supp "Cell geometry": Acap = 2 Ageo, 1 uF/cm2).
ORD_RADIUS_CM, ORD_LENGTH_CM = 0.0011, 0.01
ORD_AGEO_CM2 = 2 * 3.14 * ORD_RADIUS_CM ** 2 + 2 * 3.14 * ORD_RADIUS_CM * ORD_LENGTH_CM
ORD_CAPACITANCE = 2 * ORD_AGEO_CM2 * 1e-6 * farad
#: Its value in pF, for parameter texts.
ORD_CAPACITANCE_PF = float(ORD_CAPACITANCE / pF)

#: Allowed range of an ORd maximal conductance of the whole cell (nS).
ORD_CONDUCTANCE_NS = dict(
    minimum=0.0, maximum=1e6,
    bounds_reason="0 (absent or fully blocked) to 1 mS, 6.5 S/F in the 153.4 pF ORd cell: "
                  "over 80 times ORd's largest density (fast Na, 75 mS/uF)")
#: Allowed range of an ORd current scale of the whole cell (nA), pumps and exchangers.
ORD_CURRENT_NA = dict(
    minimum=0.0, maximum=1e4,
    bounds_reason="0 (absent or fully inhibited) to 10 uA, 65 A/F in the ORd cell: more "
                  "than twice ORd's largest transporter scale (Na/K pump, 30 A/F)")


def ord_conductance(density_mS_per_uF: float):
    """Whole-cell conductance (a quantity) of a published ORd density (mS/uF) in the ORd cell."""
    return density_mS_per_uF * 1e-3 * siemens / (1e-6 * farad) * ORD_CAPACITANCE


def ord_current(density_A_per_F: float):
    """Whole-cell current (a quantity) of a published ORd density (uA/uF = A/F) in the ORd cell."""
    return density_A_per_F * amp / farad * ORD_CAPACITANCE


#: Capacitive membrane area of the ORd cell (cm2): a density in uA/cm2 equals one in uA/uF.
ORD_AREA_CM2 = 2 * ORD_AGEO_CM2
#: The same area as Brian2 equation text.
ORD_AREA_TEXT = f"({ORD_AREA_CM2 * 1e-4!r} * metre**2)"


def ghk_text(permeability: str, z: int, c_in: str, c_out: str, gamma_out: float = 1.0,
             gamma_in: float = 1.0) -> str:
    r"""Brian2 expression (amp) of ORd's GHK current of the whole cell,

    .. math::

        I = A_{cap}\, P\, z F \frac{\gamma_i c_i e^{x} - \gamma_o c_o}{\mathrm{exprel}(x)},
        \qquad x = \frac{z F V}{R T}

    (Supp Eqs. of ICaL, ICab, INab: :math:`P \Phi` with
    :math:`\Phi = z^2 V F^2/(RT)\,(\gamma_i c_i e^x - \gamma_o c_o)/(e^x - 1)`;
    ``exprel`` removes the singularity at V = 0). ``permeability`` is in cm/s.
    """
    x = f"({z} * v * {F_OVER_R_TEXT} / T)"
    return (f"{ORD_AREA_TEXT} * {permeability} * {z} * {FARADAY_TEXT} * "
            f"({gamma_in!r} * {c_in} * exp({x}) - {gamma_out!r} * {c_out}) / exprel({x})")


def ghk_current(p_cm_s, z: int, v_mV, T_K, c_in_mM, c_out_mM, gamma_out: float = 1.0,
                gamma_in: float = 1.0):
    """The numpy twin of :func:`ghk_text`: the whole-cell GHK current (amp, a quantity)."""
    x = z * np.asarray(v_mV, float) * 1e-3 * F_OVER_R / np.asarray(T_K, float)
    small = np.abs(x) < 1e-9
    safe = np.where(small, 1.0, x)
    inverse_exprel = np.where(small, 1.0 - 0.5 * x, safe / np.expm1(safe))
    flux = (gamma_in * np.asarray(c_in_mM, float) * np.exp(x)
            - gamma_out * np.asarray(c_out_mM, float)) * inverse_exprel  # mM = mol/m3
    area_m2 = ORD_AREA_CM2 * 1e-4
    return area_m2 * np.asarray(p_cm_s, float) * 1e-2 * z * FARADAY_C_PER_MOL * flux * amp


# -- one mechanism for ORd's gated currents: formulas written once, for Brian2 and numpy --------

@dataclass(frozen=True)
class Gate:
    """An ORd gate :math:`dx/dt = (x_\\infty - x)/\\tau`: steady state and time constant (ms)
    as expressions of the dimensionless symbols of its channel (``u`` = V/mV, ...)."""

    name: str
    steady: str
    tau_ms: str


def _substitute(expression: str, names: Mapping[str, str]) -> str:
    """``expression`` with every whole-word identifier in ``names`` replaced."""
    if not names:
        return expression
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, sorted(names, key=len,
                                                                     reverse=True))) + r")\b")
    return pattern.sub(lambda m: names[m.group(1)], expression)


#: Functions the formulas may call (the same names in Brian2 and numpy).
_NUMPY_FUNCTIONS = {"exp": np.exp, "sqrt": np.sqrt, "log": np.log}


class GatedORdCurrent(Channel):
    """Base of ORd's ohmic gated currents: :math:`I = g\\, o(\\text{gates}, \\text{env})\\,(V - E)`.

    A subclass declares, as class attributes,

    * ``symbols``: dimensionless symbol -> (environment variable, unit): ``{"u": ("v", "mV")}``;
    * ``gates``: :class:`Gate` tuple;
    * ``derived``: ``(name, expression)`` pairs, in order (combinations of gates, factors);
    * ``parameter_symbols``: dimensionless symbol -> (parameter, unit) for a parameter with a
      unit that the formulas use as a number: ``{"km": ("KmCaAct_NCXi", "mM")}``;
    * ``opening``: the expression of :math:`o` (gates, derived, symbols, dimensionless
      parameters by name);
    * ``conductance``: the name of its maximal-conductance parameter (nS);
    * ``reversal_ion``: ``"K"`` or ``"Na"`` (Nernst), or ``"Ks"`` (ORd's K/Na
      permeability-weighted reversal of IKs, :data:`PKNA`).

    The Brian2 equations and the numpy twin are generated from these, so each formula is
    written once: states ``<gate>_<name>``, rates ``<gate>_inf_<name>``, ``tau_<gate>_<name>``
    ``(constant over dt)``, subexpressions ``<derived>_<name>``, ``E_<name>``, ``I_<name>``.
    """

    symbols: ClassVar[dict[str, tuple[str, str]]] = {"u": ("v", "mV")}
    parameter_symbols: ClassVar[dict[str, tuple[str, str]]] = {}
    gates: ClassVar[tuple[Gate, ...]] = ()
    derived: ClassVar[tuple[tuple[str, str], ...]] = ()
    opening: ClassVar[str] = "1"
    conductance: ClassVar[str] = ""
    reversal_ion: ClassVar[str] = "K"

    # -- Brian2 -----------------------------------------------------------------------------
    def _brian_names(self) -> dict[str, str]:
        n = self.name
        names = {s: f"({var} / {unit})" for s, (var, unit) in
                 {**self.symbols, **self.parameter_symbols}.items()}
        names.update({g.name: f"{g.name}_{n}" for g in self.gates})
        names.update({d: f"{d}_{n}" for d, _ in self.derived})
        return names

    def _depends_on_gates(self, expression: str) -> bool:
        own = {g.name for g in self.gates} | {d for d, _ in self.derived}
        return bool(set(re.findall(r"\b\w+\b", expression)) & own)

    def equation_text(self) -> str:
        n, names = self.name, self._brian_names()
        lines = []
        for gate in self.gates:
            x = gate.name
            lines += [f"{x}_inf_{n} = {_substitute(gate.steady, names)} : 1 (constant over dt)",
                      f"tau_{x}_{n} = ({_substitute(gate.tau_ms, names)}) * ms : second "
                      "(constant over dt)",
                      f"d{x}_{n}/dt = ({x}_inf_{n} - {x}_{n}) / tau_{x}_{n} : 1"]
        for name, expression in self.derived:
            flag = "" if self._depends_on_gates(expression) else " (constant over dt)"
            lines.append(f"{name}_{n} = {_substitute(expression, names)} : 1{flag}")
        return "\n".join(lines + self.current_lines())

    def current_lines(self) -> list[str]:
        """The equations of the current: ohmic, ``I = g o (V - E)``."""
        n = self.name
        return [f"E_{n} = {self._reversal_text()} : volt (constant over dt)",
                f"I_{n} = {self.conductance} * ({_substitute(self.opening, self._brian_names())}) "
                f"* (v - E_{n}) : amp"]

    def _reversal_text(self) -> str:
        if self.reversal_ion == "Ks":
            return nernst_text(f"(K_o + {PKNA!r} * Na_o)", f"(K_i + {PKNA!r} * Na_i)")
        ion = self.reversal_ion
        return nernst_text(f"{ion}_o", f"{ion}_i")

    # -- numpy ------------------------------------------------------------------------------
    def _namespace(self, env) -> dict[str, object]:
        space = dict(_NUMPY_FUNCTIONS)
        for symbol, (var, unit) in self.symbols.items():
            space[symbol] = as_array(env[var], _UNITS[unit])
        for p in self.active_parameters():
            if p.dimensionless:
                space[p.name] = np.asarray(float(self.values[p.name]))
        for symbol, (parameter, unit) in self.parameter_symbols.items():
            space[symbol] = np.asarray(float(self.values[parameter] / _UNITS[unit]))
        return space

    def steady_gates(self, env) -> dict[str, np.ndarray]:
        """Every gate's steady state in ``env`` (by gate name, unsuffixed), in order: a gate's
        steady state may depend on an earlier gate (ICaL's nca on jca)."""
        space, out = self._namespace(env), {}
        for g in self.gates:
            out[g.name] = space[g.name] = np.asarray(eval(g.steady, space), float)
        return out

    def steady_factors(self, env) -> dict[str, object]:
        """Symbols, gates and derived factors at steady state in ``env`` (unsuffixed names)."""
        space = {**self._namespace(env), **self.steady_gates(env)}
        for name, expression in self.derived:
            space[name] = eval(expression, space)
        return space

    def steady_opening(self, env) -> np.ndarray:
        """The steady-state value of :attr:`opening` in ``env``."""
        return np.asarray(eval(self.opening, self.steady_factors(env)), float)

    def initial_states(self, env):
        return {f"{x}_{self.name}": value for x, value in self.steady_gates(env).items()}

    def reversal(self, **env):
        if self.reversal_ion == "Ks":
            c_out = as_array(env["K_o"], mM) + PKNA * as_array(env["Na_o"], mM)
            c_in = as_array(env["K_i"], mM) + PKNA * as_array(env["Na_i"], mM)
        else:
            ion = self.reversal_ion
            c_out, c_in = as_array(env[f"{ion}_o"], mM), as_array(env[f"{ion}_i"], mM)
        return nernst_mV(c_out, c_in, as_array(env["T"], kelvin)) * mV

    def current(self, **env):
        v = as_array(env["v"], mV) * mV
        return self.values[self.conductance] * self.steady_opening(env) * (v - self.reversal(**env))


#: ORd's Na+/K+ permeability ratio of IKs (Supp, "IKs": PKNa = 0.01833).
PKNA = 0.01833
_UNITS = {"mV": mV, "mM": mM, "kelvin": kelvin, "1": 1}


def bisect_reversal(current, env, low_mV: float = -400.0, high_mV: float = 400.0,
                    tolerance_mV: float = 1e-13):
    """The potential (a quantity) where ``current(**env, v=V)`` changes sign, per element, by
    bisection between ``low_mV`` and ``high_mV``; ValueError where it does not change sign.

    For mixed (GHK) currents and transporters, whose zero is not one ion's Nernst potential.
    """
    shape = np.broadcast(*[np.asarray(x) for x in env.values()]).shape
    low, high = np.full(shape, low_mV), np.full(shape, high_mV)

    def sign(v_mV):
        return np.sign(np.asarray(current(**{**env, "v": v_mV * mV}) / amp, float))
    s_low, s_high = sign(low), sign(high)
    if np.any(s_low * s_high > 0):
        raise ValueError(f"no reversal between {low_mV:g} and {high_mV:g} mV")
    for _ in range(200):  # to the tolerance, or to the resolution of doubles
        if np.max(high - low) <= tolerance_mV:
            break
        mid = 0.5 * (low + high)
        s_mid = sign(mid)
        below = s_mid == s_low
        low, high = np.where(below, mid, low), np.where(below, high, mid)
    return 0.5 * (low + high) * mV


class ORdTransporterCurrent(GatedORdCurrent):
    """Base of ORd's electrogenic transporters (exchanger, pump): :math:`I = I_{max}\\, o`.

    As :class:`GatedORdCurrent`, with ``opening`` the dimensionless cycle current
    (``derived`` holds the algebra of the cycle, written once for Brian2 and numpy) and
    ``conductance`` naming the current scale (nA). The reversal potential, where the cycle
    stops, is found numerically (:func:`bisect_reversal` over :attr:`reversal_bracket_mV`).
    """

    reversal_bracket_mV: ClassVar[tuple[float, float]] = (-400.0, 400.0)

    def current_lines(self) -> list[str]:
        opening = _substitute(self.opening, self._brian_names())
        return [f"I_{self.name} = {self.conductance} * ({opening}) : amp"]

    def current(self, **env):
        return self.values[self.conductance] * self.steady_opening(env)

    def reversal(self, **env):
        return bisect_reversal(self.current, env, *self.reversal_bracket_mV)
