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


def _run_tiny_network():
    """Four leaky integrate-and-fire neurons, 20 ms: the network, its spike counts and
    final potentials (four compiled modules: update, threshold, reset, monitor; the
    fewest that still give a pool work for both cores). Explicit names: every build
    has the same code."""
    from brian2 import NeuronGroup
    group = NeuronGroup(4, "dv/dt = (I - v) / (10*ms) : 1\nI : 1", threshold="v > 1",
                        reset="v = 0", method="exact", name="pool_cells")
    group.I = [0.5, 1.5, 2.5, 3.5]
    spikes = SpikeMonitor(group, name="pool_spikes")
    network = Network(group, spikes)
    network.run(20 * ms)
    return network, np.asarray(spikes.count[:]), np.asarray(group.v[:])


def _module_files(network) -> set[str]:
    """The files of the compiled modules the network's code objects run."""
    return {module.__file__ for obj in network.sorted_objects for codeobj in obj.code_objects
            for module in codeobj.compiled_code.values() if module is not None}


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    """Brian2's Cython target, an empty cache and Brian2's own ``Network.before_run`` (an
    installed :func:`compile_pool.before_run` is put back after the test)."""
    from brian2 import prefs
    from experiments.engine import compile_pool
    if not compile_pool.parallel():
        pytest.skip("no pool here: one core, or a daemonic process")
    configure_brian()
    saved = prefs.codegen.runtime.cython.cache_dir
    prefs.codegen.runtime.cython.cache_dir = str(tmp_path / "cython")
    monkeypatch.setattr(Network, "before_run", compile_pool._brian_before_run)  # restored after
    try:
        yield compile_pool
    finally:
        prefs.codegen.runtime.cython.cache_dir = saved


def test_first_run_compiles_in_parallel_then_warm_runs_start_no_pool(empty_cache, monkeypatch):
    """Cold: one pool compiles every module the run needs and the network runs as with
    Brian2's own preparation (same modules, so equal to the last bit). Warm: no pool."""
    compile_pool = empty_cache
    pools = []

    class RecordingPool(compile_pool.ProcessPoolExecutor):
        def __init__(self, max_workers, **kwargs):
            super().__init__(max_workers, **kwargs)
            pools.append({"workers": max_workers, "modules": set()})

        def submit(self, function, code, *args):
            pools[-1]["modules"].add(compile_pool.module_path(code))
            return super().submit(function, code, *args)
    monkeypatch.setattr(compile_pool, "ProcessPoolExecutor", RecordingPool)

    compile_pool.install()
    network, counts, v = _run_tiny_network()
    assert network.t == 20 * ms and counts.sum() > 5
    assert len(pools) == 1 and pools[0]["workers"] >= 2
    assert pools[0]["modules"] == _module_files(network)  # all in the pool, none here

    compile_pool.install()  # a second call changes nothing; the cache is warm now
    _, warm_counts, warm_v = _run_tiny_network()
    assert len(pools) == 1
    monkeypatch.setattr(Network, "before_run", compile_pool._brian_before_run)
    _, serial_counts, serial_v = _run_tiny_network()
    for other_counts, other_v in ((warm_counts, warm_v), (serial_counts, serial_v)):
        np.testing.assert_array_equal(other_counts, counts)
        np.testing.assert_array_equal(other_v, v)


def test_subexpression_order_is_the_same_in_every_process():
    """The subexpression order (hence the generated code and its compiled-cache key) does not
    depend on the order of sets: the same graph, inserted in opposite orders, gives one
    order, and every subexpression follows those it depends on."""
    from experiments.engine.codegen import ordered_topsort
    graph = {"c": ["a", "b"], "a": [], "b": [], "d": ["a"], "e": []}
    reverse = {node: list(reversed(deps)) for node, deps in reversed(list(graph.items()))}
    order = ordered_topsort(graph)
    assert order == ordered_topsort(reverse)
    assert all(order.index(dep) < order.index(node) for node, deps in graph.items()
               for dep in deps)
