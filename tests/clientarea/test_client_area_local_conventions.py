"""Numbers, sizes and dates as each language writes them, in the one (decimal) unit system."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.utils import translation

from provisioning.clientarea.chart import axis_ticks, day_text
from provisioning.models import UsageSample
from provisioning.sizes import limit_text, size_text
from tests.client_area_links import client_area_link
from tests.clientarea.test_client_area_page import text_of
from tests.factories import ClientFactory, ServiceFactory

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("language", "sizes"),
    [
        ("en", ["0 MB", "450 kB", "120 MB", "3.22 GB", "10.5 GB", "1,500 TB"]),
        ("de", ["0 MB", "450 kB", "120 MB", "3,22 GB", "10,5 GB", "1.500 TB"]),
        # French counts in octets (Mo, Go), with a non-breaking space between thousands.
        ("fr", ["0 Mo", "450 ko", "120 Mo", "3,22 Go", "10,5 Go", f"1{NBSP}500 To"]),
    ],
)
def test_sizes_follow_the_languages_conventions_in_decimal_units(language, sizes):
    with translation.override(language):
        assert [size_text(mb) for mb in (0, 0.45, 120, 3220, 10_500, 1_500_000_000)] == sizes


@pytest.mark.parametrize(
    ("language", "days", "ticks", "limits"),
    [
        ("en", ["26 Nov", "5 Mar"], ["0", "0.5 GB", "1.0 GB"], ["unlimited", "1.05 GB"]),
        ("de", ["26. Nov.", "5. März"], ["0", "0,5 GB", "1,0 GB"], ["unbegrenzt", "1,05 GB"]),
        ("fr", ["26 nov.", "5 mars"], ["0", "0,5 Go", "1,0 Go"], ["illimité", "1,05 Go"]),
    ],
)
def test_the_charts_days_ticks_and_limits_are_written_in_the_language(
    language, days, ticks, limits
):
    with translation.override(language):
        assert [day_text(date(2026, 11, 26)), day_text(date(2026, 3, 5))] == days
        assert [label for _, label in axis_ticks(900, intervals=2)] == ticks
        assert [limit_text(0), limit_text(1000)] == limits


@pytest.fixture
def service(db):
    service = ServiceFactory(
        status="active",
        client=ClientFactory(language="german"),
        disk_usage=3220,
        disk_limit=10_000,
        bw_usage=2500,
        bw_limit=0,
        usage_updated_at=NOW - timedelta(hours=9),
    )
    UsageSample.objects.create(service=service, day=NOW.date(), disk_usage=3220, bw_usage=2500)
    return service


def page_in(client, service, whmcs_language: str) -> tuple[str, str]:
    service.client.language = whmcs_language
    service.client.save()
    with time_machine.travel(NOW, tick=False):
        response = client.get(client_area_link(service.whmcs_id))
    html = response.content.decode()
    return html, text_of(html)


def test_the_german_page_writes_figures_and_dates_the_german_way(client, service):
    html, text = page_in(client, service, "german")
    # 3,220 MB of 10,000 MiB (10.49 GB): 31 % (a non-breaking space, a space in text_of).
    assert "3,22 GB von 10,5 GB · 31 %" in text
    assert "2,50 GB genutzt · unbegrenzt" in text
    assert ">26. Nov. 2026, 03:00 UTC</time>." in html
    assert "Zuletzt aktualisiert am 26. Nov. 2026" in text
    assert '<time datetime="2026-11-26">26. Nov. 2026</time>' in html
    assert f'aria-label="Speicherplatz: 3,22 GB von 10,5 GB (31{NBSP}%)"' in html


def test_the_french_page_writes_figures_and_dates_the_french_way(client, service):
    html, text = page_in(client, service, "french")
    assert "3,22 Go sur 10,5 Go · 31 %" in text
    assert "2,50 Go utilisés · illimité" in text
    assert f"Dernière mise à jour{NBSP}: <time" in html
    assert ">26 nov. 2026 à 03:00 UTC</time>." in html
    assert '<time datetime="2026-11-26">26 nov. 2026</time>' in html


def test_the_english_page_keeps_its_conventions(client, service):
    html, text = page_in(client, service, "english")
    assert "3.22 GB of 10.5 GB · 31%" in text
    assert ">26 Nov 2026, 03:00 UTC</time>." in html
    assert "Last updated 26 Nov 2026" in text
    assert '<time datetime="2026-11-26">26 Nov 2026</time>' in html
