"""Compile the Cython modules a network's run needs in parallel, one process per core.

Brian2 prepares a network at the start of every run (``Network.before_run``):
it generates each object's code objects and loads their modules from its
on-disk cache (``cython_extension_manager``), compiling, one after another
on one core, those not there yet. :func:`install` replaces
``Network.before_run`` by :func:`before_run`, which prepares the network so
that the missing modules compile on all cores:

1. The preparation runs while :func:`create_extension` *defers* (the code
   objects of :mod:`experiments.engine.codegen` get their modules from it):
   a module in the cache is loaded as usual, a missing one is only recorded
   and its code object gets no module, so it runs nothing. If nothing is
   missing (every run on a warm cache), this was the preparation and nothing
   else happens.
2. Otherwise :func:`compile_all` compiles the missing modules into the cache
   in a process pool, one process per core (started as the local workers
   are: :func:`~experiments.engine.backends.worker_start_method`),
3. the recorded code objects load their modules (a code object can outlive
   the preparation: a synaptic pathway creates its ``push_spikes`` once), and
4. the preparation runs again and loads every module from the cache.

Runners build and run their networks themselves (some build one inside the
runner), so the engine cannot hand them to a compile step; wrapping
``Network.before_run`` reaches every network, and
:func:`~experiments.engine.batch.run_batch` installs it at its "compiling"
phase, which the first run's first report ends. Because the deferring
preparation is the real one when nothing is missing, a warm cache costs one
md5 and one file test per block, no second preparation and no pool.

Preparing twice is like a ``run(0 * ms)`` before the run: the objects'
checks, code objects and preparation code (a synaptic pathway's spike queue)
run again; the clocks and the state variables are not touched (a Ctrl-C
meanwhile raises ``KeyboardInterrupt``, as Brian2 does during a preparation).

Brian2 names a cached module by an md5 of its source (and of the versions of
Python, Cython and NumPy and of ``CC``/``CXX``, :func:`module_path`), writes
each module's files under that name and compiles it holding a file lock of
that name, so processes compiling distinct modules, or the same one, do not
clash. A module that fails to compile in the pool is compiled again in this
process in step 3, which raises Brian2's error. Nothing runs in a pool with
one core, in a daemonic process (which may not start processes: a Dask
worker by default) or for a single missing module (compiled in step 3).
"""
from __future__ import annotations

import hashlib
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

import Cython
import numpy
from brian2 import Network, prefs
from brian2.codegen.runtime.cython_rt.extension_manager import (cython_extension_manager,
                                                                 get_cython_cache_dir)
from brian2.utils.logger import get_logger
from brian2.utils.stringtools import deindent

logger = get_logger(__name__)

#: Brian2's preferences that ``create_extension`` reads, passed on to the pool.
CYTHON_PREFERENCES = ("cache_dir", "multiprocess_safe", "delete_source_files")


@dataclass
class Missing:
    """A block whose module is not in the cache: what ``create_extension`` needs."""

    codeobj: Any
    block: str
    code: str
    arguments: dict


#: While a preparation defers (step 1): the missing modules recorded so far, else None.
_missing: list[Missing] | None = None
#: Brian2's ``Network.before_run``, which :func:`before_run` calls.
_brian_before_run = Network.before_run


def cores() -> int:
    """The processors this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def cache_dir() -> str:
    """The folder of Brian2's compiled modules."""
    return os.path.expanduser(get_cython_cache_dir())


def module_path(code: str) -> str:
    """The file in which Brian2's ``create_extension`` keeps the module of ``code``.

    Its key (``CythonExtensionManager.create_extension``): the source and the
    versions of Python, Cython and NumPy (major.minor) and ``CC``/``CXX``.
    """
    key = (deindent(code), sys.version_info, sys.executable, Cython.__version__,
           ".".join(numpy.__version__.split(".")[:2]), os.environ.get("CC"),
           os.environ.get("CXX"))
    name = f"_cython_magic_{hashlib.md5(str(key).encode('utf-8')).hexdigest()}"
    return os.path.join(cache_dir(), name + cython_extension_manager.so_ext)


def create_extension(codeobj, block: str, code: str, arguments: dict):
    """The module of one block of ``codeobj`` (``cython_extension_manager``'s).

    While a preparation defers, a module missing from the cache is recorded
    instead and None returned (a code object runs nothing for a None module).
    """
    if _missing is not None and not os.path.isfile(module_path(code)):
        _missing.append(Missing(codeobj, block, code, arguments))
        return None
    return cython_extension_manager.create_extension(code, **arguments)


@contextmanager
def deferring() -> Iterator[list[Missing]]:
    """Within the block, :func:`create_extension` records missing modules in the list given."""
    global _missing
    _missing = []
    try:
        yield _missing
    finally:
        _missing = None


def parallel() -> bool:
    """Whether this process may compile in a pool: more than one core, not daemonic."""
    return cores() > 1 and not multiprocessing.current_process().daemon


def _compile(code: str, arguments: dict, preferences: dict) -> None:
    """Compile one module into the cache (in a process of the pool)."""
    for name, value in preferences.items():
        prefs[f"codegen.runtime.cython.{name}"] = value
    cython_extension_manager.create_extension(code, **arguments)


def compile_all(missing: list[Missing]) -> None:
    """Compile the ``missing`` modules into the cache in a pool, one process per core.

    Each module once, the largest source first (the longest compile starts
    first). A module that fails is left to its code object (step 3); one
    module alone is too.
    """
    modules = {module_path(m.code): m for m in missing}
    jobs = sorted(modules.values(), key=lambda m: len(m.code), reverse=True)
    if len(jobs) < 2:
        return
    from .backends import worker_start_method
    preferences = {name: prefs[f"codegen.runtime.cython.{name}"] for name in CYTHON_PREFERENCES}
    preferences["cache_dir"] = cache_dir()
    pool = ProcessPoolExecutor(max_workers=min(cores(), len(jobs)),
                               mp_context=multiprocessing.get_context(worker_start_method()))
    try:
        futures = [pool.submit(_compile, m.code, m.arguments, preferences) for m in jobs]
        for job, future in zip(jobs, futures):
            try:
                future.result()
            except Exception as exc:  # compiled again, and reported, by its code object
                logger.debug(f"compiling {job.codeobj.name} ({job.block}) in a pool "
                             f"failed: {exc!r}")
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def load_modules(missing: list[Missing]) -> None:
    """Give each recorded code object the module of its block (step 3)."""
    for m in missing:
        m.codeobj.compiled_code[m.block] = m.codeobj.compile_block(m.block)


def before_run(network, run_namespace) -> None:
    """``Network.before_run``, compiling missing modules in parallel (module docstring)."""
    if not parallel():
        return _brian_before_run(network, run_namespace)
    with deferring() as missing:
        _brian_before_run(network, run_namespace)
    if not missing:
        return
    compile_all(missing)
    load_modules(missing)
    missing.clear()  # the first preparation's code objects are not needed any more
    _brian_before_run(network, run_namespace)


def install() -> None:
    """Let every network's run compile its missing modules in parallel (idempotent)."""
    Network.before_run = before_run
