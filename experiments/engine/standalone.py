"""The compiled path: a declared simulation as a C++ program, built once, rerun per batch.

A simulation declared as :mod:`experiments.engine.compiled` describes is
built with Brian2's ``cpp_standalone`` device into a build folder whose name
is a digest of everything the program depends on (:func:`build_key`: the
experiment, its fixed settings, the number of neurons, the project's source,
Brian2's version, the compiler flags). Every batch, in any process, then runs
that program with its inputs given on the command line, Brian2's ``run_args``
mechanism (``owner.variable=FILE``, Brian2 >= 2.6), and reads the outputs it
writes: no Python in the time loop, and no second compilation, in this or a
later process, while nothing the program depends on changes.

* **Build** (:func:`ensure_build`): in a subprocess (the standalone device is
  global to a process and cannot coexist with runtime objects),
  ``python -m experiments.engine.standalone REQUEST``, under a lock per build
  folder, so concurrent workers compile one program once. Its
  ``manifest.json``, written last, says what each input and output is called
  in the program and its files; a folder without one is rebuilt.
* **Flags**: the engine's vectorizing build (:mod:`experiments.engine.codegen`)
  applies here too: glibc's SIMD exponentials (``simd_math.h``, libmvec), up
  to :data:`~experiments.engine.codegen.ALIAS_CHECKS` alias checks per loop,
  and no guessed branch probabilities, on top of Brian2's ``-O3
  -ffast-math -fno-finite-math-only -march=native``.
* **Runs** (:class:`Program`): one results folder per run (in ``/dev/shm``
  where writable, :func:`scratch_root`), removed after the outputs are read,
  so runs of one program may be concurrent. The program
  reports its progress on its standard output (a report function compiled
  in), which becomes the batch's progress. An interrupted or failed program
  is an error: a run that did not complete all its time steps never gives
  rows (Brian2's own interrupt handler, which ends a run early, is compiled
  out).
* **Both cores** (:class:`StandaloneRunner`): a batch is split into one
  piece per usable core, each run by its own process of the same program.

The build cache is ``HYPOMAG_BUILD_CACHE`` (default
``$XDG_CACHE_HOME/hypomag/standalone``, else ``~/.cache/hypomag/standalone``);
delete it to rebuild everything.
"""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from .compiled import check_inputs, si_array
from .sources import source_digests

#: Prefix of the progress lines the program prints (its compiled report function).
PROGRESS = "hypomag-progress"
REPORT_CODE = (f'std::cout << "{PROGRESS} " << elapsed << " " << completed << " " << start'
               ' << " " << duration << std::endl;')
#: Bump when the build procedure changes, so old build folders are not reused.
BUILD_FORMAT = 1


def cache_root() -> Path:
    """The folder holding the build folders (``HYPOMAG_BUILD_CACHE``, see the module docstring)."""
    from .environment import setting
    chosen = setting("HYPOMAG_BUILD_CACHE")
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "hypomag" / "standalone"


def usable_cores() -> int:
    """Cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def build_size(n: int) -> int:
    """Neurons of the program built for ``n`` conditions: ``n`` rounded up to one of
    eight sizes per octave (at most 1/8 of the runs padded), so that nearby
    batch sizes share one program."""
    if n <= 8:
        return max(1, n)
    step = 1 << (n.bit_length() - 4)
    return -(-n // step) * step


def compile_flags() -> dict:
    """The vectorizing build's options as flags of the standalone compiler."""
    from .codegen import compile_options, vectorize_enabled
    if not vectorize_enabled():
        return {"args": [], "libraries": []}
    options = compile_options()
    macros = [f"-D{name}={value}" for name, value in options["define_macros"]]
    return {"args": options["extra_compile_args"] + macros, "libraries": options["libraries"]}


def program_values(experiment, fixed: Mapping[str, Any]) -> dict[str, str]:
    """The fixed settings the program may depend on, as text.

    Those the experiment names in ``program_settings``, or, if it names none,
    every fixed setting but the engine's own (``path``, ``replicates``).
    """
    names = experiment.program_settings
    if names is None:
        names = [k for k in fixed if k not in ("path", "replicates")]
    return {k: value_text(fixed[k]) for k in sorted(names) if k in fixed}


def value_text(value) -> str:
    """A setting's value as exact text: a quantity as its SI numbers and dimensions
    (``repr`` of a quantity searches the best unit, which is slow), others as ``repr``."""
    from brian2 import Quantity
    if isinstance(value, Quantity):
        return f"{np.asarray(value).tolist()!r} {value.dim!r}"
    return repr(value)


def build_key(spec: str, n: int, fixed: Mapping[str, Any]) -> str:
    """Name of the build folder: a digest of everything the program depends on."""
    import brian2
    from .batch import resolve_experiment
    experiment = resolve_experiment(spec)
    content = json.dumps({
        "format": BUILD_FORMAT, "spec": spec, "n": n,
        "fixed": program_values(experiment, fixed),
        "brian2": brian2.__version__, "numpy": np.__version__, "python": sys.version,
        "flags": compile_flags(), "source": source_digests(experiment),
    }, sort_keys=True)
    return hashlib.sha256(content.encode()).hexdigest()[:24]


def ensure_build(spec: str, n: int, fixed: Mapping[str, Any]) -> Path:
    """The build folder of (experiment ``spec``, ``n`` neurons, ``fixed``), compiled if new."""
    from . import progress
    from .locking import exclusive
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    folder = root / build_key(spec, n, fixed)
    if is_built(folder):
        return folder
    with exclusive(root / f"{folder.name}.lock"):
        if not is_built(folder):  # another process may have built it
            progress.phase("compiling")
            compile_in_subprocess(spec, n, fixed, folder)
    return folder


def is_built(folder: Path) -> bool:
    """Whether ``folder`` holds a whole build: its manifest (written last) and its program.

    A folder missing either (an interrupted build, a deleted binary) is built again."""
    return (folder / "manifest.json").is_file() and (folder / "main").is_file()


def compile_in_subprocess(spec: str, n: int, fixed: Mapping[str, Any], folder: Path) -> None:
    """Generate and compile the program into ``folder`` (``python -m`` this module)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").unlink(missing_ok=True)  # whole again only when rebuilt
    request = folder / "request.pickle"
    request.write_bytes(pickle.dumps({"spec": spec, "n": n, "fixed": dict(fixed)}))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    done = subprocess.run([sys.executable, "-m", __name__, str(request)], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if done.returncode != 0 or not is_built(folder):
        tail = "\n".join([line for line in done.stdout.splitlines() if line.strip()][-25:])
        raise RuntimeError(f"compiling {spec} for {n} neurons in {folder} failed "
                           f"(exit {done.returncode}):\n{tail}")


def variable_entry(owner, name: str) -> dict:
    """How the program names ``owner.name`` on its command line and in its results."""
    from brian2 import device
    from brian2.core.variables import DynamicArrayVariable
    variable = owner.variables[name]
    return {"arg": f"{variable.owner.name}.{name}", "file": device.get_array_filename(variable),
            "dtype": np.dtype(variable.dtype).str, "dim": [float(x) for x in variable.dim._dims],
            "size": None if isinstance(variable, DynamicArrayVariable) else int(variable.size)}


def build(request_file: Path) -> None:
    """Build the program a request describes (runs in its own process)."""
    import brian2
    from brian2 import Network, device, prefs, second, set_device
    from .batch import prepare_worker, resolve_experiment
    request = pickle.loads(Path(request_file).read_bytes())
    folder = Path(request_file).parent
    prepare_worker()
    set_device("cpp_standalone", build_on_run=False)
    prefs.logging.file_log = False
    prefs.core.stop_on_keyboard_interrupt = False  # an interrupted program fails, never stops early
    flags = compile_flags()
    device.extra_compile_args += flags["args"]  # Brian2 filters the prefs' flags one by one
    prefs.codegen.cpp.libraries += flags["libraries"]
    experiment = resolve_experiment(request["spec"])()
    simulation = experiment.simulation(request["n"], request["fixed"])
    network = Network(*simulation.objects)
    device.apply_run_args()  # command-line values replace the built ones before the run starts
    network.run(simulation.duration, report=REPORT_CODE, report_period=1 * second)
    device.build(directory=str(folder), compile=True, run=False, with_output=False)
    manifest = {
        "spec": request["spec"], "n": request["n"], "brian2": brian2.__version__,
        "inputs": {k: variable_entry(o, v) for k, (o, v) in simulation.inputs.items()},
        "outputs": {k: variable_entry(o, v) for k, (o, v) in simulation.outputs.items()},
        "duration_s": float(simulation.duration / second),
    }
    (folder / "manifest.json.tmp").write_text(json.dumps(manifest, indent=1))
    os.replace(folder / "manifest.json.tmp", folder / "manifest.json")


class Program:
    """A compiled simulation in its build folder; :meth:`run` runs it once."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.manifest = json.loads((self.folder / "manifest.json").read_text())

    def input_file(self, run_dir: Path, name: str, values) -> str:
        """Write one input as the program reads it; return its command-line argument."""
        from brian2.units.fundamentalunits import get_or_create_dimension
        entry = self.manifest["inputs"][name]
        data = si_array(values, get_or_create_dimension(entry["dim"]), np.dtype(entry["dtype"]),
                        name)
        if entry["size"] is not None and data.size != entry["size"]:
            raise ValueError(f"input {name}: {data.size} values for {entry['size']} elements")
        path = run_dir / f"input_{name}"
        data.tofile(path)
        return f"{entry['arg']}={path}"

    def run(self, values: Mapping[str, Any],
            report: Callable | None = None) -> dict[str, np.ndarray]:
        """Run the program with the given inputs; return its outputs (SI arrays)."""
        check_inputs(self.manifest["inputs"], values)
        run_dir = Path(tempfile.mkdtemp(prefix=f"hypomag-run-{self.folder.name}-",
                                        dir=scratch_root(self.folder)))
        try:
            args = [self.input_file(run_dir, name, v) for name, v in values.items()]
            self.execute(["--results_dir", f"{run_dir}{os.sep}"] + args, report)
            self.check_completed(run_dir)
            return {name: self.output(run_dir, name, entry)
                    for name, entry in self.manifest["outputs"].items()}
        finally:
            shutil.rmtree(run_dir, ignore_errors=True)

    def execute(self, args: Sequence[str], report: Callable | None) -> None:
        """Run the binary, passing its progress lines to ``report``; raise if it fails."""
        process = subprocess.Popen([str(self.folder / "main"), *args], cwd=self.folder,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        other = []
        for line in process.stdout:
            if line.startswith(PROGRESS):
                if report is not None:
                    report(*(float(x) for x in line.split()[1:5]))
            else:
                other.append(line.rstrip())
        if process.wait() != 0:
            raise RuntimeError(f"the compiled simulation in {self.folder} failed (exit "
                               f"{process.returncode}): " + " / ".join(other[-5:]))

    @staticmethod
    def output(run_dir: Path, name: str, entry: Mapping[str, Any]) -> np.ndarray:
        """One output as the program wrote it; raise if it is not whole."""
        data = np.fromfile(run_dir / entry["file"], dtype=np.dtype(entry["dtype"]))
        if entry["size"] is not None and data.size != entry["size"]:
            raise RuntimeError(f"output {name}: {data.size} values written for "
                               f"{entry['size']} elements")
        return data

    @staticmethod
    def check_completed(run_dir: Path) -> None:
        """Raise unless the program simulated all of its run (``last_run_info.txt``)."""
        info = (run_dir / "last_run_info.txt").read_text().split()
        if float(info[1]) < 1.0:
            raise RuntimeError(f"the compiled simulation stopped at {float(info[1]):.0%} "
                               "of its run")


def scratch_root(folder: Path) -> Path:
    """Where a run's input and output files go: the memory-backed ``/dev/shm`` where it
    is writable (a run writes and removes one file per array), else ``folder/runs``."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK | os.X_OK):
        return shm
    (folder / "runs").mkdir(exist_ok=True)
    return folder / "runs"


def pieces(conditions: Sequence[Mapping[str, Any]], size: int) -> list[list]:
    """The conditions in pieces of ``size``, the last padded with copies of its last."""
    out = [list(conditions[k:k + size]) for k in range(0, len(conditions), size)]
    out[-1] += [out[-1][-1]] * (size - len(out[-1]))
    return out


class StandaloneRunner:
    """Runs a declared simulation as a compiled program, one piece of each batch per core."""

    path = "standalone"

    def __init__(self, experiment, n: int, fixed: Mapping[str, Any]):
        from .batch import experiment_spec
        self.experiment, self.fixed = experiment, fixed
        self.cores = min(usable_cores(), n)
        self.size = build_size(-(-n // self.cores))
        self.program = Program(ensure_build(experiment_spec(experiment), self.size, fixed))
        self.python = threading.Lock()

    def run_piece(self, piece: list, report: Callable | None = None) -> list[list[dict]]:
        """Inputs, program run and rows of one piece. The experiment's code runs one
        piece at a time (Brian2's parsers, which it may call, are not thread safe);
        only the programs run at once."""
        with self.python:
            values = self.experiment.inputs(piece, self.fixed)
        outputs = self.program.run(values, report)
        with self.python:
            return self.experiment.rows(piece, self.fixed, outputs)

    def __call__(self, conditions: Sequence[Mapping[str, Any]]) -> list[list[dict]]:
        split = pieces(conditions, self.size)
        results: list = [None] * len(split)
        errors: list = []

        def work(k):
            try:
                results[k] = self.run_piece(split[k])
            except BaseException as error:  # re-raised in the calling thread
                errors.append(error)
        threads = [threading.Thread(target=work, args=(k,)) for k in range(1, len(split))]
        for thread in threads:
            thread.start()
        try:
            results[0] = self.run_piece(split[0], self.experiment.report())
        finally:
            for thread in threads:
                thread.join()
        if errors:
            raise errors[0]
        rows = [row for piece_rows in results for row in piece_rows]
        return rows[:len(conditions)]


def main(argv: Sequence[str]) -> int:
    """``python -m experiments.engine.standalone REQUEST``: build one program."""
    build(Path(argv[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
