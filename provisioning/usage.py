"""Importing the panel's usage list into the services, in bulk."""

from datetime import datetime

from .domains import domain_ascii
from .imscp.answers import UsageEntry
from .models import Server, Service

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
    return len(services)
