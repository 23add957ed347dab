"""The benchmark suite runs end to end at a tiny size and writes its report.

Not a timing test: it checks that every measurement of ``python -m
benchmarks`` runs (engine, newcomer loop, NEURON peer, growth, memory, parameter
layout, vectorizing build) and that RESULTS.md is written from the raw results, on
10 conditions of 2 ms.
"""
from __future__ import annotations

import pytest


def test_tiny_suite_runs_and_reports(tmp_path):
    pytest.importorskip("neuron")
    from benchmarks.run import TINY, report, run_suite
    res = run_suite(dict(TINY), log=lambda _: None)
    assert res["engine_100"]["n"] == 10 and len(res["engine_100"]["full_s"]) == 1
    assert res["naive"]["points"] == 1 and res["naive"]["point_s"][0] > 0
    peer = res["peer"]["10"]
    assert len(peer["neuron"]["spikes"]) == 10 and len(peer["counts"]) == 10
    assert peer["neuron"]["loop_matches_network"] is True
    assert set(res["growth"]) == {"1", "10"} and res["memory"]["peak_rss_mb"] > 0
    # both parameter layouts simulate the same cells
    assert res["layout"]["spikes_equal"] is True and len(res["layout"]["shared_s"]) == 1
    assert res["layout"]["v_end_max_diff_mV"] < 1e-6
    # and so do the scalar and the vectorizing build
    assert res["vectorize"]["spikes_equal"] is True and len(res["vectorize"]["vector_s"]) == 1
    assert res["vectorize"]["v_end_max_diff_mV"] < 1e-6
    # the fresh-clone pipeline (new clone, empty caches, timed commands) at its tiny size
    fresh = res["fresh"]
    assert fresh["tiny"] is True
    assert all(fresh[k]["wall_s"] > 0 for k in ("main_cold", "tests_cold", "tests_warm"))
    text = report(res)
    for heading in ("## Machine", "## 1. Batched engine", "## 2. hypomag vs NEURON",
                    "## 3. Cost growth", "## 6. Peak memory", "## 7. Parameter layout",
                    "## 8. Vectorizing build", "## 9. Fresh clone"):
        assert heading in text
    assert "target >= 50x" in text and "brian2 " in text


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
    for n in (1, 7, 10, 1000):
        assert len(bench_plan(n, 1.0).conditions) == n
