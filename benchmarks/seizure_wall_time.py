"""Wall time of the default ``seizure`` sweep (10 Mg values, 800 + 200 cells, 10 s each).

Usage: ``.venv/bin/python benchmarks/seizure_wall_time.py [OUT]`` (default
``/tmp/seizure_default``). Runs ``hypomag run seizure --out OUT`` in a child
process and prints its wall time, CPU time (user + system of the child) and
the machine's load average, because other jobs on the machine inflate the
wall time. The first run in a fresh Brian2/Cython cache also compiles.
"""
from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path


def main() -> int:
    out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/seizure_default"
    exe = Path(sys.executable).with_name("hypomag")
    load = os.getloadavg()
    start = time.perf_counter()
    code = subprocess.call([str(exe), "run", "seizure", "--out", out, "--no-show"])
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"exit {code}; wall {wall:.1f} s; cpu {usage.ru_utime + usage.ru_stime:.1f} s; "
          f"load average before {load[0]:.1f}, after {os.getloadavg()[0]:.1f}")
    return code


if __name__ == "__main__":
    sys.exit(main())
