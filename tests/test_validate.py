"""``hypomag validate``: the report, its exit status and the check registry.

The foundation checks (NMDA block table, half-block voltages, relative
conductance, Woodhull equivalence, kinetic steady state, Brunel-Wang gating,
ROMK E_K table and directions; docs/reference.md sections 1, 3 and 5) run here on
the real Brian2 models and must all pass. The checks of the larger
experiments (excitability, seizure, k_secretion, hypokalemia) run with
``hypomag validate --quick`` in CI; their experiments have their own tests.
"""
from __future__ import annotations

import csv
import io

import pytest

from experiments.validation import CHECKS, check, close, holds, main, within

FOUNDATION = ["nmda_block_table", "nmda_half_block", "nmda_relative_conductance",
              "woodhull_equivalence", "kinetic_block_steady_state", "brunel_wang_gating",
              "romk_reversal", "romk_directions", "kir_sqrt_law"]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("validation")
    stream = io.StringIO()
    status = main(quick=True, out=out, names=FOUNDATION, stream=stream)
    return status, out, stream.getvalue()


def test_foundation_checks_pass(report):
    """Every foundation row passes; exit status 0; summary line printed."""
    status, out, text = report
    assert status == 0, text
    assert "0 failed" in text


def test_report_has_one_row_per_quantity(report):
    """report.md and report.csv: quantity, source, expected, simulated, tolerance, result."""
    _, out, _ = report
    rows = list(csv.DictReader((out / "report.csv").open()))
    assert len(rows) >= 30
    assert {r["check"] for r in rows} == set(FOUNDATION)
    for r in rows:
        for column in ("quantity", "source", "expected", "simulated", "tolerance"):
            assert r[column].strip(), (r, column)
        assert r["status"] == "pass"
    markdown = (out / "report.md").read_text()
    assert "| check | quantity | source | expected | simulated | tolerance | result |" in markdown
    assert markdown.count("\n| ") >= len(rows) + 1
    # the Jahr-Stevens table, E_K table and gating numbers of docs/reference.md are all there
    for quantity in ("B(V=-70 mV, Mg_o=1 mM)", "V1/2 at Mg_o = 0.1 mM", "peak s_NMDA after one spike",
                     "E_K at K_o = 40 mM, K_i = 145 mM"):
        assert quantity in markdown


def test_overlay_figures_written(report):
    """Model-against-data figures exist, are PNG and are linked from the report."""
    _, out, _ = report
    markdown = (out / "report.md").read_text()
    for name in ("nmda_block.png", "nmda_gating.png", "romk_reversal.png"):
        assert (out / name).read_bytes().startswith(b"\x89PNG")
        assert f"]({name})" in markdown


@pytest.fixture
def temporary_checks():
    """Register throw-away checks; remove them afterwards."""
    added = []

    def add(name, function, **kwargs):
        check(name, **kwargs)(function)
        added.append(name)
    yield add
    for name in added:
        CHECKS.pop(name, None)


def test_failing_check_gives_nonzero_exit(tmp_path, temporary_checks):
    """A check whose number is off fails the run (exit 1) and is marked FAIL in the report."""
    temporary_checks("_always_off", lambda ctx: [close("two", "arithmetic", 2.0, 2.1, atol=0.05)])
    stream = io.StringIO()
    assert main(quick=True, out=tmp_path, names=["_always_off"], stream=stream) == 1
    assert "FAIL _always_off" in stream.getvalue()
    assert "**FAIL**" in (tmp_path / "report.md").read_text()


def test_raising_check_is_a_failure_not_a_crash(tmp_path, temporary_checks):
    """A check that raises becomes one failing row naming the error."""
    def broken(ctx):
        raise ZeroDivisionError("boom")
    temporary_checks("_broken", broken)
    assert main(quick=True, out=tmp_path, names=["_broken"], stream=io.StringIO()) == 1
    text = (tmp_path / "report.csv").read_text()
    assert "ZeroDivisionError: boom" in text


def test_missing_experiment_is_skipped(tmp_path, temporary_checks):
    """A check needing an experiment that does not exist is reported as skipped, not failed."""
    temporary_checks("_needs_ghost", lambda ctx: [], requires=("no_such_experiment",))
    assert main(quick=True, out=tmp_path, names=["_needs_ghost"], stream=io.StringIO()) == 0
    rows = list(csv.DictReader((tmp_path / "report.csv").open()))
    assert [r["status"] for r in rows] == ["skipped"]


def test_unknown_check_name_is_a_usage_error(tmp_path):
    from experiments.engine.settings import UsageError
    with pytest.raises(UsageError, match="unknown check"):
        main(quick=True, out=tmp_path, names=["no_such_check"])


def test_result_helpers():
    """close/within/holds decide pass and fail as documented (both sides of each bound)."""
    assert close("x", "s", 1.0, 1.0009, rtol=1e-3).passed
    assert not close("x", "s", 1.0, 1.0011, rtol=1e-3).passed
    assert not close("x", "s", 1.0, float("nan"), atol=1.0).passed
    assert within("x", "s", 0.0, 1.0, 1.0).passed and not within("x", "s", 0.0, 1.0, 1.01).passed
    assert within("x", "s", None, 1.0, -5).passed and not within("x", "s", 2.0, None, 1.0).passed
    assert holds("x", "s", "a", "b", True).status == "pass"
    assert holds("x", "s", "a", "b", False).status == "FAIL"


def test_quick_set_is_registered():
    """Every quick check is registered once, with a one-line description."""
    quick = [c for c in CHECKS.values() if c.quick]
    assert set(FOUNDATION) <= {c.name for c in quick}
    assert all(c.doc for c in CHECKS.values() if not c.name.startswith("_"))
