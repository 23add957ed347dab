"""``hypomag validate``: every quantitative claim of the models, checked by simulation.

The report framework (:mod:`experiments.validation.report`: results, the
check registry, the shared context, the Markdown and CSV report) and the
checks grouped by subject (:mod:`~experiments.validation.nmda`,
:mod:`~experiments.validation.romk`, :mod:`~experiments.validation.neurons`,
:mod:`~experiments.validation.kidney`, :mod:`~experiments.validation.crosscheck`)
and the NEURON peer of the cross-check (:mod:`~experiments.validation.neuron_peer`,
a sub-package: NMODL sources, mechanism loading, NMDA I-V and pyramidal-cell
peers). An experiment may declare its own checks in its
module with :func:`check`; they run with the rest.
"""
from __future__ import annotations

from .report import (CHECKS, Check, Context, Result, check, close, holds, main, mean_at,
                     run_checks, value_at, within)

__all__ = ["CHECKS", "Check", "Context", "Result", "check", "close", "holds", "main", "mean_at",
           "run_checks", "value_at", "within"]
