"""Physically impossible values are refused by the parser, before anything is simulated.

Every channel and model parameter declares its allowed range (``Parameter(minimum=,
maximum=, exclusive_minimum=, bounds_reason=)``, channels/base.py) and its setting carries
it (``Setting.from_parameter``); the experiments' own settings declare finite bounds too
(tests/test_channel_conformance.py checks both for every registered channel, model and
experiment). Values that used to pass the parser and then fail in the simulation with a
FloatingPointError (exit 1, an empty partial folder) now get exit status 2, one line on
stderr naming the parameter, the value and the allowed range, and nothing is written.

Also: a range ``start:stop:1`` with start != stop is refused (``start:start:1`` is one
point), and an error line repeats at most about 80 characters of a long value.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from brian2 import nS

from channels.base import Channel, Parameter
from channels.romk import ROMK
from experiments import get_experiment
from experiments.engine.settings import Setting, UsageError

import test_channel_conformance as conformance
from test_cli import _env, call

#: (experiment, --set item, parameter, value as typed): values outside the physics.
IMPOSSIBLE = {
    "Kd0 zero": ("romk_iv", "Kd0_ROMK=0", "Kd0_ROMK", "0"),
    "temperature near 0 K": ("romk_iv", "temperature=1e-6", "temperature", "1e-6"),
    "nmda temperature": ("nmda_iv", "temperature=1e-6", "temperature", "1e-6"),
    "zdelta 1e4": ("romk_iv", "zdelta_ROMK=1e4", "zdelta_ROMK", "1e4"),
    "enac_scale 1e300": ("k_secretion", "enac_scale=1e300", "enac_scale", "1e300"),
}


def assert_refused(status, stdout, stderr, out: Path, *named: str) -> str:
    """Exit 2, nothing on stdout, exactly one 'hypomag: error:' line naming ``named``,
    no output folder; returns the line."""
    assert status == 2, stderr
    assert stdout == ""
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("hypomag: error: ") and "Traceback" not in stderr
    for text in named:
        assert text in lines[0], f"{text!r} not in {lines[0]!r}"
    assert not out.exists(), "a refused run left its output folder"
    return lines[0]


@pytest.mark.parametrize("case", list(IMPOSSIBLE), ids=list(IMPOSSIBLE))
def test_impossible_value_is_refused_before_simulating(case, tmp_path):
    """``hypomag run EXP --quick --set NAME=VALUE --out DIR``: exit 2, one line with the
    parameter, the value and the allowed range (as ``run EXP --help`` shows it), no DIR."""
    experiment, item, name, typed = IMPOSSIBLE[case]
    out = tmp_path / "out"
    allowed = get_experiment(experiment).all_settings()[name].allowed()
    line = assert_refused(*call("run", experiment, "--quick", "--set", item, "--out", str(out)),
                          out, f"--set {name}='{typed}'", "out of range", f"allowed: {allowed}")
    assert "and <=" in line  # a range with both ends


def test_impossible_value_installed_script(tmp_path):
    """The same through the installed ``hypomag`` script in a fresh process."""
    script = Path(sys.executable).with_name("hypomag")
    out = tmp_path / "out"
    result = subprocess.run([str(script), "run", "romk_iv", "--quick", "--set", "Kd0_ROMK=0",
                             "--out", str(out)], cwd=tmp_path, env=_env(tmp_path),
                            capture_output=True, text=True, timeout=300)
    assert_refused(result.returncode, result.stdout, result.stderr, out,
                   "--set Kd0_ROMK='0'", "> 0 and <= 1000")


@pytest.mark.parametrize("name, allowed", [
    ("Kd0_ROMK", "> 0 and <= 1000"), ("zdelta_ROMK", ">= 0 and <= 4"),
    ("temperature", ">= 273.15 and <= 318.15"), ("settle", "> 0 and <= 10000"),
])
def test_run_help_shows_the_range(name, allowed):
    """``hypomag run romk_iv --help`` (answered from the catalogue) shows each range."""
    status, stdout, _ = call("run", "romk_iv", "--help")
    assert status == 0
    row = next(line for line in stdout.splitlines() if line.split()[:1] == [name])
    assert allowed in row


def test_ranges_at_their_edges():
    """The ends of a range: Kd0 > 0 (0 refused, 1e-9 mM allowed), zdelta 0 to 4 inclusive,
    temperature 0 to 45 C inclusive."""
    romk = get_experiment("romk_iv").all_settings()
    assert romk["Kd0_ROMK"].in_unit(romk["Kd0_ROMK"].parse("1e-9")) == pytest.approx((1e-9,))
    with pytest.raises(UsageError, match="out of range"):
        romk["Kd0_ROMK"].parse("0 mM")
    assert romk["zdelta_ROMK"].parse("0,4") == (0.0, 4.0)
    with pytest.raises(UsageError, match="out of range"):
        romk["zdelta_ROMK"].parse("4.01")
    assert len(romk["temperature"].parse("273.15:318.15:10")) == 10
    for bad in ("273.1", "318.2", "-5", "0"):
        with pytest.raises(UsageError, match="out of range"):
            romk["temperature"].parse(bad)


def test_setting_of_a_parameter_carries_its_range():
    """``Setting.from_parameter`` takes minimum, maximum and exclusive_minimum from the
    parameter; a parameter without a declared range keeps the old default (>= 0)."""
    kd0 = Setting.from_parameter(ROMK.parameter("Kd0_ROMK"))
    assert (kd0.minimum, kd0.maximum, kd0.exclusive_minimum) == (0.0, 1000.0, True)
    bare = Setting.from_parameter(Parameter("g_X", 1 * nS, nS, "a conductance", "test"))
    assert (bare.minimum, bare.maximum) == (0.0, None)
    assert Setting.from_parameter(ROMK.parameter("Kd0_ROMK"), maximum=10.0).maximum == 10.0


def test_channel_without_ranges_fails_conformance():
    """A new channel whose parameters declare no range fails the conformance check."""
    class Kir98(Channel):
        """A student's channel without ranges."""

        name = "Kir98"
        reference = "test"
        parameters = (Parameter("g_Kir98", 1 * nS, nS, "conductance", "test"),)

        def equation_text(self):
            return "I_Kir98 = g_Kir98 * v : amp"

        def current(self, v, **_env):
            return self.values["g_Kir98"] * v

        def reversal(self, **_env):
            return 0

    with pytest.raises(AssertionError, match="g_Kir98: no minimum and maximum declared"):
        conformance.test_parameters_declare_their_allowed_range(Kir98)


# -- parsing surprises --------------------------------------------------------------------

def test_one_point_range_needs_equal_ends(tmp_path):
    """``0:1:1`` used to drop its stop silently; now: exit 2, one line saying a 1-point range
    needs start == stop. ``0.5:0.5:1`` is the one point 0.5."""
    out = tmp_path / "out"
    assert_refused(*call("run", "nmda_iv", "--set", "mg_o=0:1:1", "--out", str(out)), out,
                   "--set mg_o='0:1:1'", "a 1-point range needs start == stop",
                   "count >= 2")
    mg_o = get_experiment("nmda_iv").setting("mg_o")
    assert mg_o.in_unit(mg_o.parse("0.5:0.5:1")) == (0.5,)
    assert mg_o.in_unit(mg_o.parse("0:1:2")) == (0.0, 1.0)


@pytest.mark.parametrize("name, value", [("mg_o", "0," * 3000 + "x" * 94_000),  # 3001 values
                                         ("mg_o", "x" * 100_000),
                                         ("bogus", "0," * 50_000)])
@pytest.mark.parametrize("experiment", ["nmda_iv", "all"])
def test_error_line_cuts_a_long_value(experiment, name, value, tmp_path):
    """A 100000-character value (bad, or given to an unknown parameter): one line of a few
    hundred characters that shows the start of the value, an ellipsis and the length, e.g.
    ``'0,0,0,...' (100000 characters)``."""
    out = tmp_path / "out"
    line = assert_refused(*call("run", experiment, "--set", f"{name}={value}", "--out", str(out)),
                          out, f"--set {name}='{value[:20]}", "...' (100000 characters)")
    assert len(line) < 400, line[:500]
