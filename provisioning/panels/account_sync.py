"""Comparing a panel's accounts with the bridge's services, and adopting the panel's.

The list is the reseller's usage list (see account_lists): panels that give none to trust
cannot be compared (`NoTrustedList` reaches the caller)."""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from ..domains import DomainError, domain_ascii, domain_normalize
from ..models import Client, Product, Server, Service
from .account_lists import account_entries
from .imscp.answers import UsageEntry


@dataclass
class SyncReport:
    panel_only: list[UsageEntry] = field(default_factory=list)
    bridge_only: list[Service] = field(default_factory=list)
    both: list[tuple[Service, UsageEntry]] = field(default_factory=list)


class ImportProblem(ValueError):
    pass


def account_sync_report(server: Server, entries: list[UsageEntry] | None = None) -> SyncReport:
    """Three groups: on the panel only, in the bridge only, in both.

    Terminated services count as gone from the bridge's side."""
    if entries is None:
        entries = account_entries(server)
    services = {
        service.domain_ascii: service
        for service in Service.objects.filter(server=server)
        .exclude(status=Service.Status.TERMINATED)
        .select_related("client", "product")
    }
    report = SyncReport()
    seen = set()
    for entry in sorted(entries, key=lambda e: e.domain.lower()):
        key = domain_ascii(entry.domain)
        seen.add(key)
        service = services.get(key)
        if service is None:
            report.panel_only.append(entry)
        else:
            report.both.append((service, entry))
    report.bridge_only = sorted(
        (s for key, s in services.items() if key not in seen), key=lambda s: s.domain.lower()
    )
    return report


def accounts_import(
    server: Server,
    wanted: dict[str, int],
    *,
    product: Product,
    client: Client,
    entries: list[UsageEntry] | None = None,
) -> list[Service]:
    """Adopt panel-only accounts as active Services: `wanted` maps domain → WHMCS service id.

    All or nothing: any domain not (or no longer) panel-only, or an id already used,
    refuses the whole import with ImportProblem."""
    if not wanted:
        raise ImportProblem("choose at least one account and give its WHMCS service id")
    panel_only = {
        domain_ascii(entry.domain): entry
        for entry in account_sync_report(server, entries).panel_only
    }
    problems = []
    for domain, whmcs_id in wanted.items():
        if domain_ascii(domain) not in panel_only:
            problems.append(f"{domain}: not an account of the panel alone (any more)")
        if whmcs_id < 1:
            problems.append(f"{domain}: the WHMCS service id must be a positive number")
    ids = list(wanted.values())
    if len(set(ids)) != len(ids):
        problems.append("each account needs its own WHMCS service id")
    taken = Service.objects.filter(whmcs_id__in=ids).values_list("whmcs_id", flat=True)
    problems += [f"WHMCS service id {whmcs_id} is already used" for whmcs_id in sorted(taken)]
    if problems:
        raise ImportProblem("; ".join(problems))
    now = timezone.now()
    created = []
    with transaction.atomic():
        for domain, whmcs_id in wanted.items():
            entry = panel_only[domain_ascii(domain)]
            try:
                unicode_form, ascii_form = domain_normalize(entry.domain)
            except DomainError as exc:
                raise ImportProblem(f"{entry.domain}: {exc}") from None
            created.append(
                Service.objects.create(
                    whmcs_id=whmcs_id,
                    client=client,
                    product=product,
                    server=server,
                    domain=unicode_form,
                    domain_ascii=ascii_form,
                    status=Service.Status.ACTIVE,
                    on_panel=True,
                    disk_usage=max(entry.diskusage, 0),
                    disk_limit=entry.disklimit,
                    bw_usage=max(entry.bwusage, 0),
                    bw_limit=entry.bwlimit,
                    usage_updated_at=now,
                )
            )
    return created
