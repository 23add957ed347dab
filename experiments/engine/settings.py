"""Declared experiment settings and the parsing of user-given values.

A :class:`Setting` is one knob of an experiment: a name, a unit, default
values (more than one value makes it a sweep dimension), quick values,
bounds, a meaning and a source. Values are kept as floats in the setting's
unit (``mg_o = (0.1, 1.0)`` means 0.1 and 1 mM) or as strings for choices.

User values come from ``--set NAME=VALUE`` or a TOML config and may be

* a number in the setting's unit: ``1.5``;
* a quantity with a unit: ``500uM``, ``-40 mV``;
* a list: ``0.1,0.5,1`` (TOML: ``[0.1, 0.5, 1]``);
* a range ``start:stop:count`` (``0:2:11``, ends included), ends may carry units.

Every malformed value raises :class:`UsageError` with one line naming the
parameter, the value and what is allowed.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
from brian2 import Quantity, Unit
from brian2.units.allunits import all_units
from brian2.units.fundamentalunits import DIMENSIONLESS, get_dimensions


class UsageError(ValueError):
    """Bad user input: reported as one line on stderr with exit status 2."""


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

    @property
    def unit_name(self) -> str:
        return "" if self.unit is None else str(self.unit)

    @property
    def column_name(self) -> str:
        """Column in the result table: the name with the unit (``mg_o_mM``)."""
        if self.unit is None:
            return self.name
        text = re.sub(r"\(?(\w+)\^-1\)?", r"per_\1", self.unit_name.replace(" ", ""))
        text = re.sub(r"[^A-Za-z0-9_]+", "_", text.replace("/", "_per_")).strip("_")
        return f"{self.name}_{text}"

    def values(self, quick: bool) -> tuple:
        return self.quick if (quick and self.quick is not None) else self.default

    def allowed(self) -> str:
        """Plain words for what values are allowed."""
        if self.choices:
            return "one of " + ", ".join(self.choices)
        kind = "whole numbers" if self.integer else "numbers"
        lo = "" if self.minimum is None else (
            f"> {self.minimum:g}" if self.exclusive_minimum else f">= {self.minimum:g}")
        hi = "" if self.maximum is None else f"<= {self.maximum:g}"
        bounds = " and ".join(b for b in (lo, hi) if b)
        unit = f" in {self.unit_name}" if self.unit is not None else ""
        return f"{kind}{unit}" + (f" {bounds}" if bounds else "") + (
            f" (or quantities like 1{self.unit_name})" if self.unit is not None else "")

    # -- parsing -----------------------------------------------------------
    def parse(self, raw: Any, origin: str = "--set") -> tuple:
        """Parse a command-line string or a TOML value into a tuple of values."""
        shown = f"{origin} {self.name}={raw!r}"
        if isinstance(raw, bool):
            raise UsageError(f"{shown}: a true/false value is not allowed; allowed: {self.allowed()}")
        if isinstance(raw, (list, tuple)):
            if not raw:
                raise UsageError(f"{shown}: empty list; allowed: {self.allowed()}")
            values = []
            for item in raw:
                values.extend(self.parse(item, origin) if not isinstance(item, (list, tuple))
                              else self._fail(shown, "nested lists are not allowed"))
            return tuple(values)
        if isinstance(raw, (int, float)):
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
                    self._fail(shown, f"{item!r} is not allowed")
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
            self._fail(shown, f"the count {parts[2]!r} of a range must be a whole number")
        if not 1 <= count <= 1_000_000:
            self._fail(shown, f"the count {count} of a range must be 1 to 1000000")
        values = np.linspace(start, stop, count) if count > 1 else np.array([start])
        return tuple(self._check(float(np.round(v, 12)), shown) for v in values)

    def _scalar(self, text: str, shown: str, check: bool = True) -> float:
        match = _QUANTITY.match(text)
        if not match:
            self._fail(shown, f"{text.strip()!r} is not a number")
        number, unit_text = float(match.group(1)), match.group(2)
        if unit_text:
            try:
                unit = parse_unit(unit_text)
            except KeyError:
                self._fail(shown, f"unknown unit {unit_text!r}")
            if self.unit is None:
                if get_dimensions(unit) is not DIMENSIONLESS:
                    self._fail(shown, f"{unit_text!r} given for a dimensionless setting")
                number = float(number * unit)
            else:
                if get_dimensions(unit) != get_dimensions(self.unit):
                    self._fail(shown, f"unit {unit_text!r} does not measure the same as {self.unit_name}")
                number = float(Quantity(number * unit) / self.unit)
        return self._check(number, shown) if check else number

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
                  maximum: float | None = 1000.0) -> Setting:
    """A concentration setting in mM, non-negative, written as a column."""
    from brian2 import mM
    return Setting(name, tuple(default), mM, meaning, source,
                   quick=None if quick is None else tuple(quick),
                   minimum=0.0, maximum=maximum, column=column)


def temperature(meaning: str = "absolute temperature") -> Setting:
    """Absolute temperature in kelvin, body temperature (37 C) by default."""
    from brian2 import kelvin
    return Setting("temperature", (310.15,), kelvin, meaning, "body temperature 37 C",
                   minimum=0.0, exclusive_minimum=True, maximum=400.0)


@dataclass
class Resolved:
    """All settings of one run after defaults, quick values, config and flags."""

    values: dict[str, tuple] = field(default_factory=dict)

    def scalar(self, name: str):
        """The single value of a setting that is not swept."""
        vals = self.values[name]
        if len(vals) != 1:
            raise UsageError(f"{name} takes one value here, not {len(vals)}")
        return vals[0]
