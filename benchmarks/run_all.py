"""Every benchmark in turn (`make bench`); exit status 1 when a target is missed.

python -m benchmarks.run_all [--quick]   (--quick: small sizes, for a smoke run)
"""

import subprocess
import sys

from .servers import ROOT, bench_env

QUICK = {
    "ingest": ["--webhooks", "400", "--rounds", "2"],
    "pipeline": ["--operations", "200"],
    "usage_import": ["--accounts", "20000", "--per-row", "5000"],
    "usage_import --database postgresql": ["--accounts", "20000", "--per-row", "5000"],
    "pages": ["--services", "20000"],
    "connections": ["--calls", "400"],
    "roundtrip": ["--pairs", "20", "--slow-pairs", "6", "--rounds", "2", "--concurrent", "20"]
    + ["--idle", "10"],
}


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    missed = []
    for name, quick_args in QUICK.items():
        # One process each: every benchmark sets Django up its own way.
        module, *options = name.split()
        command = [
            sys.executable,
            "-m",
            f"benchmarks.{module}",
            *options,
            *(quick_args if quick else []),
        ]
        if subprocess.run(command, cwd=ROOT, env=bench_env()).returncode != 0:
            missed.append(name)
    print("\nTargets missed in: " + (", ".join(missed) if missed else "none"), flush=True)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
