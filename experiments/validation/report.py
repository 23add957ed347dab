"""``hypomag validate``: every quantitative claim of the models, checked by simulation.

Each check is a small registered function that runs the real Brian2 models
(batched, through the same sweep engine as ``hypomag run``), compares what they
produce with a published or derived number, and returns one :class:`Result`
per compared quantity::

    @check("nmda_half_block")
    def nmda_half_block(ctx):
        table = ctx.experiment("nmda_iv", mg_o=[0.1, 1.0], v="-100:40:281")["main"]
        ...
        return [close("V1/2 of the NMDA block at 0.1 mM", JS_DERIVED,
                      expected=-57.7, simulated=v_half, atol=0.1, unit="mV")]

:func:`main` runs all checks (``--quick``: only those marked ``quick``, for CI,
well under a minute), writes ``OUT/report.md`` (one row per quantity:
quantity, source, expected, simulated, tolerance, pass/fail), the same rows as
``OUT/report.csv``, and overlay figures of model against data
(``OUT/*.png``), and returns a non-zero exit status if any check fails.

Adding a check
--------------
Write one function taking a :class:`Context` and returning a list of
:class:`Result` (use :func:`close`, :func:`within` or :func:`holds`), decorate
it with :func:`check`, and give it ``requires=("experiment_name",)`` if it
needs an experiment that may be absent. A check lives either in this wing
(one module per subject, listed in :data:`CHECK_MODULES`) or beside its
experiment, in the experiment's own module: every experiment module is
imported before the checks run. Use
``ctx.experiment(NAME, **settings)`` to run an experiment (results are cached
per settings, so several checks can share one simulation) and
``ctx.save(fig, stem)`` to add a figure to the report.

The sources of the expected numbers are in ``docs/reference.md``
(section numbers are given in each row) or cited in the check.
"""
from __future__ import annotations

import csv
import datetime
import io
import math
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from experiments.engine.parameters import markdown_table

# -- results ---------------------------------------------------------------------


@dataclass
class Result:
    """One compared quantity: a row of the report.

    ``expected``, ``simulated`` and ``tolerance`` are the formatted cells
    (numbers with units, a band, or words); ``check`` is filled in with the
    name of the check that returned the row; ``status`` is ``"pass"`` or
    ``"FAIL"`` from ``passed`` unless given (``"skipped"``).
    """

    quantity: str
    source: str
    expected: str
    simulated: str
    tolerance: str
    passed: bool
    check: str = ""
    status: str = ""  # "pass", "FAIL", "skipped"

    def __post_init__(self):
        if not self.status:
            self.status = "pass" if self.passed else "FAIL"


def _fmt(value: Any, digits: int = 4) -> str:
    """A number for the report: yes/no, an integer, or ``digits`` significant digits."""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if not math.isfinite(value):
            return str(value)
        return f"{value:.{digits}g}"
    return str(value)


def _unit(unit: str) -> str:
    """`` unit`` appended to a number in the report (nothing if dimensionless)."""
    return f" {unit}" if unit else ""


def close(quantity: str, source: str, expected: float, simulated: float, *,
          rtol: float | None = None, atol: float | None = None, unit: str = "",
          digits: int = 4) -> Result:
    """Pass if ``|simulated - expected| <= atol + rtol |expected|`` (NaN fails).

    Parameters
    ----------
    quantity, source : str
        What is compared, and where the expected number comes from.
    expected, simulated : float
        The published or derived number and the model's, both in ``unit``.
    rtol, atol : float, optional
        Relative and absolute tolerance (``atol`` in ``unit``); neither: exact.
    unit : str
        Unit shown after the numbers (empty: dimensionless).
    digits : int
        Significant digits shown.
    """
    rtol, atol = rtol or 0.0, atol or 0.0
    simulated = float(simulated)
    ok = math.isfinite(simulated) and abs(simulated - expected) <= atol + rtol * abs(expected)
    parts = []
    if atol:
        parts.append(_fmt(atol, 3) + _unit(unit))
    if rtol:
        parts.append(f"{_fmt(100 * rtol, 3)} %")
    suffix = _unit(unit)
    return Result(quantity, source, _fmt(expected, digits) + suffix,
                  _fmt(simulated, digits) + suffix,
                  ("± " + " + ".join(parts)) if parts else "exact", ok)


def within(quantity: str, source: str, low: float | None, high: float | None,
           simulated: float, unit: str = "", digits: int = 4) -> Result:
    """Pass if ``low <= simulated <= high`` (either bound may be None; NaN fails).

    ``low``, ``high`` and ``simulated`` are in ``unit``; the other
    parameters are those of :func:`close`.
    """
    simulated = float(simulated)
    ok = math.isfinite(simulated) and (low is None or simulated >= low) and (
        high is None or simulated <= high)
    suffix = _unit(unit)
    if low is not None and high is not None:
        band = f"{_fmt(low)} to {_fmt(high)}{suffix}"
    elif low is not None:
        band = f">= {_fmt(low)}{suffix}"
    else:
        band = f"<= {_fmt(high)}{suffix}"
    return Result(quantity, source, band, _fmt(simulated, digits) + suffix, "band", ok)


def holds(quantity: str, source: str, expected: str, simulated: str, passed: bool) -> Result:
    """A direction or qualitative check described in words.

    ``expected`` states the claim (``"rate(0.1) > rate(1)"``), ``simulated``
    the numbers that decide it, ``passed`` whether they do.
    """
    return Result(quantity, source, expected, simulated, "direction", bool(passed))


# -- reading experiment tables ---------------------------------------------------


def value_at(table, column: str, **where) -> float:
    """The value of ``column`` in the one row matching ``where``."""
    rows = table.where(**where)
    if len(rows) != 1:
        raise LookupError(f"{len(rows)} rows match {where}")
    return float(rows[column][0])


def mean_at(table, column: str, **where) -> float:
    """The mean of ``column`` (NaN left out) over the rows matching ``where``."""
    rows = table.where(**where)
    if len(rows) < 1:
        raise LookupError(f"no rows match {where}")
    return float(np.nanmean(rows[column]))


# -- registry ----------------------------------------------------------------------


@dataclass
class Check:
    """A registered check function and when it runs."""

    name: str
    function: Callable[["Context"], list[Result]]
    quick: bool = True
    requires: tuple[str, ...] = ()
    doc: str = ""


#: All registered checks, in registration order.
CHECKS: dict[str, Check] = {}


def check(name: str | None = None, *, quick: bool = True, requires: Sequence[str] = ()):
    """Decorator registering a check.

    Parameters
    ----------
    name : str, optional
        Name of the check (default: the function's name).
    quick : bool
        Part of ``hypomag validate --quick`` (keep the quick set under a minute).
    requires : sequence of str
        Experiments (or importable modules, ``"neuron"``) the check needs; if one
        is missing the check is reported as skipped, not failed.
    """
    def register(function):
        key = name or function.__name__
        doc = (function.__doc__ or "").strip()
        CHECKS[key] = Check(key, function, quick, tuple(requires),
                            doc.splitlines()[0] if doc else "")
        return function
    return register


# -- context: shared simulations and figures -------------------------------------


@dataclass
class Context:
    """What a check gets: cached experiment runs, the output folder, quick mode."""

    quick: bool
    out: Path
    seed: int = 1
    figures: list[str] = field(default_factory=list)
    _cache: dict = field(default_factory=dict)

    def experiment(self, name: str, quick: bool | None = None, **settings) -> dict:
        """Run experiment ``name`` with ``settings`` (as in a TOML ``[set]`` table).

        Runs through the sweep engine exactly as ``hypomag run`` does (one
        batched simulation per structural value) into a temporary folder and
        returns its tables; identical requests are served from a cache.
        ``quick`` (default: the context's mode) picks the experiment's quick
        values for settings not given.
        """
        from experiments import get_experiment
        from experiments.engine.backends import SerialBackend
        from experiments.engine.plan import make_plan
        from experiments.engine.run import resolve
        from experiments.engine.sweep import execute
        quick = self.quick if quick is None else quick
        key = (name, quick, tuple(sorted((k, repr(v)) for k, v in settings.items())))
        if key not in self._cache:
            cls = get_experiment(name)
            values = resolve(cls, quick, settings, {})
            plan = make_plan(cls(), values, self.seed)
            with tempfile.TemporaryDirectory(prefix="hypomag-validate-") as tmp:
                self._cache[key] = execute(plan, Path(tmp), SerialBackend(), progress=False)
        return self._cache[key]

    def save(self, fig, stem: str) -> str:
        """Save a figure into the report folder; return its PNG file name."""
        import matplotlib.pyplot as plt
        from experiments.engine.style import STYLE
        from experiments.engine.table import atomic_write_bytes
        with plt.rc_context(STYLE):
            fig.tight_layout()
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png")
        atomic_write_bytes(self.out / f"{stem}.png", buffer.getvalue())
        plt.close(fig)
        self.figures.append(f"{stem}.png")
        return f"{stem}.png"


def available(requirement: str) -> bool:
    """Whether an experiment (or, failing that, an importable module) exists."""
    from experiments import experiments
    if requirement in experiments():
        return True
    import importlib.util
    try:
        return importlib.util.find_spec(requirement) is not None
    except (ImportError, ValueError):
        return False


#: Modules of this wing that hold checks, grouped by subject.
CHECK_MODULES = ("nmda", "romk", "neurons", "kidney", "crosscheck")


def _load_all_checks() -> None:
    """Import the check modules of this wing and every experiment module.

    An experiment may declare its own checks in its module (``@check``
    functions beside its class), so adding an experiment never means editing
    this wing.
    """
    import importlib
    from experiments import experiments
    for module in CHECK_MODULES:
        importlib.import_module(f"{__package__}.{module}")
    experiments()


def run_checks(quick: bool, out: Path, names: Iterable[str] | None = None,
               seed: int = 1) -> tuple[list[Result], Context]:
    """Run the selected checks; a check that raises gives one failing row.

    Returns the result rows and the context (which lists the figures saved).
    """
    from experiments.engine.batch import configure_brian
    _load_all_checks()
    configure_brian()
    ctx = Context(quick=quick, out=Path(out), seed=seed)
    selected = list(names) if names is not None else [
        n for n, c in CHECKS.items() if c.quick or not quick]
    return run_selected([CHECKS[name] for name in selected], ctx), ctx


def run_selected(checks: Sequence[Check], ctx: Context, show: bool | None = None,
                 file=None) -> list[Result]:
    """The rows of ``checks``, in order, with a progress bar over them on a terminal.

    The bar (on ``file``, default stderr) names the running check and shows
    the phase and simulated time of the experiment batch it runs
    (:mod:`experiments.engine.progress`); it is shown when ``show`` is True,
    or when None and the file is a terminal (never in CI or a pipe).
    """
    import contextlib
    from experiments.engine import progress
    bar = progress.bar(len(checks), "validate", "check", enabled=show, file=file)
    listening = contextlib.ExitStack()
    if not bar.disable:
        listening.enter_context(progress.listening(progress.BarStatus(bar)))
    results: list[Result] = []
    try:
        for spec in checks:
            bar.set_description_str(f"validate {spec.name}")
            results.extend(run_check(spec, ctx))
            bar.update(1)
    finally:
        listening.close()
        bar.close()
    return results


def run_check(spec: Check, ctx: Context) -> list[Result]:
    """The rows of one check, each tagged with its name.

    A check whose requirements are missing gives one ``skipped`` row; one
    that raises gives one failing row naming the root cause (with the
    traceback on stderr if ``HYPOMAG_DEBUG`` is set).
    """
    from experiments.engine.environment import flag
    from experiments.engine.sweep import root_cause
    missing = [r for r in spec.requires if not available(r)]
    if missing:
        return [Result(spec.doc or spec.name, "-", "-", f"not available: {', '.join(missing)}",
                       "-", True, spec.name, status="skipped")]
    try:
        rows = spec.function(ctx)
    except Exception as exc:  # reported as a failing row, never hidden
        cause = root_cause(exc)
        message = str(cause).splitlines()[0] if str(cause) else ""
        rows = [Result(spec.doc or spec.name, "-", "runs",
                       f"error: {type(cause).__name__}: {message}", "-", False)]
        if flag("HYPOMAG_DEBUG"):
            traceback.print_exc()
    for row in rows:
        row.check = spec.name
    return rows


# -- report -------------------------------------------------------------------------

REPORT_COLUMNS = ("check", "quantity", "source", "expected", "simulated", "tolerance", "status")

#: Row statuses, and how the Markdown report marks them.
STATUSES = {"pass": "pass", "FAIL": "**FAIL**", "skipped": "skipped"}


def report_markdown(results: Sequence[Result], quick: bool, figures: Sequence[str],
                    wall: float) -> str:
    """The Markdown report: summary, one table row per quantity, figures."""
    from experiments.engine.run import git_commit, versions
    counts = status_counts(results)
    v = versions()
    lines = [
        "# hypomag validation report",
        "",
        f"`hypomag validate{' --quick' if quick else ''}`: "
        f"**{counts['pass']} passed, {counts['FAIL']} failed, {counts['skipped']} skipped** "
        f"({len(results)} rows, {wall:.1f} s).",
        "",
        f"Finished {datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds')}; "
        f"hypomag {v.get('hypomag')}, Brian2 {v.get('brian2')}, numpy {v.get('numpy')}, "
        f"Python {v.get('python')}, commit {git_commit()}.",
        "",
        "Simulated values come from the Brian2 models: experiments run through the sweep "
        "engine (batched, as `hypomag run` runs them), single-channel checks (gating time "
        "course, Kir sqrt law) through the models directly; `neuron_crosscheck` compares "
        "with an independent NEURON build. Sources: docs/reference.md sections "
        "(`docs/reference.md`) or the citation given; "
        "*derived* = computed from a confirmed equation; bands marked [uncertain] are "
        "plausible ranges, not measurements.",
        "",
    ]
    lines += markdown_table(("check", "quantity", "source", "expected", "simulated", "tolerance",
                             "result"),
                            ((r.check, r.quantity, r.source, r.expected, r.simulated,
                              r.tolerance, STATUSES[r.status]) for r in results))
    if figures:
        lines += ["", "## Figures: model against data", ""]
        for fig in figures:
            lines += [f"![{fig}]({fig})", ""]
    return "\n".join(lines) + "\n"


def status_counts(results: Sequence[Result]) -> dict[str, int]:
    """How many rows passed, failed and were skipped (keys ``pass``, ``FAIL``, ``skipped``)."""
    return {s: sum(r.status == s for r in results) for s in STATUSES}


def report_csv(results: Sequence[Result]) -> str:
    """The report rows as CSV, columns :data:`REPORT_COLUMNS`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(REPORT_COLUMNS)
    for r in results:
        writer.writerow([getattr(r, c) for c in REPORT_COLUMNS])
    return buffer.getvalue()


def main(quick: bool = False, out: Path = Path("validation"), names: Iterable[str] | None = None,
         stream=None) -> int:
    """Run the checks, write ``OUT/report.md`` (+ csv, figures); 1 if any check fails."""
    import sys
    from experiments.engine.settings import UsageError
    from experiments.engine.table import atomic_write_text
    stream = stream or sys.stdout
    from experiments.engine.run import check_output_folder
    check_output_folder(out)  # up front: a folder that cannot take the report is refused now
    out = Path(out)
    if names is not None:
        _load_all_checks()
        unknown = [n for n in names if n not in CHECKS]
        if unknown:
            raise UsageError(f"unknown check {unknown[0]!r}; allowed: {', '.join(CHECKS)}")
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    results, ctx = run_checks(quick, out, names)
    wall = time.perf_counter() - start
    atomic_write_text(out / "report.md", report_markdown(results, quick, ctx.figures, wall))
    atomic_write_text(out / "report.csv", report_csv(results))
    counts = status_counts(results)
    for r in results:
        if r.status == "FAIL":
            print(f"FAIL {r.check}: {r.quantity}: expected {r.expected}, "
                  f"simulated {r.simulated} ({r.tolerance})", file=stream)
    print(f"validate: {counts['pass']} passed, {counts['FAIL']} failed, "
          f"{counts['skipped']} skipped in {wall:.1f} s; report {out / 'report.md'}", file=stream)
    return 1 if counts["FAIL"] else 0
