"""The benchmark suite runs end to end at a tiny size and writes its report.

Not a timing test: it checks that every measurement of ``python -m
benchmarks`` runs (compiled programs, engine on both paths, newcomer loop,
NEURON peer with 1 and 2 threads, growth, Brian2's default standalone, one
core vs two, --workers, the single-cell run vs the step loop, memory, Dask,
parameter layout, vectorizing build, fresh clone) and that RESULTS.md is
written from the raw results, on 10-20 conditions of 50 ms in the shape of the
tests' compiled program (tests/test_standalone.py), so that it compiles
nothing on a machine that has run the tests (besides a 1- and a 10-neuron
program, once).
"""
from __future__ import annotations

import pytest


def test_tiny_suite_runs_and_reports(tmp_path):
    pytest.importorskip("neuron")
    pytest.importorskip("distributed")
    from benchmarks.run import TINY, report, run_suite
    res = run_suite(dict(TINY), log=lambda _: None)
    assert {p["size"] for p in res["programs"]} == {1, 5, 10}
    assert res["engine_100"]["n"] == 10 and len(res["engine_100"]["full_s"]) == 1
    assert res["engine_100"]["path"] == "auto"
    assert res["naive"]["points"] == 1 and res["naive"]["point_s"][0] > 0
    peer = res["peer"]["10"]
    assert len(peer["neuron"]["spikes"]) == 10 and len(peer["counts"]) == 10
    assert peer["neuron"]["loop_matches_network"] is True
    assert set(peer["neuron"]["threads_s"]) == {"1", "2"} and peer["neuron"]["thread_spikes_equal"]
    assert peer["runtime"]["path"] == "runtime"
    assert peer["runtime"]["mean_spikes_by_mg"] == peer["engine"]["mean_spikes_by_mg"]
    assert set(res["growth"]) == {"1", "10"}
    assert res["standalone"]["10"]["run_s"] and res["paired"]["ratios"]
    assert res["cores"]["one"]["cores"] == 1 and res["cores"]["all"]["cores"] >= 1
    assert res["workers"]["two"]["batches"] == 2
    assert res["per_step"]["big_loop_s"][0] > 0 and res["per_step"]["single_s"][0] > 0
    assert set(res["memory"]) == {"10", "20"} and res["memory"]["20"]["batches"] == 2
    assert res["memory"]["10"]["peak_rss_mb"] > 0 and res["memory"]["10"]["tree_peak_mb"] > 0
    assert res["dask"]["rows"] == 20 and len(res["dask"]["worker_peak_mb"]) == 2
    # both parameter layouts simulate the same cells
    assert res["layout"]["spikes_equal"] is True and len(res["layout"]["shared_s"]) == 1
    assert res["layout"]["v_end_max_diff_mV"] < 1e-6
    # and so do the scalar and the vectorizing build
    assert res["vectorize"]["spikes_equal"] is True and len(res["vectorize"]["vector_s"]) == 1
    assert res["vectorize"]["v_end_max_diff_mV"] < 1e-6
    # the fresh-clone pipeline at its tiny size: a new clone, empty caches, one command
    fresh = res["fresh"]
    assert fresh["tiny"] is True and fresh["main_cold"]["wall_s"] > 0
    assert fresh["tests_cold"].get("skipped") and fresh["tests_warm"].get("skipped")
    text = report(res)
    for heading in ("## Machine", "## Compiled programs", "## 1. Batched engine",
                    "## 2. hypomag vs NEURON", "## 3. Cost growth", "## 4. Brian2's default",
                    "## 5. Cores", "## 6. Peak memory", "## 7. Parameter layout",
                    "## 8. Vectorizing build", "## 9. Fresh clone", "## 10. One condition",
                    "## 11. 20 conditions on a local Dask cluster"):
        assert heading in text
    assert "target >= 50x" in text and "brian2 " in text
    for target in (">= 3x", ">= 1.6x", "<= 3x"):
        assert f"| {target} |" in text


def test_quick_start_commands_are_the_readmes():
    """The fresh-clone section measures the README's two Quick start commands, and refuses a
    README whose Quick start does not hold exactly two."""
    from pathlib import Path

    from benchmarks.fresh import quick_start_commands
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    main, tests = quick_start_commands(readme)
    assert main in readme and tests in readme
    assert "hypomag run all --quick" in main and "pytest" in tests
    with pytest.raises(ValueError, match="3 bash blocks"):
        quick_start_commands("## Quick start\n" + "```bash\nx\n```\n" * 3 + "## Next\n")


def test_sweep_sizes_are_exact():
    """The benchmark grid gives exactly the requested number of conditions."""
    from benchmarks.tasks import bench_plan
    for n in (1, 7, 10, 1000, 20000):
        assert len(bench_plan(n, 1.0).conditions) == n
