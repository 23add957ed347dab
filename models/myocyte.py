r"""The O'Hara-Rudy (ORd) human ventricular myocyte: ORd's currents, Ca handling and CaMKII.

The cell composes the ORd channels of :mod:`channels` (``NaF``, ``NaL``, ``to``,
``CaL``, ``Kr``, ``Ks``, ``K1``, ``NCXi``, ``NCXss``, ``NaK``, ``Nab``, ``Cab``,
``Kb``, ``pCa``) with what ORd keeps in the cell (Supp sections "CaMK",
"Jrel", "Jup", "Jdiff", "Jtr", "Concentrations and buffers"):

.. math::

    C_m \frac{dV}{dt} &= -(I_{ion} + I_{stim}), \qquad
    I_{stim} = -A_{stim}\ \text{for}\ (t \bmod BCL) < t_{stim} \\
    CaMK_b &= \frac{CaMK_0 (1 - CaMK_t)}{1 + K_{m,CaM}/[Ca]_{ss}}, \quad
    \frac{dCaMK_t}{dt} = \alpha_{CaMK} CaMK_b (CaMK_b + CaMK_t) - \beta_{CaMK} CaMK_t, \quad
    \phi = \frac{1}{1 + K_{m,CaMK}/(CaMK_b + CaMK_t)} \\
    J_{rel,\infty} &= s_{rel}\, \alpha_{rel} \frac{-I_{Ca,CaL}/C_m}{1 + (1.5\,mM/[Ca]_{jsr})^8},
    \quad \tau_{rel} = \max\left(\frac{\beta_\tau}{1 + 0.0123\,mM/[Ca]_{jsr}},
    0.005\,ms\right), \quad \frac{dJ_{rel}}{dt} = \frac{J_{rel,\infty} - J_{rel}}{\tau_{rel}} \\
    J_{up} &= s_{up} \left[(1 - \phi) \frac{0.004375\,[Ca]_i}{[Ca]_i + 0.00092}
        + \phi \frac{2.75 \cdot 0.004375\,[Ca]_i}{[Ca]_i + 0.00075}\right]
        - 0.0039375 \frac{[Ca]_{nsr}}{15} \\
    \frac{d[Na]_i}{dt} &= -\frac{I_{NaF} + I_{NaL} + 3 I_{NCXi} + 3 I_{NaK} + I_{Nab}}
        {F v_{myo}} + J_{diff,Na} \frac{v_{ss}}{v_{myo}}, \quad \text{and so on}

(the CaMK-phosphorylated release and the other balances as in the supplement,
written out in :data:`CELL_EQUATIONS`). The stimulus is carried by K+ (it enters
the K_i balance, as in the authors' code), so the concentrations stay
consistent over thousands of beats. Currents are whole-cell (amp) in the ORd
cell's capacitance :data:`~channels.ord_common.ORD_CAPACITANCE` (153.4 pF).

Cell types: ``endo``, ``epi`` and ``mid`` (M cell) differ by the scalings of
ORd's Supp Tables (:data:`CELL_TYPE_SCALES`, collected from the channel modules
and this module's own). The type is per cell, like ``K_o``, ``Ca_o``, ``Na_o``,
``T``, the I_Kr block ``block_Kr``, the cycle length ``bcl`` and the stimulus
duration: a sweep over any of them is one group.

Integration: ``method="rush_larsen"`` (:mod:`models.rush_larsen`): exponential
steps for the gates and the release, forward Euler for V, the concentrations
and CaMK.

References
----------
O'Hara T, Virag L, Varro A, Rudy Y (2011) Simulation of the undiseased human
cardiac ventricular action potential: model formulation and experimental
validation. PLoS Comput Biol 7:e1002061 (Supplementary Text S1, "Supp").
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
from brian2 import Equations, NeuronGroup, Quantity, amp, farad, kelvin, metre, mM, ms, mV

import models.rush_larsen  # noqa: F401  (registers method="rush_larsen")
from channels import ord_calcium, ord_potassium, ord_sodium, ord_transport
from channels.base import Channel, Parameter, unit_string
from channels.constants import FARADAY
from channels.ord_calcium import Cab, CaL, PCa
from channels.ord_common import ORD, ORD_CAPACITANCE, ORD_LENGTH_CM, ORD_RADIUS_CM
from channels.ord_potassium import (BackgroundK, InwardRectifierK, RapidDelayedRectifierK,
                                    SlowDelayedRectifierK, TransientOutwardK)
from channels.ord_sodium import NaF, Nab, NaL
from channels.ord_transport import NCXi, NCXss, NaK
from models.environment import channel_equations, environment_equations

#: The cell types of ORd.
CELL_TYPES = ("endo", "epi", "mid")

#: The channels of the cell, in ORd's order of I_ion.
CHANNEL_CLASSES = (NaF, NaL, TransientOutwardK, CaL, RapidDelayedRectifierK,
                   SlowDelayedRectifierK, InwardRectifierK, NCXi, NCXss, NaK, Nab, Cab,
                   BackgroundK, PCa)

#: Cell volume (m3) and its compartments (Supp "Cell geometry"; the authors use pi = 3.14).
V_CELL = 3.14 * ORD_RADIUS_CM ** 2 * ORD_LENGTH_CM * 1e-6 * metre ** 3
VOLUME_FRACTIONS = {"vmyo": 0.68, "vnsr": 0.0552, "vjsr": 0.0048, "vss": 0.02}

#: The cell's own per-cell parameters; their cell-type factors are in CELL_TYPE_SCALES.
MODEL_PARAMETERS = (
    Parameter("cmdn_max", 0.05 * mM, mM, "calmodulin buffer of the myoplasm (endo)",
              f"{ORD}, buffers: cmdnmax = 0.05 mM (x1.3 epi)", minimum=0.0, maximum=10.0,
              bounds_reason="0 (no buffer) to 10 mM, 200 times ORd's value"),
    Parameter("up_scale", 1.0, 1, "scale of SERCA uptake (1 in endo)",
              f"{ORD}, Jup: x1.3 epi", minimum=0.0, maximum=100.0,
              bounds_reason="0 (no uptake) to 100 times ORd's"),
    Parameter("rel_scale", 1.0, 1, "scale of RyR release (1 in endo)",
              f"{ORD}, Jrel: x1.7 mid", minimum=0.0, maximum=100.0,
              bounds_reason="0 (no release) to 100 times ORd's"),
    Parameter("bcl", 1000 * ms, ms, "basic cycle length of pacing", "the protocol",
              minimum=100.0, maximum=1e5,
              bounds_reason="100 ms (600 beats/min, beyond any ventricular rhythm) to 100 s"),
    Parameter("stim_duration", 0.5 * ms, ms, "duration of each stimulus pulse",
              "ORd authors' code: 0.5 ms at -80 A/F", minimum=0.0, maximum=50.0,
              bounds_reason="0 (unpaced) to 50 ms, far longer than any pacing pulse"),
)
MODEL_VALUES = {p.name: p.value for p in MODEL_PARAMETERS}

#: Cell-type factors (relative to endo) of every parameter that has one (Supp Tables).
CELL_TYPE_SCALES: dict[str, dict[str, float]] = {
    **ord_sodium.CELL_TYPE_SCALES, **ord_potassium.CELL_TYPE_SCALES,
    **ord_calcium.CELL_TYPE_SCALES, **ord_transport.CELL_TYPE_SCALES,
    "cmdn_max": {"epi": 1.3}, "up_scale": {"epi": 1.3}, "rel_scale": {"mid": 1.7}}
#: Cell-type values of the parameters that are switches, not scales.
CELL_TYPE_VALUES: dict[str, dict[str, float]] = dict(ord_potassium.CELL_TYPE_VALUES)

#: ORd's constants of Ca handling and CaMK (Supp; shared by all cells).
CONSTANTS = {
    "A_stim": 80 * amp / farad * ORD_CAPACITANCE,  # stimulus, authors' code: -80 A/F
    "Cm": ORD_CAPACITANCE, "F": FARADAY,
    **{name: fraction * V_CELL for name, fraction in VOLUME_FRACTIONS.items()},
    "aCaMK": 0.05 / ms, "bCaMK": 0.00068 / ms, "CaMKo": 0.05, "KmCaM": 0.0015 * mM,
    "KmCaMK": 0.15,
    "bt": 4.75 * ms, "KmJSR": 1.5 * mM, "Kt_rel": 0.0123 * mM, "tau_rel_min": 0.005 * ms,
    "a_rel": 0.5 * 4.75 * mM / ms / (amp / farad),  # Jrel_inf = a_rel (-ICaL density) ...
    "Jup_max": 0.004375 * mM / ms, "Km_up": 0.00092 * mM, "dKm_upp": 0.00017 * mM,
    "Jleak_max": 0.0039375 * mM / ms, "Ca_nsr_max": 15 * mM,
    "tau_diff_Na": 2 * ms, "tau_diff_K": 2 * ms, "tau_diff_Ca": 0.2 * ms, "tau_tr": 100 * ms,
    "kmcmdn": 0.00238 * mM, "trpnmax": 0.07 * mM, "kmtrpn": 0.0005 * mM,
    "BSRmax": 0.047 * mM, "KmBSR": 0.00087 * mM, "BSLmax": 1.124 * mM, "KmBSL": 0.0087 * mM,
    "csqnmax": 10 * mM, "kmcsqn": 0.8 * mM,
}

#: The cell's own equations (Supp; currents in amp, concentrations in mM).
CELL_EQUATIONS = """
dv/dt = -(I_ion + I_stim) / Cm : volt
I_stim = -A_stim * int(t - bcl * floor(t / bcl) < stim_duration) : amp (constant over dt)
CaMKb = CaMKo * (1 - CaMKt) / (1 + KmCaM / Ca_ss) : 1
phi_CaMK = 1 / (1 + KmCaMK / (CaMKb + CaMKt)) : 1
dCaMKt/dt = aCaMK * CaMKb * (CaMKb + CaMKt) - bCaMK * CaMKt : 1
Jrel_inf = rel_scale * a_rel * (-I_Ca_CaL / Cm) / (1 + (KmJSR / Ca_jsr)**8) : mmolar / second
tau_rel_raw = bt / (1 + Kt_rel / Ca_jsr) : second
dJrelnp/dt = (Jrel_inf - Jrelnp) / clip(tau_rel_raw, tau_rel_min, 1 * second) : mmolar / second
dJrelp/dt = (1.25 * Jrel_inf - Jrelp) / clip(1.25 * tau_rel_raw, tau_rel_min, 1 * second) : mmolar / second
Jrel = (1 - phi_CaMK) * Jrelnp + phi_CaMK * Jrelp : mmolar / second
Jup = up_scale * ((1 - phi_CaMK) * Jup_max * Ca_i / (Ca_i + Km_up) + phi_CaMK * 2.75 * Jup_max * Ca_i / (Ca_i + Km_up - dKm_upp)) - Jleak_max * Ca_nsr / Ca_nsr_max : mmolar / second
dNa_i/dt = -(I_NaF + I_NaL + 3 * I_NCXi + 3 * I_NaK + I_Nab) / (F * vmyo) + (Na_ss - Na_i) / tau_diff_Na * vss / vmyo : mmolar
dNa_ss/dt = -(I_Na_CaL + 3 * I_NCXss) / (F * vss) - (Na_ss - Na_i) / tau_diff_Na : mmolar
dK_i/dt = -(I_to + I_Kr + I_Ks + I_K1 + I_Kb + I_stim - 2 * I_NaK) / (F * vmyo) + (K_ss - K_i) / tau_diff_K * vss / vmyo : mmolar
dK_ss/dt = -I_K_CaL / (F * vss) - (K_ss - K_i) / tau_diff_K : mmolar
B_cai = 1 / (1 + cmdn_max * kmcmdn / (kmcmdn + Ca_i)**2 + trpnmax * kmtrpn / (kmtrpn + Ca_i)**2) : 1
dCa_i/dt = B_cai * (-(I_pCa + I_Cab - 2 * I_NCXi) / (2 * F * vmyo) - Jup * vnsr / vmyo + (Ca_ss - Ca_i) / tau_diff_Ca * vss / vmyo) : mmolar
B_cass = 1 / (1 + BSRmax * KmBSR / (KmBSR + Ca_ss)**2 + BSLmax * KmBSL / (KmBSL + Ca_ss)**2) : 1
dCa_ss/dt = B_cass * (-(I_Ca_CaL - 2 * I_NCXss) / (2 * F * vss) + Jrel * vjsr / vss - (Ca_ss - Ca_i) / tau_diff_Ca) : mmolar
dCa_nsr/dt = Jup - (Ca_nsr - Ca_jsr) / tau_tr * vjsr / vnsr : mmolar
B_cajsr = 1 / (1 + csqnmax * kmcsqn / (kmcsqn + Ca_jsr)**2) : 1
dCa_jsr/dt = B_cajsr * ((Ca_nsr - Ca_jsr) / tau_tr - Jrel) : mmolar
"""

#: Variables the cell owns (states and subexpressions) that channels read as environment.
OWNED = ("v", "Na_i", "Na_ss", "K_i", "K_ss", "Ca_i", "Ca_ss", "phi_CaMK")
#: The per-cell environment a caller sets (defaults: ORd's, Supp "Extracellular").
ENVIRONMENT_DEFAULTS = {"K_o": 5.4 * mM, "Na_o": 140 * mM, "Ca_o": 1.8 * mM, "T": 310 * kelvin}

#: The pre-paced limit cycles (1000 beats, 1 Hz, K_o 5.4 mM; see
#: experiments/validation/myokit_peer/runner.py:write_prepaced_states).
PREPACED_FILE = Path(__file__).with_name("ord_prepaced.json")
#: ORd component -> channel suffix of the gates in the pre-paced state vector.
_GATE_OWNERS = {"ina": "NaF", "inal": "NaL", "ito": "to", "ical": "CaL", "ikr": "Kr",
                "iks": "Ks", "ik1": "K1"}
#: Cell variables of the state vector, with their unit.
_CELL_STATES = {"membrane.V": ("v", mV), "intra.nai": ("Na_i", mM), "intra.nass": ("Na_ss", mM),
                "intra.ki": ("K_i", mM), "intra.kss": ("K_ss", mM), "intra.cai": ("Ca_i", mM),
                "intra.cass": ("Ca_ss", mM), "intra.cansr": ("Ca_nsr", mM),
                "intra.cajsr": ("Ca_jsr", mM), "ryr.Jrelnp": ("Jrelnp", mM / ms),
                "ryr.Jrelp": ("Jrelp", mM / ms), "camk.CaMKt": ("CaMKt", 1)}


def state_variable(qualified_name: str) -> tuple[str, object]:
    """The Brian2 variable and unit of one ORd state named ``component.name``."""
    if qualified_name in _CELL_STATES:
        return _CELL_STATES[qualified_name]
    component, local = qualified_name.split(".")
    local = {"xk1": "xK1"}.get(local, local)
    return f"{local}_{_GATE_OWNERS[component]}", 1


def prepaced_states(path: Path = PREPACED_FILE) -> dict[str, dict[str, Quantity | float]]:
    """The stored limit cycle of each cell type: variable -> value (with unit)."""
    content = json.loads(Path(path).read_text())
    out = {}
    for cell_type, values in content["states"].items():
        out[cell_type] = {}
        for qualified, value in zip(content["state_names"], values):
            name, unit = state_variable(qualified)
            out[cell_type][name] = value * unit
    return out


class ORdMyocyte:
    """ORd human ventricular myocyte, as a Brian2 group of independent cells.

    Parameters
    ----------
    **overrides
        Values of channel parameters (``g_Kr``, ``MgATP_NaK``) or of
        :data:`MODEL_PARAMETERS` for every cell (endocardial base values;
        the cell types' factors apply on top), Brian2 quantities.

    Notes
    -----
    Every channel and model parameter is a per-cell constant, so a sweep over
    cell type, K_o, I_Kr block or any conductance is one group.
    """

    reference = ORD
    method = "rush_larsen"

    def __init__(self, **overrides):
        known = {p.name for cls in CHANNEL_CLASSES for p in cls.parameters}
        unknown = set(overrides) - known - set(MODEL_VALUES)
        if unknown:
            raise ValueError(f"ORdMyocyte: unknown parameter {sorted(unknown)[0]!r}; known: "
                             f"{', '.join(sorted(known | set(MODEL_VALUES)))}")
        self.channels: list[Channel] = [
            cls(**{p.name: overrides[p.name] for p in cls.parameters if p.name in overrides})
            for cls in CHANNEL_CLASSES]
        self.model_values = {**MODEL_VALUES,
                             **{k: v for k, v in overrides.items() if k in MODEL_VALUES}}

    # -- equations -----------------------------------------------------------------------
    def equations(self) -> Equations:
        """Channels, cell and per-cell parameters and environment."""
        currents = " + ".join(c.current_name for c in self.channels)
        model = "\n".join(f"{p.name} : {unit_string(p.value)} (constant)"
                          for p in MODEL_PARAMETERS)
        return (channel_equations(self.channels)
                + environment_equations(self.channels, owned=OWNED)
                + Equations(CELL_EQUATIONS + f"\nI_ion = {currents} : amp\n" + model))

    def build_group(self, n: int, dt: Quantity = 0.01 * ms, **group_options) -> NeuronGroup:
        """A group of ``n`` cells (parameters unset: call :meth:`initialize`)."""
        return NeuronGroup(n, self.equations(), method=self.method, dt=dt,
                           namespace=dict(CONSTANTS), **group_options)

    # -- values ---------------------------------------------------------------------------
    def values(self, cell_types: Sequence[str]) -> dict[str, object]:
        """Every per-cell parameter, one value per cell of ``cell_types``."""
        unknown = sorted(set(cell_types) - set(CELL_TYPES))
        if unknown:
            raise ValueError(f"cell_type {unknown[0]!r} is not allowed: one of "
                             f"{', '.join(CELL_TYPES)}")
        base = dict(self.model_values)
        for channel in self.channels:
            base.update(channel.values)
        out = {}
        for name, value in base.items():
            scales = CELL_TYPE_SCALES.get(name, {})
            switched = CELL_TYPE_VALUES.get(name, {})
            out[name] = [switched.get(t, value) if name in CELL_TYPE_VALUES
                         else value * scales.get(t, 1.0) for t in cell_types]
        return out

    def initialize(self, group, cell_types: Sequence[str], state: str | Mapping = "prepaced",
                   **environment) -> None:
        """Parameters by cell type, the environment, and an initial state in ``group``.

        ``state`` is ``"prepaced"`` (each cell type's stored limit cycle at 1 Hz and K_o
        5.4 mM) or a mapping variable -> value(s). ``environment`` overrides
        :data:`ENVIRONMENT_DEFAULTS` and may set ``block_Kr``, ``bcl``, ... per cell.
        """
        if len(cell_types) != len(group):
            raise ValueError(f"cell_types has {len(cell_types)} entries for {len(group)} cells")
        for name, values in self.values(cell_types).items():
            setattr(group, name, _stack(values))
        for name, value in {**ENVIRONMENT_DEFAULTS, **environment}.items():
            setattr(group, name, value)
        if isinstance(state, str):
            stored = prepaced_states()
            for name in stored["endo"]:
                setattr(group, name, _stack([stored[t][name] for t in cell_types]))
        else:
            for name, value in state.items():
                setattr(group, name, value)


def _stack(values: Sequence) -> object:
    """One array (a quantity if the values have units) of per-cell values."""
    first = values[0]
    if isinstance(first, Quantity):
        return Quantity(np.array([np.asarray(v, float) for v in values]), dim=first.dim)
    return np.asarray(values, float)


__all__ = ["ORdMyocyte", "CELL_TYPES", "CELL_TYPE_SCALES", "prepaced_states"]
