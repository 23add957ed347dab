"""Shared machinery of the voltage-clamp I–V experiments (``nmda_iv``, ``romk_iv``).

A subclass names its channel, the settings that become the clamp's
environment (``ENVIRONMENT``: setting name -> model variable), and how to
build the channel from the run's fixed values. Every (voltage, condition)
pair is one clamped compartment of a single batched simulation.
"""
from __future__ import annotations

from typing import Any, ClassVar, Mapping

import numpy as np
from brian2 import ms, pA

from channels.base import Channel
from models.clamp import VoltageClamp

from .framework import Experiment
from .settings import Setting

DT_SOURCE = "numerical choice; kinetic block time constants are 0.03-2 ms"


def clamp_settings() -> tuple[Setting, ...]:
    """Settle time and time step of the clamp."""
    return (
        Setting("settle", (20.0,), ms, "how long each voltage is held before the current is read",
                "numerical choice: > 10 time constants of the slowest block kinetics",
                minimum=0.0, exclusive_minimum=True, maximum=10_000.0),
        Setting("dt", (0.025,), ms, "integration time step", DT_SOURCE,
                minimum=0.0, exclusive_minimum=True, maximum=1.0),
    )


class ClampIV(Experiment):
    """Base of steady-state voltage-clamp I–V experiments."""

    #: setting name -> environment variable of the clamp (v, Mg_o, ...).
    ENVIRONMENT: ClassVar[Mapping[str, str]] = {}

    def make_channel(self, fixed: Mapping[str, Any]) -> Channel:
        raise NotImplementedError

    def measures(self, result: Mapping[str, np.ndarray], index: int) -> dict:
        """Output columns of one clamped compartment besides the current."""
        return {}

    def build(self, n, fixed):
        channel = self.make_channel(fixed)
        clamp = VoltageClamp(channel, n, settle=fixed["settle"] * ms, dt=fixed["dt"] * ms)

        def runner(conditions):
            env = self.per_neuron(conditions, fixed, self.ENVIRONMENT)
            result = clamp.run(env)
            current_pA = result["I"] / float(pA)
            if not np.all(np.isfinite(current_pA)):
                raise FloatingPointError("non-finite current")
            return [[{"i_pA": current_pA[k], **self.measures(result, k)}]
                    for k in range(len(conditions))]
        return runner
