"""Shared fixtures of the hypomag test suite.

Brian2 keeps global state (code generation target, the default clock, magic
networks). Every test gets the project's code generation target
(:func:`experiments.engine.batch.configure_brian`: Cython, whose compiled code is
cached on disk so reruns cost no compilation) and a fresh default clock;
the tests build explicit ``Network`` objects, so no magic network leaks from
one test into the next. Figures left open by a test are closed.
"""
from __future__ import annotations

import pytest
from hypothesis import settings

# the helper module of the cluster tests asserts too: pytest explains its failures
pytest.register_assert_rewrite("cluster_support")

from channels.constants import BODY_TEMPERATURE_K

# property tests draw the same examples on every run and machine (a failure seen once
# is seen again, and CI never fails on an example no one can reproduce)
settings.register_profile("hypomag", derandomize=True, database=None)
settings.load_profile("hypomag")

#: The default environment of the conformance and channel tests (floats in the unit of
#: ``channels.base.ENVIRONMENT``: volt -> mV, mmolar -> mM, kelvin -> K). The task's
#: default is v, Mg_o, Mg_i, K_o, K_i, T; Ca_o and Na are standard saline / cell values.
DEFAULT_ENV_VALUES = {"v": -65.0, "Mg_o": 1.0, "Mg_i": 0.5, "K_o": 4.0, "K_i": 140.0,
                      "T": BODY_TEMPERATURE_K, "Ca_o": 2.0, "Na_o": 140.0, "Na_i": 12.0,
                      # the heart's compartments: ORd's resting values (Supp, initial state)
                      "Ca_i": 1e-4, "Na_ss": 7.0, "K_ss": 145.0, "Ca_ss": 1e-4,
                      "phi_CaMK": 0.05}
#: Value (in display unit) of an environment variable added later and not listed above.
FALLBACK_ENV_VALUE = 1.0


@pytest.fixture(autouse=True)
def brian_state():
    """Project code generation target and a fresh Brian2 scope for every test."""
    from brian2 import defaultclock, ms, start_scope

    from experiments.engine.batch import configure_brian
    configure_brian()
    start_scope()
    defaultclock.dt = 0.1 * ms
    yield
    import matplotlib.pyplot as plt
    plt.close("all")


def make_env(**values) -> dict:
    """Every variable of ``channels.base.ENVIRONMENT`` as a Brian2 quantity.

    ``values`` override the defaults; they are floats (or arrays) in mV for voltages,
    mM for concentrations and K for temperatures. A variable added to ENVIRONMENT later
    gets :data:`FALLBACK_ENV_VALUE`, so new channels need no edit here.
    """
    import numpy as np
    from channels.base import ENVIRONMENT
    merged = {**DEFAULT_ENV_VALUES, **values}
    return {name: np.asarray(merged.get(name, FALLBACK_ENV_VALUE), float) * display_unit(unit)
            for name, (unit, _meaning) in ENVIRONMENT.items()}


def display_unit(unit):
    """mV for volt, mM for mmolar, the unit itself otherwise."""
    from brian2 import mV, volt
    return mV if unit == volt else unit


def _user_cython_cache() -> str:
    """Cython's cache folder for this user, as Cython finds it before conftest changes
    XDG_CACHE_HOME (Brian2's modules are in its ``brian_extensions``)."""
    try:
        from Cython.Utils import get_cython_cache_dir
    except ImportError:  # Cython 3.1
        from Cython.Build.Cache import get_cython_cache_dir
    return get_cython_cache_dir()


def pytest_configure(config):
    # The command line's catalogue of declarations goes to a folder of this test run, never
    # to the user's cache: subprocesses of the tests inherit the setting.
    import atexit
    import os
    import shutil
    import tempfile
    # Compiled standalone programs stay in the user's build cache, as Brian2's Cython modules
    # stay in its own: a rerun of the tests compiles nothing it compiled before.
    from experiments.engine.standalone import cache_root
    os.environ.setdefault("HYPOMAG_BUILD_CACHE", str(cache_root()))
    # Cython (and so Brian2, unless HYPOMAG_CYTHON_CACHE is set) puts its cache below
    # XDG_CACHE_HOME when that is set: pin it to the user's cache first, or every test run
    # (and every xdist worker) would compile all of Brian2's code into the folder below.
    os.environ.setdefault("CYTHON_CACHE_DIR", _user_cython_cache())
    cache = tempfile.mkdtemp(prefix="hypomag-test-cache-")
    os.environ["XDG_CACHE_HOME"] = cache
    atexit.register(shutil.rmtree, cache, ignore_errors=True)
    # The project's target and code order before any fixture builds a model: a module or
    # session fixture runs before the per-test configuration below, and code generated
    # without it would miss the compiled cache of every later process.
    from experiments.engine.batch import configure_brian
    configure_brian()
    # Brian2 2.9 calls pyparsing's camelCase names, deprecated in pyparsing 3.3.
    config.addinivalue_line("filterwarnings", "ignore:.*deprecated - use ")
    config.addinivalue_line("filterwarnings", "ignore:.*argument is deprecated, use ")


def run_quick(tmp_path_factory, name: str):
    """Run ``hypomag run NAME --quick`` into a fresh folder and return the folder."""
    from experiments.cli import main
    from experiments.engine.batch import configure_brian
    out = tmp_path_factory.mktemp(name)
    configure_brian()
    assert main(["run", name, "--quick", "--out", str(out), "--no-show"]) == 0
    return out
