"""Whether files can be created in a folder: the one check of ``--out``, ``validate
--out`` and ``HYPOMAG_CYTHON_CACHE`` (importable without Brian2)."""
from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path


def folder_problem(text: str) -> str | None:
    """Why the folder ``text`` (created if missing) cannot take files, or None.

    The folder, or if it does not exist yet its nearest existing parent, must
    be a folder in which a file can be created. An empty path, a path the
    system cannot take (too long, an embedded NUL), a broken symbolic link and
    a loop of symbolic links on the way are problems too. The answer completes
    ``"--out 'x': ..."``.
    """
    if not text.strip():
        return "empty"
    path = Path(text)
    try:
        existing = path
        while not existing.exists() and existing != existing.parent:
            if os.path.lexists(existing):  # a symbolic link to nowhere, or a loop of them
                where = "" if existing == path else f"{str(existing)!r} on the way "
                return f"{where}{_link_problem(existing)}"
            existing = existing.parent
        if not existing.is_dir():
            return ("exists and is not a folder" if existing == path
                    else f"is inside the file {str(existing)!r}, not a folder")
        with tempfile.TemporaryFile(dir=existing):
            return None
    except (OSError, ValueError) as exc:
        if isinstance(exc, OSError) and exc.errno == errno.ELOOP:
            return "is a symbolic link loop"
        if isinstance(exc, OSError) and exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return f"cannot create files in {str(existing)!r} ({exc.strerror})"
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return f"not a usable path ({why})"


def _link_problem(link: Path) -> str:
    try:
        os.stat(link)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "is a symbolic link loop"
    return "is a broken symbolic link"
