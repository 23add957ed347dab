"""Declared experiment settings and the parsing of user-given values.

A :class:`Setting` is one knob of an experiment: a name, a unit, default
values (more than one value makes it a sweep dimension), quick values,
bounds, a meaning, a source and the model variable it sets. Its
declaration gives numbers in the setting's unit (``mg_o = (0.1, 1.0)``
means 0.1 and 1 mM); everything a run works with is a Brian2 quantity
(:meth:`Setting.values`, :meth:`Setting.parse`), from the parsed text to the
model. Plain numbers in the unit appear again only where text is written
(table columns, whose names carry the unit, and the JSON record:
:meth:`Setting.in_unit`). Dimensionless settings are plain numbers and
choices are strings.

User values come from ``--set NAME=VALUE`` or a TOML config and may be

* a number in the setting's unit: ``1.5``;
* a quantity with a unit: ``500uM``, ``-40 mV``;
* a list: ``0.1,0.5,1`` (TOML: ``[0.1, 0.5, 1]``);
* a range ``start:stop:count`` (``0:2:11``, ends included), ends may carry units;
  a one-point range is ``start:start:1`` (``0:1:1`` is refused: it would drop
  its stop).

Every malformed value raises :class:`UsageError` with one line naming the
parameter, the value (at most 80 characters of it, :func:`~.errors.shown_value`) and
what is allowed.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
from brian2 import Quantity, Unit
from brian2.units.allunits import all_units
from brian2.units.fundamentalunits import DIMENSIONLESS, get_dimensions, get_unit

from channels.base import bounds_text
from .errors import UsageError, shown_value  # noqa: F401  (UsageError: re-exported)

_UNITS: dict[str, Unit] = {}
for _u in all_units:
    _UNITS.setdefault(str(_u), _u)
    _UNITS.setdefault(repr(_u), _u)

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:nan|infinity|inf)"
_QUANTITY = re.compile(rf"^\s*({_NUMBER})\s*([A-Za-z_][A-Za-z0-9_]*(?:\s*[*/]\s*[A-Za-z_][A-Za-z0-9_]*(?:\*\*-?\d+)?)*)?\s*$",
                       re.IGNORECASE)


def parse_unit(text: str) -> Unit:
    """A Brian2 unit from its name or a product/quotient of names (``mS/cm**2``)."""
    tokens = re.split(r"\s*([*/])\s*", text.strip())
    unit, op = None, "*"
    for token in tokens:
        if token in ("*", "/"):
            op = token
            continue
        name, _, power = token.partition("**")
        if name not in _UNITS:
            raise KeyError(name)
        factor = _UNITS[name] ** (int(power) if power else 1)
        unit = factor if unit is None else (unit * factor if op == "*" else unit / factor)
    if unit is None:
        raise KeyError(text)
    return unit


@dataclass(frozen=True)
class Setting:
    """One declared parameter or sweep dimension of an experiment.

    Parameters
    ----------
    name : str
        Name used with ``--set`` (``mg_o``).
    default : tuple
        Default values, floats in ``unit`` (or strings for choices); more than
        one value makes the setting a sweep dimension by default.
    unit : Unit or None
        Unit of the values; None for dimensionless numbers and choices.
    meaning : str
        One line: what it is.
    source : str
        Where the default comes from.
    quick : tuple or None
        Values used with ``--quick`` (default: ``default``).
    minimum, maximum : float or None
        Inclusive bounds in ``unit``.
    integer : bool
        Values must be whole numbers.
    choices : tuple of str or None
        Allowed strings, for a categorical setting.
    column : bool
        Always write the setting as a column of the result table (true for
        the physiological conditions); otherwise only when it is swept.
    structural : bool
        The value changes the model's equations (a block form, a network
        size), so it cannot vary within one simulation: the engine puts such
        dimensions outermost and never mixes their values in one batch.
    variable : str or None
        The model variable the setting sets, one value per neuron
        (``mg_o`` sets ``Mg_o``); :meth:`~experiments.engine.Experiment.model_values`
        gathers them for a batch. None for settings the experiment reads
        itself (protocol durations, counts, forms).
    column_unit : str
        For a plain number in a unit Brian2 does not name (mmol/day, nl/min):
        the unit as the column suffix (``"mmol_day"`` makes the column of
        ``k_supplement`` ``k_supplement_mmol_day``).
    """

    name: str
    default: tuple
    unit: Unit | None = None
    meaning: str = ""
    source: str = ""
    quick: tuple | None = None
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False
    choices: tuple[str, ...] | None = None
    column: bool = False
    exclusive_minimum: bool = False
    structural: bool = False
    variable: str | None = None
    column_unit: str = ""

    @classmethod
    def from_parameter(cls, parameter, **options) -> "Setting":
        """The setting of a model or channel parameter (:class:`channels.base.Parameter`).

        Its value, unit, meaning, source (marked ``[uncertain]`` where the
        parameter is) and allowed range (``minimum``, ``maximum``,
        ``exclusive_minimum``) carry over, and it sets the model variable of
        the same name. A parameter that declares no range gets the old
        default, non-negative except for voltages (the conformance tests
        refuse such a parameter); ``options`` (``structural=``, ...) add to or
        override these.
        """
        unit = None if parameter.dimensionless else parameter.unit
        is_voltage = unit is not None and str(unit).endswith("V")
        declared_any = parameter.minimum is not None or parameter.maximum is not None
        minimum = parameter.minimum if declared_any else (None if is_voltage else 0.0)
        declared = dict(minimum=minimum, maximum=parameter.maximum,
                        exclusive_minimum=parameter.exclusive_minimum, variable=parameter.name)
        declared.update(options)
        return cls(parameter.name, (parameter.magnitude(),), unit, parameter.meaning,
                   parameter.source + (" [uncertain]" if parameter.uncertain else ""),
                   **declared)

    @property
    def unit_name(self) -> str:
        return "" if self.unit is None else str(self.unit)

    @property
    def column_name(self) -> str:
        """Column in the result table: the name with the unit (``mg_o_mM``)."""
        if self.unit is None:
            return f"{self.name}_{self.column_unit}" if self.column_unit else self.name
        text = re.sub(r"\(?(\w+)\^-1\)?", r"per_\1", self.unit_name.replace(" ", ""))
        text = re.sub(r"[^A-Za-z0-9_]+", "_", text.replace("/", "_per_")).strip("_")
        return f"{self.name}_{text}"

    def values(self, quick: bool) -> tuple:
        """The declared default (or quick) values, as quantities."""
        return self.quantities(self.quick if (quick and self.quick is not None) else self.default)

    def quantities(self, numbers) -> tuple:
        """Numbers in the setting's unit as Brian2 quantities (unchanged if unitless)."""
        if self.unit is None:
            return tuple(numbers)
        return tuple(float(n) * self.unit for n in numbers)

    def in_unit(self, values) -> tuple:
        """Values (quantities) as plain numbers in the setting's unit, for text output."""
        return tuple(self.magnitude(v) for v in values)

    def magnitude(self, value):
        """One value as a plain number in the setting's unit (choices and unitless as given)."""
        if self.unit is None:
            return value
        if get_dimensions(value) is not get_dimensions(self.unit):
            raise ValueError(f"{self.name}: {value!r} is not in units of {self.unit_name}")
        return float(np.asarray(value)) / float(np.asarray(self.unit))

    def allowed(self) -> str:
        """Plain words for what values are allowed."""
        if self.choices:
            return "one of " + ", ".join(self.choices)
        kind = "whole numbers" if self.integer else "numbers"
        bounds = bounds_text(self.minimum, self.maximum, self.exclusive_minimum)
        unit = f" in {self.unit_name}" if self.unit is not None else ""
        return f"{kind}{unit}" + (f" {bounds}" if bounds else "") + (
            f" (or quantities like 1{self.unit_name})" if self.unit is not None else "")

    # -- parsing -----------------------------------------------------------
    def parse(self, raw: Any, origin: str = "--set") -> tuple:
        """Parse a command-line string, a TOML value or a Python value into quantities.

        ``raw`` may be a number (in the setting's unit), a string (number,
        quantity, list or range), a Brian2 quantity or array, or a list of
        any of these. Returns a tuple of quantities (plain numbers for
        dimensionless settings, strings for choices).
        """
        return self.quantities(self._read(raw, origin))

    @staticmethod
    def count(raw: Any) -> int:
        """How many values ``raw`` gives, read from its shape alone (nothing is parsed):
        the count of a range, the items of a list. A malformed value counts 1 (its
        parse reports it)."""
        if isinstance(raw, (list, tuple)) or (hasattr(raw, "ndim") and raw.ndim > 0):
            return len(raw)
        if not isinstance(raw, str):
            return 1
        if "," in raw:
            return raw.count(",") + 1
        parts = raw.split(":")
        if len(parts) == 3 and parts[2].strip().isdigit():
            return int(parts[2])
        return 1

    def _read(self, raw: Any, origin: str) -> tuple:
        """``raw`` as numbers in the setting's unit (or choice strings), checked."""
        shown = f"{origin} {self.name}={shown_value(raw)}"
        if isinstance(raw, Quantity) and raw.ndim > 0:
            raw = list(raw)
        if isinstance(raw, np.ndarray):
            raw = raw.tolist()
        if isinstance(raw, bool):
            raise UsageError(f"{shown}: a true/false value is not allowed; allowed: {self.allowed()}")
        if isinstance(raw, (list, tuple)):
            if not raw:
                raise UsageError(f"{shown}: empty list; allowed: {self.allowed()}")
            values = []
            for item in raw:
                values.extend(self._read(item, origin) if not isinstance(item, (list, tuple))
                              else self._fail(shown, "nested lists are not allowed"))
            return tuple(values)
        if isinstance(raw, Quantity):
            return (self._check(self._from_quantity(raw, shown), shown),)
        if isinstance(raw, (int, float, np.integer, np.floating)):
            return (self._check(float(raw), shown),)
        if not isinstance(raw, str):
            self._fail(shown, f"a {type(raw).__name__} is not a value")
        text = raw.strip()
        if not text:
            self._fail(shown, "empty value")
        if self.choices is not None:
            items = [t.strip() for t in text.split(",")]
            for item in items:
                if item not in self.choices:
                    self._fail(shown, f"{shown_value(item)} is not allowed")
            return tuple(items)
        if "," in text:
            return tuple(self._scalar(part, shown) for part in text.split(","))
        if ":" in text:
            return self._range(text, shown)
        return (self._scalar(text, shown),)

    def _fail(self, shown: str, why: str):
        raise UsageError(f"{shown}: {why}; allowed: {self.allowed()}")

    def _range(self, text: str, shown: str) -> tuple:
        parts = text.split(":")
        if len(parts) != 3:
            self._fail(shown, "a range is start:stop:count")
        start, stop = (self._scalar(p, shown, check=False) for p in parts[:2])
        try:
            count = int(parts[2])
        except ValueError:
            self._fail(shown,
                       f"the count {shown_value(parts[2])} of a range must be a whole number")
        if not 1 <= count <= 1_000_000:
            self._fail(shown, f"the count {count} of a range must be 1 to 1000000")
        if count == 1 and not math.isclose(start, stop, rel_tol=1e-12):
            self._fail(shown, f"a 1-point range needs start == stop ({start:g}:{start:g}:1), "
                              "or use a count >= 2")
        values = np.linspace(start, stop, count) if count > 1 else np.array([start])
        return tuple(self._check(float(np.round(v, 12)), shown) for v in values)

    def _scalar(self, text: str, shown: str, check: bool = True) -> float:
        match = _QUANTITY.match(text)
        if not match:
            self._fail(shown, f"{shown_value(text.strip())} is not a number")
        number, unit_text = float(match.group(1)), match.group(2)
        if unit_text:
            try:
                unit = parse_unit(unit_text)
            except KeyError:
                self._fail(shown, f"unknown unit {shown_value(unit_text)}")
            number = self._from_quantity(number * unit, shown, unit_text)
        return self._check(number, shown) if check else number

    def _from_quantity(self, value, shown: str, unit_text: str | None = None) -> float:
        """A quantity as a number in the setting's unit, if it measures the same."""
        text = unit_text or (repr(get_unit(value.dim)) if isinstance(value, Quantity) else "1")
        if self.unit is None:
            if get_dimensions(value) is not DIMENSIONLESS:
                self._fail(shown, f"{shown_value(text)} given for a dimensionless setting")
            return float(value)
        if get_dimensions(value) != get_dimensions(self.unit):
            self._fail(shown, f"unit {shown_value(text)} does not measure the same as "
                              f"{self.unit_name}")
        return float(Quantity(value) / self.unit)

    def _check(self, value: float, shown: str) -> float | int:
        if self.choices is not None:
            self._fail(shown, "a number is not allowed")
        if not math.isfinite(value):
            self._fail(shown, f"{value} is not a finite number")
        if self.minimum is not None and (value < self.minimum or
                                         (self.exclusive_minimum and value == self.minimum)):
            self._fail(shown, f"{value:g} is out of range")
        if self.maximum is not None and value > self.maximum:
            self._fail(shown, f"{value:g} is out of range")
        if self.integer:
            if value != int(value):
                self._fail(shown, f"{value:g} is not a whole number")
            return int(value)
        return value


def concentration(name: str, default: Sequence[float], meaning: str, source: str,
                  quick: Sequence[float] | None = None, column: bool = True,
                  maximum: float | None = 1000.0, variable: str | None = None) -> Setting:
    """A concentration setting in mM, non-negative, written as a column.

    ``variable`` is the model variable it sets (``"Mg_o"``), if any.
    """
    from brian2 import mM
    return Setting(name, tuple(default), mM, meaning, source,
                   quick=None if quick is None else tuple(quick),
                   minimum=0.0, maximum=maximum, column=column, variable=variable)


def temperature(meaning: str = "absolute temperature", variable: str | None = "T") -> Setting:
    """Absolute temperature in kelvin, body temperature (37 C) by default; sets ``T``.

    Allowed: 0 to 45 C (:data:`channels.constants.TEMPERATURE_RANGE_K`, with its reason).
    """
    from brian2 import kelvin

    from channels.constants import BODY_TEMPERATURE_K, TEMPERATURE_RANGE_K
    low, high = TEMPERATURE_RANGE_K
    return Setting("temperature", (BODY_TEMPERATURE_K,), kelvin, meaning, "body temperature 37 C",
                   minimum=low, maximum=high, variable=variable)
