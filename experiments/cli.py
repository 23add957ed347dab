"""The ``hypomag`` command.

::

    hypomag list                      # the experiments
    hypomag channels [NAME]           # parameter tables of the channels
    hypomag run NAME|all [options]    # run experiments
    python -m experiments.NAME [options]   # the same as ``hypomag run NAME``

Options of ``run`` (the same for every experiment): ``--set NAME=VALUE``
(repeatable), ``--config FILE.toml``, ``--out DIR`` (default ``results``),
``--quick``, ``--seed N``, ``--replot``, ``--no-show``, ``--workers N``,
``--scheduler ADDRESS``, ``--resume``, ``--batch-size N``, ``--zip A,B``.

Bad input prints one line ``hypomag: error: ...`` on stderr and exits with
status 2 before anything is written.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Sequence



def _import_brian_quietly() -> None:
    """Import Brian2 without its import-time notes on stderr; keep warnings afterwards.

    Brian2 prints an INFO note at import when its code cache exceeds a size
    limit, which would break the one-line error contract of the command line.
    """
    if "brian2" in sys.modules:
        return
    import contextlib
    import io
    with contextlib.redirect_stderr(io.StringIO()):
        import brian2  # noqa: F401
    from brian2.utils.logger import BrianLogger
    if BrianLogger.console_handler is not None:
        BrianLogger.console_handler.setStream(sys.stderr)
        BrianLogger.log_level_warn()


_import_brian_quietly()

from .engine.settings import UsageError  # noqa: E402


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit status 2."""

    def error(self, message):  # noqa: D401
        raise UsageError(message)


def _positive_int(name: str, minimum: int = 1):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} {text!r}: allowed: whole numbers >= {minimum}")
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{name} {value}: allowed: whole numbers >= {minimum}")
        return value
    return parse


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """The options every experiment shares."""
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="set a parameter or sweep dimension: a number in the parameter's "
                             "unit, a quantity (500uM), a list (0.1,0.5,1) or a range start:stop:count")
    parser.add_argument("--config", metavar="FILE.toml", help="settings from a TOML file; flags win")
    parser.add_argument("--out", metavar="DIR", help="output folder (default: results)")
    parser.add_argument("--quick", action="store_true", default=None,
                        help="small, fast sweep for a first look")
    parser.add_argument("--seed", type=_positive_int("--seed", 0), help="base random seed (default 1)")
    parser.add_argument("--replot", action="store_true", help="redraw the figure from saved tables")
    parser.add_argument("--no-show", action="store_true", help="do not open a figure window")
    parser.add_argument("--workers", type=_positive_int("--workers"),
                        help="run batches in N local processes")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="run batches on a Dask distributed scheduler (hypomag[cluster])")
    parser.add_argument("--resume", action="store_true",
                        help="keep the finished batches of an interrupted run")
    parser.add_argument("--batch-size", type=_positive_int("--batch-size"),
                        help="most conditions per simulation")
    parser.add_argument("--zip", metavar="A,B", help="sweep these parameters in lock-step")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="hypomag", description="Magnesium block of NMDA and ROMK channels: "
                                                 "experiments from the command line.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sub.add_parser("list", help="list the experiments")
    channels = sub.add_parser("channels", help="print the channels' parameter tables")
    channels.add_argument("name", nargs="?", help="one channel (default: all)")
    channels.add_argument("--markdown", action="store_true",
                          help="print every parameter table (channels, models, experiment "
                               "settings) as Markdown, as in docs/parameters.md")
    run = sub.add_parser("run", help="run an experiment (or 'all')")
    run.add_argument("experiment", help="experiment name, or 'all'")
    add_run_options(run)
    validate = sub.add_parser("validate", help="check the models against published numbers")
    validate.add_argument("--quick", action="store_true", help="the fast subset, for CI")
    validate.add_argument("--out", metavar="DIR", default="validation", help="report folder")
    return parser


def cmd_list() -> int:
    from . import experiments
    for name, cls in experiments().items():
        print(f"{name:16s} {cls.title}")
    return 0


def cmd_channels(name: str | None) -> int:
    from channels import CHANNELS, get_channel
    names = [name] if name else list(CHANNELS)
    for channel_name in names:
        try:
            cls = get_channel(channel_name)
        except KeyError:
            raise UsageError(f"unknown channel {channel_name!r}; allowed: {', '.join(CHANNELS)}")
        print(f"{cls.__name__} (I_{cls.name}): {cls.reference}")
        rows = cls.parameter_rows()
        widths = {k: max(len(k), *(len(r[k]) for r in rows)) for k in ("name", "value", "unit")}
        header = f"  {'name':{widths['name']}}  {'value':>{widths['value']}}  {'unit':{widths['unit']}}  meaning; source"
        print(header)
        for r in rows:
            print(f"  {r['name']:{widths['name']}}  {r['value']:>{widths['value']}}  "
                  f"{r['unit']:{widths['unit']}}  {r['meaning']}; {r['source']}")
        print()
    return 0


def parameters_document() -> str:
    """``docs/parameters.md``: the parameter tables of every channel, model and experiment."""
    import importlib
    import pkgutil

    import models
    from channels import CHANNELS
    from models import MODELS

    from . import experiments
    from .engine.parameters import parameters_markdown
    for info in sorted(pkgutil.iter_modules(models.__path__), key=lambda m: m.name):
        importlib.import_module(f"models.{info.name}")  # models register on import
    return parameters_markdown(CHANNELS, MODELS, experiments())


def cmd_run(args, argv: Sequence[str]) -> int:
    from . import experiments, get_experiment
    from .engine.run import load_config, parse_set_flags, replot, resolve, run
    config = load_config(args.config)
    cli_set = parse_set_flags(args.set)
    config_set = config.get("set", {})
    quick = args.quick if args.quick is not None else config.get("quick", False)
    if not isinstance(quick, bool):
        raise UsageError(f"config quick={quick!r}: allowed: true or false")
    if not isinstance(config.get("out", ""), str):
        raise UsageError(f"config out={config['out']!r}: allowed: a folder name (a string)")
    seed = args.seed if args.seed is not None else config.get("seed", 1)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise UsageError(f"config seed={seed!r}: allowed: whole numbers >= 0")
    out = Path(args.out or config.get("out", "results"))
    workers = args.workers or config.get("workers", 1)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise UsageError(f"config workers={workers!r}: allowed: whole numbers >= 1")
    scheduler = args.scheduler or config.get("scheduler")
    batch_size = args.batch_size or config.get("batch_size")
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int)
                                   or batch_size < 1):
        raise UsageError(f"config batch_size={batch_size!r}: allowed: whole numbers >= 1")
    zip_text = args.zip or config.get("zip", "")
    if not (isinstance(zip_text, str) or (isinstance(zip_text, list)
                                          and all(isinstance(z, str) for z in zip_text))):
        raise UsageError(f"config zip={zip_text!r}: allowed: \"A,B\" or a list of parameter names")
    if scheduler is not None and not isinstance(scheduler, str):
        raise UsageError(f"config scheduler={scheduler!r}: allowed: an address (a string)")
    zip_dims = tuple(z.strip() for z in zip_text.split(",") if z.strip()) if isinstance(zip_text, str) \
        else tuple(zip_text)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {str(out)!r}: exists and is not a folder")

    names = list(experiments()) if args.experiment == "all" else [args.experiment]
    classes = [get_experiment(n) for n in names]
    if args.replot:
        for name, cls in zip(names, classes):
            files = replot(cls, out)
            print(f"{name}: redrew {', '.join(files)} in {out}")
        return 0
    # Validate every experiment's settings before anything runs or is written.
    strict = args.experiment != "all"
    if not strict:
        known = set().union(*(cls.all_settings() for cls in classes))
        for name, raw in {**config_set, **cli_set}.items():
            if name not in known:
                raise UsageError(f"--set {name}={raw!r}: no experiment has a parameter {name!r}")
    from .engine.plan import make_plan
    for cls in classes:
        values = resolve(cls, quick, config_set, cli_set, strict)
        make_plan(cls(), values, seed, zip_dims if strict else (), batch_size)
    for name, cls in zip(names, classes):
        run(cls, out, quick=quick, seed=seed, config_set=config_set, cli_set=cli_set,
            workers=workers, scheduler=scheduler, batch_size=batch_size,
            zip_dims=zip_dims if strict else (), resume=args.resume, argv=argv, strict=strict)
        print(f"{name}: wrote {out / (name + '.csv')} and figure {out / (name + '.png')}")
    if not args.no_show and os.environ.get("DISPLAY") and sys.stdout.isatty() and len(names) == 1:
        import matplotlib.pyplot as plt
        from .engine.run import load_tables
        fig = get_experiment(names[0])().plot(load_tables(names[0], out))
        plt.show()
    return 0


def one_line(text: str) -> str:
    """``text`` with line breaks and other unprintable characters escaped (user input
    echoed in a message must not break the one-line error contract)."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def main(argv: Sequence[str] | None = None, experiment: str | None = None) -> int:
    """Entry point of ``hypomag`` (and of ``python -m experiments.NAME``)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    full = ["hypomag"] + argv if experiment is None else ["python", "-m", f"experiments.{experiment}"] + argv
    if experiment is not None:
        argv = ["run", experiment] + argv
    try:
        args = build_parser().parse_args(argv)
        if args.command == "list":
            return cmd_list()
        if args.command == "channels":
            if args.markdown:
                print(parameters_document(), end="")
                return 0
            return cmd_channels(args.name)
        if args.command == "validate":
            from .validation import main as validate_main
            return validate_main(quick=args.quick, out=Path(args.out))
        return cmd_run(args, full)
    except UsageError as exc:
        print(f"hypomag: error: {one_line(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("hypomag: interrupted; finished batches are kept, rerun with --resume",
              file=sys.stderr)
        return 130
    except Exception as exc:  # a simulation failure: one line, no traceback
        from .engine.sweep import SweepError
        if os.environ.get("HYPOMAG_DEBUG"):
            raise
        kind = "" if isinstance(exc, SweepError) else f"{type(exc).__name__}: "
        message = str(exc).splitlines()[0] if str(exc) else ""
        print(f"hypomag: error: {kind}{one_line(message)}", file=sys.stderr)
        return 1


def experiment_main(name: str) -> None:
    """``python -m experiments.NAME``: the same flags as ``hypomag run NAME``."""
    sys.exit(main(experiment=name))


if __name__ == "__main__":
    sys.exit(main())
