"""The source files that compute an experiment's rows, and their digests.

One record serves two purposes: the ``code.json`` of a partial folder (so
that ``--resume`` never mixes rows of different code, :mod:`.storage`) and
the key of a compiled program's build folder (:mod:`.standalone`). A file's
digest is kept for as long as its size and modification time stay the
same, so a sweep hashes only the files edited since the last one.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
from functools import lru_cache
from pathlib import Path

#: File endings that count as source (Python, and the C header of the vectorizing build).
SOURCE_SUFFIXES = (".py", ".h")

_DIGESTS: dict[str, tuple[tuple[int, int], str]] = {}


def file_digest(path: str | Path) -> str:
    """SHA-256 of one file's bytes (recomputed only when its size or mtime change)."""
    path = os.fspath(path)
    status = os.stat(path)
    stamp = (status.st_mtime_ns, status.st_size)
    known = _DIGESTS.get(path)
    if known is None or known[0] != stamp:
        with open(path, "rb") as handle:
            known = (stamp, hashlib.sha256(handle.read()).hexdigest())
        _DIGESTS[path] = known
    return known[1]


def code_roots(experiment) -> list[Path]:
    """Source folders of the results: ``channels``, ``models``, ``experiments`` and the
    package of the experiment itself (a benchmark or a student's package)."""
    return list(_package_roots(type(experiment).__module__.split(".")[0]))


@lru_cache(maxsize=None)
def _package_roots(own_package: str) -> tuple[Path, ...]:
    """The folders (or module file) of the three packages and ``own_package``."""
    packages = ["channels", "models", "experiments", own_package]
    roots = []
    for package in dict.fromkeys(packages):
        spec = importlib.util.find_spec(package)
        if spec is not None and spec.submodule_search_locations:
            roots.append(Path(os.path.abspath(list(spec.submodule_search_locations)[0])))
        elif spec is not None and spec.origin:  # a single-module experiment
            roots.append(Path(os.path.abspath(spec.origin)))
    return tuple(roots)


def source_digests(experiment) -> dict[str, str]:
    """Digest of every source file under :func:`code_roots`, by path relative to the
    folder holding the package (``models/neuron.py``)."""
    digests = {}
    for root in code_roots(experiment):
        start = len(os.fspath(root.parent)) + len(os.sep)
        for path in sorted(_source_files(os.fspath(root))):
            digests[path[start:]] = file_digest(path)
    return digests


def _source_files(root: str) -> list[str]:
    """The source files of a package folder (or the one file of a module)."""
    if os.path.isfile(root):
        return [root]
    found = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [d for d in subfolders if d != "__pycache__"]
        found += [os.path.join(folder, name) for name in names if name.endswith(SOURCE_SUFFIXES)]
    return found
