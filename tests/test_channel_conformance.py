"""Conformance of every registered channel to the contract of ``channels.base``.

Parametrized over ``channels.CHANNELS`` (discovered from the modules of the
package) and over every form each class lists in ``variants()`` (declared on
``Channel``: one default form unless the channel has structural options): a
channel file dropped into ``channels/`` is checked here with no edit to this file.

Each variant is simulated once (cached): a ``NeuronGroup`` built from
``environment_equations`` and the channel's equations alone, with two
environments at seven clamp voltages (the default environment of the task,
v = -65 mV, Mg_o 1 mM, Mg_i 0.5 mM, K_o 4 mM, K_i 140 mM, T 37 C, and a
second one with every environment variable changed, so a value hard-coded in
an equation instead of read from the environment shows up as a mismatch).

Contract (channels/base.py): a channel's own variables end in ``_<name>``; its
current ``I_<name>`` is outward positive, ``I = g (V - E)``; ``initial_states``
is the steady state in an environment; ``current_states`` are the states at
which the Brian2 current equals the numpy ``current`` (steady state, or the
gate fully open for ligand-gated channels).

Declared ranges: every parameter of every channel, and every Parameter anywhere in
channels/ and models/, declares a finite allowed range in its unit with a one-line
reason and its default inside; every setting of every registered experiment is a
choice or has a finite minimum and maximum, with its default and quick values inside.
"""
from __future__ import annotations

import inspect
import pkgutil
import re
from functools import lru_cache

import numpy as np
import pytest
from brian2 import Equations, Network, NeuronGroup, Quantity, amp, mV, ms
from brian2.units.fundamentalunits import DIMENSIONLESS, get_dimensions, have_same_dimensions

import channels
from channels import CHANNELS, ENVIRONMENT, Channel, Parameter
from models.environment import channel_equations, environment_equations

from conftest import DEFAULT_ENV_VALUES, FALLBACK_ENV_VALUE, make_env

#: Clamp voltages (mV) of the simulated compartments; -65 mV is the task's default.
VOLTAGES = np.array([-120.0, -90.0, -65.0, -40.0, -10.0, 20.0, 50.0])
#: A second environment with every variable moved away from the default.
OTHER_ENV = {"Mg_o": 0.2, "Mg_i": 1.5, "K_o": 12.0, "K_i": 120.0, "T": 298.15, "Ca_o": 1.2,
             "Na_o": 120.0, "Na_i": 20.0}
#: How long the steady state must stay steady, and with which step.
HOLD, DT = 50 * ms, 0.1 * ms


def _variants() -> list[tuple[str, Channel]]:
    """(test id, channel) for every form of every registered channel.

    The id is the channel's name, followed by the variant's name when the class
    has more than the default form (``NMDA-kinetic-open``).
    """
    out = []
    for cls in CHANNELS.values():
        forms = cls.variants()
        for label, kwargs in forms.items():
            name = cls.name if list(forms) == ["default"] else f"{cls.name}-{label}"
            out.append((name, cls(**kwargs)))
    return out


IDS, VARIANTS = (list(column) for column in zip(*_variants()))
CLASSES = list(CHANNELS.values())
by_variant = pytest.mark.parametrize("channel", VARIANTS, ids=IDS)
by_class = pytest.mark.parametrize("cls", CLASSES, ids=[c.name for c in CLASSES])


def env_arrays() -> dict[str, Quantity]:
    """Per-neuron environment: the default at every voltage, then OTHER_ENV at every voltage.

    Environment variables without a listed value get the fallback, then 1.5 times it.
    """
    n = len(VOLTAGES)
    values = {}
    for name in ENVIRONMENT:
        first = DEFAULT_ENV_VALUES.get(name, FALLBACK_ENV_VALUE)
        second = OTHER_ENV.get(name, 1.5 * first)
        values[name] = np.concatenate([np.full(n, first), np.full(n, second)])
    values["v"] = np.concatenate([VOLTAGES, VOLTAGES])
    return make_env(**values)


def state_names(channel: Channel) -> list[str]:
    """The channel's differential-equation states."""
    return sorted(channel.equations().diff_eq_names)


@lru_cache(maxsize=None)
def simulate(index: int) -> dict:
    """Build, initialise at steady state, hold for 50 ms with no input; cached per variant."""
    from experiments.engine.batch import configure_brian
    # Brian2's numpy target: the same equations without compiling a Cython module per
    # variant (50 ms of one small group costs milliseconds either way)
    configure_brian("numpy")
    channel = VARIANTS[index]
    env = env_arrays()
    n = len(env["v"])
    eqs = environment_equations([channel]) + channel_equations([channel])
    # a stable name (not the index, which shifts as channels are added) keeps Brian2's
    # compiled-code cache valid from run to run
    label = re.sub(r"\W", "_", IDS[index])
    name = f"conformance_{label}" + ("" if IDS.count(IDS[index]) == 1 else f"_{index}")
    group = NeuronGroup(n, eqs, method=("exponential_euler", "rk4"), dt=DT, namespace={},
                        name=name)
    for key in channel.uses:
        setattr(group, key, env[key])
    channel.initialize(group, {k: env[k] for k in channel.uses})
    states = state_names(channel)
    before = {s: np.array(getattr(group, s)[:]) for s in states}
    Network(group).run(HOLD, namespace={})
    after = {s: np.array(getattr(group, s)[:]) for s in states}
    # the states current() assumes (steady state, or the gate fully open), read without running
    for key, value in channel.current_states({k: env[k] for k in channel.uses}).items():
        setattr(group, key, value)
    current = np.array(getattr(group, channel.current_name)[:])
    return {"group": group, "env": env, "before": before, "after": after, "current": current}


def index_of(channel: Channel) -> int:
    return next(i for i, c in enumerate(VARIANTS) if c is channel)


# -- the registry ------------------------------------------------------------------------

def test_registry_holds_every_channel_once():
    """Every named Channel subclass in channels/*.py is registered, and names are unique.

    Two classes with the same ``name`` would silently replace each other in CHANNELS.
    """
    import importlib
    found = []
    for info in pkgutil.iter_modules(channels.__path__):
        module = importlib.import_module(f"channels.{info.name}")
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, Channel) and obj.name and obj.__module__ == module.__name__:
                found.append(obj)
    names = [cls.name for cls in found]
    assert len(names) == len(set(names)), f"duplicate channel names: {sorted(names)}"
    assert set(found) == set(CHANNELS.values())
    assert {"NMDA", "ROMK"} <= set(CHANNELS)


# -- the contract of channels.base ---------------------------------------------------------

@by_class
def test_variants_are_constructor_arguments(cls):
    """``variants()`` maps each form's name to keyword arguments that build it."""
    forms = cls.variants()
    assert isinstance(forms, dict) and forms, f"{cls.__name__}.variants() is empty"
    for label, kwargs in forms.items():
        assert isinstance(label, str) and label
        assert isinstance(cls(**kwargs), cls)


def test_channel_without_reversal_is_refused_in_one_line():
    """A named channel class lacking reversal() is refused when defined, in one line that
    names the class and the method."""
    with pytest.raises(TypeError) as refused:
        class Kir99(Channel):
            """A student's channel that forgot reversal()."""

            name = "Kir99"

            def equation_text(self):
                return "I_Kir99 = g_Kir99 * (v - E_Kir99) : amp"

            def current(self, v, **_env):
                return v
    message = str(refused.value)
    assert "Kir99" in message and "reversal()" in message
    assert "\n" not in message


def test_unnamed_base_names_the_missing_method():
    """An unnamed (abstract) channel class may omit methods; calling one says which, in one line."""
    class Draft(Channel):
        """No name: not registered, not checked at definition."""

    for method in ("equation_text", "current", "reversal"):
        with pytest.raises(NotImplementedError, match=rf"^Draft does not define {method}\(\)"):
            getattr(Draft(), method)()
    assert float(Draft().unblocked(v=-70 * mV)) == 1.0  # no block: all unblocked


# -- declarations --------------------------------------------------------------------------

@by_class
def test_reference_and_parameters(cls):
    """The class cites its model; every parameter has a unit matching its value, a finite
    value, a meaning and a source, and a name suffixed by the channel (``g_NMDA``)."""
    assert isinstance(cls.reference, str) and cls.reference.strip(), f"{cls.__name__}: no reference"
    assert cls.__doc__ and cls.__doc__.strip(), f"{cls.__name__}: no docstring"
    assert cls.parameters, f"{cls.__name__}: no parameters"
    names = [p.name for p in cls.parameters]
    assert len(names) == len(set(names)), f"{cls.__name__}: duplicate parameters"
    for p in cls.parameters:
        assert isinstance(p, Parameter)
        assert p.name.endswith(f"_{cls.name}"), f"{p.name}: not suffixed _{cls.name}"
        assert p.meaning.strip(), f"{p.name}: no meaning"
        assert p.source.strip(), f"{p.name}: no source"
        assert isinstance(p.uncertain, bool)
        if isinstance(p.unit, Quantity) and get_dimensions(p.unit) is not DIMENSIONLESS:
            assert isinstance(p.value, Quantity), f"{p.name}: value without unit"
            assert have_same_dimensions(p.value, p.unit), f"{p.name}: {p.value!r} is not in {p.unit!r}"
        else:
            assert p.unit == 1, f"{p.name}: dimensionless unit should be 1, not {p.unit!r}"
            assert get_dimensions(p.value) is DIMENSIONLESS, f"{p.name}: {p.value!r} is not dimensionless"
        assert np.isfinite(p.magnitude()), f"{p.name}: value {p.value!r}"
    assert set(cls.uses) <= set(ENVIRONMENT), f"{cls.__name__} uses {cls.uses}"


def bounds_problem(p: Parameter) -> str | None:
    """Why parameter ``p`` does not declare a usable range, or None if it does: finite
    ``minimum < maximum`` in its unit, a one-line reason, and the default inside."""
    lo, hi = p.minimum, p.maximum
    if lo is None or hi is None:
        return f"{p.name}: no minimum and maximum declared (Parameter(..., minimum=, maximum=))"
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        return f"{p.name}: range {lo!r} to {hi!r} is not a finite interval"
    if not p.bounds_reason.strip() or "\n" in p.bounds_reason:
        return f"{p.name}: no one-line bounds_reason saying why the range is {p.allowed()}"
    value = p.magnitude()
    if not ((value > lo if p.exclusive_minimum else value >= lo) and value <= hi):
        return f"{p.name}: default {value:g} is outside its own range {p.allowed()}"
    return None


@by_class
def test_parameters_declare_their_allowed_range(cls):
    """Every parameter declares a finite allowed range in its unit with a reason, and its
    default lies inside: its setting (``--set NAME=VALUE``) refuses what is outside."""
    problems = [why for p in cls.parameters if (why := bounds_problem(p))]
    assert not problems, "; ".join(problems)


def test_registry_parameters_of_models_declare_their_allowed_range():
    """The same for every Parameter declared anywhere in channels/ and models/ (module
    constants such as the network's PARAMETERS, classes' ``parameters``)."""
    import importlib

    import models
    found: dict[str, Parameter] = {}
    for package in (channels, models):
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            values = list(vars(module).values())
            values += [getattr(obj, "parameters", ()) for obj in values if inspect.isclass(obj)]
            for value in values:
                items = value if isinstance(value, (tuple, list)) else (value,)
                for p in items:
                    if isinstance(p, Parameter):
                        found[f"{module.__name__}.{p.name}"] = p
    assert len(found) > 50
    problems = [f"{where}: {why}" for where, p in found.items() if (why := bounds_problem(p))]
    assert not problems, "; ".join(problems)


def _experiment_names() -> list[str]:
    from experiments import experiments
    return list(experiments())


@pytest.mark.parametrize("name", _experiment_names())
def test_experiment_settings_declare_finite_bounds(name):
    """Every setting of every registered experiment (its own, its channels' parameters,
    ``replicates``) is a choice or has a finite minimum and maximum, and its default and
    quick values parse within them."""
    from experiments import get_experiment
    for setting in get_experiment(name).all_settings().values():
        if setting.choices is None:
            lo, hi = setting.minimum, setting.maximum
            assert lo is not None and hi is not None and np.isfinite(lo) and np.isfinite(hi), (
                f"{name}: setting {setting.name} allows {setting.allowed()}; declare a finite "
                "minimum and maximum")
        for values in (setting.default, setting.quick or ()):
            if values:
                setting.parse(list(values), "declared")  # UsageError if out of range


@by_variant
def test_variables_are_suffixed_and_current_named(channel):
    """The current is ``I_<name>`` in amp; every variable the channel defines ends in
    ``_<name>`` (so channels never clash in one model); it never declares environment
    variables, and its uses are environment variables."""
    eqs = channel.equations()
    assert isinstance(eqs, Equations)
    assert channel.current_name == f"I_{channel.name}"
    assert channel.current_name in eqs.names
    assert have_same_dimensions(eqs[channel.current_name].dim, amp)
    assert set(channel.uses) <= set(ENVIRONMENT)
    for name in eqs.names:
        assert name not in ENVIRONMENT, f"{name} is an environment variable; use, do not declare"
        assert name.endswith(f"_{channel.name}"), f"{name} is not suffixed _{channel.name}"
    for name in channel.recordables:
        assert name in eqs.names, f"recordable {name} is not a variable"


@by_variant
def test_builds_and_holds_parameters(channel):
    """Builds in a NeuronGroup with environment_equations and its own equations only (so its
    ``uses`` are complete), runs, and holds its parameter values after ``initialize``."""
    group = simulate(index_of(channel))["group"]
    for p in channel.active_parameters():
        value = getattr(group, p.name)[:]
        expected = channel.values[p.name]
        np.testing.assert_allclose(np.asarray(value), float(expected) * np.ones(len(value)),
                                   rtol=1e-12, err_msg=p.name)


# -- physics ----------------------------------------------------------------------------------

@by_variant
def test_current_sign(channel):
    """Outward (positive) above the reversal, inward (negative) below, zero at it (the sign
    changes within 1e-3 mV), with the gate fully open (numpy ``current`` at the default
    environment): I = g (V - E). A current
    that does not reverse (``reverses = False``) has the sign of its ``direction`` and is
    nonzero at seven voltages from -120 to +50 mV."""
    env = make_env()
    if not channel.reverses:
        current = np.asarray(channel.current(**make_env(v=VOLTAGES)) / amp, float)
        assert current.shape == VOLTAGES.shape
        assert np.all(np.sign(current) == channel.direction), current
        return
    e = channel.reversal(**env)
    e_mV = float(np.asarray(e / mV))
    for delta in (2.0, 20.0):
        above = channel.current(**{**env, "v": (e_mV + delta) * mV})
        below = channel.current(**{**env, "v": (e_mV - delta) * mV})
        assert float(above) > 0, f"I({e_mV + delta:.1f} mV) = {above!r} not outward"
        assert float(below) < 0, f"I({e_mV - delta:.1f} mV) = {below!r} not inward"
    # zero at it: the sign changes within 1e-3 mV of E (a transporter's current near its
    # reversal is a difference of large fluxes, so its value at E is rounding noise)
    assert float(channel.current(**{**env, "v": (e_mV + 1e-3) * mV})) > 0
    assert float(channel.current(**{**env, "v": (e_mV - 1e-3) * mV})) < 0


@by_variant
def test_unblocked_fraction_is_a_fraction(channel):
    """``unblocked`` lies in (0, 1] at seven voltages of the default environment, one value
    per voltage (1 everywhere for a channel without a block)."""
    env = make_env(v=VOLTAGES)
    f = np.asarray(channel.unblocked(**env), float)
    assert f.shape == VOLTAGES.shape
    assert np.all((f > 0) & (f <= 1)), f


@by_variant
def test_steady_state_is_steady(channel):
    """Initialised with ``initial_states`` (default environment and a second one, 7 voltages
    each), no input, 50 ms at dt 0.1 ms: every state unchanged within 1e-9 relative
    (absolute 1e-12 for states at 0)."""
    result = simulate(index_of(channel))
    for name, before in result["before"].items():
        np.testing.assert_allclose(result["after"][name], before, rtol=1e-9, atol=1e-12,
                                   err_msg=f"{name} drifts from its initial state")


@by_variant
def test_brian2_current_equals_numpy(channel):
    """The Brian2 current (states at ``current_states``) equals the numpy ``current`` at
    7 voltages in 2 environments. Tolerance: relative 1e-9, absolute 1e-9 of the largest."""
    result = simulate(index_of(channel))
    env = result["env"]
    try:  # per-neuron arrays, as the batched experiments pass them
        expected = np.asarray(channel.current(**{k: env[k] for k in ENVIRONMENT}) / amp, float)
        problem = None
    except TypeError as exc:
        problem = str(exc)
    if problem:
        pytest.fail(f"numpy current() fails on per-neuron arrays of the environment "
                    f"(a float() of an array?): {problem}")
    expected = np.broadcast_to(expected, result["current"].shape)
    got = result["current"]
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9 * np.abs(expected).max())
    assert np.abs(expected).max() > 0
