"""Parameter tables as text: ``hypomag channels`` and ``docs/parameters.md``."""
from __future__ import annotations

from typing import Iterable, Mapping, Sequence


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _values_text(values: Sequence, limit: int = 6) -> str:
    if values is None:
        return ""
    items = [f"{v:g}" if isinstance(v, (int, float)) else str(v) for v in values]
    if len(items) > limit:
        return f"{items[0]} … {items[-1]} ({len(items)} values)"
    return ", ".join(items)


def _md_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
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
             "show their sensitivity.", "", "## Channels", ""]
    for name, cls in channels.items():
        lines += [f"### {cls.__name__} (`I_{name}`, module `{cls.__module__}`)", "",
                  f"Reference: {cls.reference}. Uses: {', '.join(f'`{u}`' for u in cls.uses)}.",
                  ""]
        lines += _md_table(("name", "value", "unit", "meaning", "source"),
                           ((f"`{r['name']}`", r["value"], r["unit"], r["meaning"], r["source"])
                            for r in cls.parameter_rows()))
        lines.append("")
    model_lines = []
    for name, cls in models.items():
        rows_of = getattr(cls, "parameter_rows", None)
        if rows_of is None:
            continue
        try:
            rows = cls().parameter_rows()
        except Exception:  # a model that needs arguments: documented in its module
            continue
        model_lines += [f"### {name} (module `{cls.__module__}`)", "",
                        "Every parameter of the assembled model, with the values the model "
                        "uses where they differ from the channel defaults.", ""]
        model_lines += _md_table(("name", "value", "unit", "meaning", "source"),
                                 ((f"`{r['name']}`", r["value"], r["unit"], r["meaning"],
                                   r["source"]) for r in rows))
        model_lines.append("")
    if model_lines:
        lines += ["## Models", ""] + model_lines
    lines += ["## Experiment settings", "",
              "Set with `--set NAME=VALUE` (a number in the unit shown, a quantity such as "
              "`500uM`, a list `0.1,0.5,1` or a range `start:stop:count`) or in a TOML "
              "`[set]` table. Several default values make a sweep dimension.", ""]
    for name, cls in experiments.items():
        own = cls.settings
        lines += [f"### `{name}`: {cls.title}", ""]
        rows = []
        for s in own:
            allowed = s.allowed().replace(f" (or quantities like 1{s.unit_name})", "")
            rows.append((f"`{s.name}`", _values_text(s.default),
                         _values_text(s.quick) if s.quick is not None else "same",
                         s.unit_name, allowed, s.meaning, s.source))
        if cls.stochastic:
            default, quick = cls.default_replicates
            rows.append(("`replicates`", str(default), str(quick), "", "whole numbers 1-1000",
                         "replicate seeds per condition (common random numbers)",
                         "chosen for error bars"))
        lines += _md_table(("setting", "default", "quick", "unit", "allowed", "meaning",
                            "source"), rows)
        if cls.channel_classes:
            names = ", ".join(f"{c.__name__}" for c in cls.channel_classes)
            lines += ["", f"Also settable: every parameter of {names} (tables above)."]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
