"""Benchmark 1, webhook ingest: signed CreateAccount webhooks against gunicorn (2 workers x
4 threads) side by side with the bare baseline endpoint, on SQLite and PostgreSQL: a guard
against regressions, no goal beyond it (docs/performance.md).

    python -m benchmarks.ingest [--webhooks 2000] [--connections 8] [--rounds 4]
"""

import argparse
import contextlib
import subprocess
import sys
import uuid

from . import figures
from .load import LoadResult, create_body, post_all
from .machine_cpu import CORES
from .servers import ROOT, bench_env, gunicorn, manage, postgres_database, sqlite_database

PATH = "/webhooks/whmcs/"
WARM_IDS = 10**6  # the first WHMCS service id of the warm-up webhooks
SIDES = ("baseline", "bridge")
# The rate of the bridge over the baseline may not fall more than a fifth below the
# lowest measured when the guard was set (docs/performance.md, "Webhook ingest").
RATE_GUARD = {"sqlite": 0.12, "postgresql": 0.13}


def queries_per_webhook() -> tuple[int, str]:
    """(SQL statements one new CreateAccount webhook costs on SQLite, the statements)."""
    with sqlite_database() as url:
        out = subprocess.run(
            [sys.executable, "-m", "benchmarks.webhook_queries", url],
            env=bench_env(),
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
    return int(out.stdout.strip().splitlines()[-1]), out.stderr


def _merge(parts: list[LoadResult]) -> LoadResult:
    merged = LoadResult(
        seconds=sum(p.seconds for p in parts), cpu_seconds=sum(p.cpu_seconds for p in parts)
    )
    for part in parts:
        merged.latencies += part.latencies
        merged.errors += part.errors
        for status, n in part.statuses.items():
            merged.statuses[status] = merged.statuses.get(status, 0) + n
    return merged


def _cpu_per_webhook(res: LoadResult) -> float:
    return res.cpu_seconds / max(1, res.accepted)


def _ratios(side: LoadResult, base: LoadResult) -> tuple[float, float]:
    """(rate, p99) of a side over the baseline's."""
    p99 = figures.percentile(side.latencies, 0.99) / figures.percentile(base.latencies, 0.99)
    return side.rate / base.rate, p99


def ingest_compare(database: str, url: str, args) -> bool:
    env = bench_env(DATABASE_URL=url)
    manage(env, "migrate")
    base_env = {**env, "DJANGO_SETTINGS_MODULE": "benchmarks.baseline_site"}
    subprocess.run(
        [sys.executable, "-m", "benchmarks.baseline_site"], env=base_env, cwd=ROOT, check=True
    )
    app = "django.core.wsgi:get_wsgi_application()"
    run = uuid.uuid4().hex[:8]
    per_round = max(1, args.webhooks // args.rounds)
    count = per_round * args.rounds
    # The baseline and the bridge get the same bodies.
    bodies = [create_body(n, "127.0.0.1:9", run) for n in range(1, count + 1)]
    warm = [create_body(n, "127.0.0.1:9", "warm" + run) for n in range(WARM_IDS, WARM_IDS + 50)]
    results: dict[str, list[LoadResult]] = {name: [] for name in SIDES}
    with (
        gunicorn(app, base_env) as baseline_url,
        gunicorn("kaziwhmcs_site.wsgi", env) as bridge_url,
    ):
        targets = {"baseline": baseline_url, "bridge": bridge_url}
        for target_url in targets.values():
            post_all(target_url, PATH, warm, args.connections)
        for r in range(args.rounds):
            order = list(targets) if r % 2 == 0 else list(reversed(targets))
            for name in order:
                chunk = bodies[r * per_round : (r + 1) * per_round]
                results[name].append(post_all(targets[name], PATH, chunk, args.connections))
    merged = {name: _merge(parts) for name, parts in results.items()}
    figures.heading(f"webhook ingest on {database}")
    for name, res in merged.items():
        p50 = figures.percentile(res.latencies, 0.5) * 1000
        p99 = figures.percentile(res.latencies, 0.99) * 1000
        rates = ", ".join(f"{p.rate:.0f}" for p in results[name])
        figures.line(
            name,
            f"{res.rate:7.0f} accepted/s (rounds {rates})  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms"
            f"  statuses {dict(sorted(res.statuses.items()))}  errors {len(res.errors)}",
        )
    for name, res in merged.items():
        figures.line(
            f"{name} CPU per webhook",
            f"{_cpu_per_webhook(res) * 1000:.2f} ms of the machine's (client, server, database);"
            f" cores busy {res.cpu_seconds / (res.seconds * CORES):.0%}",
        )
    base, bridge = merged["baseline"], merged["bridge"]
    # Were both CPU-bound (every core busy), the rates would stand in this ratio.
    figures.line(
        "CPU-bound ceiling of the ratio",
        f"{_cpu_per_webhook(base) / _cpu_per_webhook(bridge):.2f}x",
    )
    rate_ratio, p99_ratio = _ratios(bridge, base)
    figures.line("ratio bridge/baseline", f"rate {rate_ratio:.2f}x  p99 {p99_ratio:.2f}x")
    guard = RATE_GUARD[database]
    ok = figures.target(
        rate_ratio >= guard, f"rate >= {guard}x baseline, no regression ({rate_ratio:.2f}x)"
    )
    errors = len(bridge.errors) + (bridge.accepted != count)
    ok &= figures.target(errors == 0, f"zero errors ({bridge.accepted}/{count} accepted)")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--webhooks", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--show-queries", action="store_true")
    args = parser.parse_args(argv)
    count, sql = queries_per_webhook()
    figures.heading("webhook ingest: SQL per new CreateAccount webhook")
    figures.line("queries per webhook", str(count))
    if args.show_queries:
        print(sql)
    ok = True
    for database in args.databases.split(","):
        factory = sqlite_database if database == "sqlite" else postgres_database
        with contextlib.ExitStack() as stack:
            url = stack.enter_context(factory())
            ok &= ingest_compare(database, url, args)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
