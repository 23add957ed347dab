"""Finished batches on disk, so that an interrupted sweep can resume.

Each finished batch is written atomically (temporary file + rename) to
``OUT/.partial-NAME-<fingerprint>/`` as ``rows-<first>-<end>.json``
(condition indices). With ``--resume`` every stored batch is kept and only
the conditions no file covers are computed, in batches of the current
layout; the merged table, in condition order, is identical byte for byte to
that of an uninterrupted run.

The folder also holds ``code.json``, the record of what computed its batches
(:func:`code_record`): a hash of every source file of the channels, the
models and the experiments (:mod:`.sources`), the Python, Brian2 and numpy versions and the
code generation target. ``--resume`` keeps the stored batches only if the
record is the same now (:func:`check_code`); otherwise it refuses with one
line naming what changed, so a table never mixes rows of different code.
"""
from __future__ import annotations

import json
import platform
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any, Mapping, Sequence

from .environment import flag, setting
from .errors import UsageError
from .plan import Plan, condition_columns
from .sources import source_digests
from .table import MAIN, atomic_write_text

#: The record of the code that computed a partial folder's batches.
CODE_RECORD = "code.json"


def partial_dir(plan: Plan, out: Path) -> Path:
    """The folder holding the finished batches of ``plan`` in ``out``."""
    return Path(out) / f".partial-{plan.experiment.name}-{plan.fingerprint}"


def sweep_lock(plan: Plan, out: Path) -> Path:
    """The lock file of ``plan``'s partial folder (see :mod:`experiments.engine.locking`)."""
    folder = partial_dir(plan, out)
    return folder.with_name(folder.name + ".lock")


def code_record(experiment, target: str | None = None) -> dict:
    """What computes the rows: source file hashes, versions, code generation target."""
    build = {"target": target or setting("HYPOMAG_TARGET"),
             "vectorize": "1" if flag("HYPOMAG_VECTORIZE") else "0"}
    return {"sources": source_digests(experiment), "versions": dict(versions()), "build": build}


@lru_cache(maxsize=None)
def versions() -> dict[str, str]:
    """The Python, Brian2 and numpy versions (installed packages do not change in a run)."""
    found = {"python": platform.python_version()}
    for package in ("brian2", "numpy"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


def code_changes(stored: Mapping, now: Mapping) -> list[str]:
    """What differs between two code records, in words (empty if nothing)."""
    changed = []
    old, new = stored.get("sources", {}), now["sources"]
    files = sorted(f for f in set(old) | set(new) if old.get(f) != new.get(f))
    if files:
        more = f" and {len(files) - 3} more" if len(files) > 3 else ""
        changed.append(f"source files changed: {', '.join(files[:3])}{more}")
    for part in ("versions", "build"):
        for key, value in now[part].items():
            if stored.get(part, {}).get(key) != value:
                changed.append(f"{key} {stored.get(part, {}).get(key)} -> {value}")
    return changed


def check_code(folder: Path, record: Mapping, stored_any: bool) -> None:
    """Refuse to resume from batches that other code computed; record the code otherwise."""
    path = folder / CODE_RECORD
    try:
        stored = json.loads(path.read_text())
    except (OSError, ValueError):
        stored = None
    if stored_any:
        changes = ["no record of the code that computed them"] if stored is None \
            else code_changes(stored, record)
        if changes:
            raise UsageError(f"--resume: the stored batches in {folder} were computed by other "
                             f"code ({'; '.join(changes)}); allowed: run without --resume to "
                             "compute the sweep again")
    atomic_write_text(path, json.dumps(record, indent=1, sort_keys=True) + "\n")


def remove_stale(folder: Path) -> list[Path]:
    """Remove the partial folders of other sweeps of the same experiment beside ``folder``
    that no running process holds (their sweep lock is free); return them.

    Such a folder is left by an interrupted or failed run whose settings differ
    from this one's, so ``--resume`` of this sweep can never use it.
    """
    import shutil

    from .locking import LockBusy, exclusive
    prefix = folder.name.rsplit("-", 1)[0] + "-"
    removed = []
    for other in sorted(folder.parent.glob(prefix + "*")):
        if other == folder or not other.is_dir():
            continue
        try:
            with exclusive(other.with_name(other.name + ".lock"), wait=False):
                shutil.rmtree(other, ignore_errors=True)
            removed.append(other)
        except LockBusy:  # another run is computing it now
            continue
    return removed


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
