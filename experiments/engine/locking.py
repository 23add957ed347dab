"""Inter-process locks on files of an output folder.

Two ``hypomag run`` processes may write into the same ``--out`` folder at
once. Every file is written atomically (:func:`experiments.engine.table.atomic_write_text`),
and two locks keep the runs from mixing their work:

* the **sweep lock** (``OUT/.partial-NAME-<fingerprint>.lock``, held from the
  start of the sweep until its partial folder is removed): two runs of the
  same experiment with identical settings would share one partial folder, so
  the second one stops at once with a one-line error instead of deleting or
  overwriting the first one's batches;
* the **output lock** (``OUT/.NAME.lock``, held while ``NAME.csv``, the side
  tables, the figure and ``NAME.json`` are written): runs with different
  settings write their files one after the other, so the files left in the
  folder always come from one run.

The locks are advisory ``flock`` locks (``msvcrt.locking`` on Windows), which
the operating system releases when a process dies, so a killed run never
leaves a stale lock behind. Lock files are removed when released (not on
Windows, where an open file cannot be deleted).
"""
from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from typing import Iterator

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None
    import msvcrt


class LockBusy(RuntimeError):
    """Another process holds the lock (raised only when not waiting)."""


def _try_lock(fd: int) -> bool:
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:  # pragma: no cover - Windows
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        return True
    except OSError:
        return False


def _unlock(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
    else:  # pragma: no cover - Windows
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


@contextlib.contextmanager
def exclusive(path: Path, wait: bool = True, poll_s: float = 0.05) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if missing) for the ``with`` block.

    Parameters
    ----------
    path : Path
        The lock file.
    wait : bool
        Wait until the lock is free (True) or raise :class:`LockBusy` at once.
    poll_s : float
        Polling interval while waiting.

    Notes
    -----
    The holder deletes the lock file on release. A waiter that then acquires
    the lock of the deleted file notices that ``path`` no longer names the
    file it locked and starts over on the new one, so at most one process
    holds a lock on the file ``path`` names.
    """
    path = Path(path)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        locked = _try_lock(fd)
        while not locked and wait:
            time.sleep(poll_s)
            locked = _try_lock(fd)
        if not locked:
            os.close(fd)
            raise LockBusy(str(path))
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            break
        _unlock(fd)
        os.close(fd)
    try:
        yield
    finally:
        if fcntl is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
        _unlock(fd)
        os.close(fd)
