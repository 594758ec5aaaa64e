"""usage_import writes the panel's figures to the server's services in batches."""

from datetime import UTC, datetime

import pytest

from provisioning.models import Service
from provisioning.panels.usage import BATCH_SIZE, usage_import
from tests.factories import ClientFactory, ProductFactory, ServerFactory, ServiceFactory

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _row(domain: str, disk: int, bw: int) -> dict:
    return {"domain": domain, "diskusage": disk, "disklimit": 1000, "bwusage": bw, "bwlimit": 0}


@pytest.mark.django_db
def test_it_writes_every_matching_service_across_several_batches():
    server, client, product = ServerFactory(), ClientFactory(), ProductFactory()
    count = BATCH_SIZE * 2 + 3
    Service.objects.bulk_create(
        ServiceFactory.build(
            server=server,
            client=client,
            product=product,
            domain=f"s{i}.example.com",
            domain_ascii=f"s{i}.example.com",
        )
        for i in range(count)
    )
    rows = [_row(f"S{i}.example.com", i, 2 * i) for i in range(count)]

    assert usage_import(server, rows, NOW) == count

    services = Service.objects.filter(server=server)
    assert services.filter(usage_updated_at=NOW).count() == count
    last = services.get(domain_ascii=f"s{count - 1}.example.com")
    assert (last.disk_usage, last.disk_limit, last.bw_usage, last.bw_limit) == (
        count - 1,
        1000,
        2 * (count - 1),
        0,
    )


@pytest.mark.django_db
def test_it_leaves_other_servers_and_unlisted_services_alone_and_clamps_negative_usage():
    mine = ServiceFactory(domain="mine.example.com", domain_ascii="mine.example.com")
    unlisted = ServiceFactory(
        server=mine.server, domain="quiet.example.com", domain_ascii="quiet.example.com"
    )
    elsewhere = ServiceFactory(domain="mine.example.com", domain_ascii="mine.example.com")

    written = usage_import(mine.server, [_row("mine.example.com", -5, -1)], NOW)

    assert written == 1
    mine.refresh_from_db()
    assert (mine.disk_usage, mine.bw_usage, mine.usage_updated_at) == (0, 0, NOW)
    for other in (unlisted, elsewhere):
        other.refresh_from_db()
        assert other.usage_updated_at is None


@pytest.mark.django_db
def test_the_usage_reported_to_whmcs_names_the_service_where_the_bridge_knows_it():
    from provisioning.panels.imscp.answers import UsageEntry
    from provisioning.panels.usage import usage_entries_json

    server, other = ServerFactory(), ServerFactory()
    mine = ServiceFactory(
        server=server, domain="bücher.example", domain_ascii="xn--bcher-kva.example"
    )
    ServiceFactory(server=other, domain="other.example", domain_ascii="other.example")
    entries = [
        UsageEntry("bücher.example", 120, 1000, 3, 0),
        UsageEntry("other.example", 1, 1, 1, 1),
    ]
    rows = usage_entries_json(server, entries)
    assert rows[0] == {
        "domain": "bücher.example",
        "diskusage": 120,
        "disklimit": 1000,
        "bwusage": 3,
        "bwlimit": 0,
        "serviceid": mine.whmcs_id,
    }
    assert "serviceid" not in rows[1], "a domain of another server is not this server's service"


@pytest.mark.django_db
def test_a_domain_listed_twice_keeps_its_last_figures():
    mine = ServiceFactory(domain="twice.example.com", domain_ascii="twice.example.com")
    rows = [_row("twice.example.com", 1, 1), _row("TWICE.example.com", 7, 9)]

    assert usage_import(mine.server, rows, NOW) == 1

    mine.refresh_from_db()
    assert (mine.disk_usage, mine.bw_usage) == (7, 9)
    assert list(mine.usage_samples.values_list("disk_usage", "bw_usage")) == [(7, 9)]


@pytest.mark.django_db
def test_the_live_service_with_the_listed_domain_gets_the_figures_and_a_terminated_one_none():
    old = ServiceFactory(
        domain="again.example.com",
        domain_ascii="again.example.com",
        status=Service.Status.TERMINATED,
    )
    new = ServiceFactory(
        server=old.server, domain="again.example.com", domain_ascii="again.example.com"
    )

    assert usage_import(old.server, [_row("again.example.com", 3, 4)], NOW) == 1

    new.refresh_from_db()
    assert (new.disk_usage, new.bw_usage, new.usage_updated_at) == (3, 4, NOW)
    assert new.usage_samples.count() == 1
    old.refresh_from_db()
    assert (old.disk_usage, old.bw_usage, old.usage_updated_at) == (None, None, None)
    assert old.usage_samples.count() == 0
