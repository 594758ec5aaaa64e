"""One usage sample per service per day, recorded with the import and pruned."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from provisioning.models import UsageSample
from provisioning.panels.usage import usage_history_prune, usage_import
from tests.factories import ServerFactory, ServiceFactory

pytestmark = pytest.mark.django_db

DAY = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)


def row(domain: str, disk: int, bw: int) -> dict:
    return {"domain": domain, "diskusage": disk, "disklimit": 1000, "bwusage": bw, "bwlimit": 0}


@pytest.fixture
def server():
    return ServerFactory()


def samples() -> list[tuple]:
    return list(UsageSample.objects.values_list("service__domain", "day", "disk_usage", "bw_usage"))


def test_an_import_records_the_days_sample_of_each_known_service(server):
    ServiceFactory(server=server, domain="a.example", domain_ascii="a.example")
    ServiceFactory(server=server, domain="b.example", domain_ascii="b.example")
    usage_import(
        server, [row("a.example", 120, 3), row("B.example", 5, 7), row("x.example", 1, 1)], DAY
    )
    assert sorted(samples()) == [
        ("a.example", date(2026, 3, 10), 120, 3),
        ("b.example", date(2026, 3, 10), 5, 7),
    ]


def test_a_second_import_the_same_day_replaces_the_sample(server):
    ServiceFactory(server=server, domain="a.example", domain_ascii="a.example")
    usage_import(server, [row("a.example", 120, 3)], DAY)
    usage_import(server, [row("a.example", 130, 9)], DAY + timedelta(hours=5))
    assert samples() == [("a.example", date(2026, 3, 10), 130, 9)]


def test_each_day_gets_its_own_sample(server):
    ServiceFactory(server=server, domain="a.example", domain_ascii="a.example")
    usage_import(server, [row("a.example", 120, 3)], DAY)
    usage_import(server, [row("a.example", 125, 4)], DAY + timedelta(days=1))
    assert [s[1:] for s in samples()] == [(date(2026, 3, 10), 120, 3), (date(2026, 3, 11), 125, 4)]


def test_the_day_is_the_bridges_local_day(server, settings):
    settings.TIME_ZONE = "Pacific/Auckland"
    ServiceFactory(server=server, domain="a.example", domain_ascii="a.example")
    usage_import(server, [row("a.example", 1, 1)], datetime(2026, 3, 10, 13, 0, tzinfo=UTC))
    assert samples()[0][1] == date(2026, 3, 11)


def test_a_negative_figure_from_the_panel_is_recorded_as_zero(server):
    ServiceFactory(server=server, domain="a.example", domain_ascii="a.example")
    usage_import(server, [row("a.example", -5, -1)], DAY)
    assert samples()[0][2:] == (0, 0)


def test_recording_costs_the_same_queries_for_many_services(server):
    ServiceFactory.create_batch(3, server=server)
    few = [row(s.domain, 1, 1) for s in server.services.all()]

    with CaptureQueriesContext(connection) as small:
        usage_import(server, few, DAY)
    ServiceFactory.create_batch(60, server=server)
    many = [row(s.domain, 2, 2) for s in server.services.all()]
    with CaptureQueriesContext(connection) as large:
        usage_import(server, many, DAY)
    assert len(large.captured_queries) == len(small.captured_queries)
    assert UsageSample.objects.count() == 63


def test_samples_older_than_the_configured_days_are_pruned(server, settings):
    settings.USAGE_HISTORY_DAYS = 30
    service = ServiceFactory(server=server, domain="a.example", domain_ascii="a.example")
    today = date(2026, 3, 10)
    for age in (0, 29, 30, 45):
        UsageSample.objects.create(
            service=service, day=today - timedelta(days=age), disk_usage=1, bw_usage=1
        )
    assert usage_history_prune(today) == 2
    assert sorted(UsageSample.objects.values_list("day", flat=True)) == [
        today - timedelta(days=29),
        today,
    ]


def test_the_daily_import_prunes_the_history(server, settings):
    settings.USAGE_HISTORY_DAYS = 7
    service = ServiceFactory(server=server, domain="a.example", domain_ascii="a.example")
    UsageSample.objects.create(service=service, day=date(2026, 1, 1), disk_usage=1, bw_usage=1)
    usage_import(server, [row("a.example", 1, 1)], DAY)
    assert [s[1] for s in samples()] == [date(2026, 3, 10)]


def test_a_service_deleted_from_the_mirror_takes_its_history_along(server):
    service = ServiceFactory(server=server, domain="a.example", domain_ascii="a.example")
    usage_import(server, [row("a.example", 1, 1)], DAY)
    service.delete()
    assert not UsageSample.objects.exists()
