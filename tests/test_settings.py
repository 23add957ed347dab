"""Parsing of user-given setting values (``--set NAME=VALUE`` and TOML configs).

Closed-form expectations: unit conversions are exact decimal factors (500 uM = 0.5 mM);
ranges are ``numpy.linspace`` with both ends included. Every bad value raises
``UsageError`` with one line naming the parameter and the value.
"""
from __future__ import annotations

import math
import tomllib

import pytest
from brian2 import kelvin, mM, ms, mV

from channels.constants import BODY_TEMPERATURE_K
from experiments.engine.framework import Experiment
from experiments.engine.run import resolve
from experiments.engine.settings import Setting, UsageError, concentration

MG = concentration("mg_o", (0.1, 1.0), "extracellular Mg", "test", quick=(1.0,))
V = Setting("v", (-70.0,), mV, "clamp potential", "test", minimum=-200.0, maximum=200.0)
TEMP = Setting("temperature", (BODY_TEMPERATURE_K,), kelvin, "temperature", "test", minimum=0.0,
               exclusive_minimum=True)
N = Setting("n", (10,), None, "cell count", "test", minimum=1, maximum=1000, integer=True)
X = Setting("x", (0.5,), None, "a dimensionless number", "test")
BLOCK = Setting("block", ("jahr_stevens",), None, "block form", "test",
                choices=("jahr_stevens", "woodhull", "kinetic"), structural=True)


def read(setting, raw, origin="--set") -> tuple:
    """Parsed values (Brian2 quantities) as numbers in the setting's unit."""
    return setting.in_unit(setting.parse(raw, origin))


def error_of(setting, raw, origin="--set") -> str:
    with pytest.raises(UsageError) as info:
        setting.parse(raw, origin)
    message = str(info.value)
    assert "\n" not in message
    assert setting.name in message and "allowed" in message
    return message


@pytest.mark.parametrize("raw, expected", [
    ("1.5", (1.5,)), ("0", (0.0,)), (" 2 ", (2.0,)), ("1e-3", (0.001,)), (".5", (0.5,)),
    ("+3", (3.0,)),
])
def test_plain_numbers_are_in_the_setting_unit(raw, expected):
    """A bare number is read in the setting's unit (mM for mg_o)."""
    assert read(MG, raw) == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize("raw, expected", [
    ("500uM", 0.5), ("500 uM", 0.5), ("0.5mM", 0.5), ("1 mmolar", 1.0), ("2e-3 molar", 2.0),
    ("1000 umolar", 1.0),
])
def test_quantities_are_converted(raw, expected):
    """Quantities with a unit convert exactly: 500 uM = 0.5 mM (SI prefixes)."""
    assert read(MG, raw) == pytest.approx((expected,), rel=1e-12)


def test_quantities_in_other_units():
    """Voltages in V or mV, temperatures in K; -40 mV = -0.04 V."""
    assert read(V, "-40 mV") == pytest.approx((-40.0,))
    assert read(V, "-0.04 volt") == pytest.approx((-40.0,))
    assert read(V, "-0.04V") == pytest.approx((-40.0,))
    assert read(TEMP, "300 K") == pytest.approx((300.0,))
    assert read(X, "0.25") == (0.25,)


def test_lists():
    """Comma-separated values, each a number or a quantity."""
    assert read(MG, "0.1,0.5,1") == pytest.approx((0.1, 0.5, 1.0))
    assert read(MG, "100uM, 1mM, 2") == pytest.approx((0.1, 1.0, 2.0))


def test_ranges():
    """``start:stop:count`` is linspace with both ends: 0:2:11 is 0, 0.2, ..., 2 mM."""
    values = read(MG, "0:2:11")
    assert len(values) == 11
    assert values == pytest.approx(tuple(0.2 * k for k in range(11)), abs=1e-12)
    assert values[0] == 0.0 and values[-1] == 2.0
    assert read(V, "-100:40:8") == pytest.approx(tuple(-100 + 20 * k for k in range(8)))
    assert read(MG, "100uM:1mM:10") == pytest.approx(tuple(0.1 * k for k in range(1, 11)))
    assert read(MG, "0.5:0.5:1") == (0.5,)  # one point: start == stop
    assert read(MG, "500uM:0.5mM:1") == pytest.approx((0.5,))  # equal after conversion


@pytest.mark.parametrize("raw, why", [
    ("0:2", "start:stop:count"), ("0:2:x", "count"), ("0:2:0", "count"), ("0:2:2.5", "count"),
    ("1:2:3:4", "start:stop:count"), ("-1:2:3", "out of range"),
    ("0:1:1", "1-point range needs start == stop"), ("0.5:1:1", "or use a count >= 2"),
])
def test_bad_ranges(raw, why):
    """Malformed ranges and ranges leaving the bounds are refused."""
    assert why in error_of(MG, raw)


@pytest.mark.parametrize("setting, raw, why", [
    (MG, "-1", "out of range"), (MG, "-0.001", "out of range"), (MG, "1001", "out of range"),
    (MG, "-5uM", "out of range"), (V, "250", "out of range"), (V, "-0.3V", "out of range"),
    (TEMP, "0", "out of range"), (TEMP, "-1", "out of range"), (N, "0", "out of range"),
])
def test_bounds(setting, raw, why):
    """Inclusive bounds (mg_o >= 0 mM, v within +-200 mV, n >= 1) and exclusive minimum (T > 0)."""
    message = error_of(setting, raw)
    assert why in message and repr(raw) in message


def test_bound_edges_are_allowed():
    """The inclusive bounds themselves are allowed (0 mM, 1000 mM)."""
    assert read(MG, "0") == (0.0,) and read(MG, "1000") == (1000.0,)
    assert read(MG, "1M") == (1000.0,)


@pytest.mark.parametrize("raw", ["nan", "NaN", "inf", "-inf", "infinity", "Infinity", "1e400",
                                 "nan mM"])
def test_nan_and_infinity(raw):
    """NaN and infinite values are refused as not finite."""
    assert "finite" in error_of(MG, raw)


@pytest.mark.parametrize("raw", ["5mV", "5 ms", "1 kelvin", "2 mm", "3 nS"])
def test_wrong_dimension(raw):
    """A unit of another dimension (mV, ms, K, mm = millimetre) for a concentration is refused."""
    message = error_of(MG, raw)
    assert "does not measure the same" in message


def test_unknown_unit_and_dimensionless():
    """Unknown unit names are refused; dimensioned units for a dimensionless setting too."""
    assert "unknown unit" in error_of(MG, "5 parsec")
    assert "dimensionless" in error_of(X, "5 mV")


@pytest.mark.parametrize("raw", ["abc", "one", "1..2", "--1", "1 2", "0x10", "mM", "1,abc",
                                 "1,,2", ""])
def test_non_numeric(raw):
    """Text that is not a number (or an empty value / empty list item) is refused."""
    message = error_of(MG, raw)
    assert "not a number" in message or "empty" in message or "unknown unit" in message


def test_choices():
    """A categorical setting takes its listed strings (one or a list), nothing else."""
    assert read(BLOCK, "woodhull") == ("woodhull",)
    assert read(BLOCK, "jahr_stevens,kinetic") == ("jahr_stevens", "kinetic")
    assert "'ohmic' is not allowed" in error_of(BLOCK, "ohmic")
    assert "one of jahr_stevens, woodhull, kinetic" in error_of(BLOCK, "ohmic")
    assert "number is not allowed" in error_of(BLOCK, 1.0, "config")


def test_integers():
    """Integer settings take whole numbers (also written 1e2 or 5.0) and return ints."""
    assert read(N, "5") == (5,) and isinstance(read(N, "5")[0], int)
    assert read(N, "1e2") == (100,)
    assert read(N, 5.0, "config") == (5,)
    assert "whole number" in error_of(N, "2.5")
    assert "whole number" in error_of(N, 2.5, "config")


def test_toml_values():
    """TOML values: numbers, strings with units, lists, ranges as strings."""
    config = tomllib.loads('''
        mg_int = 1
        mg_float = 0.5
        mg_list = [0.1, 0.5, 1]
        mg_strings = ["500uM", "1 mM"]
        mg_range = "0:1:5"
        mg_mixed = [0.1, "200uM"]
    ''')
    assert read(MG, config["mg_int"], "config") == (1.0,)
    assert read(MG, config["mg_float"], "config") == (0.5,)
    assert read(MG, config["mg_list"], "config") == pytest.approx((0.1, 0.5, 1.0))
    assert read(MG, config["mg_strings"], "config") == pytest.approx((0.5, 1.0))
    assert read(MG, config["mg_range"], "config") == pytest.approx((0, 0.25, 0.5, 0.75, 1.0))
    assert read(MG, config["mg_mixed"], "config") == pytest.approx((0.1, 0.2))


@pytest.mark.parametrize("toml, why", [
    ("x = true", "true/false"), ("x = []", "empty list"), ("x = [[1, 2]]", "nested"),
    ("x = {a = 1}", "dict"), ("x = -1", "out of range"), ("x = nan", "finite"),
    ("x = inf", "finite"), ("x = [0.1, -2]", "out of range"), ("x = 'abc'", "not a number"),
    ("x = 1979-05-27", "date"),
])
def test_bad_toml_values(toml, why):
    """Booleans, empty or nested lists, tables, dates and out-of-range TOML values are refused,
    naming the origin (config) and the parameter."""
    message = error_of(MG, tomllib.loads(toml)["x"], "config")
    assert why in message and message.startswith("config mg_o=")


def test_setting_metadata():
    """Column names carry the unit (mg_o_mM, v_mV, temperature_K); quick values apply."""
    assert MG.column_name == "mg_o_mM" and V.column_name == "v_mV"
    assert TEMP.column_name == "temperature_K" and BLOCK.column_name == "block"
    assert MG.in_unit(MG.values(quick=False)) == (0.1, 1.0)
    assert MG.in_unit(MG.values(quick=True)) == (1.0,)
    assert V.in_unit(V.values(quick=True)) == (-70.0,)
    assert V.values(quick=True)[0] == -70.0 * mV  # declared in the unit, run as a quantity
    assert MG.unit == mM and MG.minimum == 0.0


class _Toy(Experiment):
    name = "toy"
    settings = (MG, V, Setting("settle", (20.0,), ms, "settle", "test", minimum=0.0))


def test_resolve_order():
    """Defaults, then --quick values, then the config, then --set flags (flags win)."""
    assert MG.in_unit(resolve(_Toy, False, {}, {})["mg_o"]) == (0.1, 1.0)
    assert MG.in_unit(resolve(_Toy, True, {}, {})["mg_o"]) == (1.0,)
    values = resolve(_Toy, True, {"mg_o": [0.2, 0.3], "v": "-80:-40:3"}, {"mg_o": "2"})
    assert MG.in_unit(values["mg_o"]) == (2.0,)
    assert V.in_unit(values["v"]) == pytest.approx((-80.0, -60.0, -40.0))
    assert values["settle"] == (20.0 * ms,)
    with pytest.raises(UsageError, match="unknown parameter of toy"):
        resolve(_Toy, False, {}, {"nope": "1"})
    with pytest.raises(UsageError, match="config nope="):
        resolve(_Toy, False, {"nope": 1}, {})
    assert "nope" not in resolve(_Toy, False, {}, {"nope": "1"}, strict=False)


def test_quantities_and_arrays_are_accepted():
    """Python values (the simulate() API): quantities and arrays, checked like text."""
    assert read(MG, 0.5 * mM) == (0.5,)
    assert read(MG, [100e-6 * mM * 1000, 2 * mM]) == pytest.approx((0.1, 2.0))
    import numpy as np
    assert read(V, np.array([-80.0, -40.0]) * mV) == pytest.approx((-80.0, -40.0))
    assert "does not measure the same" in error_of(MG, 5 * mV)
    assert "out of range" in error_of(MG, -1 * mM)


def test_long_values_are_cut_in_error_lines():
    """An error line repeats at most about 80 characters of a value, with an ellipsis and the
    value's length: a 100000-character value, bad as a whole or in one item."""
    for raw in ("0," * 50_000, "x" * 100_000, "1" * 99_999 + "x", "0:1:" + "9" * 99_996):
        message = error_of(MG, raw)
        assert len(message) < 400, message[:500]
        assert "...' (100000 characters)" in message


def test_allowed_text():
    """The 'allowed' text states kind, unit and bounds."""
    assert MG.allowed().startswith("numbers in mM >= 0 and <= 1000")
    assert N.allowed().startswith("whole numbers >= 1 and <= 1000")
    assert TEMP.allowed().startswith("numbers in K > 0")
    assert not math.isnan(read(V, "0")[0])
