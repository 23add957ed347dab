"""Compiling and loading the peer's NMODL mechanisms; NEURON's integrator settings.

The texts of :mod:`~experiments.validation.neuron_peer.nmodl` are compiled
with ``nrnivmodl`` into a folder of the caller's choice or, by default, a
per-user temporary folder keyed by the NMODL text (:func:`compile_mechanisms`,
:func:`mechanism_dir`, a few seconds) and loaded once per process
(:func:`load_mechanisms`). :func:`integrator` sets NEURON's method and step
for a run.

References
----------
Hines ML, Carnevale NT (1997) The NEURON simulation environment. Neural
Comput 9:1179-1209.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .nmodl import MOD_FILES

#: Folder of the mechanisms loaded in this process (NEURON loads a library once).
_LOADED: dict[str, str] = {}

#: Temperature of every peer simulation (degC, NEURON's ``celsius``): body temperature,
#: the Brian2 models' default ``T``. None of the peer's NMODL depends on it (no Q10 factors).
CELSIUS = 37.0


def nrnivmodl() -> str:
    """Path of ``nrnivmodl``: next to this Python first, then on PATH."""
    here = Path(sys.executable).parent / "nrnivmodl"
    if here.exists():
        return str(here)
    found = shutil.which("nrnivmodl")
    if not found:
        raise RuntimeError("nrnivmodl not found: install NEURON (pip install 'hypomag[peer]')")
    return found


def compile_mechanisms(folder: Path) -> Path:
    """Write the NMODL files into ``folder`` and compile them with ``nrnivmodl``.

    Parameters
    ----------
    folder : path
        Target folder (created if missing); ``nrnivmodl`` builds its
        architecture sub-folder (``x86_64/`` ...) there.

    Returns
    -------
    Path
        ``folder``. Raises ``RuntimeError`` with the tail of the compiler
        output if ``nrnivmodl`` fails.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in MOD_FILES.items():
        (folder / name).write_text(text.lstrip())
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    # NEURON's own (optimising) flags: -O0 compiles ~20 % faster but simulates ~4x slower,
    # which would distort the benchmark; the files compile in parallel
    env.setdefault("MAKEFLAGS", f"-j{os.cpu_count() or 1}")
    result = subprocess.run([nrnivmodl()], cwd=folder, capture_output=True, text=True, env=env,
                            timeout=300)
    if result.returncode != 0:
        tail = (result.stdout + result.stderr).strip().splitlines()[-5:]
        raise RuntimeError("nrnivmodl failed: " + " | ".join(tail))
    return folder


def mechanism_dir() -> Path:
    """Default folder of the compiled mechanisms: per user, keyed by the NMODL text.

    Compiled on first use (into a private folder, then renamed into place, so
    that concurrent processes never load a half-built library) and reused by
    every later process while the NMODL text is unchanged.
    """
    key = hashlib.sha256("".join(MOD_FILES[k] for k in sorted(MOD_FILES)).encode())
    folder = Path(tempfile.gettempdir()) / f"hypomag-nrnmech-{os.getuid()}-{key.hexdigest()[:12]}"
    if not _compiled(folder):
        scratch = Path(tempfile.mkdtemp(prefix=folder.name + ".", dir=folder.parent))
        try:
            compile_mechanisms(scratch)
            scratch.rename(folder)
        except OSError:  # another process got there first
            pass
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return folder


def _compiled(folder: Path) -> bool:
    """Whether ``folder`` holds a built ``libnrnmech`` library."""
    return any(folder.glob("*/libnrnmech*")) or any(folder.glob("*/.libs/libnrnmech*"))


def load_mechanisms(folder: Path | None = None):
    """Compile (if needed) and load the mechanisms once per process; NEURON's ``h``.

    Parameters
    ----------
    folder : path, optional
        Folder of the compiled mechanisms, compiled there if it holds none;
        default :func:`mechanism_dir`. Ignored once a folder is loaded.

    Returns
    -------
    neuron.hoc.HocObject
        NEURON's ``h``, with the standard run system (``continuerun``) loaded.
    """
    os.environ.setdefault("NEURON_MODULE_OPTIONS", "-nogui")  # no "no DISPLAY" banner
    import neuron
    from neuron import h
    if not _LOADED:
        folder = mechanism_dir() if folder is None else Path(folder)
        if not _compiled(folder):
            compile_mechanisms(folder)
        with _quiet_stdout():
            neuron.load_mechanisms(str(folder), warn_if_already_loaded=False)
        _LOADED["folder"] = str(folder)
    h.load_file("stdrun.hoc")
    return h


@contextlib.contextmanager
def _quiet_stdout():
    """Silence NEURON's C-level 'loading membrane mechanisms' message (file descriptor 1)."""
    sys.stdout.flush()
    saved = os.dup(1)
    with open(os.devnull, "w") as quiet:
        try:
            os.dup2(quiet.fileno(), 1)
            yield
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)


def integrator(dt_ms: float, secondorder: int = 0, cvode_atol: float | None = None):
    """Load the mechanisms and set NEURON's integration for the next run; ``h``.

    Parameters
    ----------
    dt_ms : float
        Fixed time step (ms); also ``steps_per_ms`` of the run system.
    secondorder : {0, 2}
        Fixed-step method: 0 implicit (backward) Euler, 2 Crank-Nicolson.
    cvode_atol : float, optional
        If given, integrate with CVODE instead (variable step and order,
        absolute tolerance ``cvode_atol`` in the states' units, no relative
        tolerance): a near-exact reference.

    Notes
    -----
    The temperature is :data:`CELSIUS`.
    """
    h = load_mechanisms()
    cvode = h.CVode()
    cvode.active(0)
    h.secondorder = secondorder
    h.dt = dt_ms
    h.steps_per_ms = 1.0 / dt_ms
    h.celsius = CELSIUS
    if cvode_atol is not None:
        cvode.active(1)
        cvode.atol(cvode_atol)
        cvode.rtol(0.0)
    return h
