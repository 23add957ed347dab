"""Point Myokit at a SUNDIALS (CVODES) that pip installed, when the system has none.

``myokit.Simulation`` compiles its C simulation against SUNDIALS headers and
links ``-lsundials_cvodes -lsundials_nvecserial``. A machine with only python3
and pip has no SUNDIALS; the ``amici`` package (PyPI, BSD-3) builds SUNDIALS 7
from source when it installs and keeps the headers
(``amici/_installation/include``) and *static* archives
(``amici/_installation/lib/libsundials_*.a``). Myokit links no
``sundials_core``, which a static SUNDIALS 7 needs, so :func:`configure` links
the archives into one shared ``libsundials_cvodes.so`` (CVODES, its bundled
dense solver and matrix, the serial N_Vector, and SUNDIALS core; plus an empty
``libsundials_nvecserial.so`` to satisfy Myokit's second ``-l``), once, in a
cache folder, and puts that folder and amici's headers first on Myokit's
search paths (``myokit.SUNDIALS_LIB``, ``myokit.SUNDIALS_INC``) for this
process. Myokit's own configuration file is not touched.

Without amici, Myokit keeps its configured paths (a system SUNDIALS such as
Debian's ``libsundials-dev`` found under ``/usr``).
"""
from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import shlex
import subprocess
import sysconfig
import tempfile
from pathlib import Path

#: amici's static archives folded into the shared library (cvodes.a already
#: contains the dense/band solvers and matrices and the Newton solver it uses).
ARCHIVES = ("libsundials_cvodes.a", "libsundials_core.a")

_configured: dict[str, str] = {}


def amici_sundials() -> tuple[Path, Path] | None:
    """(include dir, lib dir) of the SUNDIALS that ``amici`` built, or None without amici.

    Found with :func:`importlib.util.find_spec`, without importing amici.
    """
    spec = importlib.util.find_spec("amici")
    if spec is None or spec.origin is None:
        return None
    root = Path(spec.origin).parent / "_installation"
    inc, lib = root / "include", root / "lib"
    if not (inc / "cvodes" / "cvodes.h").is_file():
        return None
    if not all((lib / a).is_file() for a in ARCHIVES):
        return None
    return inc, lib


def cache_dir() -> Path:
    """Folder of the linked library: ``$XDG_CACHE_HOME`` (or ``~/.cache``)/hypomag/sundials-amici-VERSION."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    version = importlib.metadata.version("amici")
    return base / "hypomag" / f"sundials-amici-{version}"


def _c_compiler() -> list[str]:
    """The C compiler Python was built with (``sysconfig`` CC), as an argument list."""
    return shlex.split(sysconfig.get_config_var("CC") or "cc")


def link_shared(lib_dir: Path, out_dir: Path) -> Path:
    """Link amici's static SUNDIALS archives in ``lib_dir`` into ``out_dir/libsundials_cvodes.so``.

    Built in a temporary folder and renamed into place, so concurrent
    processes (pytest-xdist workers) never see a half-written library.
    Returns ``out_dir``.
    """
    target = out_dir / "libsundials_cvodes.so"
    if target.is_file() and (out_dir / "libsundials_nvecserial.so").is_file():
        return out_dir
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    cc = _c_compiler()
    with tempfile.TemporaryDirectory(dir=out_dir.parent) as tmp:
        work = Path(tmp)
        subprocess.run(cc + ["-shared", "-o", str(work / target.name), "-Wl,--whole-archive",
                             *[str(lib_dir / a) for a in ARCHIVES], "-Wl,--no-whole-archive",
                             "-lm"], check=True, capture_output=True)
        empty = work / "empty.c"
        empty.write_text("/* placeholder: N_Vector serial lives in libsundials_cvodes.so */\n")
        subprocess.run(cc + ["-shared", "-fPIC", "-o", str(work / "libsundials_nvecserial.so"),
                             str(empty)], check=True, capture_output=True)
        empty.unlink()
        try:
            os.replace(work, out_dir)
        except OSError:  # another process got there first
            if not target.is_file():
                raise
        else:
            work.mkdir()  # TemporaryDirectory removes its own folder on exit
    return out_dir


def configure() -> dict[str, str]:
    """Put a pip-installed SUNDIALS first on Myokit's search paths, once per process.

    Returns
    -------
    dict
        ``{"source": "amici" | "myokit-config", "include": ..., "lib": ...}``:
        where the headers and libraries Myokit will use come from.
    """
    if _configured:
        return dict(_configured)
    import myokit
    found = amici_sundials()
    if found is None:
        _configured.update(source="myokit-config", include=";".join(myokit.SUNDIALS_INC),
                           lib=";".join(myokit.SUNDIALS_LIB))
        return dict(_configured)
    inc, lib = found
    shared = link_shared(lib, cache_dir())
    for paths, new in ((myokit.SUNDIALS_INC, str(inc)), (myokit.SUNDIALS_LIB, str(shared))):
        if new in paths:
            paths.remove(new)
        paths.insert(0, new)
    _configured.update(source="amici", include=str(inc), lib=str(shared))
    return dict(_configured)
