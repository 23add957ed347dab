"""Single-compartment regular-spiking cortical pyramidal neuron with synapses.

Public API (used by ``experiments/excitability.py`` and ``models/network.py``)
-----------------------------------------------------------------------------
``PyramidalNeuron(block="jahr_stevens", gating="dual_exp", **overrides)``
    The model: its :attr:`~PyramidalNeuron.channels` (Leak, NaHH, KHH, M,
    AMPA, NMDA, GABA_A), :meth:`~PyramidalNeuron.equations` (Brian2
    ``Equations``), :meth:`~PyramidalNeuron.build_group` (a ready
    ``NeuronGroup``) and :meth:`~PyramidalNeuron.initialize` (parameters,
    environment, resting state). ``overrides`` are parameter values by name
    (``g_AMPA=0.5*nS``, ``C_m=120*pF``), channel or model parameters alike.
``THRESHOLD``, ``REFRACTORY``
    Spike detection: ``"v > -20*mV"``, refractory while ``v > -20*mV`` (one
    spike per action potential; there is no reset, the HH currents repolarize).
``ON_PRE_EXC``, ``ON_PRE_INH`` / :func:`on_pre`
    ``Synapses`` ``on_pre`` code for an excitatory (AMPA + NMDA, co-released)
    and an inhibitory (GABA_A) input of weight ``w`` (dimensionless: a weight
    of 1 gives one unitary conductance ``g_AMPA``, ``g_NMDA`` or ``g_GABA_A``).
Module functions :func:`neuron_equations`, :func:`channel_list` and
:func:`resting_potential` describe the default cell; groups are built one way
only, :meth:`PyramidalNeuron.build_group`.

Per-neuron variables of a group: ``v`` and the gates (states), ``I_ext``
(injected current, amp, settable at any time), ``Mg_o`` and the synaptic states
``s_AMPA``, ``x_NMDA``, ``s_NMDA``, ``s_GABA_A``. The constant parameters
(``C_m``, ``Ca_o``, ``T``, ``surface_charge`` (0/1 switch, see below), every
channel parameter ``g_NaHH`` ...) are laid out by ``per_neuron``:

* named in ``per_neuron`` (or given per neuron to :meth:`~PyramidalNeuron.build_group`):
  a per-neuron ``(constant)`` variable, so a sweep over it is one group;
* otherwise a *shared* constant in the group's namespace: one value for all
  neurons of the group. :meth:`~PyramidalNeuron.initialize` (or
  :meth:`~PyramidalNeuron.set_value`) sets it to a new value without a
  rebuild; giving it different values for different neurons is refused with
  an error naming it (build the group with it in ``per_neuron``). Why this is
  the default layout: benchmarks/README.md, "Notes on the models' parameter
  layout".

``per_neuron="all"`` makes every parameter per-neuron (the layout of
:meth:`~PyramidalNeuron.equations` by default). Changing ``Mg_o`` or any
parameter value needs no rebuild; changing a structural option (``block``,
``gating``) or the layout does.

Model
-----
.. math::

    C_m \\frac{dV}{dt} = -(I_L + I_{NaHH} + I_{KHH} + I_M + I_{AMPA} + I_{NMDA}
                          + I_{GABA_A}) + I_{ext}

(outward currents positive). Intrinsic currents: the regular-spiking (RS)
pyramidal cell of Pospischil et al. (2008): leak, Traub-Miles Na and
delayed-rectifier K and the slow M current (:mod:`channels.na_hh`,
:mod:`channels.k_hh`, :mod:`channels.m_current`), with the published densities
(S/cm2) converted to absolute conductances over the published single
compartment (L = d = 61.4 um, area 11 844 um2, C_m = 1 uF/cm2 -> 118.4 pF;
:mod:`channels.gating`). Resting potential -71.9 mV (as published), input
resistance 1/g_L = 412 MOhm, membrane time constant C_m/g_L = 48.8 ms,
rheobase 40-60 pA; regular spiking with adaptation.

The voltage-dependent rates (and ``V_surf``) are ``(constant over dt)``
subexpressions: evaluated once per time step from the v at its start, so
Brian2's exponential Euler works on compact expressions. Reading them from a
group gives the values of the last step.

Synapses: AMPA and GABA_A are single exponentials (:mod:`channels.synaptic`);
the NMDA current (:mod:`channels.nmda`) uses the *linear* ``dual_exp`` gating
by default, so the inputs of any number of synapses sum in one postsynaptic
pair (``x_NMDA``, ``s_NMDA``) and one merged presynaptic spike train (or a
weight ``k`` for ``k`` synchronous inputs) is exactly equivalent to many
separate synapses. Each excitatory input opens AMPA and NMDA receptors
together (same weight ``w``). The Mg2+ block (``block``) acts on the summed
NMDA conductance at the somatic potential.

Divalent surface charge (optional, per neuron): with ``surface_charge = 1``
the gating voltage of Na, K and M channels is shifted by

.. math:: V_{surf} = k_{surf} \\log_{10}
          \\frac{[Ca]_o + r_{Mg}[Mg]_o}{[Ca]_{ref} + r_{Mg}[Mg]_{ref}}

(22 mV per decade, r_Mg = 0.7, zero at 2 mM Ca / 1 mM Mg; Hille, Woodhull &
Shapiro 1975; :mod:`channels.gating`): lowering Mg moves activation to more
negative potentials (about -2.9 mV for 1 -> 0 mM Mg at 2 mM Ca). Default 0 (off).
``V_surf`` follows ``Mg_o``, ``Ca_o`` and ``surface_charge`` set at any time
(it is recomputed every step); :meth:`PyramidalNeuron.initialize` puts every
neuron at its own resting state for the values it is given. A group whose
``surface_charge`` is a shared constant equal to 0 (the default layout and
value) has ``V_surf = 0 mV`` as a shared constant instead; switching the
shift on in such a group is refused with an error (build it with ``per_neuron=("surface_charge",)`` or
from ``PyramidalNeuron(surface_charge=1)``).

References
----------
Pospischil M, Toledo-Rodriguez M, Monier C, Piwkowska Z, Bal T, Fregnac Y,
Markram H, Destexhe A (2008) Minimal Hodgkin-Huxley type models for different
classes of cortical and thalamic neurons. Biol Cybern 99:427-441.
Brunel N, Wang XJ (2001) J Comput Neurosci 11:63-85 (synaptic kinetics).
Destexhe A, Rudolph M, Fellous JM, Sejnowski TJ (2001) Fluctuating synaptic
conductances recreate in vivo-like activity in neocortical neurons.
Neuroscience 107:13-24 (E_GABA = -75 mV).
Hille B, Woodhull AM, Shapiro BI (1975) Phil Trans R Soc Lond B 270:301-318.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
from brian2 import Equations, NeuronGroup, Quantity, cm, defaultclock, mM, ms, mV, nS, pF, uF
from brian2.units.fundamentalunits import fail_for_dimension_mismatch

from channels.ampa import AMPA
from channels.base import Channel, Parameter, as_array, unit_string
from channels.citations import BRUNEL_WANG_2001 as BW
from channels.constants import BODY_TEMPERATURE
from channels.gaba_a import GABA_A
from channels.gating import (AREA_NOTE, POSPISCHIL, RS_AREA, SURFACE_EQUATION,
                             SURFACE_PARAMETERS, GatedChannel, density,
                             surface_shift_mV)
from channels.k_hh import KHH
from channels.leak import Leak
from channels.m_current import MCurrent
from channels.na_hh import NaHH
from channels.nmda import NMDA

from . import register
from .environment import channel_equations, environment_equations, total_current

#: Spike detection condition and refractoriness (no reset: HH repolarizes).
THRESHOLD = "v > -20*mV"
REFRACTORY = "v > -20*mV"

#: Brian2 name under which the experiments and the benchmarks build this cell. Names are
#: part of Brian2's generated code, so groups of one name share their compiled code (built
#: once per machine); groups of one name may coexist in different ``Network`` objects.
CELL_NAME = "pyramidal"

DRX = "Destexhe, Rudolph, Fellous & Sejnowski 2001 Neuroscience 107:13"

#: Model-level parameters (besides the channels'): membrane capacitance and
#: the divalent surface-charge screening.
MODEL_PARAMETERS: tuple[Parameter, ...] = (
    Parameter("C_m", 1 * uF / cm ** 2 * RS_AREA, pF, "membrane capacitance (1 uF/cm2 x area)",
              POSPISCHIL + ": cm = 1 uF/cm2 " + AREA_NOTE, uncertain=True,
              minimum=1.0, maximum=1e5,
              bounds_reason="1 pF (1 uF/cm2 on 100 um2, smaller than any neuron) to 100 nF, "
                            "far above the largest neurons (a few nF)"),
    Parameter("surface_charge", 0.0, 1, "divalent surface-charge shift of gating on (1) or off (0)",
              "off by default; Hille, Woodhull & Shapiro 1975 when on", minimum=0.0,
              maximum=1.0, bounds_reason="a switch: 0 off, 1 on (values between scale the shift)"),
) + SURFACE_PARAMETERS

#: Values of the channels in this cell where they differ from the channel defaults.
CELL_VALUES: dict[str, tuple[Any, str, bool]] = {
    "g_L": (density(0.0205), POSPISCHIL + ": gleak = 2.05e-5 S/cm2 " + AREA_NOTE, True),
    "E_L": (-70.3 * mV, POSPISCHIL + ": Eleak = -70.3 mV", False),
    "g_AMPA": (0.5 * nS, "unitary AMPA peak conductance of a cortical synapse, 0.1-1 nS "
               "(" + DRX + "); chosen: unitary EPSP about 0.5 mV at rest", True),
    "tau_AMPA": (2 * ms, BW, False),
    "g_NMDA": (0.25 * nS, "unitary NMDA peak conductance without block; chosen: NMDA:AMPA "
               "peak conductance ratio 0.5", True),
    "g_GABA_A": (1.0 * nS, "unitary GABA_A peak conductance, chosen (" + DRX + " range)", True),
    "E_GABA_A": (-75 * mV, DRX + ": E_i = -75 mV", False),
    "tau_GABA_A": (10 * ms, BW, False),
}

ENVIRONMENT_DEFAULTS = {"Mg_o": 1 * mM, "Ca_o": 2 * mM, "T": BODY_TEMPERATURE}

#: Constant parameters that are per-neuron variables in every layout (the swept environment).
ALWAYS_PER_NEURON = ("Mg_o",)


def on_pre(kind: str, weight: str = "w") -> str:
    """``on_pre`` code of a synapse onto this neuron: ``"exc"`` (AMPA+NMDA) or ``"inh"``."""
    if kind == "exc":
        return f"s_AMPA_post += {weight}\nx_NMDA_post += {weight}"
    if kind == "inh":
        return f"s_GABA_A_post += {weight}"
    raise ValueError(f"synapse kind {kind!r} is not one of exc, inh")


ON_PRE_EXC = on_pre("exc")
ON_PRE_INH = on_pre("inh")


@register
class PyramidalNeuron:
    """Regular-spiking pyramidal cell (Pospischil et al. 2008) with AMPA, NMDA and GABA_A.

    Parameters
    ----------
    block : {"jahr_stevens", "woodhull", "kinetic"}
        Form of the NMDA Mg2+ block.
    gating : {"dual_exp", "brunel_wang"}
        NMDA gating; ``dual_exp`` (default) is linear, so synapses sum in one
        postsynaptic variable.
    **overrides
        Parameter values by name (channel or model parameters), Brian2
        quantities with the parameter's dimensions.

    Notes
    -----
    See the module docstring for equations and the public API.
    """

    reference = POSPISCHIL
    threshold = THRESHOLD
    refractory = REFRACTORY

    def __init__(self, block: str = "jahr_stevens", gating: str = "dual_exp", **overrides):
        if gating == "open":
            raise ValueError("NMDA gating 'open' is for voltage clamp, not a spiking neuron")
        self.block, self.gating = block, gating
        channel_classes = (Leak, NaHH, KHH, MCurrent, AMPA, NMDA, GABA_A)
        known = {p.name for cls in channel_classes for p in cls.parameters}
        known |= {p.name for p in MODEL_PARAMETERS}
        unknown = set(overrides) - known
        if unknown:
            raise ValueError(f"PyramidalNeuron: unknown parameter {sorted(unknown)[0]!r}")
        values = {k: v[0] for k, v in CELL_VALUES.items()}
        values.update(overrides)

        def pick(cls):
            return {p.name: values[p.name] for p in cls.parameters if p.name in values}

        self.channels: list[Channel] = [
            Leak(**pick(Leak)),
            NaHH(shift="V_surf", **pick(NaHH)),
            KHH(shift="V_surf", **pick(KHH)),
            MCurrent(shift="V_surf", **pick(MCurrent)),
            AMPA(**pick(AMPA)),
            NMDA(block=block, gating=gating, **pick(NMDA)),
            GABA_A(**pick(GABA_A)),
        ]
        self.model_values = {p.name: values.get(p.name, p.value) for p in MODEL_PARAMETERS}

    # -- description ---------------------------------------------------------------
    def parameter_rows(self) -> list[dict[str, str]]:
        """Name, value, unit, meaning and source of every parameter of this cell."""
        rows = [p.row(self.model_values[p.name]) for p in MODEL_PARAMETERS]
        for channel in self.channels:
            for p in channel.active_parameters():
                source, uncertain = p.source, p.uncertain
                if p.name in CELL_VALUES:
                    _, source, uncertain = CELL_VALUES[p.name]
                rows.append(p.row(channel.values[p.name], source, uncertain))
        return rows

    def channel(self, name: str) -> Channel:
        """The channel whose variables carry suffix ``name`` (``"NMDA"``)."""
        for c in self.channels:
            if c.name == name:
                return c
        raise KeyError(name)

    # -- Brian2 ------------------------------------------------------------------------
    def equations(self, per_neuron: str | Sequence[str] = "all") -> Equations:
        """Membrane equation, environment, surface shift and all channels.

        Parameters
        ----------
        per_neuron : "all" or sequence of str
            Constant parameters declared as per-neuron variables (``Mg_o``
            always is); the others are left undeclared, to be found in the
            namespace (:meth:`namespace`). ``"all"`` (default) declares every one.
        """
        membrane = "\n".join([
            f"dv/dt = (I_ext - ({total_current(self.channels)})) / C_m : volt",
            "I_ext : amp",
            "C_m : farad (constant)",
            SURFACE_EQUATION,
            "surface_charge : 1 (constant)",
        ] + [f"{p.name} : {unit_string(p.value)} (constant)" for p in SURFACE_PARAMETERS])
        env = environment_equations(self.channels, owned=("v",), extra=("Mg_o", "Ca_o", "T"))
        full = Equations(membrane) + env + channel_equations(self.channels)
        shared = self.shared_names(per_neuron)
        if self.surface_off(per_neuron):
            shared = shared | {"V_surf"}
        if not shared:
            return full
        return Equations([eq for eq in full.values() if eq.varname not in shared])

    def surface_off(self, per_neuron: str | Sequence[str] = ()) -> bool:
        """True if ``surface_charge`` is shared and 0 under ``per_neuron``: then V_surf = 0."""
        return ("surface_charge" in self.shared_names(per_neuron)
                and float(self.model_values["surface_charge"]) == 0.0)

    def default_values(self) -> dict[str, Any]:
        """Default value (Brian2 quantity or float) of every constant parameter of the cell."""
        values = dict(self.model_values)
        values.update(ENVIRONMENT_DEFAULTS)
        for channel in self.channels:
            values.update({p.name: channel.values[p.name] for p in channel.active_parameters()})
        return values

    def shared_names(self, per_neuron: str | Sequence[str] = ()) -> set[str]:
        """The constant parameters that are shared (namespace) constants under ``per_neuron``.

        Raises ``ValueError`` for a name in ``per_neuron`` that is not a
        constant parameter of the cell.
        """
        if per_neuron == "all":
            return set()
        names = self.default_values()
        unknown = [k for k in per_neuron if k not in names]
        if unknown:
            raise ValueError(f"PyramidalNeuron per_neuron: unknown parameter {unknown[0]!r}; "
                             f"allowed: {', '.join(sorted(names))}")
        return set(names) - set(per_neuron) - set(ALWAYS_PER_NEURON)

    def namespace(self, per_neuron: str | Sequence[str] = ()) -> dict[str, Any]:
        """Default values of the shared constants under ``per_neuron`` (a new dict)."""
        values = self.default_values()
        out = {name: values[name] for name in sorted(self.shared_names(per_neuron))}
        if self.surface_off(per_neuron):
            out["V_surf"] = 0 * mV
        return out

    def build_group(self, n: int, dt: Quantity | None = None, name: str | None = None,
                    method: str = "exponential_euler", per_neuron: str | Sequence[str] = (),
                    at_rest: bool = True, **values) -> NeuronGroup:
        """A ``NeuronGroup`` of ``n`` such neurons, initialized at rest.

        Parameters
        ----------
        n : int
            Number of neurons.
        dt : Quantity, optional
            Time step (default: Brian2's ``defaultclock.dt``).
        name : str, optional
            Brian2 name (default ``"pyramidal*"``, numbered).
        method : str
            Integration method (default exponential Euler).
        per_neuron : "all" or sequence of str
            Constant parameters that may differ between neurons, besides
            ``Mg_o`` and the names in ``values`` (see the module docstring);
            all others are shared constants of the group's namespace.
        **values
            Per-neuron values (scalars or arrays of length ``n``) of the
            environment (``Mg_o``, ``Ca_o``, ``T``), ``I_ext`` or any
            parameter; see :meth:`initialize`.
        at_rest : bool
            Initialize the group (:meth:`initialize`). False leaves it as
            Brian2 creates it, for a simulation that sets its state from
            outside (:meth:`initial_state`).
        """
        if per_neuron != "all":
            defaults = self.default_values()
            per_neuron = tuple(per_neuron) + tuple(k for k in values if k in defaults)
        group = NeuronGroup(n, self.equations(per_neuron), threshold=THRESHOLD,
                            refractory=REFRACTORY, method=method,
                            dt=dt if dt is not None else defaultclock.dt,
                            name=name or "pyramidal*", namespace=self.namespace(per_neuron))
        if at_rest:
            self.initialize(group, **values)
        return group

    def values_of(self, group, names: Sequence[str]) -> dict[str, Any]:
        """Per-neuron values (arrays with units) of ``names`` in ``group``, shared or not."""
        out = {}
        for name in names:
            if name in group.variables:
                out[name] = getattr(group, name)[:]
            else:
                out[name] = group.namespace[name] * np.ones(len(group))
        return out

    def set_value(self, group, name: str, value) -> None:
        """Set parameter ``name`` of ``group``: per neuron if it is a variable, else shared.

        A shared constant takes one value for all neurons: a scalar, or an
        array whose entries are all equal; anything else raises ``ValueError``
        naming the parameter (build the group with it in ``per_neuron``).
        """
        if name in group.variables:
            setattr(group, name, value)
            return
        if name not in group.namespace:
            raise ValueError(f"PyramidalNeuron: unknown variable {name!r}")
        flat = np.ravel(np.asarray(value, dtype=float))
        if flat.size not in (1, len(group)):
            raise ValueError(f"PyramidalNeuron: {name} got {flat.size} values for a group of "
                             f"{len(group)} neurons; allowed: one value or one per neuron")
        if np.any(flat != flat[0]):
            raise ValueError(
                f"PyramidalNeuron: {name} is shared by all neurons of group {group.name!r} "
                f"but was given {len(np.unique(flat))} different values; build the group with "
                f"per_neuron=({name!r},) to set it per neuron")
        default = self.default_values()[name]
        fail_for_dimension_mismatch(value, default, f"PyramidalNeuron parameter {name}")
        if name == "surface_charge" and flat[0] != 0 and "V_surf" in group.namespace:
            raise ValueError(
                f"PyramidalNeuron: surface_charge is off (0) in group {group.name!r}, built "
                f"without the surface-charge shift; build it with per_neuron=('surface_charge',) "
                f"or from PyramidalNeuron(surface_charge=1) to switch it on")
        group.namespace[name] = (Quantity(flat[0], dim=default.dim)
                                 if isinstance(default, Quantity) else float(flat[0]))

    def initialize(self, group, **values) -> np.ndarray:
        """Set parameters, environment and the resting state of every neuron of ``group``.

        Writes the model's parameter values, then ``values`` (per-neuron
        scalars or arrays with units: ``Mg_o``, ``Ca_o``, ``T``,
        ``surface_charge``, ``I_ext`` or any parameter; ``I_ext`` defaults to
        0), zeroes the synaptic states, sets ``v`` to the resting potential of
        each neuron (the zero of its steady-state I-V in -100..-45 mV, found by
        bisection) and every gate to its steady state there
        (:meth:`rest_values`). Returns the resting potentials (mV).
        """
        for key in values:
            if key not in group.variables and key not in group.namespace:
                raise ValueError(f"PyramidalNeuron.initialize: unknown variable {key!r}")
        state = self.rest_values(len(group), **values)
        for key, value in state.items():
            if key in group.variables or key in group.namespace:
                self.set_value(group, key, value)
        return np.asarray(state["v"] / mV)

    def initial_state(self, n: int, per_neuron: str | Sequence[str] = (),
                      **values) -> dict[str, Any]:
        """What :meth:`initialize` writes into the per-neuron variables of a group of
        ``n`` neurons built with ``per_neuron`` (arrays with units), computed without one.

        For a simulation that sets its initial state from outside (a compiled
        program): the shared constants keep their defaults.
        """
        settable = self.settable_names(per_neuron if per_neuron == "all" else tuple(per_neuron))
        state = self.rest_values(n, **values)
        return {key: np.ones(n) * value for key, value in state.items() if key in settable}

    def settable_names(self, per_neuron: str | tuple[str, ...] = ()) -> frozenset[str]:
        """State variables and per-neuron parameters of a group built with ``per_neuron``."""
        cache = self.__dict__.setdefault("_settable", {})
        if per_neuron not in cache:
            eqs = self.equations(per_neuron)
            cache[per_neuron] = frozenset(eqs.diff_eq_names) | frozenset(eqs.parameter_names)
        return cache[per_neuron]

    def rest_values(self, n: int, **values) -> dict[str, Any]:
        """Every value :meth:`initialize` writes for ``n`` neurons given ``values``.

        The model's parameters and environment, overridden by ``values``
        (scalars or arrays of length ``n``), ``I_ext`` (default 0), zero
        synaptic states, the NMDA gating's initial states, the resting
        potential ``v`` and every gate at its steady state there.
        """
        state: dict[str, Any] = dict(self.default_values())
        state["I_ext"] = 0 * nS * mV
        unknown = [k for k in values if k not in state]
        if unknown:
            raise ValueError(f"PyramidalNeuron: unknown variable {unknown[0]!r}")
        state.update(values)
        nmda = self.channel("NMDA")
        state.update({key: value for key, value in
                      nmda.initial_states({"v": -70 * mV, "Mg_o": 1 * mM}).items()
                      if key != "B_NMDA"})
        state["s_AMPA"] = 0
        state["s_GABA_A"] = 0

        def per_neuron(name):
            return state[name] * np.ones(n)
        params = {name: np.asarray(per_neuron(name)) for name in sorted(_intrinsic_names(self.channels))}
        shift = self.surface_shift(per_neuron)
        v_rest = self._rest(params, shift, np.asarray(per_neuron("I_ext")))
        state["v"] = v_rest * mV
        for channel in self.channels:
            if isinstance(channel, GatedChannel):
                values_now = {p.name: per_neuron(p.name) for p in channel.active_parameters()}
                u = channel.gating_voltage_mV(v_rest * mV, shift * mV, values_now)
                state.update(channel.steady_gates(u))
        if nmda.block_form.kinetic:
            state["B_NMDA"] = nmda.unblocked(v_rest * mV, per_neuron("Mg_o"))
        return state

    def resting_potential_of(self, group) -> np.ndarray:
        """Resting potential (mV) of each neuron of ``group`` without synaptic input."""
        params = {name: np.asarray(value) for name, value in
                  self.values_of(group, sorted(_intrinsic_names(self.channels))).items()}
        shift = self.surface_shift_of(group)
        return self._rest(params, shift, np.asarray(group.I_ext[:]))

    def surface_shift_of(self, group) -> np.ndarray:
        """Surface-charge shift V_surf (mV) of each neuron of ``group``, computed with numpy.

        (``V_surf`` in the group is evaluated once per time step during runs,
        so before the first step it must be computed here.)
        """
        return self.surface_shift(lambda name: self.values_of(group, (name,))[name])

    @staticmethod
    def surface_shift(value_of) -> np.ndarray:
        """Surface-charge shift V_surf (mV) per neuron; ``value_of(name)`` gives each
        parameter per neuron (an array with units)."""
        g = {name: value_of(name) for name in ("surface_charge", "Mg_o", "Ca_o", "k_surf",
                                                "r_Mg_surf", "Ca_ref_surf", "Mg_ref_surf")}
        switch = np.asarray(g["surface_charge"])
        with np.errstate(divide="ignore", invalid="ignore"):
            shift = surface_shift_mV(
                np.asarray(g["Mg_o"] / mM), np.asarray(g["Ca_o"] / mM) + 1e-9,
                np.asarray(g["k_surf"] / mV), np.asarray(g["r_Mg_surf"]),
                np.asarray(g["Ca_ref_surf"] / mM), np.asarray(g["Mg_ref_surf"] / mM))
        return np.where(switch != 0, switch * shift, 0.0)

    def intrinsic_current(self, v_mV, params: Mapping[str, np.ndarray], shift_mV) -> np.ndarray:
        """Steady-state intrinsic current (amp) at ``v_mV`` with per-neuron SI ``params``."""
        v = np.asarray(v_mV, float)
        total = params["g_L"] * (v - params["E_L"] / 1e-3) * 1e-3
        for channel in self.channels:
            if isinstance(channel, GatedChannel):
                n = channel.name
                u = v - params[f"dV_{n}"] / 1e-3 - shift_mV
                if channel.offset:
                    u = u - params[channel.offset] / 1e-3
                total = total + params[f"g_{n}"] * channel.open_fraction(u) * (
                    v - params[f"E_{n}"] / 1e-3) * 1e-3
        return total

    def _rest(self, params, shift_mV, i_ext, lo=-100.0, hi=-45.0, iterations=60) -> np.ndarray:
        """Zero of the steady-state I-V below threshold by vectorized bisection, solved
        once per distinct neuron (a sweep over seeds repeats the same cells)."""
        n = len(shift_mV)
        names = sorted(params)
        rows = np.column_stack([np.broadcast_to(np.asarray(params[k], float), n) for k in names]
                               + [np.asarray(shift_mV, float), np.broadcast_to(i_ext, n)])
        distinct, inverse = np.unique(rows, axis=0, return_inverse=True)
        key = (tuple(names), distinct.tobytes(), lo, hi, iterations)
        memo = self.__dict__.setdefault("_rest_memo", {})  # the last 32 solves
        solved = memo.get(key)
        if solved is None:
            solved = self._bisect({k: distinct[:, j] for j, k in enumerate(names)},
                                  distinct[:, -2], distinct[:, -1], lo, hi, iterations)
            if len(memo) >= 32:
                memo.pop(next(iter(memo)))
            memo[key] = solved
        return solved[inverse.ravel()]

    def _bisect(self, params, shift_mV, i_ext, lo, hi, iterations) -> np.ndarray:
        n = len(shift_mV)
        a, b = np.full(n, lo), np.full(n, hi)
        fa = self.intrinsic_current(a, params, shift_mV) - i_ext
        for _ in range(iterations):
            mid = 0.5 * (a + b)
            fm = self.intrinsic_current(mid, params, shift_mV) - i_ext
            left = np.sign(fm) == np.sign(fa)
            a, fa = np.where(left, mid, a), np.where(left, fm, fa)
            b = np.where(left, b, mid)
        return 0.5 * (a + b)

    def resting_potential(self, Mg_o=1 * mM, Ca_o=2 * mM, surface_charge: float = 0.0) -> float:
        """Resting potential (mV) of the default cell without a simulation."""
        params = {name: np.asarray(float(value)) for channel in self.channels
                  for name, value in channel.values.items()}
        mv = self.model_values
        shift = surface_charge * surface_shift_mV(
            as_array(Mg_o, mM), as_array(Ca_o, mM), float(mv["k_surf"] / mV), mv["r_Mg_surf"],
            float(mv["Ca_ref_surf"] / mM), float(mv["Mg_ref_surf"] / mM))
        return float(self._rest(params, np.atleast_1d(shift), 0.0)[0])


def _intrinsic_names(channels: Sequence[Channel]) -> set[str]:
    return {p.name for c in channels if isinstance(c, (GatedChannel, Leak)) for p in c.parameters}


# -- function-style API ------------------------------------------------------------------

def neuron_equations(block: str = "jahr_stevens", gating: str = "dual_exp",
                     **overrides) -> Equations:
    """Brian2 equations of the neuron (see :class:`PyramidalNeuron`)."""
    return PyramidalNeuron(block, gating, **overrides).equations()


def channel_list(block: str = "jahr_stevens", gating: str = "dual_exp",
                 **overrides) -> list[Channel]:
    """The channels of the neuron, in membrane-equation order."""
    return PyramidalNeuron(block, gating, **overrides).channels


def resting_potential(**kwargs) -> float:
    """Resting potential (mV) of the default cell at ``Mg_o``, ``Ca_o``, ``surface_charge``."""
    return PyramidalNeuron().resting_potential(**kwargs)
