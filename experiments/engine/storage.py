"""Finished batches on disk, so that an interrupted sweep can resume.

Each finished batch is written atomically (temporary file + rename) to
``OUT/.partial-NAME-<fingerprint>/`` as ``rows-<first>-<end>.json``
(condition indices). With ``--resume`` every stored batch is kept and only
the conditions no file covers are computed, in batches of the current
layout; the merged table, in condition order, is identical byte for byte to
that of an uninterrupted run.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

from .plan import Plan, condition_columns
from .table import MAIN


def partial_dir(plan: Plan, out: Path) -> Path:
    """The folder holding the finished batches of ``plan`` in ``out``."""
    return Path(out) / f".partial-{plan.experiment.name}-{plan.fingerprint}"


def sweep_lock(plan: Plan, out: Path) -> Path:
    """The lock file of ``plan``'s partial folder (see :mod:`experiments.engine.locking`)."""
    folder = partial_dir(plan, out)
    return folder.with_name(folder.name + ".lock")


def batch_file(folder: Path, start: int, end: int) -> Path:
    return folder / f"rows-{start:09d}-{end:09d}.json"


def stored_batches(folder: Path, total: int) -> list[tuple[int, int]]:
    """Non-overlapping ``(start, end)`` ranges of the batch files in ``folder``.

    Files left by runs with another layout may overlap; the earliest-starting,
    longest file wins and overlapping ones are ignored. Unfinished temporary
    files are removed.
    """
    found = []
    if not folder.is_dir():
        return []
    for path in folder.iterdir():
        if path.name.endswith(".tmp"):
            path.unlink(missing_ok=True)
            continue
        parts = path.stem.split("-")
        if len(parts) == 3 and parts[0] == "rows" and parts[1].isdigit() and parts[2].isdigit():
            start, end = int(parts[1]), int(parts[2])
            if 0 <= start < end <= total:
                found.append((start, end))
    chosen, reach = [], 0
    for start, end in sorted(found, key=lambda r: (r[0], -r[1])):
        if start >= reach:
            chosen.append((start, end))
            reach = end
    return chosen


def gaps(covered: Sequence[tuple[int, int]], total: int) -> list[tuple[int, int]]:
    gaps, at = [], 0
    for start, end in covered:
        if start > at:
            gaps.append((at, start))
        at = max(at, end)
    if at < total:
        gaps.append((at, total))
    return gaps



#: Key prefix, in a batch file, of a side table of run-level rows (``"_once": True``).
ONCE = "once:"


def batch_tables(plan: Plan, conditions: Sequence[Mapping[str, Any]],
                  result: Sequence[Sequence[Mapping[str, Any]]],
                  lead_columns: Sequence[tuple[str, str]]) -> dict[str, list[dict]]:
    """The rows of one finished batch, by table, as its batch file stores them.

    A row goes to the table its ``"_table"`` names (default: the main one),
    after the leading columns of its condition. A row with ``"_once": True``
    describes the run, not its condition (a lookup table computed from the
    fixed settings): it gets no leading columns and is stored under
    ``ONCE + table``; every batch emits it, and the merge keeps one copy, so
    the table does not depend on the number of batches.
    """
    tables: dict[str, list] = {}
    for condition, rows in zip(conditions, result):
        lead = condition_columns(plan, condition, lead_columns)
        for row in rows:
            row = dict(row)
            name = row.pop("_table", MAIN)
            if row.pop("_once", False):
                tables.setdefault(ONCE + name, []).append(row)
            else:
                tables.setdefault(name, []).append({**lead, **row})
    return tables
