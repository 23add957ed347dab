"""One figure style for every experiment, and atomic PNG + SVG saving."""
from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Sequence

import matplotlib
import numpy as np

if not os.environ.get("DISPLAY") and not os.environ.get("MPLBACKEND"):
    matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from .table import StagedFiles  # noqa: E402

STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "lines.linewidth": 1.5,
    "svg.hashsalt": "hypomag",
    "svg.fonttype": "none",
}

#: Clinical serum Mg bands (mM): hypomagnesemia below 0.7, symptoms usually below 0.5,
#: normal serum total Mg 0.7-1.1 (secondary sources; ../shared docs/reference.md section 2).
HYPOMAGNESEMIA_MM = 0.7
SYMPTOMATIC_MM = 0.5
NORMAL_MG_MM = (0.7, 1.1)


def figure(nrows: int = 1, ncols: int = 1, width: float = 4.0, height: float = 3.2, **kwargs):
    """A figure in the shared style, ``width`` x ``height`` inches per panel."""
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows),
                                 squeeze=False, **kwargs)
    return fig, axes


def shade_mg_ranges(ax, label: bool = True) -> None:
    """Shade the normal Mg band and the hypomagnesemic range on an Mg axis (mM)."""
    ax.axvspan(*NORMAL_MG_MM, color="tab:green", alpha=0.08,
               label="normal serum Mg" if label else None)
    ax.axvspan(0, HYPOMAGNESEMIA_MM, color="tab:red", alpha=0.06,
               label="hypomagnesemia (< 0.7 mM)" if label else None)


# -- bounded figures for any sweep size ---------------------------------------------------
# A plot draws from tables of any length (a 1000 x 200 sweep is 200 000 rows), but what it
# draws is bounded: at most MAX_CURVES curves of a swept dimension (spread), at most
# MAX_POINTS markers of individual rows (thin), rows grouped in one pass (row_groups,
# mean_sem) instead of one Table.where pass over all rows per value (quadratic: the first
# cause of minutes-long plots), and dense artists rasterized in the SVG. Whatever a figure
# leaves out it says under its panels (note); the CSV keeps every row.

#: Most curves drawn for one swept dimension: one per colour of matplotlib's default cycle
#: (tab10), so no two drawn curves share a colour and the legend fits beside the curves.
MAX_CURVES = 10
#: Line styles of the groups of a second dimension in one panel (at most this many drawn).
LINE_STYLES = ("-", "--", ":", "-.")
#: Most markers drawn for individual rows (a scatter, a raster); more rows are subsampled.
#: 10^4 markers take about 0.1 s in the PNG and 0.35 s in the SVG; a default seizure raster
#: panel holds fewer.
MAX_POINTS = 10_000
#: Panels drawing more points than this have their data artists (those of more than
#: DENSE_ARTIST points; not guides or spans) rasterized in the SVG, the PNG is unchanged:
#: markers cost the SVG about 30 us each, and a curve of a long sweep makes a huge path.
DENSE_POINTS = 10_000
DENSE_ARTIST = 100
#: Curves of more points than this drop their point markers (they would merge into a band).
MAX_MARKERS = 50
#: gid of the figure text that says what a figure leaves out.
NOTE_GID = "hypomag-note"


def columns(table, *names: str) -> tuple[np.ndarray, ...]:
    """The columns ``names`` of ``table`` as arrays (one pass over the rows each)."""
    return tuple(table[name] for name in names)


def _codes(values: np.ndarray) -> np.ndarray:
    """Integer code of each value (equal values, NaN included, share a code)."""
    if values.dtype != object:
        return np.unique(values, return_inverse=True)[1].ravel()
    seen: dict = {}
    return np.fromiter((seen.setdefault("nan" if v != v else v, len(seen)) for v in values),
                       dtype=np.int64, count=len(values))


def row_groups(*arrays: np.ndarray) -> dict[tuple, np.ndarray]:
    """Row indices of each distinct combination of values of ``arrays`` (columns of equal
    length), keyed by the combination, in order of first appearance.

    One pass over the rows: what ``Table.where`` of each combination gives, without a pass
    over all rows per combination.
    """
    if not arrays:
        return {}
    n = len(arrays[0])
    if n == 0:
        return {}
    codes = np.stack([_codes(np.asarray(a)) for a in arrays], axis=1)
    _, first, inverse = np.unique(codes, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    members = np.split(np.argsort(inverse, kind="stable"),
                       np.cumsum(np.bincount(inverse))[:-1])
    out = {}
    for group in np.argsort(first):
        row = first[group]
        key = tuple(a[row].item() if isinstance(a[row], np.generic) else a[row] for a in arrays)
        out[key] = members[group]
    return out


def distinct(values: np.ndarray) -> list:
    """Distinct values of a column in order of first appearance (as ``Table.unique``)."""
    return [key[0] for key in row_groups(np.asarray(values))]


def mean_sem(by: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``Table.mean_sem`` on arrays, in one pass: the sorted distinct values of ``by``, the
    mean of the finite ``values`` of each (nan if none) and its standard error (0 with fewer
    than two). The same arithmetic as numpy's mean and std(ddof=1) (equal to the last bit
    for groups of up to 8 values, where numpy sums in order)."""
    by, values = np.asarray(by, float), np.asarray(values, float)
    keys, inverse = np.unique(by, return_inverse=True)
    inverse = inverse.ravel()
    finite = np.isfinite(values)
    group, x = inverse[finite], values[finite]
    count = np.bincount(group, minlength=len(keys))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, np.bincount(group, x, minlength=len(keys)) / count, np.nan)
        deviation = x - mean[group]
        squares = np.bincount(group, deviation * deviation, minlength=len(keys))
        sem = np.where(count > 1, np.sqrt(squares / (count - 1)) / np.sqrt(count), 0.0)
    return keys, mean, sem


def spread(values: Sequence, cap: int = MAX_CURVES, keep: Sequence = ()) -> list:
    """At most ``cap`` of ``values`` (kept in their order) to draw, evenly spread.

    All of them if there are at most ``cap``. Otherwise every s-th one from the first, with
    the smallest stride s that stays within ``cap``, and the last one; the value nearest each
    of ``keep`` (a reference such as normal Mg; None is skipped) is added if it is not
    already drawn (in place of the nearest inner pick if ``cap`` are drawn already).
    """
    values = list(values)
    n = len(values)
    if n <= cap:
        return values
    if cap < 2:
        return values[:cap]
    stride = -(-(n - 1) // (cap - 1))
    index = list(range(0, n, stride))
    if index[-1] != n - 1:
        index.append(n - 1)
    for want in keep:
        if want is None:
            continue
        try:
            nearest = int(np.argmin([abs(float(v) - float(want)) for v in values]))
        except (TypeError, ValueError):
            if want not in values:
                continue
            nearest = values.index(want)
        inner = range(1, len(index) - 1)
        if nearest in index or not (inner or len(index) < cap):
            continue
        if len(index) < cap:
            index.append(nearest)
        else:
            index[min(inner, key=lambda k: abs(index[k] - nearest))] = nearest
        index.sort()
    return [values[k] for k in index]


def thin(n: int, cap: int = MAX_POINTS, seed: int = 0) -> np.ndarray:
    """Indices of at most ``cap`` of ``n`` rows, in order: all, or a fixed random subset
    (random so that it does not alias with the grid of the sweep)."""
    if n <= cap:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, cap, replace=False))


def marked(points: int, marker: str = "o") -> str:
    """``marker`` for a curve of ``points`` points, "" above :data:`MAX_MARKERS`."""
    return marker if points <= MAX_MARKERS else ""


def drawn(shown: int, total: int, what: str) -> str:
    """``"10 of 1000 Mg values drawn (evenly spread)"``: a :func:`spread` pick, for a note."""
    return f"{shown} of {total} {what} drawn (evenly spread)"


def note(fig, text: str) -> None:
    """Say under the panels of ``fig`` what the figure leaves out (a line per call, wrapped to
    the figure's width)."""
    import textwrap
    text = textwrap.fill(text, width=int(fig.get_figwidth() * 72 / (7 * 0.6)))
    for existing in fig.texts:
        if existing.get_gid() == NOTE_GID:
            existing.set_text(f"{existing.get_text()}\n{text}")
            return
    fig.text(0.005, 0.005, text, gid=NOTE_GID, ha="left", va="bottom", fontsize=7,
             color="0.35")


def legend(ax, handles=None, labels=None, **kwargs):
    """``ax.legend``; in two columns of smaller type when it has more than 6 entries (the
    curves of a long sweep, at most MAX_CURVES of them)."""
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    if len(labels) > 6:
        kwargs.setdefault("ncols", 2)
        kwargs.setdefault("fontsize", 6.5)
    return ax.legend(handles, labels, **kwargs)


def subset_note(fig, parts: Sequence[str], rows: int, file: str) -> None:
    """:func:`note` the subsets drawn (``parts``, from :func:`drawn`), if any, and where all
    ``rows`` are."""
    if parts:
        note(fig, f"{'; '.join(parts)}; all {rows} rows in {file}")


def figure_note(fig) -> str:
    """The text :func:`note` put on ``fig`` ("" if none)."""
    return "\n".join(t.get_text() for t in fig.texts if t.get_gid() == NOTE_GID)


def _points(artist) -> int:
    """How many data points an artist draws."""
    if hasattr(artist, "get_xydata"):
        return len(artist.get_xydata())
    count = len(artist.get_offsets()) if hasattr(artist, "get_offsets") else 0
    paths = artist.get_paths() if hasattr(artist, "get_paths") else []
    return max(count, sum(len(path.vertices) for path in paths))


def layout(fig) -> None:
    """Tight layout (leaving room for a :func:`note`); dense artists rasterized for the SVG."""
    text = figure_note(fig)
    if text:
        height = ((text.count("\n") + 1) * 7 * 1.35 + 6) / (fig.get_figheight() * 72)
        fig.tight_layout(rect=(0, height, 1, 1))
    else:
        fig.tight_layout()
    for ax in fig.axes:
        artists = [(artist, _points(artist)) for artist in (*ax.lines, *ax.collections)]
        if sum(points for _, points in artists) > DENSE_POINTS:
            for artist, points in artists:
                if points > DENSE_ARTIST:
                    artist.set_rasterized(True)


#: The formats every figure is saved in.
FIGURE_FORMATS = ("png", "svg")


def figure_bytes(fig) -> dict[str, bytes]:
    """``fig`` rendered in each of :data:`FIGURE_FORMATS` (the SVG without a date)."""
    rendered = {}
    with plt.rc_context(STYLE):
        layout(fig)
        for ext in FIGURE_FORMATS:
            buffer = io.BytesIO()
            metadata = {"Date": None} if ext == "svg" else {}
            fig.savefig(buffer, format=ext, metadata=metadata)
            rendered[ext] = buffer.getvalue()
    return rendered


def save_figure(fig, stem: Path) -> list[Path]:
    """Save ``fig`` as ``stem.png`` and ``stem.svg``, both or neither; return the paths."""
    paths = [Path(f"{stem}.{ext}") for ext in FIGURE_FORMATS]
    rendered = figure_bytes(fig)
    with StagedFiles() as staged:
        for path, ext in zip(paths, FIGURE_FORMATS):
            staged.write(path, rendered[ext])
    return paths
