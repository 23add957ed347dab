"""The vectorizing Cython build (experiments/engine/codegen.py).

The rewrite of Brian2's Cython source is checked on text; the build on the
pyramidal cell: the rate loop must contain calls to glibc's vector math
(libmvec, symbols ``_ZGV...``) where that library is available, and the
vectorized cell must fire exactly as the scalar build (``HYPOMAG_VECTORIZE=0``,
Brian2's own source), its potentials equal to rounding: libmvec's exponentials
are accurate to 4 ulp, so 100 ms of spiking may differ by far less than 1e-6 mV.
"""
from __future__ import annotations

import numpy as np
import pytest
from brian2 import Network, SpikeMonitor, mV, ms, pA

from experiments.engine import codegen
from experiments.engine.batch import configure_brian
from models.neuron import CELL_NAME, PyramidalNeuron

SOURCE = """#cython: language_level=3
#cython: cdivision=False

cdef inline double _exprel(double x) nogil:
    return expm1(x) / x

def main(_namespace):
    y = x / z
"""


def test_rewrite_gives_c_division_and_noexcept_support_functions():
    options = codegen.compile_options()
    text = codegen.rewrite_source(SOURCE, options)
    assert text.startswith(f"# hypomag vectorizing build: {options}\n")
    assert "#cython: cdivision=True" in text and "cdivision=False" not in text
    assert "cdef inline double _exprel(double x) noexcept nogil:" in text


def test_gcc_flags_only_for_gcc(monkeypatch):
    """GCC-only flags (--param, -fno-guess-branch-probability, libmvec) never reach clang."""
    monkeypatch.setattr(codegen.sys, "platform", "linux")
    for compiler, gcc in (("g++", True), ("/usr/bin/x86_64-linux-gnu-g++-12", True),
                          ("clang++", False), ("ccache clang++", False)):
        monkeypatch.setenv("CXX", compiler)
        codegen.gcc_compiler.cache_clear()
        codegen.simd_available.cache_clear()
        try:
            options = codegen.compile_options()
            assert codegen.gcc_compiler() is gcc, compiler
            assert ("-fno-guess-branch-probability" in options["extra_compile_args"]) is gcc
            if not gcc:
                assert options == {"extra_compile_args": [], "libraries": [], "define_macros": []}
        finally:
            codegen.gcc_compiler.cache_clear()
            codegen.simd_available.cache_clear()


def test_floor_division_keeps_python_semantics():
    """C truncates -7 // 2 to -3 where Python floors it to -4: such code keeps cdivision=False."""
    text = codegen.rewrite_source(SOURCE + "    k = i // 2\n", codegen.compile_options())
    assert "#cython: cdivision=False" in text


def _run_cells(vectorize: bool):
    """40 pyramidal cells driven by 0-390 pA for 100 ms: spike counts, final v (mV), rate module."""
    model = PyramidalNeuron()
    group = model.build_group(40, dt=0.025 * ms, name=CELL_NAME)
    model.initialize(group, I_ext=np.arange(40) * 10 * pA)
    spikes = SpikeMonitor(group, record=False, name=f"{CELL_NAME}_count")
    network = Network(group, spikes)
    with codegen.vectorizing(vectorize):
        network.run(100 * ms)
    rates = next(obj for obj in group.contained_objects if "subexpression" in obj.name)
    module_files = [getattr(m, "__file__", None) for m in rates.codeobj.compiled_code.values()]
    return np.asarray(spikes.count[:]), np.asarray(group.v[:] / mV), module_files


def test_vectorized_cell_matches_scalar_build():
    configure_brian()
    fast_counts, fast_v, files = _run_cells(True)
    slow_counts, slow_v, _ = _run_cells(False)
    assert slow_counts.sum() > 100 and len(set(slow_counts)) > 5  # a real range of firing
    np.testing.assert_array_equal(fast_counts, slow_counts)
    assert np.max(np.abs(fast_v - slow_v)) < 1e-6
    if not codegen.simd_available():
        pytest.skip("no libmvec/GCC on x86-64 Linux here: the scalar path is what runs")
    binaries = [open(f, "rb").read() for f in files if f]
    assert binaries and any(b"_ZGV" in b for b in binaries), "rate loop not vectorized"
