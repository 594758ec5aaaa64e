"""Benchmark 5, connection reuse: panel calls with the client's keep-alive session versus a
new connection per call (the original's way), alternating rounds in one run.

    python -m benchmarks.connections [--calls 1000] [--rounds 4]
"""

import argparse
import sys

import requests

from . import figures
from .panel_calls import calls_run, client_configure, panel_target
from .servers import RESELLER, bench_env, emulator_process, emulator_seed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args(argv)
    client_configure()
    from provisioning.panels.imscp import client

    per_round = max(1, args.calls // args.rounds)
    with emulator_process(bench_env()) as panel_url:
        emulator_seed(panel_url, bulk=10)
        target = panel_target(panel_url)
        data = {"reseller_name": RESELLER[0], "reseller_pass": RESELLER[1], "action": "suspend"}

        def keep_alive(i: int) -> None:
            client.unsuspend(target, f"customer{i % 10 + 1}.example.test")

        def new_connection(i: int) -> None:
            # What a session-less client does: requests.post opens and closes a connection.
            response = requests.post(
                f"{panel_url}/kaziwhmcs",
                data={
                    **data,
                    "action": "unsuspend",
                    "domain": f"customer{i % 10 + 1}.example.test",
                },
                timeout=(5, 60),
            )
            if response.text.strip() != "success":
                raise RuntimeError(response.text[:200])

        ways = {"keep-alive session": keep_alive, "new connection per call": new_connection}
        for way in ways.values():
            calls_run(20, 1, way)  # warm-up
        seconds = {name: 0.0 for name in ways}
        errors = {name: 0 for name in ways}
        for r in range(args.rounds):
            order = list(ways) if r % 2 == 0 else list(reversed(ways))
            for name in order:
                spent, failed = calls_run(per_round, 1, ways[name])
                seconds[name] += spent
                errors[name] += failed
    n = per_round * args.rounds
    figures.heading(f"connection reuse, {n} panel calls each (sequential)")
    for name in ways:
        figures.line(
            name,
            f"{n / seconds[name]:7.0f} calls/s  "
            f"{seconds[name] / n * 1000:5.2f} ms/call  errors {errors[name]}",
        )
    ratio = seconds["new connection per call"] / seconds["keep-alive session"]
    figures.line("ratio keep-alive/new connection", f"{ratio:.2f}x faster")
    ok = figures.target(ratio > 1.0, f"keep-alive faster than a new connection ({ratio:.2f}x)")
    ok &= figures.target(sum(errors.values()) == 0, "no errors")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
