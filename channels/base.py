"""The contract every channel follows.

A channel is a small class with

* ``name``: the suffix of all its own variables (``NMDA`` gives ``I_NMDA``,
  ``g_NMDA``, ``B_NMDA``);
* ``reference``: the citation of the model it implements;
* ``parameters``: a tuple of :class:`Parameter` (value with unit, meaning,
  source, whether the value is uncertain);
* ``uses``: the environment variables it reads (``v``, ``Mg_o``, ``Mg_i``,
  ``K_o``, ``K_i``, ``T``) but never declares; the model declares each of
  them once, so several channels can share one membrane and one Mg pool;
* :meth:`Channel.equations`: Brian2 equations for its current ``I_<name>``
  (outward positive, ``I = g (v - E)``), its states and its parameters, each
  parameter a per-neuron constant so that a sweep over it is one group;
* :meth:`Channel.current`: the same physics as a plain numpy function of the
  environment at steady state, for tests and plots without a simulation.

Channel parameters are declared as per-neuron ``(constant)`` variables: a
sweep over any of them (``Kd0_ROMK``, ``g_NMDA``) is then a batched simulation
with one value per neuron and no recompilation. A model may leave the ones a
sweep does not vary undeclared and supply them as shared namespace constants,
which is faster per time step (``PyramidalNeuron.build_group(per_neuron=...)``
in :mod:`models.neuron`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Mapping

import numpy as np
from brian2 import Equations, Quantity, Unit, kelvin, mmolar, volt
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
    """

    name: str
    value: Quantity | float
    unit: Unit | int
    meaning: str
    source: str
    uncertain: bool = False

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

    def __init__(self, **overrides):
        known = {p.name: p for p in self.parameters}
        for key, value in overrides.items():
            if key not in known:
                raise ValueError(
                    f"{type(self).__name__}: unknown parameter {key!r}; "
                    f"allowed: {', '.join(sorted(known))}")
            expected = known[key].value
            fail_for_dimension_mismatch(
                value, expected, f"{type(self).__name__} parameter {key}")
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
        for p in cls.parameters:
            if p.name == name:
                return p
        raise KeyError(name)

    # -- Brian2 ------------------------------------------------------------
    def equation_text(self) -> str:
        """Equations of the current and states, without parameter declarations."""
        raise NotImplementedError

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
        raise NotImplementedError

    # -- documentation -----------------------------------------------------
    @classmethod
    def parameter_rows(cls) -> list[dict[str, str]]:
        """Rows (name, value, unit, meaning, source) for the parameter table."""
        rows = []
        for p in cls.parameters:
            rows.append({
                "name": p.name,
                "value": f"{p.magnitude():g}",
                "unit": p.unit_name,
                "meaning": p.meaning,
                "source": p.source + (" [uncertain]" if p.uncertain else ""),
            })
        return rows


def as_array(value, unit) -> np.ndarray:
    """A quantity (or plain number taken to be in ``unit``) as a float array in ``unit``."""
    if isinstance(value, Quantity):
        if not have_same_dimensions(value, unit):
            raise ValueError(f"{value!r} does not have the dimensions of {unit!r}")
        return np.asarray(value / unit, dtype=float)
    return np.asarray(value, dtype=float)
