"""`make bench-footprint` (Python part): the time to `import gouvconnect` in a fresh interpreter
(median of repeated subprocesses, so caches are warm but the module is not yet loaded: "cold-ish"),
the same for the peers (PyJWT, joserfc) for scale, the RSS growth of the import, and the size of the
compiled extension."""

from __future__ import annotations

import statistics
import subprocess
import sys
from pathlib import Path

RUNS = 15
PROBE = """
import time
def rss_kib():
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS:'):
            return int(line.split()[1])
before = rss_kib()
t = time.perf_counter()
import {module}
elapsed = time.perf_counter() - t
print(elapsed * 1e3, rss_kib() - before)
"""


def probe(module: str) -> tuple[float, float, float, float]:
    times, rss = [], []
    for _ in range(RUNS):
        out = subprocess.run(
            [sys.executable, "-c", PROBE.format(module=module)],
            check=True, capture_output=True, text=True,
        ).stdout.split()  # fmt: skip
        times.append(float(out[0]))
        rss.append(float(out[1]))
    return statistics.median(times), min(times), max(times), statistics.median(rss)


def main() -> int:
    import gouvconnect

    native = next(Path(gouvconnect.__file__).parent.glob("_native*.so"))
    print(f"Python {sys.version.split()[0]}: import time in a fresh interpreter, median of {RUNS}")
    print(f"{'module':<14} {'import ms':>10} {'spread ms':>14} {'RSS +MiB':>9}")
    for module in ("gouvconnect", "jwt", "joserfc.jwt"):
        med, lo, hi, rss = probe(module)
        print(f"{module:<14} {med:>10.2f} {f'{lo:.2f}–{hi:.2f}':>14} {rss / 1024:>9.1f}")
        if module == "gouvconnect":
            print(f"BENCH python import_ms={med:.2f} rss_mib={rss / 1024:.1f}")
    # -X importtime: the cumulative µs of gouvconnect and of its native module, one run.
    err = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import gouvconnect"],
        check=True, capture_output=True, text=True,
    ).stderr  # fmt: skip
    for line in err.splitlines():
        name = line.rsplit("|", 1)[-1].strip()
        if name in ("gouvconnect", "gouvconnect._native"):
            cumulative = line.split("|")[1].strip()
            print(f"-X importtime {name}: cumulative {int(cumulative) / 1000:.2f} ms")
    print(f"extension module {native.name}: {native.stat().st_size / 2**20:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
