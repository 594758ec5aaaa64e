"""Benchmark 4, pages at scale: with 100,000 services (and as many journal rows), the admin
service list, the operation journal, the dashboard and the client area: median ms and SQL
queries per page.

    python -m benchmarks.pages [--services 100000] [--repeat 15]
"""

import argparse
import sys
import time

from . import figures
from .servers import sqlite_database

ADMIN_LIMIT_MS = 150.0
CLIENT_LIMIT_MS = 20.0
MAX_QUERIES = 12
SMALL = 1000  # services when the query counts are first taken


def _owners_seed() -> tuple[list, object, list]:
    from provisioning.models import Client, Product, Server

    servers = [
        Server.objects.create(
            whmcs_id=s,
            hostname=f"panel{s}.example.test",
            reseller_username="r",
            reseller_password="p",
        )
        for s in (1, 2, 3)
    ]
    product = Product.objects.create(whmcs_id=1, plan_name="Basic", name="Hosting")
    clients = Client.objects.bulk_create(
        [Client(whmcs_id=c, firstname="Client", lastname=str(c)) for c in range(1, 51)]
    )
    return servers, product, clients


def data_seed(first: int, n: int) -> int:
    """Services first..n over 3 servers and 50 clients, one operation each (the servers,
    product and clients come with the first batch); the WHMCS id of a service in the middle."""
    from django.utils import timezone

    from provisioning.models import Client, Operation, Product, Server, Service

    now = timezone.now()
    if first == 1:
        servers, product, clients = _owners_seed()
    else:
        servers = list(Server.objects.order_by("whmcs_id"))
        product = Product.objects.get()
        clients = list(Client.objects.order_by("whmcs_id"))
    statuses = list(Service.Status.values)
    for start in range(first, n + 1, 5000):
        stop = min(n, start + 4999)
        services = Service.objects.bulk_create(
            [
                Service(
                    whmcs_id=i,
                    client=clients[i % 50],
                    product=product,
                    server=servers[i % 3],
                    domain=f"site{i:06d}.example.test",
                    domain_ascii=f"site{i:06d}.example.test",
                    status=statuses[i % 4],
                    on_panel=True,
                    disk_usage=i % 1000,
                    bw_usage=i % 5000,
                )
                for i in range(start, stop + 1)
            ]
        )
        Operation.objects.bulk_create(
            [
                Operation(
                    command=Operation.Command.CREATE,
                    server=s.server,
                    service=s,
                    state=Operation.State.SUCCEEDED,
                    source=Operation.Source.WEBHOOK,
                    result="success",
                    created_at=now,
                    updated_at=now,
                    attempts=1,
                    request={"domain": s.domain},
                )
                for s in services
            ]
        )
    return Service.objects.order_by("pk").values_list("whmcs_id", flat=True)[n // 2]


def page_measure(client, url: str, repeat: int) -> tuple[float, int, int]:
    """(median ms, queries, status) of GET url, after one warm-up request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    return figures.median(times), len(ctx.captured_queries), response.status_code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args(argv)
    ok = True
    with sqlite_database() as db_url:
        from .django_setup import django_start

        django_start(db_url)
        from django.contrib.auth import get_user_model
        from django.test import Client
        from django.urls import Resolver404, resolve

        from provisioning.signing import client_area_query

        small = min(SMALL, args.services)
        service_id = data_seed(1, small)
        admin = get_user_model().objects.create_superuser("bench", "b@example.test", "x")
        browser = Client()
        browser.force_login(admin)
        client_url = f"/client/services/{service_id}/"
        pages = [
            ("admin service list", "/admin/provisioning/service/", ADMIN_LIMIT_MS),
            ("operation journal", "/admin/provisioning/operation/", ADMIN_LIMIT_MS),
            ("dashboard (admin index)", "/admin/", None),
            ("client area", f"{client_url}?{client_area_query(service_id)}", CLIENT_LIMIT_MS),
        ]
        resolvable, skipped = [], []
        for label, url, limit in pages:
            try:
                resolve(url.split("?", 1)[0])
                resolvable.append((label, url, limit))
            except Resolver404:
                skipped.append((label, url.split("?", 1)[0]))
        # Query counts with few rows, then with all of them: they must not grow.
        few = {label: page_measure(browser, url, 1)[1] for label, url, _ in resolvable}
        data_seed(small + 1, args.services)
        figures.heading(f"pages with {args.services} services (SQLite)")
        for label, path in skipped:
            figures.line(label, f"skipped: {path} does not resolve (yet)")
        for label, url, limit in resolvable:
            ms, queries, status = page_measure(browser, url, args.repeat)
            figures.line(
                label,
                f"{ms:7.1f} ms median  {queries:3d} queries ({few[label]} with {small} services)"
                f"  HTTP {status}",
            )
            ok &= figures.target(status == 200, f"{label}: HTTP 200")
            ok &= figures.target(
                queries <= MAX_QUERIES and queries == few[label],
                f"{label}: <= {MAX_QUERIES} queries, as many as with {small} services",
            )
            if limit is not None:
                ok &= figures.target(ms <= limit, f"{label}: <= {limit:g} ms ({ms:.1f} ms)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
