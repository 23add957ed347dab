"""The ``hypomag`` command.

::

    hypomag list                      # the experiments (and any broken experiment module)
    hypomag channels [NAME]           # parameter tables of the channels
    hypomag equations NAME            # a channel's or model's Brian2 equations
    hypomag run NAME|all [options]    # run experiments
    hypomag run NAME --help           # NAME's settings and the shared options
    hypomag validate [--quick] [--check NAME]...   # check the models against published numbers
    python -m experiments.NAME [options]   # the same as ``hypomag run NAME``

Options of ``run`` (the same for every experiment): ``--set NAME=VALUE``
(repeatable), ``--config FILE.toml``, ``--out DIR`` (default ``results``),
``--quick``, ``--seed N``, ``--replot``, ``--no-show``, ``--workers N``,
``--scheduler ADDRESS``, ``--resume``, ``--batch-size N``, ``--zip A,B``.

Channel and model names (``channels``, ``equations``) are the class name or
the suffix of the channel's variables, in any case: ``nmda``, ``Leak``, ``L``.

Answers at once: ``list``, ``run NAME --help``, ``--help`` and every error in
a command, an option, an experiment name or a setting name read the
experiments' declarations from a catalogue (:func:`experiments.catalog`,
:mod:`experiments.engine.catalog`) and do not import Brian2. Brian2 is
imported when something is simulated, when a value is parsed (``--set
mg_o=abc`` goes through :meth:`~experiments.engine.settings.Setting.parse`),
and by ``channels``, ``equations`` and ``validate``.

Bad input prints one line ``hypomag: error: ...`` on stderr and exits with
status 2 before anything is written. Bare ``hypomag`` prints the usage on
stdout and, as no command was given, that one error line, exit status 2.
``hypomag list`` exits 0 even when an experiment module fails to import: it
lists the other experiments, then one line ``broken: FILE.py: ERROR`` per
broken module.
"""
from __future__ import annotations

import argparse
import inspect
import os
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    from .engine.catalog import Catalog


from .engine.environment import check_environment, flag
from .engine.errors import UsageError, cut_long_runs, shown_value


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


def _catalog() -> Catalog:
    """The experiments' catalogue; Brian2 is imported quietly if it has to be rebuilt."""
    from . import catalog
    return catalog(before_build=_import_brian_quietly)


# -- the parser ------------------------------------------------------------------------------

class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit status 2."""

    def error(self, message):
        """Raise the error instead of printing the usage and exiting."""
        raise UsageError(message)


def _positive_int(name: str, minimum: int = 1):
    """An argparse type: a whole number >= ``minimum``, errors naming option ``name``."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{name} {text!r}: allowed: whole numbers >= {minimum}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(
                f"{name} {value}: allowed: whole numbers >= {minimum}")
        return value
    return parse


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """The options every experiment shares."""
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="set a parameter or sweep dimension: a number in the parameter's "
                             "unit, a quantity (500uM), a list (0.1,0.5,1) or a range "
                             "start:stop:count")
    parser.add_argument("--config", metavar="FILE.toml",
                        help="settings from a TOML file; flags win")
    parser.add_argument("--out", metavar="DIR", help="output folder (default: results)")
    parser.add_argument("--quick", action="store_true", default=None,
                        help="small, fast sweep for a first look")
    parser.add_argument("--seed", type=_positive_int("--seed", 0),
                        help="base random seed (default 1)")
    parser.add_argument("--replot", action="store_true",
                        help="redraw the figure from saved tables")
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
    parser.add_argument("--max-conditions", type=_positive_int("--max-conditions"),
                        help="refuse a sweep of more conditions (default 1000000)")


def _run_parser(parser: argparse.ArgumentParser) -> None:
    """``run``: its own ``--help`` (a flag: the experiment's help needs the name)."""
    parser.add_argument("-h", "--help", action="store_true",
                        help="show the experiment's settings and these options, and exit")
    parser.add_argument("experiment", nargs="?", help="experiment name, or 'all'")
    add_run_options(parser)
    parser.set_defaults(func=cmd_run)


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``hypomag``; each command names its function (``args.func``)."""
    parser = _Parser(prog="hypomag", description="Magnesium block of NMDA and ROMK channels: "
                                                 "experiments from the command line.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.add_parser("list", help="list the experiments").set_defaults(func=cmd_list)
    channels = sub.add_parser("channels", help="print the channels' parameter tables")
    channels.add_argument("name", nargs="?",
                          help="one channel, by class or suffix name in any case (default: all)")
    channels.add_argument("--markdown", action="store_true",
                          help="print every parameter table (channels, models, experiment "
                               "settings) as Markdown, as in docs/parameters.md")
    channels.set_defaults(func=cmd_channels)
    equations = sub.add_parser("equations", help="print a channel's or model's Brian2 equations")
    equations.add_argument("name", help="a channel (class or suffix name, any case) or a model")
    equations.set_defaults(func=cmd_equations)
    _run_parser(sub.add_parser("run", help="run an experiment (or 'all')", add_help=False))
    validate = sub.add_parser("validate", help="check the models against published numbers")
    validate.add_argument("--quick", action="store_true", help="the fast subset, for CI")
    validate.add_argument("--out", metavar="DIR", default="validation", help="report folder")
    validate.add_argument("--check", action="append", dest="checks", metavar="NAME",
                          help="run only this check (repeatable)")
    validate.set_defaults(func=cmd_validate)
    parser.set_defaults(commands=list(sub.choices))
    parser._subcommands = dict(sub.choices)
    return parser


# -- list, run --help and the names of a run: from the catalogue --------------------------------

def cmd_list(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """``hypomag list``: the experiments in declared order, then the broken modules."""
    catalogue = _catalog()
    for name, entry in catalogue.experiments.items():
        print(f"{name:16s} {entry['title']}")
    for module, error in catalogue.broken.items():
        print(f"broken: {module}.py: {error}")
    return 0


def _entry(catalogue: Catalog, name: str) -> dict:
    """The catalogue entry of experiment ``name``; a usage error naming the allowed ones."""
    if name not in catalogue.experiments:
        broken = (f" ({name}.py is broken: {catalogue.broken[name]})"
                  if name in catalogue.broken else "")
        raise UsageError(f"unknown experiment {name!r}{broken}; "
                               f"allowed: {', '.join(catalogue.experiments)}, all")
    return catalogue.experiments[name]


def check_names(catalogue: Catalog, experiment: str, set_items: Sequence[str],
                zip_text: str | None = None) -> None:
    """Usage errors in the experiment name, the names of ``--set NAME=VALUE`` and ``--zip``.

    Values are not looked at (they are parsed with the settings' units later);
    an item without ``=`` is left for :func:`experiments.engine.run.parse_set_flags`.
    """
    names = list(catalogue.experiments) if experiment == "all" else [experiment]
    for name in names:
        _entry(catalogue, name)
    known = {n: catalogue.setting_names(n) for n in names}
    everywhere = {s for settings in known.values() for s in settings}
    for item in set_items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            continue
        if experiment != "all" and key not in known[experiment]:
            raise UsageError(f"--set {key}={shown_value(raw)}: unknown parameter of {experiment}; "
                                   f"allowed: {', '.join(known[experiment])}")
        if experiment == "all" and key not in everywhere:
            raise UsageError(f"--set {key}={shown_value(raw)}: no experiment has a parameter "
                             f"{shown_value(key)}")
    check_zip(experiment, [z.strip() for z in (zip_text or "").split(",") if z.strip()],
              known.get(experiment, ()))


def check_zip(experiment: str, zip_dims: Sequence[str], known: Sequence[str]) -> None:
    """``--zip`` names one experiment's settings; under ``run all`` it is refused."""
    if zip_dims and experiment == "all":
        raise UsageError(f"--zip {','.join(zip_dims)}: zips the settings of one experiment, not "
                         "of 'run all'; allowed: hypomag run NAME --zip A,B")
    for name in zip_dims:
        if name not in known:
            raise UsageError(f"--zip {name}: not a parameter of {experiment}; "
                             f"allowed: {', '.join(known)}")


def experiment_help(entry: dict) -> str:
    """``hypomag run NAME --help``: what NAME is, its settings, the shared options."""
    from .engine.parameters import SET_SYNTAX, settings_text
    text = "\n".join(filter(None, [entry["title"], entry["doc"]]))
    parser = _Parser(prog=f"hypomag run {entry['name']}", add_help=False,
                     formatter_class=argparse.RawDescriptionHelpFormatter,
                     description=f"{text}\n\n{settings_text(entry['settings'])}\n"
                                 + textwrap.fill(SET_SYNTAX.replace("`", ""), 79))
    parser.add_argument("-h", "--help", action="store_true", help="show this help and exit")
    add_run_options(parser)
    return parser.format_help()


def run_help(catalogue: Catalog, name: str | None) -> str:
    """``hypomag run --help`` (the shared options and the experiments) or NAME's help."""
    if name is not None and name != "all":
        return experiment_help(_entry(catalogue, name))
    parser = _Parser(prog="hypomag run", add_help=False,
                     epilog=f"experiments: {', '.join(catalogue.experiments)}, all; "
                            "'hypomag run NAME --help' lists NAME's settings")
    _run_parser(parser)
    return parser.format_help()


def cmd_run(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """``hypomag run``: names are checked from the catalogue, then Brian2 runs."""
    catalogue = _catalog()
    if args.help:
        print(run_help(catalogue, args.experiment), end="")
        return 0
    if args.experiment is None:
        raise UsageError("run: the experiment is missing; allowed: "
                               f"{', '.join(catalogue.experiments)}, all")
    check_names(catalogue, args.experiment, args.set, args.zip)
    _import_brian_quietly()
    return _run(args, argv)


# -- running ---------------------------------------------------------------------------------

def _run_options(args: argparse.Namespace, config: dict) -> dict:
    """Flags over config file values, each checked: quick, seed, out, workers, ...."""
    quick = args.quick if args.quick is not None else config.get("quick", False)
    if not isinstance(quick, bool):
        raise UsageError(f"config quick={quick!r}: allowed: true or false")
    if not isinstance(config.get("out", ""), str):
        raise UsageError(f"config out={config['out']!r}: allowed: a folder name (a string)")
    from .engine.run import whole_number
    seed = whole_number("config seed", args.seed if args.seed is not None else config.get("seed", 1), 0)
    out_origin = "--out" if args.out is not None else "config out"
    out_text = args.out if args.out is not None else config.get("out", "results")
    workers = whole_number("config workers", args.workers or config.get("workers", 1), 1)
    scheduler = args.scheduler if args.scheduler is not None else config.get("scheduler")
    batch_size = args.batch_size or config.get("batch_size")
    if batch_size is not None:
        whole_number("config batch_size", batch_size, 1)
    zip_text = args.zip or config.get("zip", "")
    if not (isinstance(zip_text, str) or (isinstance(zip_text, list)
                                          and all(isinstance(z, str) for z in zip_text))):
        raise UsageError(f"config zip={zip_text!r}: allowed: \"A,B\" or a list of "
                               "parameter names")
    if scheduler is not None and not isinstance(scheduler, str):
        raise UsageError(f"config scheduler={scheduler!r}: allowed: an address (a string)")
    zip_dims = tuple(z.strip() for z in zip_text.split(",") if z.strip()) \
        if isinstance(zip_text, str) else tuple(zip_text)
    from .engine.plan import MAX_CONDITIONS
    max_conditions = whole_number("config max_conditions", args.max_conditions
                                  or config.get("max_conditions", MAX_CONDITIONS), 1)
    from .engine.run import check_output_folder
    check_output_folder(out_text, out_origin)
    out = Path(out_text)
    return dict(quick=quick, seed=seed, out=out, workers=workers, scheduler=scheduler,
                batch_size=batch_size, zip_dims=zip_dims, max_conditions=max_conditions)


def _run(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """Parse every setting of every experiment (nothing written yet), then run them."""
    from . import experiments, get_experiment
    from .engine.run import load_config, parse_set_flags, prepare, replot, run
    config = load_config(args.config)
    cli_set, config_set = parse_set_flags(args.set), config.get("set", {})
    options = _run_options(args, config)
    out = options["out"]
    names = list(experiments()) if args.experiment == "all" else [args.experiment]
    classes = [get_experiment(n) for n in names]
    if args.replot:
        for name, cls in zip(names, classes, strict=True):
            print(f"{name}: redrew {', '.join(replot(cls, out))} in {out}")
        return 0
    strict = args.experiment != "all"
    check_zip(args.experiment, options["zip_dims"],
              list(classes[0].all_settings()) if strict else ())
    if not strict:
        known = set().union(*(cls.all_settings() for cls in classes))
        for name, raw in {**config_set, **cli_set}.items():
            if name not in known:
                raise UsageError(f"--set {name}={shown_value(raw)}: no experiment has a parameter "
                                       f"{shown_value(name)}")
    plans = [prepare(cls, quick=options["quick"], seed=options["seed"], config_set=config_set,
                     cli_set=cli_set, zip_dims=options["zip_dims"] if strict else (),
                     batch_size=options["batch_size"], strict=strict,
                     max_conditions=options["max_conditions"]) for cls in classes]
    for name, plan in zip(names, plans, strict=True):
        run(plan, out, workers=options["workers"], scheduler=options["scheduler"],
            resume=args.resume, argv=argv)
        print(f"{name}: wrote {out / (name + '.csv')} and figure {out / (name + '.png')}")
    if not args.no_show and os.environ.get("DISPLAY") and sys.stdout.isatty() and len(names) == 1:
        import matplotlib.pyplot as plt
        from .engine.run import load_tables
        get_experiment(names[0])().plot(load_tables(classes[0], out))
        plt.show()
    return 0


# -- channels, equations, validate: these import Brian2 ------------------------------------------

def find_channel(name: str) -> type | None:
    """The channel class called ``name``: its class name (``Leak``) or suffix (``L``),
    exactly or, for ASCII names, in any case (``leak``, ``l``); None if none is."""
    from channels import CHANNELS
    for suffix, cls in CHANNELS.items():
        if name in (suffix, cls.__name__):
            return cls
    wanted = name.lower() if name.isascii() else None
    for suffix, cls in CHANNELS.items():
        if wanted in (suffix.lower(), cls.__name__.lower()):
            return cls
    return None


def channel_names() -> str:
    """The channels' names for an error message: ``AMPA, ..., Leak (L), ...``."""
    from channels import CHANNELS
    return ", ".join(cls.__name__ if cls.__name__ == suffix else f"{cls.__name__} ({suffix})"
                     for suffix, cls in CHANNELS.items())


def cmd_channels(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """``hypomag channels [NAME] [--markdown]``."""
    if args.markdown:
        print(parameters_document(), end="")
        return 0
    _import_brian_quietly()
    from channels import CHANNELS
    from .engine.parameters import channel_text
    classes = list(CHANNELS.values())
    if args.name:
        found = find_channel(args.name)
        if found is None:
            raise UsageError(f"channels {args.name!r}: unknown channel; allowed (class "
                                   f"or suffix name, any case): {channel_names()}")
        classes = [found]
    for cls in classes:
        print(channel_text(cls))
    return 0


def all_models() -> dict[str, type]:
    """:data:`models.MODELS` with every module of ``models/`` imported (they register on import)."""
    import importlib
    import pkgutil

    import models
    for info in sorted(pkgutil.iter_modules(models.__path__), key=lambda m: m.name):
        importlib.import_module(f"models.{info.name}")
    return dict(models.MODELS)


def _shows_equations(cls: type) -> bool:
    """A model with an ``equations()`` method and a constructor that needs no argument."""
    if not callable(getattr(cls, "equations", None)):
        return False
    required = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                inspect.Parameter.KEYWORD_ONLY)
    return not any(p.default is p.empty and p.kind in required
                   for p in inspect.signature(cls).parameters.values())


def assembled_equations(name: str) -> object:
    """The Brian2 ``Equations`` of channel or model ``name``.

    A channel's come with the declarations of the environment it uses, so
    they are complete; a model's are its ``equations()`` (text for a model
    that is not a Brian2 model).
    """
    channel_class = find_channel(name)
    if channel_class is not None:
        from models.environment import environment_equations
        channel = channel_class()
        return environment_equations([channel]) + channel.equations()
    models = all_models()
    shown = [n for n, cls in models.items() if _shows_equations(cls)]
    allowed = f"allowed: channels {channel_names()}; models {', '.join(shown)}"
    match = models.get(name) or next((cls for n, cls in models.items()
                                      if name.isascii() and n.lower() == name.lower()), None)
    if match is None:
        raise UsageError(f"equations {name!r}: no channel or model of that name; {allowed}")
    if match.__name__ not in shown:
        raise UsageError(f"equations {name!r}: the model {match.__name__} has no Brian2 "
                               f"equations to show without constructor arguments; {allowed}")
    return match().equations()


def equations_text(equations: object) -> str:
    """Equations one per line as Brian2 shows them (its pretty form, as they are written
    in code): ``I_ROMK = ... : amp``, ``dv/dt = ... : volt``, ``n : integer (constant)``."""
    from brian2.equations.equations import BOOLEAN, DIFFERENTIAL_EQUATION, INTEGER
    from brian2.units.fundamentalunits import DIMENSIONLESS, get_unit
    lines = []
    for eq in equations.ordered:
        text = f"d{eq.varname}/dt" if eq.type == DIFFERENTIAL_EQUATION else eq.varname
        if eq.expr is not None:
            text += f" = {eq.expr}"
        unit = {INTEGER: "integer", BOOLEAN: "boolean"}.get(eq.var_type) or (
            "1" if eq.dim is DIMENSIONLESS else repr(get_unit(eq.dim)))
        flags = f" ({', '.join(eq.flags)})" if eq.flags else ""
        lines.append(f"{text} : {unit}{flags}")
    return "\n".join(lines) + "\n"


def cmd_equations(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """``hypomag equations NAME``."""
    _import_brian_quietly()
    equations = assembled_equations(args.name)
    if isinstance(equations, str):  # a model integrated without Brian2 describes its own
        print(equations.rstrip("\n"))
    else:
        print(equations_text(equations), end="")
    return 0


def cmd_validate(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """``hypomag validate [--quick] [--out DIR] [--check NAME]...``."""
    _import_brian_quietly()
    from .validation import main as validate_main
    names = list(dict.fromkeys(args.checks)) if args.checks else None
    from .engine.run import check_output_folder
    check_output_folder(args.out)  # before the checks run, not after them
    return validate_main(quick=args.quick, out=Path(args.out), names=names)


def parameters_document() -> str:
    """``docs/parameters.md``: the parameter tables of every channel, model and experiment."""
    _import_brian_quietly()
    from channels import CHANNELS

    from . import experiments
    from .engine.parameters import parameters_markdown
    return parameters_markdown(CHANNELS, all_models(), experiments())


# -- entry points ------------------------------------------------------------------------------

def one_line(text: str) -> str:
    """``text`` with line breaks and other unprintable characters escaped (user input
    echoed in a message must not break the one-line error contract), and every run
    of more than :data:`~experiments.engine.errors.SHOWN_CHARACTERS` non-space
    characters (a 5000-character name, path or option) cut with its length said."""
    return cut_long_runs("".join(c if c.isprintable() else repr(c)[1:-1] for c in text))


def check_arguments_text(argv: Sequence[str]) -> None:
    """Refuse an argument that is not UTF-8 text (a byte such as ``\\xff`` arrives as a
    lone surrogate, which no message, log or file can hold), naming its option."""
    for i, arg in enumerate(argv):
        try:
            arg.encode("utf-8")
            continue
        except UnicodeEncodeError:
            pass
        try:  # the bytes as typed: 'mg_i=\xff'
            shown = repr(arg.encode("utf-8", "surrogateescape"))[1:]
        except UnicodeEncodeError:
            shown = shown_value(arg)
        option = argv[i - 1] if i and argv[i - 1].startswith("--") and "=" not in argv[i - 1] \
            and not arg.startswith("-") else "argument"
        raise UsageError(f"{option} {shown}: not UTF-8 text; allowed: UTF-8 text")


def _unrecognized(parser: argparse.ArgumentParser, command: str | None,
                  extra: Sequence[str]) -> str:
    """The error for arguments no parser took, naming the options that are allowed."""
    where = parser._subcommands.get(command, parser) if command else parser
    options = [o for action in where._actions for o in action.option_strings if o.startswith("--")]
    return (f"unrecognized arguments: {' '.join(extra)}; allowed options of {where.prog}: "
            f"{', '.join(options)}")


def _dispatch(argv: list[str], full: list[str]) -> int:
    """Parse ``argv`` and run its command (``full`` is the command line as typed)."""
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
    except SystemExit as exc:  # --help of hypomag or of a command other than run
        return exc.code if isinstance(exc.code, int) else 0
    if extra:
        raise UsageError(_unrecognized(parser, args.command, extra))
    if args.command is None:
        print(parser.format_help(), end="")
        raise UsageError(f"no command given; allowed: {', '.join(args.commands)}")
    return args.func(args, full)


def main(argv: Sequence[str] | None = None, experiment: str | None = None) -> int:
    """Entry point of ``hypomag`` (and of ``python -m experiments.NAME``)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    full = (["hypomag"] if experiment is None
            else ["python", "-m", f"experiments.{experiment}"]) + argv
    if experiment is not None:
        argv = ["run", experiment] + argv
    try:
        check_arguments_text(argv)
        check_environment()
        return _dispatch(argv, full)
    except KeyboardInterrupt as exc:
        sweep = sys.modules.get("experiments.engine.sweep")
        known = sweep is not None and isinstance(exc, sweep.SweepInterrupted)
        print(f"hypomag: {exc if known else 'interrupted'}", file=sys.stderr)
        return 130
    except Exception as exc:  # a usage error (exit 2) or a simulation failure (exit 1)
        usage = isinstance(exc, UsageError)
        if not usage and _debugging():
            raise
        kind = "" if usage or _reported_by_hypomag(exc) else f"{type(exc).__name__}: "
        message = str(exc) if usage else (str(exc).splitlines()[0] if str(exc) else "")
        print(f"hypomag: error: {kind}{one_line(message)}", file=sys.stderr)
        return 2 if usage else 1


def _reported_by_hypomag(exc: BaseException) -> bool:
    """Whether ``exc`` is one of hypomag's own failures, whose message says it all."""
    kinds = [("experiments.engine.sweep", "SweepError"), ("experiments.engine.table", "OutputError"),
             ("experiments.engine.run", "FigureError"),
             ("experiments.engine.backends", "BackendLost")]
    return any(isinstance(exc, getattr(sys.modules[m], k)) for m, k in kinds if m in sys.modules)


def _debugging() -> bool:
    """Whether ``HYPOMAG_DEBUG`` asks for tracebacks (an unreadable value is no)."""
    try:
        return flag("HYPOMAG_DEBUG")
    except UsageError:
        return False


def experiment_main(name: str) -> None:
    """``python -m experiments.NAME``: the same flags as ``hypomag run NAME``."""
    sys.exit(main(experiment=name))


if __name__ == "__main__":
    sys.exit(main())
