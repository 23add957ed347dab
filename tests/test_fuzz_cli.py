"""Fuzzing the command line and TOML configs: bad input always fails cleanly.

For any argument list or config file built from hostile pieces (random
text, huge, tiny, NaN, infinite and negative numbers, wrong units, unknown
names and keys, malformed ranges and lists), ``hypomag`` run in process
(:func:`experiments.cli.main`) either accepts the input or

* exits with status 2,
* prints exactly one line on stderr, starting ``hypomag: error:``,
* prints no traceback,
* and leaves no output folder behind.

Nothing simulates: :func:`experiments.engine.run.run` is replaced by a stub that
records valid inputs (which then must exit 0 and print no error), so every
example takes milliseconds.
"""
from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import experiments.engine.run as run_module
from experiments import experiments
from experiments.cli import main

NAMES = list(experiments())
SETTINGS = sorted({s for cls in experiments().values() for s in cls.all_settings()})
FUZZ = settings(max_examples=120, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])

hostile_numbers = st.sampled_from([
    "nan", "NaN", "inf", "-inf", "1e308", "1e400", "-1e400", "1e-320", "5e-324", "-1", "-0",
    "0", "-1e9", "1e9", "1e999999", "0x10", "1_000", "١", "½", "1e", "--1", "+-1", ".", "e5"])
hostile_units = st.sampled_from([
    "5 mV", "3 kg", "2 mM", "2mM", "1 mmole", "1 metre", "7 Hz", "1 nS", "1 mM/second",
    "1 mV**2", "1 furlong", "1 m*", "1 /", "500uM", "1 ms", "10 kelvin", "1 pA"])
hostile_shapes = st.sampled_from([
    "", " ", ",", ",,", "1,", ",1", "1,,2", "0:1", "0:1:0", "0:1:-3", "0:1:1e9", "0:1:2.5",
    "a:b:c", "1:2:3:4", "0:nan:3", "inf:1:3", "[1, 2]", "{}", "()", "1;2", "1 2", "= 1"])
values = st.one_of(hostile_numbers, hostile_units, hostile_shapes, st.text(max_size=30),
                   st.floats(allow_nan=True, allow_infinity=True).map(repr),
                   st.integers(-10**30, 10**30).map(str))
names = st.one_of(st.sampled_from(SETTINGS), st.text(max_size=15),
                  st.sampled_from(["MG_O", "mg_o ", " mg_o", "seed", "quick", "", "="]))


@st.composite
def set_flags(draw):
    return ["--set", f"{draw(names)}={draw(values)}"]


@st.composite
def other_flags(draw):
    flag = draw(st.sampled_from(["--seed", "--workers", "--batch-size", "--zip", "--set",
                                 "--bogus", "-x", "--quick", "--resume", "--replot"]))
    if flag in ("--quick", "--resume", "--replot"):
        return [flag]
    return [flag, draw(st.one_of(values, st.sampled_from(["0", "-3", "1.5", "mg_o,v"])))]


toml_values = st.one_of(
    st.sampled_from(['nan', 'inf', '-inf', '1e308', '-1', '"abc"', '"5 mV"', 'true', '[]',
                     '[[1]]', '["a", 1]', '{a = 1}', '1979-05-27', '0.0', '"0:1:0"']),
    st.floats(allow_nan=False, allow_infinity=False).map(repr), st.integers().map(str))
toml_keys = st.one_of(st.sampled_from(SETTINGS), st.from_regex(r"[a-z_]{1,10}", fullmatch=True))


@st.composite
def configs(draw):
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return draw(st.text(max_size=80))
    if kind == 1:  # unknown or mistyped top-level keys
        key = draw(st.sampled_from(["seed", "quick", "workers", "batch_size", "zip", "out",
                                    "scheduler", "sett", "mg_o", "set"]))
        return f"{key} = {draw(toml_values)}\n"
    lines = ["[set]"] + [f"{draw(toml_keys)} = {draw(toml_values)}"
                         for _ in range(draw(st.integers(1, 3)))]
    return "\n".join(lines) + "\n"


class Reached(Exception):
    pass


@pytest.fixture
def no_simulation(monkeypatch):
    """Replace the runner: valid inputs are recorded, nothing is simulated or written."""
    calls = []

    def fake_run(name, out, **kwargs):
        calls.append(name)
        return {}
    monkeypatch.setattr(run_module, "run", fake_run)
    monkeypatch.setattr(run_module, "replot", lambda name, out: calls.append(name) or [])
    return calls


def invoke(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return status, out.getvalue(), err.getvalue()


def assert_clean(status, stderr, out_dir: Path, accepted: bool):
    if accepted:
        assert status == 0, stderr
        assert "error" not in stderr
        return
    assert status == 2, stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("hypomag: error:"), stderr
    assert "Traceback" not in stderr
    assert not out_dir.exists(), "a rejected run left an output folder"


@FUZZ
@given(experiment=st.one_of(st.sampled_from(NAMES + ["all"]), st.text(max_size=12)),
       flags=st.lists(st.one_of(set_flags(), other_flags()), max_size=4))
def test_fuzz_run_arguments(no_simulation, experiment, flags):
    """Random --set values, names and flags: clean rejection (exit 2, one line) or acceptance."""
    with tempfile.TemporaryDirectory() as tmp:
        out_dir = Path(tmp) / "out"
        argv = ["run", experiment, *[x for f in flags for x in f], "--out", str(out_dir)]
        before = len(no_simulation)
        status, _, stderr = invoke(argv)
        assert_clean(status, stderr, out_dir, accepted=len(no_simulation) > before)


@FUZZ
@given(experiment=st.sampled_from(NAMES), text=configs())
def test_fuzz_toml_config(no_simulation, experiment, text):
    """Random TOML configs (garbage, wrong types, unknown keys, NaN): clean rejection."""
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.toml"
        config.write_text(text)
        out_dir = Path(tmp) / "out"
        before = len(no_simulation)
        status, _, stderr = invoke(["run", experiment, "--config", str(config),
                                    "--out", str(out_dir)])
        assert_clean(status, stderr, out_dir, accepted=len(no_simulation) > before)


@settings(max_examples=40, deadline=None)
@given(name=st.text(max_size=20))
def test_fuzz_channel_names(name):
    """``hypomag channels NAME``: a known name (class or suffix name, any case) prints its
    table, anything else fails cleanly. (A name starting with ``-`` is an option, such as
    ``-h``, not a channel name.)"""
    from channels import CHANNELS
    assume(not name.startswith("-"))
    status, _, stderr = invoke(["channels", name])
    known = {n.lower() for suffix, cls in CHANNELS.items() for n in (suffix, cls.__name__)}
    if name == "" or name in CHANNELS or (name.isascii() and name.lower() in known):
        assert status == 0
    else:
        assert status == 2 and len(stderr.splitlines()) == 1
        assert stderr.startswith("hypomag: error:")


@pytest.mark.parametrize("argv", [
    [], ["bogus"], ["run"], ["validate", "--bogus"], ["run", "nmda_iv", "--set"],
    ["run", "nmda_iv", "--config", "/nonexistent/config.toml"],
    ["run", "nmda_iv", "--workers", "0"], ["run", "nmda_iv", "--seed", "-1"],
])
def test_malformed_command_lines(no_simulation, argv, tmp_path):
    """Fixed malformed command lines: exit 2 with one error line."""
    status, _, stderr = invoke(argv)
    assert status == 2
    assert len(stderr.splitlines()) == 1 and stderr.startswith("hypomag: error:")
    assert not no_simulation


def test_validate_out_is_a_file(tmp_path):
    """``hypomag validate --out FILE``: rejected before any check runs."""
    target = tmp_path / "file.txt"
    target.write_text("x")
    status, _, stderr = invoke(["validate", "--quick", "--out", str(target)])
    assert status == 2 and stderr.startswith("hypomag: error:")
    assert len(stderr.splitlines()) == 1
