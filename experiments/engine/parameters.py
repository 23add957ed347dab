"""Parameter tables as plain text and Markdown: the one place that formats them.

``hypomag channels`` (plain text), ``hypomag channels --markdown``
(``docs/parameters.md``) and ``hypomag run NAME --help`` (an experiment's
settings) all format their rows here. The rows come from the declarations:
:meth:`channels.base.Channel.parameter_rows` for channels and models,
:func:`setting_row` for a :class:`~experiments.engine.settings.Setting`. A row
is a dict of display strings, so rows read back from the experiment catalogue
(:mod:`experiments.engine.catalog`) format exactly like fresh ones. Nothing
here imports Brian2.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

#: Columns of a channel's or model's parameter row (a row also has ``bounds_reason``: why
#: the ``allowed`` range is what it is).
PARAMETER_COLUMNS = ("name", "value", "unit", "allowed", "meaning", "source")
#: Columns of a setting row (:func:`setting_row`).
SETTING_COLUMNS = ("name", "unit", "default", "quick", "allowed", "meaning", "source")
#: Columns of ``hypomag run NAME --help``.
HELP_COLUMNS = ("name", "unit", "default", "quick", "allowed", "meaning")

SET_SYNTAX = ("Set with `--set NAME=VALUE` (a number in the unit shown, a quantity such as "
              "`500uM`, a list `0.1,0.5,1` or a range `start:stop:count`) or in a TOML "
              "`[set]` table. Several default values make a sweep dimension.")


# -- rows -------------------------------------------------------------------------------------

def values_text(values: Sequence[Any] | None, limit: int = 6) -> str:
    """Values as short text: ``0, 0.1, 1``, or ``-100 … 40 (141 values)`` past ``limit``."""
    if values is None:
        return ""
    items = [f"{v:g}" if isinstance(v, (int, float)) else str(v) for v in values]
    if len(items) > limit:
        return f"{items[0]} … {items[-1]} ({len(items)} values)"
    return ", ".join(items)


def setting_row(setting) -> dict[str, str]:
    """One setting as display strings: name, unit, default, quick, allowed, meaning, source.

    ``quick`` is ``same`` when the setting has no quick values of its own.
    """
    allowed = setting.allowed().replace(f" (or quantities like 1{setting.unit_name})", "")
    return {"name": setting.name, "unit": setting.unit_name,
            "default": values_text(setting.default),
            "quick": "same" if setting.quick is None else values_text(setting.quick),
            "allowed": allowed, "meaning": setting.meaning, "source": setting.source}


def experiment_setting_rows(experiment_class) -> list[dict[str, str]]:
    """Rows of every setting of an experiment class, in declared order.

    Each row has the :data:`SETTING_COLUMNS` and ``channel``: the class name
    of the channel whose parameter the setting is, or ``""`` for the
    experiment's own settings (and ``replicates``).
    """
    owner: dict[str, str] = {}
    for channel_class in experiment_class.channel_classes:
        for parameter in channel_class.parameters:
            owner.setdefault(parameter.name, channel_class.__name__)
    return [{**setting_row(setting), "channel": owner.get(name, "")}
            for name, setting in experiment_class.all_settings().items()]


# -- plain text ----------------------------------------------------------------------------

def text_table(header: Sequence[str], rows: Iterable[Sequence[str]],
               right: Sequence[int] = (), indent: str = "  ") -> list[str]:
    """Rows as aligned plain-text lines, the header first.

    Every column but the last is padded to its widest cell (right-aligned
    for the column indices in ``right``); columns are two spaces apart.
    """
    table = [list(header)] + [[str(cell) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header) - 1)]
    lines = []
    for row in table:
        cells = [f"{cell:>{width}}" if i in right else f"{cell:{width}}"
                 for i, (cell, width) in enumerate(zip(row[:-1], widths, strict=True))]
        lines.append(indent + "  ".join(cells + [row[-1]]))
    return lines


def channel_text(channel_class) -> str:
    """``hypomag channels NAME``: the channel's current, reference and parameter table."""
    rows = [(r["name"], r["value"], r["unit"], r.get("allowed", ""),
             f"{r['meaning']}; {r['source']}") for r in channel_class.parameter_rows()]
    lines = [f"{channel_class.__name__} (I_{channel_class.name}): {channel_class.reference}"]
    lines += text_table(("name", "value", "unit", "allowed", "meaning; source"), rows,
                        right=(1,))
    return "\n".join(lines) + "\n"


def settings_text(rows: Sequence[Mapping[str, str]]) -> str:
    """An experiment's settings as plain-text tables (``hypomag run NAME --help``).

    ``rows`` are :func:`experiment_setting_rows` (fresh or from the catalogue):
    the experiment's own settings first, then one table per channel whose
    parameters are settable too.
    """
    groups: dict[str, list[Mapping[str, str]]] = {}
    for row in rows:
        groups.setdefault(row.get("channel", ""), []).append(row)
    lines: list[str] = []
    for channel, members in groups.items():
        lines.append("settings:" if not channel else
                     f"parameters of {channel} (set the same way):")
        lines += text_table(HELP_COLUMNS, [[r[c] for c in HELP_COLUMNS] for r in members])
        lines.append("")
    return "\n".join(lines)


# -- Markdown -------------------------------------------------------------------------------

def _md_cell(text: str) -> str:
    """A Markdown table cell: ``|`` escaped, on one line."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """Rows as the lines of a Markdown table (``|`` in a cell is escaped)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return lines


def _allowed_cell(row: Mapping[str, str]) -> str:
    """The ``allowed`` cell of a parameter row: the range, then why (if given)."""
    allowed, why = row.get("allowed", ""), row.get("bounds_reason", "")
    return f"{allowed}: {why}" if allowed and why else allowed


def _parameter_table(rows: Iterable[Mapping[str, str]]) -> list[str]:
    """Parameter rows (name, value, unit, allowed and why, meaning, source) as a Markdown table."""
    cells = ([f"`{r['name']}`"] + [_allowed_cell(r) if c == "allowed" else r.get(c, "")
                                   for c in PARAMETER_COLUMNS[1:]] for r in rows)
    return markdown_table(PARAMETER_COLUMNS, cells)


def _channels_markdown(channels: Mapping[str, type]) -> list[str]:
    """The ``## Channels`` section: one table per channel."""
    lines = ["## Channels", ""]
    for name, cls in channels.items():
        lines += [f"### {cls.__name__} (`I_{name}`, module `{cls.__module__}`)", "",
                  f"Reference: {cls.reference}. Uses: {', '.join(f'`{u}`' for u in cls.uses)}.",
                  ""]
        lines += _parameter_table(cls.parameter_rows()) + [""]
    return lines


def _models_markdown(models: Mapping[str, type]) -> list[str]:
    """The ``## Models`` section: every model that describes its parameters without arguments."""
    lines = []
    for name, cls in sorted(models.items()):  # registration order depends on import order
        if getattr(cls, "parameter_rows", None) is None:
            continue
        try:
            rows = cls().parameter_rows()
        except Exception:  # a model that needs arguments: documented in its module
            continue
        lines += [f"### {name} (module `{cls.__module__}`)", "",
                  "Every parameter of the assembled model, with the values the model "
                  "uses where they differ from the channel defaults.", ""]
        lines += _parameter_table(rows) + [""]
    return ["## Models", ""] + lines if lines else []


def _experiments_markdown(experiments: Mapping[str, type]) -> list[str]:
    """The ``## Experiment settings`` section: each experiment's own settings."""
    lines = ["## Experiment settings", "", SET_SYNTAX, ""]
    header = ("setting", "default", "quick", "unit", "allowed", "meaning", "source")
    for name, cls in experiments.items():
        rows = [r for r in experiment_setting_rows(cls) if not r["channel"]]
        lines += [f"### `{name}`: {cls.title}", ""]
        cells = ([f"`{r['name']}`"] + [r[c] for c in header[1:]] for r in rows)
        lines += markdown_table(header, cells)
        if cls.channel_classes:
            names = ", ".join(c.__name__ for c in cls.channel_classes)
            lines += ["", f"Also settable: every parameter of {names} (tables above)."]
        lines.append("")
    return lines


def parameters_markdown(channels: Mapping[str, type], models: Mapping[str, type],
                        experiments: Mapping[str, type]) -> str:
    """Markdown of every channel's parameters, model-level parameters and experiment settings.

    ``hypomag channels --markdown > docs/parameters.md`` writes it from the
    registries; a test checks that the file in the repository is current.
    """
    lines = ["# Parameters", "",
             "Generated from the code by `hypomag channels --markdown > docs/parameters.md`; "
             "do not edit by hand. Values marked [uncertain] are not pinned by the "
             "literature: they are overridable (`--set NAME=VALUE`) and the experiments "
             "show their sensitivity.", ""]
    lines += _channels_markdown(channels) + _models_markdown(models)
    lines += _experiments_markdown(experiments)
    return "\n".join(lines).rstrip() + "\n"
