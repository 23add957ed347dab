"""The plain example of docs/examples/ runs as a student would run it, and shows the Mg effect.

``docs/examples/pyramidal_cell.py`` builds :class:`models.neuron.PyramidalNeuron`
with ``build_group`` and runs it with Brian2 alone (Pospischil et al. 2008
Biol Cybern 99:427). It runs here in a subprocess, as a script, with a
figure path in a temporary folder and a non-interactive backend: it must
print a spike count per Mg_o, save the figure, and the cell at 0.1 mM must
fire more than at 1 mM under the same input (less Mg2+ block of NMDA
receptors; Jahr & Stevens 1990 J Neurosci 10:3178). About 5 s once Brian2's
code cache is warm (500 ms simulated).
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "docs" / "examples" / "pyramidal_cell.py"
COUNT = re.compile(r"Mg_o = ([\d.]+) mM: (\d+) spikes in 500 ms")


def test_pyramidal_cell_example(tmp_path):
    """Spike counts printed for both Mg_o, figure saved, more spikes at low Mg."""
    figure = tmp_path / "cell.png"
    env = {**os.environ, "MPLBACKEND": "Agg",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, str(EXAMPLE), str(figure)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    counts = {float(mg): int(n) for mg, n in COUNT.findall(done.stdout)}
    assert set(counts) == {0.1, 1.0}, done.stdout
    assert counts[0.1] > counts[1.0] >= 0, counts
    assert f"figure: {figure}" in done.stdout
    assert figure.read_bytes().startswith(b"\x89PNG")
    assert list(tmp_path.iterdir()) == [figure], "the example writes only its figure"
