"""A catalogue of the experiments' declarations, so the command line answers at once.

Experiment modules import Brian2 (their settings carry units, their classes
name channels), which takes seconds. What ``hypomag list``, ``hypomag run NAME
--help`` and the checks of names on the command line need is only what the
experiments declare: for every experiment its name, title, order, one-line
docstring and settings as display strings
(:func:`experiments.engine.parameters.experiment_setting_rows`).

:func:`load_catalog` builds that by importing the modules once and keeps it
as JSON in the user cache folder (``$XDG_CACHE_HOME/hypomag``, else
``~/.cache/hypomag``; one file per source tree), keyed by a hash of the source
text of every ``.py`` file under the given folders and the versions of the
given packages: any edit anywhere rebuilds it. A module that fails to import
(a syntax error or any exception) is recorded as broken with its one-line
error, and the other modules are catalogued as usual. If the cache folder is
not writable there is no cache: every call rebuilds.

This module knows no experiment: it is given the module names, how to load
the experiment classes of one, and the source folders.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

#: Version of the catalogue's layout (part of the key: a new layout rebuilds).
FORMAT = 1
#: Packages whose versions are part of the key.
VERSIONED = ("brian2", "numpy")


@dataclass(frozen=True)
class Catalog:
    """The declarations of the experiments, without the experiments.

    Attributes
    ----------
    experiments : dict of str to dict
        Experiment name -> entry (``name``, ``title``, ``order``, ``module``,
        ``doc``, ``stochastic``, ``settings``: a list of setting rows), in
        declared order (``order``, then name).
    broken : dict of str to str
        Module that failed to import -> its one-line error.
    """

    experiments: dict[str, dict] = field(default_factory=dict)
    broken: dict[str, str] = field(default_factory=dict)

    def setting_names(self, name: str) -> list[str]:
        """Every setting name of experiment ``name``, in declared order."""
        return [row["name"] for row in self.experiments[name]["settings"]]

    @classmethod
    def from_data(cls, data: dict) -> "Catalog":
        """The catalogue of :func:`build`'s data (entries sorted by order, then name)."""
        entries = sorted(data["experiments"], key=lambda e: (e["order"], e["name"]))
        return cls({e["name"]: e for e in entries}, dict(data["broken"]))


# -- describing ------------------------------------------------------------------------------

def error_line(exc: BaseException, module: str = "") -> str:
    """One line saying why importing ``module`` (a dotted or plain name) failed.

    ``SyntaxError: invalid syntax (line 12)`` for a syntax error in the
    module's own file (the file is named if it is another one), otherwise
    ``Kind: first line of the message`` plus the line of the module where it
    was raised, if it was raised there.
    """
    stem = module.rsplit(".", 1)[-1]
    kind = type(exc).__name__
    if isinstance(exc, SyntaxError):
        file = Path(exc.filename or "").name
        where = f"line {exc.lineno}" if Path(file).stem == stem else f"{file}, line {exc.lineno}"
        return f"{kind}: {exc.msg} ({where})"
    message = str(exc).splitlines()[0] if str(exc) else ""
    line = None
    trace = exc.__traceback__
    while trace is not None:
        if stem and Path(trace.tb_frame.f_code.co_filename).stem == stem:
            line = trace.tb_lineno
        trace = trace.tb_next
    text = f"{kind}: {message}" if message else kind
    return text + (f" (line {line})" if line else "")


def describe(experiment_class, module: str) -> dict:
    """The catalogue entry of one experiment class (display strings only)."""
    from .parameters import experiment_setting_rows
    doc = (experiment_class.__doc__ or "").strip().splitlines()
    return {"name": experiment_class.name, "title": experiment_class.title,
            "order": experiment_class.order, "module": module,
            "doc": doc[0].strip() if doc else "",
            "stochastic": bool(experiment_class.stochastic),
            "settings": experiment_setting_rows(experiment_class)}


def build(modules: Sequence[str], load: Callable[[str], Sequence[type]]) -> dict:
    """Import every module with ``load`` (module name -> its experiment classes) and
    describe its experiments; a module that fails is recorded as broken."""
    entries, broken, owner = [], {}, {}
    for module in modules:
        try:
            classes = load(module)
        except Exception as exc:  # one broken module must not hide the others
            broken[module] = error_line(exc, module)
            continue
        for cls in classes:
            if cls.name in owner:
                broken[module] = duplicate_error(cls.name, owner[cls.name])
                continue
            owner[cls.name] = module
            entries.append(describe(cls, module))
    return {"experiments": entries, "broken": broken}


def duplicate_error(name: str, first_module: str) -> str:
    """Why a second module declaring experiment ``name`` is not registered."""
    return (f"declares experiment {name!r}, which {first_module}.py already declares; "
            "rename one of them")


# -- the cache -------------------------------------------------------------------------------

def cache_folder() -> Path | None:
    """``$XDG_CACHE_HOME/hypomag`` (an absolute path), else ``~/.cache/hypomag``."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if base and os.path.isabs(base):
        return Path(base) / "hypomag"
    try:
        return Path.home() / ".cache" / "hypomag"
    except (RuntimeError, KeyError):  # no home folder
        return None


def _version(package: str) -> str:
    """The installed version of ``package`` (read from its metadata, not imported)."""
    from importlib import metadata
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def source_key(roots: Sequence[Path], packages: Sequence[str] = VERSIONED) -> str:
    """Hash of the path and text of every ``.py`` file under ``roots``, the Python
    version and the versions of ``packages``."""
    digest = hashlib.sha256(f"format {FORMAT}\npython {sys.version}\n".encode())
    for package in packages:
        digest.update(f"{package} {_version(package)}\n".encode())
    for root in map(Path, roots):
        for path in sorted(root.rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            digest.update(str(path.relative_to(root.parent)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def cache_file(roots: Sequence[Path]) -> Path | None:
    """The catalogue file of the source tree at ``roots`` (one per tree)."""
    folder = cache_folder()
    if folder is None:
        return None
    where = "\n".join(str(Path(r).resolve()) for r in roots)
    return folder / f"catalog-{hashlib.sha256(where.encode()).hexdigest()[:16]}.json"


def _read(path: Path | None, key: str) -> dict | None:
    """The cached catalogue at ``path`` if it exists, is readable and has ``key``."""
    if path is None:
        return None
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    valid = (isinstance(data, dict) and data.get("key") == key
             and isinstance(data.get("experiments"), list) and isinstance(data.get("broken"), dict))
    return data if valid else None


def _write(path: Path | None, data: dict) -> None:
    """Write atomically (a concurrent reader sees the old or the new file); on any
    error leave it: the catalogue is then rebuilt next time."""
    if path is None:
        return
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(json.dumps(data, indent=1) + "\n")
        os.replace(temporary, path)
    except OSError:
        try:
            temporary.unlink()
        except OSError:
            pass


def load_catalog(modules: Sequence[str], load: Callable[[str], Sequence[type]],
                 roots: Sequence[Path], *, cached: bool = True,
                 before_build: Callable[[], None] | None = None) -> Catalog:
    """The catalogue of ``modules``: from the cache if it is current, else built.

    Parameters
    ----------
    modules : sequence of str
        Names of the experiment modules.
    load : callable
        Module name -> its experiment classes (imports the module; may raise).
    roots : sequence of Path
        The source folders whose ``.py`` files key the cache.
    cached : bool
        Read and write the cache file; False builds in memory only (when the
        modules' imports are paid anyway).
    before_build : callable, optional
        Called once before the modules are imported (to set up their imports).
    """
    key = source_key(roots) if cached else ""
    path = cache_file(roots) if cached else None
    data = _read(path, key)
    if data is None:
        if before_build is not None:
            before_build()
        data = {"format": FORMAT, "key": key, **build(modules, load)}
        _write(path, data)
    return Catalog.from_data(data)
