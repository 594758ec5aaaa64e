"""Benchmark 3, usage import: a usageupdate answer with 100,000 accounts served by the
emulator, fetched, parsed and written, versus a per-row update loop in the same run.

    python -m benchmarks.usage_import [--accounts 100000] [--per-row N] [--database sqlite]
"""

import argparse
import gc
import re
import sys
import time
import tracemalloc

from . import figures
from .servers import (
    RESELLER,
    bench_env,
    emulator_process,
    emulator_seed,
    postgres_database,
    sqlite_database,
)

WRITE = re.compile(r"\s*(WITH\b.*?\)\s*)?(UPDATE|INSERT|DELETE)\b", re.I | re.S)


def _services_seed(n: int, panel_url: str):
    from provisioning.models import Client, Product, Server, Service

    server = Server.objects.create(
        whmcs_id=1,
        hostname=panel_url.split("://", 1)[1],
        secure=False,
        reseller_username=RESELLER[0],
        reseller_password=RESELLER[1],
    )
    product = Product.objects.create(whmcs_id=1, plan_name="Basic")
    client = Client.objects.create(whmcs_id=1, email="bench@example.test")
    for start in range(1, n + 1, 5000):
        Service.objects.bulk_create(
            [
                Service(
                    whmcs_id=i,
                    client=client,
                    product=product,
                    server=server,
                    domain=f"customer{i}.example.test",
                    domain_ascii=f"customer{i}.example.test",
                    status=Service.Status.ACTIVE,
                    on_panel=True,
                )
                for i in range(start, min(n, start + 4999) + 1)
            ]
        )
    return server


def _rows(server) -> list[dict]:
    """Fetch and parse the panel's list, as the UsageUpdate command does."""
    from provisioning.imscp import client
    from provisioning.usage import usage_entries_json

    entries = client.usageupdate(client.PanelTarget.for_server(server))
    return usage_entries_json(server, entries)


def bulk_import(server) -> tuple[float, float, int, int]:
    """(seconds to fetch and parse, seconds to write, services written, write queries)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from provisioning.usage import usage_import

    start = time.perf_counter()
    rows = _rows(server)
    parsed = time.perf_counter()
    with CaptureQueriesContext(connection) as ctx:
        written = usage_import(server, rows, timezone.now())
    done = time.perf_counter()
    writes = sum(1 for q in ctx.captured_queries if WRITE.match(q["sql"]))
    return parsed - start, done - parsed, written, writes


def bulk_peak_mb(server) -> float:
    from django.utils import timezone

    from provisioning.usage import usage_import

    gc.collect()
    tracemalloc.start()
    usage_import(server, _rows(server), timezone.now())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1e6


def per_row_import(server, limit: int) -> tuple[float, int]:
    """The original's way: one UPDATE per account (on the first `limit` rows)."""
    from django.utils import timezone

    from provisioning.domains import domain_ascii
    from provisioning.models import Service

    rows = _rows(server)[:limit]
    now = timezone.now()
    start = time.perf_counter()
    for row in rows:
        Service.objects.filter(server=server, domain_ascii=domain_ascii(row["domain"])).update(
            disk_usage=max(row["diskusage"], 0),
            disk_limit=row["disklimit"],
            bw_usage=max(row["bwusage"], 0),
            bw_limit=row["bwlimit"],
            usage_updated_at=now,
        )
    return time.perf_counter() - start, len(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument(
        "--per-row",
        type=int,
        default=0,
        help="time the per-row loop on this many accounts and scale (0: all of them)",
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args(argv)
    n = args.accounts
    database = sqlite_database if args.database == "sqlite" else postgres_database
    with database() as db_url, emulator_process(bench_env()) as panel_url:
        from .django_setup import django_start

        django_start(db_url)
        emulator_seed(panel_url, bulk=n)
        server = _services_seed(n, panel_url)
        bulk_import(server)  # warm: the first run pays for imports and page cache
        from provisioning.models import Service

        missed = Service.objects.filter(usage_updated_at__isnull=True).count()
        if missed:
            raise SystemExit(f"the bulk import left {missed} services without usage")
        fetch_seconds, write_seconds, written, writes = bulk_import(server)
        peak = bulk_peak_mb(server)
        per_row_seconds, per_row_n = per_row_import(server, args.per_row or n)
    seconds = fetch_seconds + write_seconds
    per_row_write = per_row_seconds * n / per_row_n
    per_row_total = fetch_seconds + per_row_write  # the same fetch and parse, then row by row
    ratio = per_row_total / seconds
    write_ratio = per_row_write / write_seconds
    figures.heading(f"usage import, {n} accounts ({args.database})")
    figures.line("bulk: fetch + parse", f"{fetch_seconds:6.2f} s (the panel's answer included)")
    figures.line("bulk: write", f"{write_seconds:6.2f} s  ({written} services written)")
    figures.line("bulk: total", f"{seconds:6.2f} s")
    scaled = "" if per_row_n == n else f" (measured on {per_row_n}, scaled)"
    figures.line("per-row loop: write", f"{per_row_write:6.2f} s{scaled}")
    figures.line("per-row loop: total", f"{per_row_total:6.2f} s")
    figures.line("ratio per-row/bulk", f"total {ratio:.1f}x  write alone {write_ratio:.1f}x")
    figures.line("peak Python memory (tracemalloc)", f"{peak:.0f} MB")
    figures.line("write queries", f"{writes} ({n / max(writes, 1):.0f} accounts per query)")
    ok = figures.target(ratio >= 30, f">= 30x faster than per-row ({ratio:.1f}x)")
    ok &= figures.target(seconds <= 3.0, f"<= 3 s ({seconds:.2f} s)")
    ok &= figures.target(peak <= 250, f"peak memory <= 250 MB ({peak:.0f} MB)")
    ok &= figures.target(writes <= n / 500, f"<= 1 write query per 500 accounts ({writes})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
