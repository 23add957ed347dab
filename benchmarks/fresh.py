"""Fresh-clone timings: the README's two Quick start commands as a newcomer meets them.

Each command runs in its own new clone of the repository's committed HEAD
(``git clone``), with a new virtual environment made by the command itself,
an empty compiled-code cache (``HYPOMAG_CYTHON_CACHE``) and an empty user
cache (``XDG_CACHE_HOME``, where the experiment catalogue lives), so nothing
compiled or catalogued by earlier runs helps. The test command is then run a
second time in the same clone: the warm figure. The load average before and
after each command is recorded: figures from a busy machine are not
comparable with figures from an idle one.

The commands are read from the README (the two ``bash`` blocks of its Quick
start), so the measurement follows the README. The empty user cache also
holds an empty build cache of compiled programs (``$XDG_CACHE_HOME/hypomag/standalone``).

At the tiny size (the smoke test) the pipeline runs in part: one new clone
with empty caches and one command in it (``python -m experiments.cli --help``
with this interpreter and the clone on ``PYTHONPATH``). It skips the virtual
environment and the ``pip`` install, the README's commands and the test
command (cold and warm), which take minutes.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: Environment variables that would let a fresh run reuse this session's state.
_INHERITED = ("VIRTUAL_ENV", "PYTHONPATH", "CI", "XDG_CACHE_HOME", "PYTHONHOME")


def quick_start_commands(readme: str) -> tuple[str, str]:
    """The main and the test command: the two ``bash`` blocks of the README's Quick start."""
    match = re.search(r"^## Quick start\n(.*?)(?=^## )", readme, flags=re.S | re.M)
    if not match:
        raise ValueError("README.md has no '## Quick start' section")
    blocks = re.findall(r"```bash\n(.*?)\n```", match.group(1), flags=re.S)
    if len(blocks) != 2:
        raise ValueError(f"the README's Quick start has {len(blocks)} bash blocks; expected 2 "
                         "(the main command, the test command)")
    return blocks[0].strip(), blocks[1].strip()


def tiny_commands() -> tuple[str, None]:
    """Command of the smoke run: the command line's help, from the clone, no install."""
    return f"{sys.executable} -m experiments.cli --help", None


def _clone(repo: Path, into: Path) -> Path:
    """A clone of ``repo``'s committed HEAD (a copy of the tree if it is not a git checkout)."""
    if (repo / ".git").exists():
        subprocess.run(["git", "clone", "--quiet", str(repo), str(into)], check=True)
    else:
        shutil.copytree(repo, into, ignore=shutil.ignore_patterns(".venv", "results", "__pycache__"))
    return into


def _environment(folder: Path, tiny: bool, clone: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in _INHERITED and not k.startswith("HYPOMAG_")}
    env["XDG_CACHE_HOME"] = str(folder / "user-cache")
    env["HYPOMAG_CYTHON_CACHE"] = str(folder / "cython-cache")
    if tiny:  # this interpreter runs the clone's code
        env["PYTHONPATH"] = str(clone)
    return env


def _timed(command: str, cwd: Path, env: dict, log) -> dict:
    """Wall time, exit status and load averages of one shell command."""
    load_start = os.getloadavg()
    start = time.perf_counter()
    proc = subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True,
                          text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"fresh clone: `{command}` failed (exit {proc.returncode}):\n"
                           f"{(proc.stdout + proc.stderr)[-3000:]}")
    log(f"    {wall:7.1f} s  {command}")
    return {"command": command, "wall_s": wall, "load_average_start": load_start,
            "load_average_end": os.getloadavg()}


def measure(repo: Path, tiny: bool = False, log=print) -> dict:
    """Cold main command, cold and warm test command, each from a new clone (see module doc)."""
    main, tests = tiny_commands() if tiny else quick_start_commands(
        (repo / "README.md").read_text())
    out: dict = {"tiny": tiny, "cores": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="hypomag-fresh-") as tmp:
        for name, command in (("main", main), ("tests", tests)):
            if command is None:  # tiny: skipped
                out[f"{name}_cold"] = out[f"{name}_warm"] = {"skipped": True}
                continue
            folder = Path(tmp) / name
            clone = _clone(repo, folder / "clone")
            env = _environment(folder, tiny, clone)
            out[f"{name}_cold"] = _timed(command, clone, env, log)
            if name == "tests":
                out["tests_warm"] = _timed(command, clone, env, log)
    return out


#: Targets of the fresh-clone figures (s), for the report.
TARGETS = {"main_cold": 150.0, "tests_cold": 360.0, "tests_warm": 120.0}


def report_lines(data: dict, summary: list) -> list[str]:
    """The RESULTS.md section of the fresh-clone figures."""
    labels = {"main_cold": "main command, new clone, empty caches",
              "tests_cold": "test command, new clone, empty caches",
              "tests_warm": "test command again (warm caches)"}
    lines = ["## 9. Fresh clone", "",
             "The README's Quick start commands, each in a new clone with a new virtual "
             "environment and empty compiled-code and user caches (`benchmarks/fresh.py`)"
             + (" - tiny smoke run: one clone and `experiments.cli --help`, no virtual "
                 "environment, no install, not the README's commands" if data.get("tiny") else "")
             + f"; {data.get('cores', '?')} cores.", "",
             "| run | wall (s) | target (s) | load average at start | command |",
             "|---|---|---|---|---|"]
    for key, label in labels.items():
        entry = data[key]
        target = TARGETS[key]
        if entry.get("skipped"):
            lines.append(f"| {label} | - | <= {target:.0f} | - | skipped at the tiny size |")
            continue
        load = ", ".join(f"{x:.1f}" for x in entry["load_average_start"])
        lines.append(f"| {label} | {entry['wall_s']:.0f} | <= {target:.0f} | {load} | "
                     f"`{entry['command']}` |")
        verdict = ("tiny commands" if data.get("tiny")
                   else "met" if entry["wall_s"] <= target else "not met")
        summary.append((label, f"<= {target:.0f} s", f"{entry['wall_s']:.0f} s", verdict))
    return lines + [""]
