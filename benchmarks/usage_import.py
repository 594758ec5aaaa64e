"""Benchmark 3, usage import: a usageupdate answer with 100,000 accounts served by the
emulator, parsed and written, versus a per-row update loop in the same run.

Both sides start from the same answer, fetched once (its fetch time is printed: it is the
panel building and sending the list). Bulk: parse, map to service ids, the batched
write (`usage_import`, samples included), the median of three imports. Per-row: the
same parse, then one autocommit UPDATE per account matched on its domain, as the
original module did, and (for the same writes on both sides) one more statement for the
account's sample of the day; the services-only loop is timed and printed too.

    python -m benchmarks.usage_import [--accounts 100000] [--per-row 20000] [--database sqlite]
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

BULK_RUNS = 3  # timed bulk imports; the median is printed
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


def _maintain() -> None:
    """VACUUM ANALYZE on PostgreSQL (setup, not timed), after the seeding and after each
    import: a fresh table's statistics are stale and an import's dead row versions not
    yet reclaimed, which autovacuum does on a real server between two daily imports."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def _answer(server) -> tuple[int, str, float]:
    """The panel's usageupdate answer (status, body) and the seconds it took to get it:
    the emulator building and gzipping the list in its own process, the panel's time."""
    from provisioning.panels.imscp import client

    start = time.perf_counter()
    status, text = client.usage_answer(client.PanelTarget.for_server(server))
    return status, text, time.perf_counter() - start


def bulk_import(server, answer: tuple[int, str, float]) -> tuple[float, float, int]:
    """The bridge's UsageUpdate from the answer: parse it, map it for the status endpoint,
    write it. (seconds to parse, seconds to write, services written)."""
    from django.utils import timezone

    from provisioning.panels.imscp.answers import usage_parse
    from provisioning.panels.usage import usage_entries_json, usage_import

    start = time.perf_counter()
    rows = usage_entries_json(server, usage_parse(answer[0], answer[1]))
    parsed = time.perf_counter()
    written = usage_import(server, rows, timezone.now())
    return parsed - start, time.perf_counter() - parsed, written


def bulk_peak_mb_and_writes(server, answer) -> tuple[float, int]:
    """Peak Python memory and write queries of one more bulk import (not timed: recording
    the queries costs as much as running them)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from provisioning.panels.imscp.answers import usage_parse
    from provisioning.panels.usage import usage_entries_json, usage_import

    gc.collect()
    tracemalloc.start()
    with CaptureQueriesContext(connection) as ctx:
        rows = usage_entries_json(server, usage_parse(answer[0], answer[1]))
        usage_import(server, rows, timezone.now())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    writes = sum(1 for q in ctx.captured_queries if WRITE.match(q["sql"]))
    return peak / 1e6, writes


def per_row_import(server, answer, limit: int, samples: bool) -> tuple[float, float, int]:
    """The original's way: the same parse, then one UPDATE per account matched on the
    domain, each its own transaction (autocommit), on the first `limit` entries; with
    `samples`, also the account's sample of the day, one more statement, as the bulk side
    writes it. (seconds to parse, seconds to update those entries, how many)."""
    from django.db import connection
    from django.utils import timezone

    from provisioning.domains import domain_ascii
    from provisioning.models import Service, UsageSample
    from provisioning.panels.imscp.answers import usage_parse

    start = time.perf_counter()
    entries = usage_parse(answer[0], answer[1])
    parsed = time.perf_counter()
    now = timezone.now()
    day = UsageSample._meta.get_field("day").get_db_prep_value(timezone.localdate(now), connection)
    sample_sql = (
        f"INSERT INTO {UsageSample._meta.db_table} (service_id, day, disk_usage, bw_usage) "
        f"SELECT id, %s, %s, %s FROM {Service._meta.db_table} "
        "WHERE server_id = %s AND domain_ascii = %s ON CONFLICT (service_id, day) DO UPDATE "
        "SET disk_usage = excluded.disk_usage, bw_usage = excluded.bw_usage"
    )
    for entry in entries[:limit]:
        name = domain_ascii(entry.domain)
        disk, bandwidth = max(entry.diskusage, 0), max(entry.bwusage, 0)
        Service.objects.filter(server=server, domain_ascii=name).update(
            disk_usage=disk,
            disk_limit=entry.disklimit,
            bw_usage=bandwidth,
            bw_limit=entry.bwlimit,
            usage_updated_at=now,
        )
        if samples:
            with connection.cursor() as cursor:
                cursor.execute(sample_sql, [day, disk, bandwidth, server.pk, name])
    return parsed - start, time.perf_counter() - parsed, len(entries[:limit])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument(
        "--per-row",
        type=int,
        default=20_000,
        help="time the per-row loops on this many accounts and scale (0: all of them); "
        "a loop's time grows linearly with the accounts",
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
        _maintain()  # what autovacuum does on a server after the bulk seeding
        answer = _answer(server)
        bulk_import(server, answer)  # warm: the first run pays for imports and page cache
        _maintain()  # ...and between two daily imports
        from provisioning.models import Service

        missed = Service.objects.filter(usage_updated_at__isnull=True).count()
        if missed:
            raise SystemExit(f"the bulk import left {missed} services without usage")
        fetch_seconds = _answer(server)[2]
        timed = []
        for _ in range(BULK_RUNS):
            timed.append(bulk_import(server, answer))
            _maintain()
        # The median run: one import is short enough for a stall of the machine to show.
        parse_seconds, write_seconds, written = sorted(timed, key=lambda t: t[0] + t[1])[
            BULK_RUNS // 2
        ]
        peak, writes = bulk_peak_mb_and_writes(server, answer)
        only_parse, only_seconds, only_n = per_row_import(
            server, answer, args.per_row or n, samples=False
        )
        per_row_parse, per_row_seconds, per_row_n = per_row_import(
            server, answer, args.per_row or n, samples=True
        )
    seconds = parse_seconds + write_seconds
    per_row_write = per_row_seconds * n / per_row_n
    per_row_total = per_row_parse + per_row_write
    services_only_total = only_parse + only_seconds * n / only_n
    ratio = per_row_total / seconds
    with_fetch = (fetch_seconds + per_row_total) / (fetch_seconds + seconds)
    write_ratio = per_row_write / write_seconds
    figures.heading(f"usage import, {n} accounts ({args.database})")
    figures.line("the panel's answer (fetch, not timed below)", f"{fetch_seconds:6.2f} s")
    figures.line("bulk: parse + service ids", f"{parse_seconds:6.2f} s")
    figures.line("bulk: write", f"{write_seconds:6.2f} s  ({written} services written)")
    figures.line("bulk: total", f"{seconds:6.2f} s  (median of {BULK_RUNS} imports)")
    scaled = "" if per_row_n == n else f" (measured on {per_row_n}, scaled)"
    figures.line("per-row loop: parse", f"{per_row_parse:6.2f} s")
    figures.line("per-row loop: write (same writes)", f"{per_row_write:6.2f} s{scaled}")
    figures.line("per-row loop: total", f"{per_row_total:6.2f} s")
    figures.line(
        "ratio per-row/bulk",
        f"parse + write {ratio:.1f}x  write alone {write_ratio:.1f}x  "
        f"fetch included {with_fetch:.1f}x",
    )
    figures.line(
        "per-row, services only (no samples)",
        f"{services_only_total:6.2f} s total{scaled}: "
        f"{services_only_total / seconds:.1f}x the bulk",
    )
    figures.line("peak Python memory (tracemalloc)", f"{peak:.0f} MB")
    figures.line("write queries", f"{writes} ({n / max(writes, 1):.0f} accounts per query)")
    ok = figures.target(ratio >= 20, f">= 20x faster than per-row ({ratio:.1f}x)")
    ok &= figures.target(seconds <= 3.0, f"<= 3 s ({seconds:.2f} s)")
    ok &= figures.target(peak <= 250, f"peak memory <= 250 MB ({peak:.0f} MB)")
    ok &= figures.target(writes <= n / 500, f"<= 1 write query per 500 accounts ({writes})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
