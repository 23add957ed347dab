"""Helpers of the Dask cluster tests (tests/test_cluster.py, tests/test_cluster_failures.py):
commands of this environment, a plain environment, and processes started as a user starts
them (a module of its own so that the two test files, one per xdist worker, share it)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: A small sweep: nmda_iv --quick, 145 conditions (two batches on two workers).
SWEEP = ["run", "nmda_iv", "--quick", "--no-show"]


def _plain_env() -> dict:
    """An environment with hypomag importable and nothing else of it or of Dask set."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DASK_", "HYPOMAG_", "PYTHONPATH"))}
    env["PYTHONPATH"] = str(REPO)  # as installed (pip install -e . does the same)
    return env


def _command(script: str, module: str) -> list[str]:
    """``script`` of this environment (``hypomag``), else ``python -m module``."""
    path = Path(sys.executable).with_name(script)
    return [str(path)] if path.exists() else [sys.executable, "-m", module]


def _dask(command: str) -> list[str]:
    """``dask scheduler`` or ``dask worker`` of this environment."""
    path = Path(sys.executable).with_name("dask")
    return ([str(path), command] if path.exists()
            else [sys.executable, "-m", f"distributed.cli.dask_{command}"])


def _hypomag(args, cwd, env=None) -> subprocess.CompletedProcess:
    # XDG_CACHE_HOME (the catalogue of the command line) is this test run's, see conftest.py
    return subprocess.run(_command("hypomag", "experiments.cli") + args, cwd=cwd,
                          env={**_plain_env(), **(env or {})}, capture_output=True, text=True,
                          timeout=600)


class Cluster:
    """Processes started by this test, each in its own session (ended with its children)."""

    def __init__(self, folder: Path):
        self.folder, self.processes, self.address = folder, [], None

    def start(self, name: str, args: list[str], env: dict | None = None) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "wb")
        process = subprocess.Popen(args, cwd=self.folder, env={**_plain_env(), **(env or {})},
                                   stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.processes.append((name, process))
        return process

    def logs(self) -> str:
        return "\n".join(f"--- {name}.log\n" + (self.folder / f"{name}.log").read_text()[-3000:]
                         for name, _ in self.processes)

    def stop(self) -> None:
        for _, process in reversed(self.processes):  # workers first, then the scheduler
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for _, process in reversed(self.processes):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)




def _one_error_line(result, code: int) -> str:
    assert result.returncode == code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("hypomag: error: --scheduler "), result.stderr
    return lines[0]
