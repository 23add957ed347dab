"""The contract of electroneutral transporters (cotransporters and exchangers).

An electroneutral transporter (NCC, NKCC2, a Na+/Mg2+ exchanger counted as
neutral) moves ions without net charge, so it carries no current and is not
a :class:`~channels.base.Channel`: it has no Brian2 current ``I_<name>`` and
no reversal potential. It follows the rest of the channel contract:

* ``name``: the suffix of its parameters (``Jmax_NCC``);
* ``reference``: the citation of the model it implements;
* ``parameters``: a tuple of :class:`~channels.base.Parameter`, each with
  meaning, source, ``uncertain`` and an allowed range (as for channels);
* ``stoichiometry``: ions carried per cycle, ``{"Na": 1, "Cl": 1}`` (an
  exchanger gives the ions it carries the other way a negative number);
* :meth:`Cotransporter.flux`: the steady-state flux, a vectorised numpy
  function of concentrations in mM (scalars or arrays of one length), in
  pmol/min per mm of tubule, **positive in the absorptive direction**
  (from the outside, the lumen for an apical transporter, into the cell);
* :meth:`Cotransporter.parameter_rows`: rows of the parameter tables.

Parameter values enter :meth:`~Cotransporter.flux` as plain floats in each
parameter's display unit (:meth:`Cotransporter.magnitudes`); a sweep passes
per-condition arrays for any of them in ``params`` (``{"Jmax_NCC": array}``),
so one call is the whole sweep.

Notes
-----
The thermodynamic force of an electroneutral transporter is the free energy
of one cycle in units of RT (no electrical term, the net charge being 0):

.. math::

    A = \\sum_i n_i \\ln\\frac{[X_i]_o}{[X_i]_i}

(:meth:`Cotransporter.affinity`); the flux is zero where :math:`A = 0` and
has the sign of :math:`A` in any thermodynamically consistent form
(Hill 1977). A transporter whose cycle carries net charge is a channel-like
current and belongs in a :class:`~channels.base.Channel`.

References
----------
Hill TL (1977) Free Energy Transduction in Biology. Academic Press, New York.
"""
from __future__ import annotations

from typing import ClassVar, Mapping

import numpy as np
from brian2 import Quantity

from .base import Parameter, checked_overrides, declared_parameter

#: Methods a transporter with a ``name`` must define, with what each one gives.
REQUIRED_TRANSPORTER_METHODS: dict[str, str] = {
    "flux": "every transporter must give its steady-state flux as a numpy function",
}


class Cotransporter:
    """Base class of electroneutral transporters; see the module docstring for the contract.

    Parameters
    ----------
    **overrides
        New values for any of the transporter's parameters, as Brian2
        quantities with the parameter's dimensions (plain floats for
        dimensionless ones): ``NCC(Jmax_NCC=50 * pmole / minute)``.
    """

    name: ClassVar[str] = ""
    reference: ClassVar[str] = ""
    parameters: ClassVar[tuple[Parameter, ...]] = ()
    #: Ions carried per cycle, positive in the absorptive direction.
    stoichiometry: ClassVar[Mapping[str, int]] = {}

    def __init_subclass__(cls, **kwargs):
        """Refuse a named transporter class that lacks a required method, in one line."""
        super().__init_subclass__(**kwargs)
        if not cls.name:
            return
        for method, why in REQUIRED_TRANSPORTER_METHODS.items():
            if getattr(cls, method) is getattr(Cotransporter, method):
                raise TypeError(f"{cls.__name__} does not define {method}(): {why}")
        if cls.net_charge() != 0:
            raise TypeError(f"{cls.__name__}: stoichiometry {dict(cls.stoichiometry)} "
                            "carries net charge; an electrogenic transporter is a Channel")

    def __init__(self, **overrides):
        checked_overrides(self, overrides)
        self.values: dict[str, Quantity | float] = {
            p.name: overrides.get(p.name, p.value) for p in self.parameters}

    # -- declarations ------------------------------------------------------
    #: Valence of the ions a stoichiometry may name.
    VALENCE: ClassVar[Mapping[str, int]] = {"Na": 1, "K": 1, "Cl": -1, "Mg": 2, "Ca": 2,
                                            "H": 1, "HCO3": -1}

    @classmethod
    def net_charge(cls) -> int:
        """Net charge moved per cycle (0 for an electroneutral transporter)."""
        return int(sum(n * cls.VALENCE[ion] for ion, n in cls.stoichiometry.items()))

    @classmethod
    def parameter(cls, name: str) -> Parameter:
        """Look up one declared parameter by name."""
        return declared_parameter(cls.parameters, name)

    def magnitudes(self, params: Mapping[str, object] | None = None) -> dict[str, object]:
        """Every parameter as a float (or per-condition array) in its display unit.

        ``params`` overrides any of them (floats or arrays in the display unit,
        or quantities); an unknown name is refused.
        """
        known = {p.name: p for p in self.parameters}
        params = dict(params or {})
        for key in params:
            if key not in known:
                raise KeyError(f"{type(self).__name__} has no parameter {key!r}; "
                               f"allowed: {', '.join(sorted(known))}")
        out = {}
        for name, p in known.items():
            value = params.get(name, self.values[name])
            out[name] = (np.asarray(value / p.unit, float) if isinstance(value, Quantity)
                         and not p.dimensionless else np.asarray(value, float))
        return out

    # -- physics -----------------------------------------------------------
    @classmethod
    def affinity(cls, outside: Mapping[str, object], inside: Mapping[str, object]) -> np.ndarray:
        """Free energy of one cycle over RT, :math:`\\sum_i n_i \\ln([X_i]_o/[X_i]_i)`.

        ``outside`` and ``inside`` map each ion of :attr:`stoichiometry` to its
        concentration (mM, scalars or arrays); positive where the cycle runs in
        the absorptive direction.
        """
        return sum(n * np.log(np.asarray(outside[ion], float) / np.asarray(inside[ion], float))
                   for ion, n in cls.stoichiometry.items())

    def flux(self, params: Mapping[str, object] | None = None, **concentrations_mM) -> np.ndarray:
        """Steady-state flux, pmol/min per mm of tubule, positive absorptive (numpy).

        ``concentrations_mM`` are the outside and inside concentrations the
        transporter reads (named by the subclass, ``na_o_mM``, ``cl_i_mM``);
        ``params`` per-condition parameter values (:meth:`magnitudes`).
        """
        raise NotImplementedError(
            f"{type(self).__name__} does not define flux(): "
            f"{REQUIRED_TRANSPORTER_METHODS['flux']}")

    # -- documentation -----------------------------------------------------
    @classmethod
    def parameter_rows(cls) -> list[dict[str, str]]:
        """Rows (name, value, unit, allowed, meaning, source, bounds_reason) of the table."""
        return [p.row() for p in cls.parameters]


def registered_transporters() -> dict[str, type[Cotransporter]]:
    """Every named :class:`Cotransporter` subclass in the modules of ``channels``, by name.

    Found like :data:`channels.CHANNELS` (a module dropped into the package is
    enough); kept here so that the channel registry, which lists currents,
    is unchanged.
    """
    import importlib
    import inspect
    import pkgutil

    import channels
    found: dict[str, type[Cotransporter]] = {}
    for info in sorted(pkgutil.iter_modules(channels.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"channels.{info.name}")
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if (issubclass(obj, Cotransporter) and obj.name
                    and obj.__module__ == module.__name__):
                found[obj.name] = obj
    return found
