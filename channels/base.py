"""The contract every channel follows.

A channel is a small class with

* ``name``: the suffix of all its own variables (``NMDA`` gives ``I_NMDA``,
  ``g_NMDA``, ``B_NMDA``);
* ``reference``: the citation of the model it implements;
* ``parameters``: a tuple of :class:`Parameter` (value with unit, meaning,
  source, whether the value is uncertain, and the allowed range with its
  physical reason; the shared ranges ``POTENTIAL_MV``, ``AFFINITY_MM``, ... are
  defined below);
* ``uses``: the environment variables it reads (``v``, ``Mg_o``, ``Mg_i``,
  ``K_o``, ``K_i``, ``T``) but never declares; the model declares each of
  them once, so several channels can share one membrane and one Mg pool;
* :meth:`Channel.equations`: Brian2 equations for its current ``I_<name>``
  (outward positive, ``I = g (v - E)``), its states and its parameters, each
  parameter a per-neuron constant so that a sweep over it is one group;
* :meth:`Channel.current`: the same physics as a plain numpy function of the
  environment at steady state, for tests and plots without a simulation;
* :meth:`Channel.reversal`: its reversal potential in an environment (where
  :meth:`~Channel.current` changes sign); a current that never changes sign
  (a pump driven by its substrate alone, ORd's sarcolemmal Ca pump) declares
  ``reverses = False`` instead, and its current has the sign of
  ``direction`` (+1 outward) at every potential;
* :meth:`Channel.unblocked`: the fraction of its conductance not blocked (by
  Mg2+, for the channels of this project) at steady state; the default, for a
  channel without a block, is 1;
* :meth:`Channel.variants`: its alternative forms (block and gating forms of
  NMDA), as constructor arguments by name; the default is one form.

A channel with a ``name`` (a registered channel) must define
``equation_text``, ``current`` and ``reversal`` (unless ``reverses`` is False): a class
that lacks one is
refused when it is defined, with one line naming the class and the method.

Physical constants (F, R, body temperature) and the Nernst potential are in
:mod:`channels.constants`.

Channel parameters are declared as per-neuron ``(constant)`` variables: a
sweep over any of them (``Kd0_ROMK``, ``g_NMDA``) is then a batched simulation
with one value per neuron and no recompilation. A model may leave the ones a
sweep does not vary undeclared and supply them as shared namespace constants,
one value for the whole group (``PyramidalNeuron.build_group(per_neuron=...)``
in :mod:`models.neuron`; benchmarks/README.md measures the difference).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Mapping

import numpy as np
from brian2 import Equations, Quantity, Unit, kelvin, mmolar, mV, volt
from brian2.units.fundamentalunits import (DIMENSIONLESS, fail_for_dimension_mismatch,
                                           get_unit, have_same_dimensions)


@dataclass(frozen=True)
class Parameter:
    """One model parameter: value with unit, meaning and source.

    Parameters
    ----------
    name : str
        Variable name in the equations, suffixed by the channel (``g_NMDA``).
    value : Quantity or float
        Default value, a Brian2 quantity (plain float if dimensionless).
    unit : Unit
        Unit in which the value is displayed and in which unit-less command
        line values are read (``mM``, ``mV``, ``nS``); ``1`` if dimensionless.
    meaning : str
        One line: what the parameter is.
    source : str
        Where the value comes from (short citation, or "derived: ...").
    uncertain : bool
        True where the literature does not pin the value; such values are
        overridable and their sensitivity is shown by the experiments.
    minimum, maximum : float or None
        The allowed range, inclusive, in ``unit``: what the physics permits
        (a dissociation constant is positive, a probability at most 1), with
        a generous but finite end where nature sets none (a conductance at
        most a few S/cm2 of membrane). Every registered channel and model
        declares both (tests/test_channel_conformance.py); the setting of the
        parameter (``--set NAME=VALUE``) refuses values outside them.
    exclusive_minimum : bool
        The minimum itself is not allowed (``> 0`` instead of ``>= 0``).
    bounds_reason : str
        One line: why the range is what it is.
    """

    name: str
    value: Quantity | float
    unit: Unit | int
    meaning: str
    source: str
    uncertain: bool = False
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    bounds_reason: str = ""

    @property
    def dimensionless(self) -> bool:
        return not isinstance(self.unit, Quantity) or self.unit.dim is DIMENSIONLESS

    @property
    def unit_name(self) -> str:
        """Display name of the unit (empty for dimensionless)."""
        return "" if self.dimensionless else str(self.unit)

    def magnitude(self, value=None) -> float:
        """The value (default: the default value) as a float in ``unit``."""
        value = self.value if value is None else value
        return float(value) if self.dimensionless else float(value / self.unit)

    def allowed(self) -> str:
        """The declared range as text (``> 0 and <= 1000``; empty if none is declared)."""
        return bounds_text(self.minimum, self.maximum, self.exclusive_minimum)

    def row(self, value=None, source: str | None = None,
            uncertain: bool | None = None) -> dict[str, str]:
        """Row (name, value, unit, allowed, meaning, source, bounds_reason) of the parameter tables.

        ``value``, ``source`` and ``uncertain`` replace the declared ones where
        a model uses the parameter with another value (default: the declared).
        """
        source = self.source if source is None else source
        uncertain = self.uncertain if uncertain is None else uncertain
        return {"name": self.name, "value": f"{self.magnitude(value):g}",
                "unit": self.unit_name, "allowed": self.allowed(), "meaning": self.meaning,
                "source": source + (" [uncertain]" if uncertain else ""),
                "bounds_reason": self.bounds_reason}


def bounds_text(minimum: float | None, maximum: float | None,
                exclusive_minimum: bool = False) -> str:
    """A range as text: ``>= 0 and <= 1000``, ``> 0``, or empty without bounds."""
    lo = "" if minimum is None else (
        f"> {minimum:g}" if exclusive_minimum else f">= {minimum:g}")
    hi = "" if maximum is None else f"<= {maximum:g}"
    return " and ".join(b for b in (lo, hi) if b)


# -- allowed ranges shared by many parameters (keyword arguments of Parameter, in the unit
# -- named by the suffix; a parameter in another unit declares its own numbers) -------------

#: Reversal, threshold and reset potentials (mV).
POTENTIAL_MV = dict(
    minimum=-200.0, maximum=200.0,
    bounds_reason="+-200 mV, the range of the clamp settings: a 1000-fold gradient of a "
                  "monovalent ion gives 185 mV at 37 C")
#: Maximal conductance of a channel population of one cell (nS).
CELL_CONDUCTANCE_NS = dict(
    minimum=0.0, maximum=1e6,
    bounds_reason="0 (channel absent or blocked) to 1 mS, over 8 S/cm2 on the 11844 um2 RS "
                  "cell: denser than any channel cluster (nodes of Ranvier, 1-3 S/cm2)")
#: Conductance of one millimetre of kidney tubule (uS per mm).
TUBULE_CONDUCTANCE_US = dict(
    minimum=0.0, maximum=1000.0,
    bounds_reason="0 (absent or blocked) to 1 mS per mm of tubule, over 100 times the "
                  "conductances of the collecting-duct cell (0.05-6 uS per mm)")
#: Peak conductance of one synapse or one input (nS).
SYNAPSE_CONDUCTANCE_NS = dict(
    minimum=0.0, maximum=1000.0,
    bounds_reason="0 (blocked) to 1 uS, a hundred times the largest unitary synaptic "
                  "conductances (0.1-10 nS)")
#: Time constants of gating, synapses, adaptation and recovery (ms).
TIME_CONSTANT_MS = dict(
    minimum=0.01, maximum=1e5,
    bounds_reason="10 us (faster than any channel gating or synaptic kinetics) to 100 s "
                  "(slower than any adaptation or recovery)")
#: Dissociation and half-saturation constants (mM).
AFFINITY_MM = dict(
    minimum=0.0, exclusive_minimum=True, maximum=1000.0,
    bounds_reason="a dissociation constant is positive (a ratio of rate constants; 0 would be "
                  "an infinite affinity); above 1 M no attainable concentration binds")
#: Valence times electrical distance of a Woodhull blocking site (dimensionless).
ZDELTA = dict(
    minimum=0.0, maximum=4.0,
    bounds_reason="0 (site outside the field: voltage-independent block) to 4: Mg2+ (z = 2) "
                  "crossing the whole field (delta = 1) gives 2, and permeant K+ ions moving "
                  "with the blocker in a multi-ion pore raise the apparent value to 3-4 at most")
#: A scale factor or relative potency (dimensionless).
SCALE = dict(minimum=0.0, maximum=100.0,
             bounds_reason="0 (absent) to 100 times the reference")


#: Environment variables a model declares once and channels use.
ENVIRONMENT: dict[str, tuple[Unit, str]] = {
    "v": (volt, "membrane potential, inside minus outside"),
    "Mg_o": (mmolar, "extracellular free Mg2+ concentration"),
    "Mg_i": (mmolar, "intracellular (cytoplasmic) free Mg2+ concentration"),
    "Ca_o": (mmolar, "extracellular free Ca2+ concentration (divalent surface-charge screening)"),
    "K_o": (mmolar, "extracellular K+ concentration (luminal for apical membranes)"),
    "K_i": (mmolar, "intracellular K+ concentration"),
    "Na_o": (mmolar, "extracellular Na+ concentration (luminal for apical membranes)"),
    "Na_i": (mmolar, "intracellular Na+ concentration"),
    "T": (kelvin, "absolute temperature"),
    "Ca_i": (mmolar, "intracellular (myoplasmic) free Ca2+ concentration"),
    "Na_ss": (mmolar, "Na+ concentration of the junctional subspace under the T tubule (heart)"),
    "K_ss": (mmolar, "K+ concentration of the junctional subspace (heart)"),
    "Ca_ss": (mmolar, "free Ca2+ concentration of the junctional subspace (heart)"),
    "phi_CaMK": (Unit(1), "fraction of CaMKII targets phosphorylated (ORd's phi_CaMK, heart)"),
}


#: Methods a channel with a ``name`` must define, with what each one gives.
REQUIRED_METHODS: dict[str, str] = {
    "equation_text": "every channel must give the Brian2 equations of its current",
    "current": "every channel must give its steady-state current as a numpy function",
    "reversal": "every channel must return its reversal potential",
}


def unit_string(unit) -> str:
    """The base-unit string Brian2 equations accept (``volt``, ``siemens``, ``1``)."""
    dim = getattr(unit, "dim", DIMENSIONLESS)
    if dim is DIMENSIONLESS:
        return "1"
    return repr(get_unit(dim))


class Channel:
    """Base class of all channels; see the module docstring for the contract.

    Parameters
    ----------
    **overrides
        New values for any of the channel's parameters, as Brian2 quantities
        with the parameter's dimensions (``ROMK(Kd0_ROMK=1*mM)``).
    """

    name: ClassVar[str] = ""
    reference: ClassVar[str] = ""
    parameters: ClassVar[tuple[Parameter, ...]] = ()
    uses: ClassVar[tuple[str, ...]] = ("v",)
    #: Names of gating/blocking variables worth recording, besides the current.
    recordables: ClassVar[tuple[str, ...]] = ()
    #: False for a current that has one sign at every potential (no reversal potential).
    reverses: ClassVar[bool] = True
    #: The sign of a current that does not reverse: +1 outward, -1 inward.
    direction: ClassVar[int] = 1

    def __init_subclass__(cls, **kwargs):
        """Refuse a named (registered) channel class that lacks a required method."""
        super().__init_subclass__(**kwargs)
        if not cls.name:
            return  # an abstract base (GatedChannel, ExponentialSynapse)
        for method, why in REQUIRED_METHODS.items():
            if method == "reversal" and not cls.reverses:
                continue
            if getattr(cls, method) is getattr(Channel, method):
                raise TypeError(f"{cls.__name__} does not define {method}(): {why}")

    def __init__(self, **overrides):
        checked_overrides(self, overrides)
        self.values: dict[str, Quantity | float] = {
            p.name: overrides.get(p.name, p.value) for p in self.parameters}

    # -- names -------------------------------------------------------------
    @property
    def current_name(self) -> str:
        """Name of the channel's current variable, ``I_<name>``."""
        return f"I_{self.name}"

    @classmethod
    def parameter(cls, name: str) -> Parameter:
        """Look up one declared parameter by name."""
        return declared_parameter(cls.parameters, name)

    # -- Brian2 ------------------------------------------------------------
    def equation_text(self) -> str:
        """Equations of the current and states, without parameter declarations."""
        raise self._missing("equation_text")

    def _missing(self, method: str) -> NotImplementedError:
        """The one-line error of a required method the class does not define."""
        return NotImplementedError(
            f"{type(self).__name__} does not define {method}(): {REQUIRED_METHODS[method]}")

    def active_parameters(self) -> tuple[Parameter, ...]:
        """The parameters the current configuration uses (default: all)."""
        return self.parameters

    def equations(self) -> Equations:
        """Brian2 equations: current, states and per-neuron parameters."""
        declared = "\n".join(
            f"{p.name} : {unit_string(p.value)} (constant)" for p in self.active_parameters())
        return Equations(self.equation_text() + "\n" + declared)

    def initial_states(self, env: Mapping[str, Quantity]) -> dict[str, object]:
        """Steady-state values of the channel's states in environment ``env``."""
        return {}

    def current_states(self, env: Mapping[str, Quantity]) -> dict[str, object]:
        """State values at which the Brian2 current equals :meth:`current` in ``env``.

        The steady state (:meth:`initial_states`) by default; ligand-gated
        channels, whose :meth:`current` is the fully open current, return their
        gate open (``s = 1``). Used by the conformance tests.
        """
        return self.initial_states(env)

    def initialize(self, group, env: Mapping[str, Quantity] | None = None) -> None:
        """Write parameter values and steady-state initial states into ``group``."""
        for p in self.active_parameters():
            setattr(group, p.name, self.values[p.name])
        if env is not None:
            for key, value in self.initial_states(env).items():
                setattr(group, key, value)

    # -- plain numpy -------------------------------------------------------
    def current(self, **env) -> Quantity:
        """Steady-state current (outward positive) as a numpy function of ``env``."""
        raise self._missing("current")

    def reversal(self, **env) -> Quantity:
        """Reversal potential (volt) in environment ``env``: where :meth:`current` is 0."""
        raise self._missing("reversal")

    def unblocked(self, **env) -> np.ndarray:
        """Fraction of the conductance not blocked at steady state in ``env`` (0 to 1).

        The default is for a channel without a block: 1, as an array shaped
        like ``v`` (a scalar array if ``env`` has no ``v``). Channels with a
        block (:class:`~channels.nmda.NMDA`, :class:`~channels.romk.ROMK`)
        override it.
        """
        return np.ones(np.shape(as_array(env.get("v", 0 * mV), mV)))

    @classmethod
    def variants(cls) -> dict[str, dict[str, object]]:
        """The alternative forms of the channel: name -> constructor keyword arguments.

        ``{name: kwargs}`` with ``cls(**kwargs)`` building that form. The
        default is one form, ``{"default": {}}``; a channel with structural
        options (NMDA's block and gating forms) lists every combination, and
        the conformance tests check each.
        """
        return {"default": {}}

    # -- documentation -----------------------------------------------------
    @classmethod
    def parameter_rows(cls) -> list[dict[str, str]]:
        """Rows (name, value, unit, meaning, source) for the parameter table."""
        return [p.row() for p in cls.parameters]


def declared_parameter(parameters, name: str) -> Parameter:
    """The one of ``parameters`` called ``name``; KeyError if none is."""
    for p in parameters:
        if p.name == name:
            return p
    raise KeyError(name)


def checked_overrides(owner, overrides) -> None:
    """Refuse an override of ``owner`` (a channel or transporter) that names no declared
    parameter or has the wrong dimensions, in one line."""
    known = {p.name: p for p in owner.parameters}
    for key, value in overrides.items():
        if key not in known:
            raise ValueError(f"{type(owner).__name__}: unknown parameter {key!r}; "
                             f"allowed: {', '.join(sorted(known))}")
        fail_for_dimension_mismatch(value, known[key].value,
                                    f"{type(owner).__name__} parameter {key}")


def as_array(value, unit) -> np.ndarray:
    """A quantity (or plain number taken to be in ``unit``) as a float array in ``unit``."""
    if isinstance(value, Quantity):
        if not have_same_dimensions(value, unit):
            raise ValueError(f"{value!r} does not have the dimensions of {unit!r}")
        return np.asarray(value / unit, dtype=float)
    return np.asarray(value, dtype=float)
