"""Running an experiment end to end: settings, sweep, tables, record, figure.

:func:`prepare` merges defaults, ``--quick`` values, a TOML config and
``--set`` flags (flags win), parses every value once into Brian2 quantities
and lays out the sweep (a :class:`~experiments.engine.plan.Plan`), all before
anything is written. :func:`run` executes a plan and writes into the output
folder

* ``NAME.csv`` (one row per condition, unit in each column name) and
  ``NAME_<side>.csv`` for side tables (traces, rasters);
* ``NAME.json``: every setting with its unit, meaning and source, the command
  line, seed, package versions, git commit, backend and wall time;
* ``NAME.png`` and ``NAME.svg``.

:func:`replot` redraws the figure from the saved tables alone;
:func:`simulate` runs an experiment from Python and returns its tables,
writing nothing unless asked to.
"""
from __future__ import annotations

import contextlib
import datetime
import json
import math
import platform
import shlex
import subprocess
import sys
import tempfile
import time
import tomllib
from importlib import metadata
from pathlib import Path
from typing import Any, Mapping, Sequence

from .environment import check_environment
from .errors import UsageError, shown_value
from .folders import folder_problem
from .framework import Experiment
from .style import FIGURE_FORMATS, save_figure
from .locking import LockBusy, exclusive
from .backends import make_backend
from .plan import MAX_CONDITIONS, Plan, check_grid_size, make_plan
from .settings import Setting
from .storage import partial_dir, sweep_lock
from .sweep import SweepInterrupted, execute, finish, stop_at_once_on_signals
from .table import MAIN, OutputError, StagedFiles, Table, atomic_write_text, output_error

#: Keys of a TOML config besides the [set] table.
CONFIG_KEYS = {"seed", "quick", "out", "workers", "scheduler", "batch_size", "zip", "set",
               "max_conditions"}


def parse_set_flags(items: Sequence[str]) -> dict[str, str]:
    """``["mg_o=0.1,1", ...]`` to ``{"mg_o": "0.1,1"}``.

    A name given twice is refused rather than the last one silently winning:
    several values of one setting are one list (``mg_o=0.1,1``).
    """
    out = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(f"--set {shown_value(item)}: expected NAME=VALUE")
        if name in out:
            raise UsageError(f"--set {name}: given twice ({shown_value(out[name])} and "
                             f"{shown_value(value)}); allowed: once per name, several values "
                             f"as one list ({name}=A,B)")
        out[name] = value
    return out


def load_config(path: str | None) -> dict[str, Any]:
    """Read and check a TOML config file; unknown keys are errors."""
    if not path:
        return {}
    file = Path(path)
    shown = f"--config {shown_value(str(path))}"
    try:
        if file.is_dir():
            raise UsageError(f"{shown}: is a folder, not a file; allowed: a TOML file")
        if not file.is_file():
            raise UsageError(f"{shown}: no such file; allowed: a TOML file")
        text = file.read_bytes()
    except (OSError, ValueError) as exc:  # a name too long, a symbolic link loop, no access
        if isinstance(exc, UsageError):
            raise
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise UsageError(f"{shown}: cannot be read ({why}); allowed: a readable TOML "
                         "file") from None
    try:
        config = tomllib.loads(text.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{shown}: not valid TOML ({str(exc).splitlines()[0]})") from None
    unknown = set(config) - CONFIG_KEYS
    if unknown:
        raise UsageError(f"{shown}: unknown key {shown_value(sorted(unknown)[0])}; "
                         f"allowed: {', '.join(sorted(CONFIG_KEYS))}")
    if "set" in config and not isinstance(config["set"], dict):
        raise UsageError(f"{shown}: 'set' must be a table of NAME = VALUE")
    return config


def resolve(experiment: type[Experiment], quick: bool, config_set: Mapping[str, Any],
            cli_set: Mapping[str, str], strict: bool = True) -> dict[str, tuple]:
    """All setting values of one run: defaults, then quick, then config, then flags.

    With ``strict=False`` names unknown to this experiment are skipped (used by
    ``run all``, where a name needs to be known to at least one experiment).
    """
    settings = experiment.all_settings()
    values = {name: s.values(quick) for name, s in settings.items()}
    for origin, given in (("config", config_set), ("--set", cli_set)):
        for name, raw in given.items():
            if name not in settings:
                if strict:
                    raise UsageError(f"{origin} {name}={shown_value(raw)}: unknown parameter of "
                                     f"{experiment.name}; allowed: {', '.join(settings)}")
                continue
            values[name] = settings[name].parse(raw, origin)
    return values


def check_counts(experiment: type[Experiment], quick: bool, given: Mapping[str, Any],
                 zip_dims: Sequence[str], max_conditions: int) -> None:
    """Refuse a grid over ``max_conditions`` from the number of values alone, before any
    value is parsed (a range of a million values takes seconds to parse): zipped
    settings count once."""
    counts = {name: len(s.values(quick)) for name, s in experiment.all_settings().items()}
    counts.update({name: Setting.count(raw) for name, raw in given.items() if name in counts})
    axes = [(n, c) for n, c in counts.items() if c > 1 and (n not in zip_dims or n == zip_dims[0])]
    check_grid_size(experiment.name, axes, max_conditions)


def versions(packages: Sequence[str] = ("hypomag", "brian2", "numpy", "matplotlib", "Cython")
             ) -> dict[str, str]:
    """Python's version and the installed versions of ``packages``."""
    out = {"python": platform.python_version()}
    for package in packages:
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            out[package] = "not installed"
    return out


def git_commit() -> str:
    here = Path(__file__).resolve().parent
    try:
        result = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                                text=True, timeout=5)
        commit = result.stdout.strip() if result.returncode == 0 else "unknown"
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                               capture_output=True, text=True, timeout=5).stdout.strip()
        return commit + ("-dirty" if dirty and commit != "unknown" else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _json_value(value):
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def record(plan: Plan, backend: str, wall: float, argv: Sequence[str],
           files: Sequence[str], tables: Mapping[str, dict] | None = None) -> dict:
    """The provenance record written beside the results."""
    experiment = type(plan.experiment)
    settings = experiment.all_settings()
    return {
        "experiment": experiment.name,
        "title": experiment.title,
        "command": shlex.join(argv),  # quoted, so it can be pasted back into a shell
        "seed": plan.seed,
        "quick": plan.quick,
        "settings": {
            name: {"values": [_json_value(v) for v in setting.in_unit(plan.values[name])],
                   "unit": setting.unit_name,
                   "meaning": setting.meaning,
                   "source": setting.source}
            for name, setting in settings.items()},
        "dimensions": plan.dims,
        "conditions": len(plan.conditions),
        "batch_size": plan.batch_size,
        "batches": len(plan.batches),
        "backend": backend,
        "versions": versions(),
        "git_commit": git_commit(),
        "finished": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "wall_time_s": round(wall, 3),
        "files": list(files),
        "tables": dict(tables or {}),
    }


def table_file(name: str, table_name: str) -> str:
    """The CSV file of an experiment's table: ``NAME.csv``, side tables ``NAME_SIDE.csv``."""
    return f"{name}.csv" if table_name == MAIN else f"{name}_{table_name}.csv"


def write_data(plan: Plan, tables: Mapping[str, Table], out: Path, backend: str,
               wall: float, argv: Sequence[str]) -> None:
    """Write the tables and the record ``NAME.json`` as one set: all of them or none.

    The record lists each table's rows, columns and SHA-256 (what
    :func:`load_tables` checks) and the figure files drawn next.
    """
    import hashlib
    name = plan.experiment.name
    files, written, texts = [], {}, {}
    for table_name, table in tables.items():
        file = table_file(name, table_name)
        texts[file] = table.to_csv_text()
        files.append(file)
        written[file] = {"table": table_name, "rows": len(table), "columns": table.columns,
                         "sha256": hashlib.sha256(texts[file].encode()).hexdigest()}
    figures = [f"{name}.{ext}" for ext in FIGURE_FORMATS]
    info = record(plan, backend, wall, argv, files + figures + [f"{name}.json"], written)
    with StagedFiles() as staged:
        for file, text in texts.items():
            staged.write_text(out / file, text)
        staged.write_text(out / f"{name}.json", json.dumps(info, indent=2) + "\n")


def draw(experiment: Experiment, tables: Mapping[str, Table], out: Path) -> list[str]:
    """Draw the figure from ``tables`` and save it (PNG and SVG, both or neither).

    Called after the tables and the record are on disk. If drawing fails or
    is interrupted, the figure files of an earlier run are removed (they would
    not show these tables) and the error says that ``--replot`` draws it.
    """
    import matplotlib.pyplot as plt
    name = experiment.name
    try:
        fig = experiment.plot(tables)
        try:
            return [p.name for p in save_figure(fig, out / name)]
        finally:
            plt.close(fig)
    except BaseException as exc:
        for ext in FIGURE_FORMATS:
            (out / f"{name}.{ext}").unlink(missing_ok=True)
        list_figures(out, name, drawn=False)
        done = f"the tables and {name}.json in {out} are complete"
        if isinstance(exc, KeyboardInterrupt):
            raise SweepInterrupted(f"interrupted while drawing the figure; {done}: "
                                   f"hypomag run {name} --replot --out {out} draws it") from None
        raise FigureError(f"{name}: the figure failed ({type(exc).__name__}: "
                          f"{str(exc).splitlines()[0] if str(exc) else ''}); {done}: "
                          f"hypomag run {name} --replot --out {out} draws it") from exc


class FigureError(RuntimeError):
    """Drawing the figure failed after the tables and record were written."""


def list_figures(out: Path, name: str, drawn: bool) -> None:
    """Make the record's ``files`` list the figure files exactly when they are ``drawn``."""
    path = out / f"{name}.json"
    info = json.loads(path.read_text())
    figures = [f"{name}.{ext}" for ext in FIGURE_FORMATS]
    files = [f for f in info["files"] if f not in figures]
    listed = files[:-1] + figures + files[-1:] if drawn else files  # the record last
    if listed != info["files"]:
        info["files"] = listed
        atomic_write_text(path, json.dumps(info, indent=2) + "\n")


def check_output_folder(out: str | Path, origin: str = "--out") -> None:
    """Refuse, before anything runs, an output folder that cannot take the results.

    The folder (or, if it does not exist yet, its nearest existing parent)
    must be a folder in which a file can be created. An empty path, a path
    the system cannot take (too long), a broken symbolic link and a loop of
    symbolic links on the way are refused too; ``origin`` names the option
    in the message (``--out``, ``config out``, ``out``).
    """
    import os
    text = os.fspath(out) if isinstance(out, (str, os.PathLike)) else out
    if not isinstance(text, str):
        raise UsageError(f"{origin}={shown_value(out)}: allowed: a folder path (a string)")
    problem = folder_problem(text)
    if problem:
        raise UsageError(f"{origin} {shown_value(text)}: {problem}; allowed: a folder path "
                         "in which files can be created")


def worker_count(plan: Plan, workers: int, scheduler: str | None) -> int:
    """``workers``, capped at the most batches the sweep can have (said on stderr)."""
    if scheduler is not None or workers <= 1:
        return workers
    most = len(plan.layout()) if plan.explicit_batch else len(plan.conditions)
    if workers > most:
        print(f"hypomag: --workers {workers}: using {most}, one per batch of this "
              f"{plan.experiment.name} sweep", file=sys.stderr)
        return max(1, most)
    return workers


def whole_number(origin: str, value, minimum: int) -> int:
    """``value`` if it is a whole number >= ``minimum`` (not a bool); else a usage error."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise UsageError(f"{origin}={value!r}: allowed: whole numbers >= {minimum}")
    return value


def check_options(*, quick, seed, batch_size=None, workers=1,
                  max_conditions=MAX_CONDITIONS) -> None:
    """The run's own options, as the command line checks them (for :func:`simulate`)."""
    if not isinstance(quick, bool):
        raise UsageError(f"quick={quick!r}: allowed: True or False")
    whole_number("seed", seed, 0)
    whole_number("workers", workers, 1)
    whole_number("max_conditions", max_conditions, 1)
    if batch_size is not None:
        whole_number("batch_size", batch_size, 1)


def prepare(experiment_class: type[Experiment], *, quick: bool = False, seed: int = 1,
            config_set: Mapping[str, Any] | None = None, cli_set: Mapping[str, Any] | None = None,
            zip_dims: Sequence[str] = (), batch_size: int | None = None,
            strict: bool = True, max_conditions: int = MAX_CONDITIONS) -> Plan:
    """Parse every setting of one run once and lay out its sweep.

    Raises :class:`~experiments.engine.settings.UsageError` for any bad value
    or combination, and for a grid of more than ``max_conditions``
    conditions, before anything is written.
    """
    check_options(quick=quick, seed=seed, batch_size=batch_size, max_conditions=max_conditions)
    check_counts(experiment_class, quick, {**(config_set or {}), **(cli_set or {})},
                 tuple(zip_dims), max_conditions)
    values = resolve(experiment_class, quick, config_set or {}, cli_set or {}, strict)
    return make_plan(experiment_class(), values, seed, zip_dims, batch_size, quick=quick,
                     max_conditions=max_conditions)


def run(plan: Plan, out: Path, *, workers: int = 1, scheduler: str | None = None,
        resume: bool = False, argv: Sequence[str] = (), progress: bool = True) -> dict[str, Table]:
    """Run a prepared plan and write its results into ``out``; return the tables.

    The tables and the record are written as one set once every batch has
    run, then the figure is drawn (:func:`store`, :func:`draw`). Ctrl-C and
    SIGTERM stop it at any point with a one-line account of what is kept; a
    failed run leaves no output folder it created and nothing in it.
    """
    name = plan.experiment.name
    start = time.perf_counter()
    out = Path(out)
    check_output_folder(out)
    # before mkdir: a bad --scheduler writes nothing
    backend = make_backend(worker_count(plan, workers, scheduler), scheduler)
    created = not out.exists()
    try:
        with stop_at_once_on_signals():
            try:
                out.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise output_error(out, exc) from None
            # experiments/engine/locking.py: an identical run in progress in this folder stops
            # us at once; runs with other settings write their result files one after the other
            with locked(sweep_lock(plan, out), wait=False):
                tables = execute(plan, out, backend, resume=resume, progress=progress)
                with locked(out / f".{name}.lock"):
                    store(plan, tables, out, backend.name, time.perf_counter() - start,
                          argv or sys.argv)
                    finish(plan, out)
                    draw(plan.experiment, tables, out)
    except LockBusy:
        raise UsageError(f"--out {str(out)!r}: another hypomag run is computing the same {name} "
                         "sweep (same settings and seed) into this folder; allowed: wait for it "
                         "to finish, or choose another --out") from None
    except KeyboardInterrupt as exc:
        remove_if_empty(out, created)
        if isinstance(exc, SweepInterrupted):
            raise
        raise SweepInterrupted("interrupted after every batch finished; "
                               f"{kept_for_writing(plan, out)}") from None
    except BaseException:
        remove_if_empty(out, created)
        raise
    finally:
        backend.close()
    return tables


@contextlib.contextmanager
def locked(path: Path, wait: bool = True):
    """:func:`~experiments.engine.locking.exclusive`, a lock file that cannot be made being
    an :class:`~experiments.engine.table.OutputError` naming it."""
    stack = contextlib.ExitStack()
    try:
        stack.enter_context(exclusive(path, wait=wait))
    except OSError as exc:
        raise output_error(path, exc) from None
    with stack:
        yield


def kept_for_writing(plan: Plan, out: Path) -> str:
    """Where the finished batches wait for a ``--resume`` that writes the results."""
    return (f"every batch is kept in {partial_dir(plan, out)}: run the same command with "
            "--resume to write the results")


def store(plan: Plan, tables: Mapping[str, Table], out: Path, backend: str, wall: float,
          argv: Sequence[str]) -> None:
    """:func:`write_data`; if it fails or is interrupted, nothing of the set is written and
    the error says that ``--resume`` writes it from the kept batches."""
    try:
        write_data(plan, tables, out, backend, wall, argv)
    except OutputError as exc:
        raise OutputError(f"{exc}; no table or record was written, "
                          f"{kept_for_writing(plan, out)}") from None
    except KeyboardInterrupt:
        raise SweepInterrupted("interrupted while writing the tables; none was written, "
                               f"{kept_for_writing(plan, out)}") from None


def remove_if_empty(out: Path, created: bool) -> None:
    """Remove the output folder a failed run created, if nothing is in it."""
    if created:
        with contextlib.suppress(OSError):
            out.rmdir()  # only succeeds on an empty folder


def simulate(experiment_class: type[Experiment], *, quick: bool = False, seed: int = 1,
             out: str | Path | None = None, workers: int = 1, scheduler: str | None = None,
             batch_size: int | None = None, zip_dims: Sequence[str] = (), progress: bool = False,
             max_conditions: int = MAX_CONDITIONS, **settings) -> dict[str, Table]:
    """Run an experiment from Python; return its tables (main table under ``"main"``).

    Parameters
    ----------
    experiment_class : type
        The experiment (``experiments.get_experiment("excitability")``).
    quick, seed, workers, scheduler, batch_size, zip_dims, max_conditions
        As ``--quick``, ``--seed``, ``--workers``, ``--scheduler``,
        ``--batch-size``, ``--zip`` and ``--max-conditions`` of the command line.
    out : path, optional
        Write the CSV files, JSON record and figure there, as ``hypomag run``
        does. Without it nothing is written: the batches of the sweep go to a
        temporary folder that is removed at the end.
    **settings
        Any setting ``--set`` accepts, with the same values and the same
        errors (raised as :class:`~experiments.engine.settings.UsageError`):
        numbers in the setting's unit, strings (``"500uM"``, ``"0:2:11"``),
        lists, or Brian2 quantities (``mg_o=[0.1, 1.0] * mM``).

    Returns
    -------
    dict of str to Table
        The tables the CSV files hold: named columns with the unit in each
        name (``mg_o_mM``, ``rate_hz``), one row per condition.
    """
    check_environment()
    check_options(quick=quick, seed=seed, batch_size=batch_size, workers=workers,
                  max_conditions=max_conditions)
    if not isinstance(progress, bool):
        raise UsageError(f"progress={shown_value(progress)}: allowed: True or False")
    if isinstance(zip_dims, str):  # "mg_i,v", as --zip takes it
        zip_dims = tuple(z.strip() for z in zip_dims.split(",") if z.strip())
    elif not (isinstance(zip_dims, (list, tuple)) and all(isinstance(z, str) for z in zip_dims)):
        raise UsageError(f"zip_dims={shown_value(zip_dims)}: allowed: \"A,B\" or a list of "
                         "parameter names")
    if out is not None:
        check_output_folder(out, "out")
    plan = prepare(experiment_class, quick=quick, seed=seed, cli_set=settings,
                   zip_dims=zip_dims, batch_size=batch_size, max_conditions=max_conditions)
    if out is not None:
        return run(plan, Path(out), workers=workers, scheduler=scheduler,
                   argv=["simulate", experiment_class.name], progress=progress)
    backend = make_backend(worker_count(plan, workers, scheduler), scheduler)
    try:
        with tempfile.TemporaryDirectory(prefix=f"hypomag-{experiment_class.name}-") as folder:
            return execute(plan, Path(folder), backend, progress=progress)
    finally:
        backend.close()


def load_tables(experiment_class: type[Experiment], out: Path) -> dict[str, Table]:
    """The saved tables of an experiment in ``out`` (for ``--replot``), checked first.

    Each table listed in ``NAME.json`` must be there with the bytes the run
    wrote (SHA-256), its row count and its columns, and the main table must
    have the experiment's declared columns; anything else (a truncated or
    edited file, another experiment's table, a missing record) is a
    :class:`UsageError` naming the file, and nothing is redrawn.
    """
    import hashlib
    name, out = experiment_class.name, Path(out)
    record_file = out / f"{name}.json"
    try:
        written = json.loads(record_file.read_text())["tables"]
    except FileNotFoundError:
        raise UsageError(f"--replot: no record {str(record_file)!r} of a finished {name} run "
                         "in this folder; allowed: run the experiment first") from None
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"--replot: {str(record_file)!r} is not a record of a {name} run "
                         f"({type(exc).__name__}); allowed: rerun the experiment") from None
    damaged = UsageError(f"--replot: {str(record_file)!r} is not a record of a {name} run "
                         "(its tables are not listed as FILE: {table, sha256}); allowed: rerun "
                         "the experiment")
    if not isinstance(written, dict) or not all(
            isinstance(f, str) and isinstance(e, dict) and isinstance(e.get("table"), str)
            and isinstance(e.get("sha256"), str) for f, e in written.items()):
        raise damaged
    if MAIN not in {e["table"] for e in written.values()}:
        raise UsageError(f"--replot: {str(record_file)!r} lists no table {MAIN!r} of {name} "
                         "(the record is damaged); allowed: rerun the experiment")
    tables = {}
    for file, expected in written.items():
        path = out / file
        try:
            data = path.read_bytes() if path.is_file() else None
        except OSError as exc:
            raise UsageError(f"--replot: {str(path)!r} cannot be read ({exc.strerror}); "
                             "allowed: rerun the experiment") from None
        if data is None or hashlib.sha256(data).hexdigest() != expected.get("sha256"):
            why = "is missing" if data is None else "differs from what the run wrote (truncated, "\
                "edited or replaced)"
            raise UsageError(f"--replot: {str(path)!r} {why}; allowed: rerun the experiment")
        tables[expected["table"]] = Table.read_csv(path)
    missing = [c for c in experiment_class.columns if c not in tables.get(MAIN, Table()).columns]
    if missing:
        raise UsageError(f"--replot: {str(out / table_file(name, MAIN))!r} lacks the columns "
                         f"{', '.join(missing)} of {name}; allowed: rerun the experiment")
    return tables


def replot(experiment_class: type[Experiment], out: Path) -> list[str]:
    """Redraw the figure of ``experiment_class`` from the tables saved in ``out``."""
    experiment = experiment_class()
    tables = load_tables(experiment_class, out)
    fig = experiment.plot(tables)
    paths = save_figure(fig, Path(out) / experiment_class.name)
    import matplotlib.pyplot as plt
    plt.close(fig)
    list_figures(Path(out), experiment_class.name, drawn=True)
    return [p.name for p in paths]
