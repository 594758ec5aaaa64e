"""Usage figures land on the server's services in bulk, matched by domain."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from provisioning.imscp.answers import UsageEntry
from provisioning.models import Service
from provisioning.usage import usage_entries_json, usage_import
from tests.factories import ServerFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def test_it_writes_figures_for_the_servers_services_only():
    server, other = ServerFactory(), ServerFactory()
    mine = ServiceFactory(
        server=server, domain="bücher.example", domain_ascii="xn--bcher-kva.example"
    )
    elsewhere = ServiceFactory(
        server=other, domain="bücher.example", domain_ascii="xn--bcher-kva.example"
    )
    entries = [
        UsageEntry("bücher.example", 120, 1000, 3, 0),
        UsageEntry("unknown.example", 1, 1, 1, 1),
    ]
    rows = usage_entries_json(server, entries)
    assert rows[0]["serviceid"] == mine.whmcs_id and "serviceid" not in rows[1]
    assert usage_import(server, rows, timezone.now()) == 1
    mine.refresh_from_db()
    elsewhere.refresh_from_db()
    assert (mine.disk_usage, mine.disk_limit, mine.bw_usage, mine.bw_limit) == (120, 1000, 3, 0)
    assert elsewhere.disk_usage is None


def test_it_writes_in_batches_not_per_account():
    server = ServerFactory()
    services = ServiceFactory.create_batch(1200, server=server)
    rows = [
        {"domain": s.domain, "diskusage": 1, "disklimit": 0, "bwusage": 2, "bwlimit": 0}
        for s in services
    ]
    with CaptureQueriesContext(connection) as queries:
        usage_import(server, rows, timezone.now())
    writes = [q for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("UPDATE")]
    assert 0 < len(writes) <= 12, "batched, not one UPDATE per account"
    assert Service.objects.filter(bw_usage=2).count() == 1200
