"""Brian2's Cython runtime, compiled so that loops over neurons vectorize.

hypomag's experiments spend their time in a handful of loops over neurons
(the state update and the voltage-dependent rates: exponentials of the
membrane potential, about 15 per neuron and step for the pyramidal cell).
GCC compiles Brian2's Cython loops in scalar form, for five reasons, which
:class:`VectorizingCythonCodeObject` removes:

1. **Division checks.** Brian2's template sets ``cdivision=False``, so every
   division tests its denominator for zero and may raise
   ``ZeroDivisionError``; a loop with such a branch cannot be vectorized. We
   compile with ``cdivision=True``: a floating-point division by zero gives
   inf or nan, as in Brian2's C++ standalone device and its NumPy target.
   Code containing ``//`` keeps Python's semantics (C truncates a negative
   integer quotient, Python floors it), so it is left as it is.
2. **Error checks after calls.** Cython 3 checks for a Python exception
   after every call of a ``cdef`` function unless it is ``noexcept``; Brian2's
   ``nogil`` support functions (``_exprel`` and the like) cannot raise, so
   they are declared ``noexcept``.
3. **Cold loops.** Cython wraps the code in error checks whose branch
   weights make GCC's guessed profile treat the loop as rarely run, and GCC
   does not vectorize cold loops: ``-fno-guess-branch-probability``.
4. **Aliasing.** The loop reads and writes a dozen or more arrays through
   plain pointers; GCC vectorizes it only after checking at run time that
   they do not overlap, and by default gives up beyond 10 such checks
   (``--param vect-max-version-for-alias-checks``). We allow
   :data:`ALIAS_CHECKS`.
5. **Scalar exponentials.** glibc's vector math library (libmvec) has SIMD
   ``exp``, ``log``, ``pow`` and ``expm1``, but ``<math.h>`` announces them
   only under ``-ffinite-math-only``, which Brian2 turns off. The header
   ``simd_math.h`` announces them, and the code links against libmvec. Its
   functions are accurate to 4 ulp (glibc's scalar ``exp`` to under 1), so
   results are reproducible on a machine but differ from the scalar build in
   the last digits (``tests/test_codegen.py``; ``benchmarks/``, section 8).

The source rewrites (1, 2) apply everywhere; the GCC flags (3, 4) only with
GCC on Linux (:func:`gcc_compiler`), libmvec (5) only on x86-64 with glibc
(:func:`simd_available`). The pyramidal cell's rate loop vectorizes; its
state update does not (GCC 12 cannot vectorize Brian2's update of the
``not_refractory`` flag, a byte, together with the doubles). The source
handed to Cython starts with a comment naming the build options, so Brian2's
on-disk cache (keyed on the source, not the flags) never mixes modules built
with and without them. ``HYPOMAG_VECTORIZE=0`` turns everything off.
Either way the modules come from
:func:`~experiments.engine.compile_pool.create_extension`, which lets a
network's first run compile them on all cores.
"""
from __future__ import annotations

import ctypes.util
import os
import platform
import re
import sys
import sysconfig
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from brian2.codegen.runtime.cython_rt import CythonCodeObject
from brian2.codegen.targets import codegen_targets

from . import compile_pool

#: The header declaring libmvec's functions (see the module docstring).
HEADER = Path(__file__).with_name("simd_math.h")
#: Run-time alias checks GCC may emit before vectorizing one loop.
ALIAS_CHECKS = 400
#: Brian2's directive (its template ``common_group.pyx``) and ours.
PYTHON_DIVISION = "#cython: cdivision=False"
C_DIVISION = "#cython: cdivision=True"


def vectorize_enabled() -> bool:
    """Whether the rewrite is on (``HYPOMAG_VECTORIZE``, default 1)."""
    from .environment import flag
    return flag("HYPOMAG_VECTORIZE")


@contextmanager
def vectorizing(enabled: bool):
    """Compile the code objects created inside with (or without) the rewrite.

    Brian2 creates, and so compiles or finds in its cache, a group's code
    objects at every ``run``; to compare the two builds in one process, wrap
    each run of a network in the build it should use.
    """
    saved = os.environ.get("HYPOMAG_VECTORIZE")
    os.environ["HYPOMAG_VECTORIZE"] = "1" if enabled else "0"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("HYPOMAG_VECTORIZE", None)
        else:
            os.environ["HYPOMAG_VECTORIZE"] = saved


@lru_cache(maxsize=None)
def glibc_version() -> tuple[int, int] | None:
    """(major, minor) of the C library if it is glibc, else None."""
    name, version = platform.libc_ver()
    if name != "glibc" or not version:
        return None
    major, _, minor = version.partition(".")
    try:
        return int(major), int(minor.split(".")[0])
    except ValueError:
        return None


@lru_cache(maxsize=None)
def gcc_compiler() -> bool:
    """Whether the extensions are compiled by GCC on Linux (``CXX``/``CC`` or Python's own)."""
    compiler = (os.environ.get("CXX") or os.environ.get("CC") or sysconfig.get_config_var("CXX")
                or sysconfig.get_config_var("CC") or "")
    name = os.path.basename(compiler.split()[0]) if compiler.split() else ""
    return sys.platform.startswith("linux") and ("gcc" in name or "g++" in name) \
        and "clang" not in compiler


@lru_cache(maxsize=None)
def simd_available() -> bool:
    """GCC on x86-64 Linux and glibc >= 2.22 with libmvec."""
    return (gcc_compiler() and platform.machine() in ("x86_64", "AMD64")
            and (glibc_version() or (0, 0)) >= (2, 22)
            and ctypes.util.find_library("mvec") is not None)


#: The build options with the rewrite off (``HYPOMAG_VECTORIZE=0``): Brian2's build.
NO_OPTIONS = {"extra_compile_args": [], "libraries": [], "define_macros": []}


def compile_options() -> dict:
    """Extra ``extra_compile_args``, ``libraries`` and ``define_macros`` of the build."""
    args, libraries, macros = [], [], []
    if gcc_compiler():
        args += [f"--param=vect-max-version-for-alias-checks={ALIAS_CHECKS}",
                 "-fno-guess-branch-probability"]
    if simd_available():
        args += ["-include", str(HEADER)]
        libraries.append("mvec")
        if glibc_version() >= (2, 35):
            macros.append(("HYPOMAG_MVEC_EXPM1", "1"))
    return {"extra_compile_args": args, "libraries": libraries, "define_macros": macros}


#: A ``nogil`` support function (``_exprel`` and the like), which cannot raise.
NOGIL_FUNCTION = re.compile(r"^(\s*cdef inline [\w ]+\([^)]*\)) nogil:", re.MULTILINE)


def rewrite_source(code: str, options: dict) -> str:
    """The Cython source with C division (unless it uses ``//``), ``noexcept``
    support functions and a first line naming the build ``options``."""
    if PYTHON_DIVISION in code and "//" not in code:
        code = code.replace(PYTHON_DIVISION, C_DIVISION, 1)
    code = NOGIL_FUNCTION.sub(r"\1 noexcept nogil:", code)
    return f"# hypomag vectorizing build: {options}\n{code}"


class VectorizingCythonCodeObject(CythonCodeObject):
    """Brian2's Cython code object, compiled as the module docstring describes."""

    class_name = "cython"  # see install()

    def compile_block(self, block):
        code = getattr(self.code, block, "").strip()
        if not code or "EMPTY_CODE_BLOCK" in code:
            return None
        return compile_pool.create_extension(self, block, *self.extension(code))

    def extension(self, code: str) -> tuple[str, dict]:
        """The source of a block and the other arguments of ``create_extension``.

        Those of Brian2's ``CythonCodeObject.compile_block``; while
        :func:`vectorize_enabled`, the source rewritten (:func:`rewrite_source`)
        and the options of :func:`compile_options` added.
        """
        vectorize = vectorize_enabled()
        options = compile_options() if vectorize else NO_OPTIONS
        return (rewrite_source(code, options) if vectorize else code), {
            "define_macros": list(self.define_macros) + options["define_macros"],
            "libraries": list(self.libraries) + options["libraries"],
            "extra_compile_args": list(self.extra_compile_args) + options["extra_compile_args"],
            "extra_link_args": list(self.extra_link_args),
            "include_dirs": list(self.include_dirs),
            "library_dirs": list(self.library_dirs),
            "runtime_library_dirs": list(self.runtime_library_dirs),
            "compiler": self.compiler,
            "owner_name": f"{self.owner.name}_{self.template_name}",
            "sources": list(self.sources),
        }


def ordered_topsort(graph) -> list:
    """Brian2's topological sort of subexpressions, made independent of set order.

    Brian2 (2.9) builds the dependency lists from sets of identifiers, so two
    processes (different string hashes) can emit independent subexpressions in
    different orders: the same model then gives different C code, and the
    compiled-code cache misses in every new process. Sorting nodes and
    dependencies gives one valid order, the same in every process.
    """
    from graphlib import TopologicalSorter
    return list(TopologicalSorter({node: sorted(deps) for node, deps in
                                   sorted(graph.items())}).static_order())


def order_subexpressions() -> None:
    """Make the order of subexpressions in Brian2's generated code (every target) the same
    in every process (:func:`ordered_topsort`)."""
    from brian2.codegen import translation
    translation.topsort = ordered_topsort


def install() -> str:
    """Make Brian2's target ``"cython"`` this code object; return the target name.

    Brian2 finds a target by its name (``prefs.codegen.target``), and a
    function's Cython implementation by the name of the code object's class,
    so the subclass keeps the name ``"cython"`` and takes the place of
    Brian2's class among the known targets.
    """
    codegen_targets.discard(CythonCodeObject)
    codegen_targets.add(VectorizingCythonCodeObject)
    return VectorizingCythonCodeObject.class_name
