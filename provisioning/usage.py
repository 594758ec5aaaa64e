"""Importing the panel's usage list into the services, in bulk."""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils import timezone

from .domains import domain_ascii
from .imscp.answers import UsageEntry
from .models import Server, Service, UsageSample

BATCH_SIZE = 500


def usage_entries_json(server: Server, entries: list[UsageEntry]) -> list[dict]:
    """The panel's list as the status endpoint reports it, with the WHMCS service id
    where the bridge knows the domain on this server."""
    ids = dict(
        Service.objects.filter(server=server)
        .exclude(status=Service.Status.TERMINATED)
        .values_list("domain_ascii", "whmcs_id")
    )
    rows = []
    for entry in entries:
        row = {
            "domain": entry.domain,
            "diskusage": entry.diskusage,
            "disklimit": entry.disklimit,
            "bwusage": entry.bwusage,
            "bwlimit": entry.bwlimit,
        }
        serviceid = ids.get(domain_ascii(entry.domain))
        if serviceid is not None:
            row["serviceid"] = serviceid
        rows.append(row)
    return rows


def usage_import(server: Server, rows: list[dict], now: datetime) -> int:
    """Write disk and bandwidth figures to the server's services; returns how many.

    One UPDATE per BATCH_SIZE services, not one per account."""
    by_domain = {domain_ascii(row["domain"]): row for row in rows}
    services = []
    for service in Service.objects.filter(server=server).only("id", "domain_ascii").iterator(2000):
        row = by_domain.get(service.domain_ascii)
        if row is None:
            continue
        service.disk_usage = max(row["diskusage"], 0)
        service.disk_limit = row["disklimit"]
        service.bw_usage = max(row["bwusage"], 0)
        service.bw_limit = row["bwlimit"]
        service.usage_updated_at = now
        services.append(service)
    Service.objects.bulk_update(
        services,
        ["disk_usage", "disk_limit", "bw_usage", "bw_limit", "usage_updated_at"],
        batch_size=BATCH_SIZE,
    )
    usage_samples_record(services, timezone.localdate(now))
    usage_history_prune(timezone.localdate(now))
    return len(services)


def usage_samples_record(services: list[Service], day: date) -> None:
    """Keep the figures just imported as the services' sample for `day`: a second
    import the same day replaces the first (upsert by service and day)."""
    UsageSample.objects.bulk_create(
        [
            UsageSample(
                service_id=service.pk,
                day=day,
                disk_usage=service.disk_usage,
                bw_usage=service.bw_usage,
            )
            for service in services
        ],
        batch_size=BATCH_SIZE,
        update_conflicts=True,
        unique_fields=["service", "day"],
        update_fields=["disk_usage", "bw_usage"],
    )


def usage_history_prune(today: date) -> int:
    """Keep the last USAGE_HISTORY_DAYS days (today included); returns how many went.

    Runs with every import, so the daily usage run keeps the table bounded."""
    cutoff = today - timedelta(days=settings.USAGE_HISTORY_DAYS - 1)
    deleted, _ = UsageSample.objects.filter(day__lt=cutoff).delete()
    return deleted
