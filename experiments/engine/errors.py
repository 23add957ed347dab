"""The error every bad user input raises (importable without Brian2).

A :class:`UsageError` is reported by the command line as one line on stderr,
``hypomag: error: ...``, naming the parameter, the value and what is
allowed, with exit status 2 and nothing written; from Python
(:func:`experiments.simulate`) it is raised with the same message.
"""
from __future__ import annotations


class UsageError(ValueError):
    """Bad user input: reported as one line on stderr with exit status 2."""


#: The most characters of a user's value an error line echoes.
SHOWN_CHARACTERS = 80


def shown_value(value) -> str:
    """``repr(value)`` for an error line, cut to :data:`SHOWN_CHARACTERS` characters
    with the full length said (``'0,0,0,...' (100000 characters)``)."""
    text = repr(value)
    if len(text) <= SHOWN_CHARACTERS:
        return text
    length = len(value) if isinstance(value, str) else len(text)
    quote = text[-1] if text[-1] in "'\"" else ""
    if isinstance(value, str) and "/" in value:  # a path keeps its end: the file it names
        half = (SHOWN_CHARACTERS - 4) // 2
        return f"{text[:half]}...{text[-half - len(quote):]} ({length} characters)"
    return f"{text[:SHOWN_CHARACTERS - 4]}...{quote} ({length} characters)"


#: The longest run of non-space characters any error line keeps (a safety net for
#: echoes that do not go through :func:`shown_value`; paths the program names, such as a
#: batch file in the output folder, stay whole below it).
LINE_RUN_CHARACTERS = 300


def cut_long_runs(text: str) -> str:
    """``text`` with every run of more than :data:`LINE_RUN_CHARACTERS` non-space
    characters cut to its start, ``...`` and its full length (``aaaa... (5000
    characters)``)."""
    import re
    keep = LINE_RUN_CHARACTERS - 4
    return re.sub(r"\S{%d,}" % (LINE_RUN_CHARACTERS + 1),
                  lambda m: f"{m.group(0)[:keep]}... ({len(m.group(0))} characters)", text)
