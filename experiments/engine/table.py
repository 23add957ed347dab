"""Tidy tables: one row per condition, units in the column names.

A :class:`Table` is a list of rows (dicts) with an ordered list of columns.
It writes and reads plain CSV, so figures can be redrawn from disk
(``--replot``) and any tool can read the data. Files are written atomically:
a temporary file in the same folder, then renamed over the target.
"""
from __future__ import annotations

import contextlib
import csv
import io
import math
import os
import tempfile
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

#: Name of an experiment's main table (its side tables have their own names).
MAIN = "main"


def format_cell(value: Any) -> str:
    """CSV text of one value: floats with 10 significant digits, others as str."""
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if not math.isfinite(value):
            return str(value)  # "nan", "inf", "-inf"
        if value == int(value) and abs(value) < 1e15:
            return str(int(value)) if value != 0 else "0"
        return f"{value:.10g}"
    if isinstance(value, (np.integer,)):
        return str(int(value))
    return str(value)


def parse_cell(text: str) -> Any:
    """Inverse of :func:`format_cell`: numbers become floats, the rest stays text."""
    try:
        return float(text)
    except ValueError:
        return text


class Table:
    """Rows of a tidy table with ordered columns.

    Parameters
    ----------
    rows : iterable of dict
        The rows.
    columns : sequence of str, optional
        Column order; by default the keys in order of first appearance.
    """

    def __init__(self, rows: Iterable[dict] = (), columns: Sequence[str] | None = None):
        self.rows = [dict(r) for r in rows]
        if columns is None:
            seen: dict[str, None] = {}
            for row in self.rows:
                for key in row:
                    seen.setdefault(key, None)
            columns = list(seen)
        self.columns = list(columns)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, column: str) -> np.ndarray:
        """A column as a numpy array (floats where possible)."""
        if column not in self.columns:
            raise KeyError(f"no column {column!r}; columns: {', '.join(self.columns)}")
        values = [row.get(column) for row in self.rows]
        try:
            return np.asarray(values, dtype=float)
        except (TypeError, ValueError):
            return np.asarray(values, dtype=object)

    def where(self, **equal) -> "Table":
        """Rows whose columns equal the given values."""
        def match(row):
            for key, want in equal.items():
                have = row.get(key)
                if isinstance(want, float) or isinstance(have, float):
                    try:
                        if not np.isclose(float(have), float(want), rtol=1e-9, atol=1e-12):
                            return False
                    except (TypeError, ValueError):
                        return False
                elif have != want:
                    return False
            return True
        return Table([r for r in self.rows if match(r)], self.columns)

    def unique(self, column: str) -> list:
        """Distinct values of a column in order of appearance."""
        out: list = []
        for value in (row.get(column) for row in self.rows):
            if not any(_same(value, seen) for seen in out):
                out.append(value)
        return out

    def mean_sem(self, by: str, column: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Mean and standard error of ``column`` over the rows of each value of ``by``.

        Non-finite values are left out; the error is 0 where fewer than two remain
        (one replicate). Returns (sorted values of ``by``, means, standard errors).
        """
        keys = np.array(sorted(self.unique(by)), dtype=float)
        mean, sem = np.full(len(keys), np.nan), np.zeros(len(keys))
        for k, key in enumerate(keys):
            values = self.where(**{by: float(key)})[column]
            values = values[np.isfinite(values)]
            if values.size:
                mean[k] = values.mean()
            if values.size > 1:
                sem[k] = values.std(ddof=1) / np.sqrt(values.size)
        return keys, mean, sem

    def to_csv_text(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(self.columns)
        for row in self.rows:
            writer.writerow([format_cell(row.get(c, "")) for c in self.columns])
        return buffer.getvalue()

    def write_csv(self, path: Path) -> None:
        atomic_write_text(Path(path), self.to_csv_text())

    @classmethod
    def read_csv(cls, path: Path) -> "Table":
        with open(path, newline="") as handle:
            reader = csv.reader(handle)
            columns = next(reader, [])  # an empty file is an empty table
            rows = [{c: parse_cell(v) for c, v in zip(columns, line)} for line in reader]
        return cls(rows, columns)


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return a == b


class OutputError(RuntimeError):
    """A file could not be written (full disk, no permission, ...): one line naming it."""


def output_error(path: Path, exc: OSError) -> OutputError:
    """The :class:`OutputError` of a failed write of ``path``, naming the cause."""
    cause = exc.strerror or str(exc) or type(exc).__name__
    return OutputError(f"cannot write {str(path)!r}: {cause}")


def stage_bytes(path: Path, data: bytes) -> str:
    """Write ``data`` to a temporary file beside ``path``; return its name.

    Renaming it over ``path`` (``os.replace``) then replaces the file at once,
    so readers never see a half-written file. A failed write removes the
    temporary file and raises :class:`OutputError` naming ``path``.
    """
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, _file_mode(path))  # mkstemp makes 0600; give the mode open() would
        return tmp
    except BaseException as exc:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
        raise output_error(path, exc) if isinstance(exc, OSError) else exc


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers never see a half-written file."""
    atomic_write_bytes(path, text.encode())


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (:func:`stage_bytes`, then rename)."""
    with StagedFiles() as staged:
        staged.write(path, data)


@contextlib.contextmanager
def signals_held():
    """Hold SIGINT and SIGTERM back for the block (delivered after it), where possible."""
    import signal
    import threading
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


class StagedFiles:
    """Files that appear together: a ``with`` block stages them under temporary names
    and, if it ends without an exception, renames them into place.

    A failed write (:class:`OutputError`), Ctrl-C or any exception inside the
    block removes what was staged and leaves every target as it was. The
    renames then run with SIGINT and SIGTERM held back (on POSIX, in the main
    thread), so a signal cannot split the set; only a rename that fails
    (which a full disk does not cause: renaming allocates nothing) could.
    """

    def __init__(self):
        self.staged: list[tuple[str, Path]] = []

    def write(self, path: Path, data: bytes) -> None:
        self.staged.append((stage_bytes(path, data), Path(path)))

    def write_text(self, path: Path, text: str) -> None:
        self.write(path, text.encode())

    def __enter__(self) -> "StagedFiles":
        return self

    def __exit__(self, kind, exc, traceback) -> None:
        try:
            if kind is None:
                with signals_held():
                    for tmp, path in self.staged:
                        try:
                            os.replace(tmp, path)
                        except OSError as error:
                            raise output_error(path, error) from None
        finally:
            for tmp, _ in self.staged:
                if os.path.exists(tmp):
                    os.unlink(tmp)


def _read_umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


#: The process umask, read once at import (reading it means setting it, which is not
#: thread-safe, so it is not done per write).
_UMASK = _read_umask()


def _file_mode(path: Path) -> int:
    """Mode of the existing ``path``, else the mode a plain ``open(path, "w")`` would give."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        return 0o666 & ~_UMASK
