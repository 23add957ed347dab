"""The grid of a sweep and its batches.

Every setting with more than one value is a sweep dimension. Dimensions
combine as a product (in declaration order, the last varying fastest;
``seed`` last of all) or, for names given to ``zip_dims`` (``--zip A,B``), in
lock-step. Structural dimensions (a block form, a network size: values that
change the equations) go outermost.

The conditions are cut into batches of at most ``batch_size``; each batch is
one Brian2 simulation with one neuron (or one network block) per condition.
A run of conditions with equal structural values is split into batches of
equal size (sizes differ by at most one), and structural values are never
mixed in a batch. Without ``--batch-size`` a sweep on ``N`` parallel workers
gets at least ``N`` batches (:func:`experiments.engine.sweep.execute`).

The fingerprint of a plan covers the experiment, every setting value, the
seed and the zipped names, not the batch layout, so a resumed run may use
another batch size or worker count.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from .batch import experiment_spec
from .framework import Experiment
from .settings import UsageError

#: The most conditions a sweep may have unless the user raises the limit
#: (``--max-conditions``): a grid is refused before it is laid out, so a typo
#: such as ``v=-100:40:100000`` times a million Mg values fails at once instead
#: of filling the memory. A million conditions of a clamp experiment are laid
#: out in about 1.5 s and 0.35 GB.
MAX_CONDITIONS = 1_000_000


@dataclass
class Plan:
    """A sweep laid out: conditions, fixed values and batches.

    ``batch_size`` is the most conditions per simulation; ``explicit_batch``
    says whether the user chose it (otherwise the engine may lower it so that
    every parallel worker gets a batch).
    """

    experiment: Experiment
    values: dict[str, tuple]
    seed: int
    dims: list[str]
    conditions: list[dict[str, Any]]
    fixed: dict[str, Any]
    batch_size: int
    zip_dims: tuple[str, ...] = ()
    fingerprint: str = ""
    columns: list[str] = field(default_factory=list)
    explicit_batch: bool = False
    quick: bool = False

    @property
    def structural(self) -> list[str]:
        """The swept dimensions that change the model's equations."""
        settings = self.experiment.all_settings()
        return [n for n in self.dims if n in settings and settings[n].structural]

    def runs(self) -> list[tuple[int, int]]:
        """``(start, end)`` of each run of conditions with equal structural values."""
        structural = self.structural
        out, start = [], 0
        for k in range(1, len(self.conditions) + 1):
            if k == len(self.conditions) or any(
                    self.conditions[k][n] != self.conditions[start][n] for n in structural):
                out.append((start, k))
                start = k
        return out

    def split(self, ranges: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
        """Cut index ranges at structural boundaries, then into equal batches <= batch_size."""
        out = []
        for run_start, run_end in self.runs():
            for start, end in ranges:
                lo, hi = max(start, run_start), min(end, run_end)
                if lo >= hi:
                    continue
                count = math.ceil((hi - lo) / self.batch_size)
                base, extra = divmod(hi - lo, count)
                for j in range(count):  # larger batches first: later ones are padded
                    size = base + (j < extra)
                    out.append((lo, lo + size))
                    lo += size
        return sorted(out)

    def layout(self) -> list[tuple[int, int]]:
        """``(start, end)`` condition indices of every batch, in table order."""
        return self.split([(0, len(self.conditions))])

    def batch_fixed(self, start: int) -> dict[str, Any]:
        """The fixed values of the batch starting at condition ``start``."""
        fixed = dict(self.fixed)
        fixed.update({n: self.conditions[start][n] for n in self.structural})
        return fixed

    @property
    def batches(self) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
        """(fixed values, conditions) of each batch, in table order."""
        return [(self.batch_fixed(a), self.conditions[a:b]) for a, b in self.layout()]

    def rebatch(self, size: int) -> None:
        """Use at most ``size`` conditions per batch (the fingerprint does not change)."""
        if size < 1:
            raise UsageError(f"--batch-size {size}: allowed: whole numbers >= 1")
        self.batch_size = int(size)

    def describe(self, condition: Mapping[str, Any]) -> str:
        """Human-readable condition, e.g. ``mg_o_mM=0.1 seed=3``."""
        settings = self.experiment.all_settings()
        parts = []
        for name in self.dims:
            setting = settings.get(name)
            value = setting.magnitude(condition[name]) if setting else condition[name]
            col = setting.column_name if setting else name
            parts.append(f"{col}={value:g}" if isinstance(value, (int, float)) else f"{col}={value}")
        return " ".join(parts) or "(single condition)"


def check_grid_size(experiment: str, axes: Sequence[tuple[str, int]], limit: int) -> None:
    """Refuse a grid of more than ``limit`` conditions; ``axes`` are (name, length)."""
    size = math.prod(length for _, length in axes)
    if size > limit:
        shape = " x ".join(f"{length} {name}" for name, length in axes)
        raise UsageError(f"the {experiment} sweep has {size} conditions ({shape}); allowed: "
                         f"at most {limit} (--max-conditions N raises the limit)")


def make_plan(experiment: Experiment, values: Mapping[str, tuple], seed: int,
              zip_dims: Sequence[str] = (), batch_size: int | None = None,
              quick: bool = False, max_conditions: int = MAX_CONDITIONS) -> Plan:
    """Lay out the grid of conditions of ``experiment`` for resolved ``values``.

    A grid of more than ``max_conditions`` conditions is refused
    (:class:`UsageError`) before it is laid out.
    """
    settings = experiment.all_settings()
    values = dict(values)
    if experiment.stochastic:
        replicates = int(values["replicates"][0])
        values["seed"] = tuple(seed + r for r in range(replicates))
    order = [n for n in settings if len(values[n]) > 1 and settings[n].structural]
    order += [n for n in settings if len(values[n]) > 1 and not settings[n].structural]
    if experiment.stochastic:
        order.append("seed")
    zip_dims = tuple(zip_dims)
    for name in zip_dims:
        if name not in values:
            raise UsageError(f"--zip {name}: not a parameter of {experiment.name}")
        if len(values[name]) != len(values[zip_dims[0]]):
            raise UsageError(f"--zip {','.join(zip_dims)}: zipped parameters need the same "
                             f"number of values, not {', '.join(str(len(values[z])) for z in zip_dims)}")
    groups: list[list[str]] = []
    for name in order:
        if name not in zip_dims:
            groups.append([name])
        elif name == zip_dims[0]:  # the zipped group sits where its first name is
            groups.append(list(zip_dims))
    check_grid_size(experiment.name, [("/".join(g), len(values[g[0]])) for g in groups],
                    max_conditions)
    axes = []
    for group in groups:
        axes.append([dict(zip(group, combo)) for combo in zip(*(values[n] for n in group))])
    conditions = [{k: v for part in parts for k, v in part.items()} for parts in itertools.product(*axes)]
    dims = [n for group in groups for n in group]
    fixed = {n: v[0] for n, v in values.items() if n not in dims}
    experiment.validate(values)
    explicit = batch_size is not None
    size = int(batch_size or experiment.batch_size)
    if size < 1:
        raise UsageError(f"--batch-size {size}: allowed: whole numbers >= 1")
    key = json.dumps({"experiment": experiment_spec(experiment),
                      "values": {k: list(settings[k].in_unit(v) if k in settings else v)
                                 for k, v in sorted(values.items())},
                      "seed": seed, "zip": list(zip_dims)}, sort_keys=True, default=str)
    fingerprint = hashlib.sha256(key.encode()).hexdigest()[:16]
    columns = [settings[n].column_name for n in settings
               if n in dims or settings[n].column]
    if experiment.stochastic:
        columns.append("seed")
    return Plan(experiment, values, seed, dims, conditions, fixed, size, zip_dims,
                fingerprint, columns, explicit, quick)


def lead_columns(plan: Plan) -> list[tuple[str, Any]]:
    """(column, setting) of the leading columns, in order (the setting None for ``seed``)."""
    settings = plan.experiment.all_settings()
    out: list[tuple[str, Any]] = [(s.column_name, s) for name, s in settings.items()
                                  if name in plan.dims or s.column]
    if plan.experiment.stochastic:
        out.append(("seed", None))
    return out


def condition_columns(plan: Plan, condition: Mapping[str, Any],
                      lead: Sequence[tuple[str, str]] | None = None) -> dict[str, Any]:
    """The leading columns of a result row: swept and column settings, as numbers in the
    unit their column names."""
    out = {}
    for column, setting in (lead if lead is not None else lead_columns(plan)):
        if setting is None:
            out[column] = condition["seed"]
            continue
        value = condition.get(setting.name, plan.fixed.get(setting.name))
        out[column] = setting.magnitude(value)
    return out
