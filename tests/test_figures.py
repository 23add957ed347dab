"""Figures stay bounded for any sweep size (experiments/engine/style.py).

Each experiment's ``plot`` runs on a synthetic table of the experiment's real columns
(``prepare(...).columns`` plus the declared ``columns``) with many rows and cheap numpy
data; no simulation. What is drawn must not grow with the sweep: at most
``style.MAX_CURVES`` curves of a swept dimension, ``style.MAX_POINTS`` markers of
individual rows, bounded legends, and a note on the figure naming what was left out and
where all rows are. No timings here (benchmarks/README.md has the measured plot times).
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.lines import Line2D

from experiments import get_experiment
from experiments.engine import style
from experiments.engine.run import prepare
from experiments.engine.table import Table


def synthetic(name: str, dims: dict, **given) -> Table:
    """A table of experiment ``name``'s columns over the product of ``dims`` (column ->
    values); other columns from ``given`` (a constant or a function of the grid), else the
    setting's quick value, else a ramp."""
    cls = get_experiment(name)
    plan = prepare(cls, quick=True)
    settings = {s.column_name: s for s in cls.all_settings().values()}
    names = list(dict.fromkeys([*plan.columns, *cls.columns, *dims, *given]))
    grids = np.meshgrid(*[np.asarray(v, dtype=object) for v in dims.values()], indexing="ij")
    data = {column: grid.ravel() for column, grid in zip(dims, grids)}
    n = len(next(iter(data.values())))
    for column in names:
        if column in data:
            continue
        if column in given:
            value = given[column](data) if callable(given[column]) else given[column]
        elif column in settings:
            setting = settings[column]
            value = setting.magnitude(setting.values(True)[0])
        else:
            value = np.linspace(0.0, 1.0, n)
        data[column] = np.broadcast_to(np.asarray(value, dtype=object), n)
    rows = [dict(zip(names, values)) for values in zip(*(data[c].tolist() for c in names))]
    return Table(rows, names)


def legend_entries(ax) -> int:
    legend = ax.get_legend()
    return len(legend.get_texts()) if legend is not None else 0


def data_lines(ax) -> list[Line2D]:
    """Lines that draw data (not axhline/axvline guides, which span the axes)."""
    return [line for line in ax.lines if line.get_transform() == ax.transData]


@pytest.fixture
def close_figures():
    yield
    plt.close("all")


# -- the mechanism --------------------------------------------------------------------------

def test_spread_keeps_ends_and_reference():
    values = list(np.linspace(0, 2, 1000))
    picked = style.spread(values, 10, keep=(0.5,))
    assert len(picked) <= 10
    assert picked[0] == values[0] and picked[-1] == values[-1]
    assert min(abs(v - 0.5) for v in picked) < 2 / 999
    assert picked == sorted(picked)
    assert style.spread(values[:10], 10) == values[:10]  # below the cap: everything
    assert len(style.spread(values[:11], 10, keep=(1.0,))) <= 10
    assert style.spread(["a", "b", "c"], 2) == ["a", "c"]


def test_groups_and_mean_sem_match_table():
    rows = [{"x": float(x), "kind": kind, "y": float(y)}
            for x, kind, y in zip([1, 2, 1, 2, 3, 1], "ababbb", [1, 2, np.nan, 4, 5, 6])]
    table = Table(rows)
    groups = style.row_groups(table["x"], table["kind"])
    assert list(groups) == [(1.0, "a"), (2.0, "b"), (3.0, "b"), (1.0, "b")]
    for (x, kind), index in groups.items():
        assert [table.rows[k] for k in index] == table.where(x=x, kind=kind).rows
    assert style.distinct(table["kind"]) == table.unique("kind")
    for got, want in zip(style.mean_sem(table["x"], table["y"]), table.mean_sem("x", "y")):
        np.testing.assert_array_equal(got, want)


def test_thin_caps_rows():
    assert len(style.thin(10, 100)) == 10
    index = style.thin(10**6, 1000)
    assert len(index) == 1000 and np.all(np.diff(index) > 0)


def test_layout_rasterizes_only_dense_artists(close_figures):
    fig, axes = style.figure(1, 1)
    ax = axes[0][0]
    dense, = ax.plot(np.arange(style.DENSE_POINTS + 1), np.zeros(style.DENSE_POINTS + 1), ".")
    sparse, = ax.plot([0, 1], [0, 1])
    style.note(fig, "a note")
    style.layout(fig)
    assert dense.get_rasterized() and not sparse.get_rasterized()
    assert style.figure_note(fig) == "a note"


# -- every experiment's plot ---------------------------------------------------------------

def iv_table(name, mg_column, n_mg, n_v, **given):
    mg = np.linspace(0, 2, n_mg)
    v = np.linspace(-120, 60, n_v)
    def block(d):
        return 1 / (1 + np.asarray(d[mg_column], float))
    return synthetic(name, {mg_column: mg, "v_mV": v},
                     i_pA=lambda d: np.asarray(d["v_mV"], float) * block(d), unblocked=block,
                     **given)


@pytest.mark.parametrize("name,mg_column", [("romk_iv", "mg_i_mM"), ("nmda_iv", "mg_o_mM")])
def test_iv_family_of_200k_rows_is_bounded(name, mg_column, close_figures):
    table = iv_table(name, mg_column, 1000, 200)
    assert len(table) == 200_000
    fig = get_experiment(name)().plot({"main": table})
    for ax in fig.axes:
        assert len(data_lines(ax)) <= style.MAX_CURVES
    assert legend_entries(fig.axes[0]) <= style.MAX_CURVES
    text = style.figure_note(fig)
    assert f"{style.MAX_CURVES} of 1000" in text and f"200000 rows in {name}.csv" in text


def test_romk_many_k_o_groups_are_bounded(close_figures):
    table = synthetic("romk_iv", {"k_o_mM": np.linspace(1, 100, 50),
                                  "mg_i_mM": np.linspace(0, 2, 20),
                                  "v_mV": np.linspace(-120, 60, 20)},
                      i_pA=lambda d: np.asarray(d["v_mV"], float), unblocked=0.5)
    fig = get_experiment("romk_iv")().plot({"main": table})
    ax_iv = fig.axes[0]
    assert len(data_lines(ax_iv)) <= style.MAX_CURVES * len(style.LINE_STYLES)
    assert legend_entries(ax_iv) <= style.MAX_CURVES + len(style.LINE_STYLES)
    assert len(ax_iv.get_title()) < 60  # a range, not 50 values
    text = style.figure_note(fig)
    assert "of 50 k_o_mM values" in text and "of 20 " in text


def test_k_secretion_groups_are_bounded(close_figures):
    dims = {"k_lumen_mM": np.linspace(1, 40, 100), "mg_i_mM": np.linspace(0.02, 2, 200)}
    main = synthetic("k_secretion", dims,
                     j_k_pmol_min_mm=lambda d: 10 / (1 + np.asarray(d["mg_i_mM"], float)))
    band = synthetic("k_secretion", {**dims, "romk_fit": ["weak", "strong"]},
                     j_k_pmol_min_mm=lambda d: 9 + (np.asarray(d["romk_fit"]) == "strong"))
    fig = get_experiment("k_secretion")().plot({"main": main, "band": band})
    ax_k, ax_v = fig.axes
    assert len(data_lines(ax_k)) <= style.MAX_CURVES
    assert len(data_lines(ax_v)) <= 3 * style.MAX_CURVES
    assert legend_entries(ax_k) <= style.MAX_CURVES + 3
    assert "of 100 combinations" in style.figure_note(fig)


def test_excitability_groups_are_bounded(close_figures):
    table = synthetic("excitability", {"nmda_scale": np.linspace(0, 2, 30),
                                       "mg_o_mM": np.linspace(0, 2, 500), "seed": [1, 2, 3]})
    fig = get_experiment("excitability")().plot({"main": table})
    for ax in fig.axes:
        assert len(ax.containers) <= style.MAX_CURVES  # one errorbar per drawn group
    assert legend_entries(fig.axes[1]) <= style.MAX_CURVES + 2
    assert "of 30 combinations of nmda_scale" in style.figure_note(fig)


def test_seizure_is_bounded(close_figures):
    mg = np.linspace(0, 2, 1000)
    main = synthetic("seizure", {"nmda_scale": np.linspace(0, 2, 25), "mg_o_mM": mg,
                                 "seed": [1, 2]}, burst_rate_hz=1.0)
    shown = [mg[np.argmin(abs(mg - want))] for want in (0.1, 0.5, 1.2)]
    spikes = 3 * style.MAX_POINTS
    raster = synthetic("seizure", {"mg_o_mM": shown, "nmda_scale": [0.0], "seed": [1],
                                   "t_s": np.linspace(0, 10, spikes)},
                       neuron=lambda d: np.arange(len(d["t_s"])) % 50,
                       cell=lambda d: np.where(np.arange(len(d["t_s"])) % 50 < 40, "E", "I"))
    rate = synthetic("seizure", {"mg_o_mM": mg, "nmda_scale": [0.0], "seed": [1],
                                 "t_s": np.linspace(0, 10, 100)}, rate_hz=2.0)
    fig = get_experiment("seizure")().plot({"main": main, "raster": raster, "rate": rate})
    for ax in fig.axes[:3]:  # rasters
        assert sum(len(line.get_xdata()) for line in ax.lines) <= style.MAX_POINTS
    for ax in fig.axes[6:]:  # summaries: a mean line and seed dots per drawn scale
        assert len(data_lines(ax)) <= 2 * style.MAX_CURVES
        dots = [line for line in ax.lines if line.get_marker() == "."]
        assert sum(len(line.get_xdata()) for line in dots) <= style.MAX_POINTS
    assert legend_entries(fig.axes[6]) <= style.MAX_CURVES + 2
    text = style.figure_note(fig)
    assert "of 25 nmda_scale values" in text and f"of up to {spikes} spikes per raster" in text


def test_hypomagnesemia_draws_one_errorbar_per_panel(close_figures):
    table = synthetic("hypomagnesemia", {"serum_mg_mM": np.linspace(0.2, 1.2, 5000),
                                         "seed": [1, 2, 3]})
    fig = get_experiment("hypomagnesemia")().plot({"main": table})
    for ax in fig.axes[:3]:
        assert len(ax.containers) == 1


def test_hypokalemia_lines_bounded_by_scenarios(close_figures):
    cls = get_experiment("hypokalemia")
    scenarios = cls.setting("scenario").choices
    table = synthetic("hypokalemia", {"scenario": list(scenarios),
                                      "t_day": np.linspace(0, 1000, 4001)})
    fig = cls().plot({"main": table})
    for ax in fig.axes:
        assert len(data_lines(ax)) <= 2 * len(scenarios)
