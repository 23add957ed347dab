"""One figure style for every experiment, and atomic PNG + SVG saving."""
from __future__ import annotations

import io
import os
from pathlib import Path

import matplotlib

if not os.environ.get("DISPLAY") and not os.environ.get("MPLBACKEND"):
    matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from .table import atomic_write_bytes  # noqa: E402

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


def save_figure(fig, stem: Path) -> list[Path]:
    """Save ``fig`` as ``stem.png`` and ``stem.svg`` atomically; return the paths."""
    paths = []
    with plt.rc_context(STYLE):
        fig.tight_layout()
        for ext in ("png", "svg"):
            buffer = io.BytesIO()
            metadata = {"Date": None} if ext == "svg" else {}
            fig.savefig(buffer, format=ext, metadata=metadata)
            path = Path(f"{stem}.{ext}")
            atomic_write_bytes(path, buffer.getvalue())
            paths.append(path)
    return paths
