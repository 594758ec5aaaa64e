"""Benchmark 2, pipeline overhead: CreateAccount operations through the whole bridge
(webhook -> qcluster with 2 workers -> emulator answering after 50 ms) versus the same panel
calls made directly with the client at concurrency 2, on the Redis and on the ORM broker.

    python -m benchmarks.pipeline [--operations 1000] [--delay 0.05] [--brokers redis,orm]
"""

import argparse
import contextlib
import sqlite3
import sys
import time
import uuid

from . import figures
from .load import create_body, post_all
from .panel_calls import calls_run, client_configure, panel_target
from .servers import (
    bench_env,
    emulator_process,
    emulator_seed,
    gunicorn,
    manage,
    qcluster,
    redis_server,
    sqlite_database,
)

# The bridge's operations per second over the direct calls', at least (both brokers).
MIN_RATIO = 0.75


def direct_run(panel_url: str, n: int, run: str) -> tuple[float, int]:
    from provisioning.panels.imscp import client

    target = panel_target(panel_url)

    def call(i: int) -> None:
        domain = f"direct{i}-{run}.example.test"
        account = client.NewAccount(
            plan="Basic", domain=domain, password=f"Direct-pass-{i}x", email=f"d{i}@example.test"
        )
        client.create(target, account)

    return calls_run(n, 2, call)


def _finished(db_path: str) -> tuple[int, int]:
    with contextlib.closing(sqlite3.connect(db_path, timeout=20)) as conn:
        rows = dict(
            conn.execute(
                "SELECT state, count(*) FROM provisioning_operation GROUP BY state"
            ).fetchall()
        )
    return rows.get("succeeded", 0), rows.get("failed", 0)


def bridge_run(panel_url: str, n: int, broker: str, run: str) -> tuple[float, int, int]:
    """(seconds from the first webhook to the last operation finished, succeeded, failed)."""
    host_port = panel_url.split("://", 1)[1]
    with contextlib.ExitStack() as stack:
        db_url = stack.enter_context(sqlite_database())
        extra = {"DATABASE_URL": db_url}
        if broker == "redis":
            extra["REDIS_URL"] = stack.enter_context(redis_server())
        env = bench_env(**extra)
        manage(env, "migrate")
        base = stack.enter_context(gunicorn("kaziwhmcs_site.wsgi", env))
        stack.enter_context(qcluster(env, workers=2))
        time.sleep(2)  # let the cluster's workers start before the clock does
        bodies = [create_body(i, host_port, run) for i in range(1, n + 1)]
        db_path = db_url.removeprefix("sqlite:///")
        start = time.perf_counter()
        posted = post_all(base, "/webhooks/whmcs/", bodies, connections=8)
        if posted.accepted != n:
            print(f"  ! {n - posted.accepted} webhooks not accepted: {posted.statuses}")
        deadline = start + max(120.0, n * 0.5)
        succeeded = failed = 0
        while time.perf_counter() < deadline:
            succeeded, failed = _finished(db_path)
            if succeeded + failed >= n:
                break
            time.sleep(0.05)
        return time.perf_counter() - start, succeeded, failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--operations", type=int, default=1000)
    parser.add_argument("--delay", type=float, default=0.05, help="panel answer delay, s")
    parser.add_argument("--brokers", default="redis,orm")
    args = parser.parse_args(argv)
    client_configure()
    ok = True
    n = args.operations
    with emulator_process(bench_env()) as panel_url:
        for broker in args.brokers.split(","):
            emulator_seed(panel_url, delay=args.delay)
            run = uuid.uuid4().hex[:8]
            # Direct, bridge, direct: the direct rate is the median of the two around it.
            direct_a, err_a = direct_run(panel_url, n // 2, run + "a")
            seconds, succeeded, failed = bridge_run(panel_url, n, broker, run)
            direct_b, err_b = direct_run(panel_url, n - n // 2, run + "b")
            direct_rate = n / (direct_a + direct_b)
            bridge_rate = succeeded / seconds
            ratio = bridge_rate / direct_rate
            figures.heading(f"pipeline overhead, {broker} broker ({args.delay * 1000:g} ms panel)")
            figures.line(
                "direct client, concurrency 2",
                f"{direct_rate:7.1f} calls/s (errors {err_a + err_b})",
            )
            figures.line(
                "bridge, qcluster 2 workers",
                f"{bridge_rate:7.1f} operations/s "
                f"({succeeded} succeeded, {failed} failed, {seconds:.1f} s)",
            )
            figures.line("ratio bridge/direct", f"{ratio:.2f}x")
            ok &= figures.target(
                ratio >= MIN_RATIO, f"bridge >= {MIN_RATIO}x direct ({ratio:.2f}x)"
            )
            ok &= figures.target(failed == 0 and succeeded == n, "every operation succeeded")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
