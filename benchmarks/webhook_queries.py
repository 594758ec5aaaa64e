"""The SQL statements one new CreateAccount webhook costs, counted in process.

    python -m benchmarks.webhook_queries DATABASE_URL
prints the count, then the statements on stderr. benchmarks.ingest runs it on SQLite."""

import sys
import uuid

from .django_setup import django_start
from .load import create_body
from .servers import BENCH_ENV
from .signing_bench import signed_headers


def main(database_url: str) -> None:
    django_start(database_url)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client, run = Client(), uuid.uuid4().hex[:8]
    for n in (1, 2):  # the second one is counted: server and product known, as in steady state
        body = create_body(n, "127.0.0.1:9", run)
        headers = signed_headers(BENCH_ENV["WEBHOOK_SECRET"], body)
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(
                "/webhooks/whmcs/",
                body,
                content_type="application/json",
                HTTP_X_KAZI_TIMESTAMP=headers["X-Kazi-Timestamp"],
                HTTP_X_KAZI_SIGNATURE=headers["X-Kazi-Signature"],
            )
        if response.status_code != 202:
            raise SystemExit(f"webhook refused: {response.status_code} {response.content[:200]}")
    print(len(ctx.captured_queries))
    for query in ctx.captured_queries:
        print(query["sql"][:150], file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1])
