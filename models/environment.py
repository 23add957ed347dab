"""Declaring the environment (v, Mg_o, Mg_i, K_o, K_i, T) once per model.

Channels *use* environment variables but never declare them. A model
collects its channels, declares each variable they use exactly once (as a
per-neuron constant unless the model owns it as a state, like ``v`` in a
spiking neuron) and sums their currents. Because every environment variable
is per neuron, a sweep over Mg is one group with one Mg value per neuron.
"""
from __future__ import annotations

from typing import Iterable, Sequence

from brian2 import Equations

from channels.base import ENVIRONMENT, Channel, unit_string


def environment_equations(channels: Iterable[Channel], owned: Sequence[str] = (),
                          extra: Sequence[str] = ()) -> Equations:
    """Per-neuron constant declarations of the environment the channels use.

    Parameters
    ----------
    channels : iterable of Channel
        The channels of the model.
    owned : sequence of str
        Environment variables the model defines itself (for example ``v`` as
        a state of a spiking neuron); these are not declared here.
    extra : sequence of str
        Environment variables to declare even if no channel uses them.
    """
    used = set(extra)
    for channel in channels:
        used.update(channel.uses)
    unknown = used - set(ENVIRONMENT)
    if unknown:
        raise ValueError(f"channels use unknown environment variables {sorted(unknown)}; "
                         f"known: {', '.join(ENVIRONMENT)}")
    lines = [f"{name} : {unit_string(ENVIRONMENT[name][0])} (constant)"
             for name in ENVIRONMENT if name in used and name not in owned]
    return Equations("\n".join(lines))


def channel_equations(channels: Iterable[Channel]) -> Equations:
    """The sum of the channels' equations (names never clash: each is suffixed)."""
    eqs = Equations("")
    for channel in channels:
        eqs += channel.equations()
    return eqs


def total_current(channels: Iterable[Channel]) -> str:
    """Expression of the summed channel current, ``I_A + I_B + ...`` (outward positive)."""
    names = [channel.current_name for channel in channels]
    return " + ".join(names) if names else "0*amp"
