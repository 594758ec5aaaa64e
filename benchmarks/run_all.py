"""Every benchmark in turn (`make bench`); exit status 1 when a target is missed.

python -m benchmarks.run_all [--quick]   (--quick: small sizes, for a smoke run)
"""

import sys

from . import connections, ingest, pages, pipeline, usage_import

QUICK = {
    "ingest": ["--webhooks", "400", "--rounds", "2"],
    "pipeline": ["--operations", "200"],
    "usage_import": ["--accounts", "20000", "--per-row", "5000"],
    "pages": ["--services", "20000"],
    "connections": ["--calls", "400"],
}


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    missed = []
    for name, module in (
        ("ingest", ingest),
        ("pipeline", pipeline),
        ("usage_import", usage_import),
        ("pages", pages),
        ("connections", connections),
    ):
        if module.main(QUICK[name] if quick else []) != 0:
            missed.append(name)
    print("\nTargets missed in: " + (", ".join(missed) if missed else "none"))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
