"""What the WHMCS module reads from the bridge besides an operation's status: a command's
latest outcome for a service, the bridge's view of a service, the last usage import of a
server and the reseller's accounts. Quick answers from the database (the account list
alone asks the panel)."""

from datetime import datetime, timedelta

from django.utils import timezone

from ..models import Operation, Server, Service
from ..operations.accepting import operation_request
from ..operations.plan_changes import plan_changes_owed
from ..panels.account_sync import account_sync_report

Command = Operation.Command
# The daily schedule imports usage; WHMCS asking later than this queues a fresh import.
USAGE_FRESH = timedelta(days=1)


def service_last_operation(service: Service, command: str) -> Operation | None:
    return service.operations.filter(command=command).order_by("-id").first()


def service_view_json(service: Service) -> dict:
    """The bridge's view of a service, for WHMCS's admin page of it."""
    last = (
        service.operations.exclude(command=Command.PANEL_LOGIN)
        .only("command", "state", "result", "attempts", "updated_at")
        .order_by("-id")
        .first()
    )
    return {
        "serviceid": service.whmcs_id,
        "domain": service.domain,
        "status": service.status,
        "on_panel": service.on_panel,
        "plan": service.product.plan_name,
        "panel": service.server.host,
        "last_operation": None
        if last is None
        else {
            "operation": str(last.pk),
            "command": last.command,
            "state": last.state,
            "result": last.result,
            "updated_at": last.updated_at.isoformat(),
        },
        "usage_imported_at": service.usage_updated_at.isoformat()
        if service.usage_updated_at
        else None,
        "plan_change_owed": plan_changes_owed().filter(service=service).exists(),
    }


def server_usage_answer(server: Server, now: datetime | None = None) -> dict:
    """The server's last usage import as WHMCS writes it, at once; a fresh import is
    queued (joined when one is already in flight) only when that one is over a day old."""
    now = now or timezone.now()
    imports = Operation.objects.filter(server=server, service=None, command=Command.USAGE_UPDATE)
    last = _last_import(imports)
    refresh = None
    if _stale(last, now):
        refresh = imports.filter(state__in=Operation.UNFINISHED).order_by("-id").first()
        if refresh is None:
            # An import that finished since the first read is not in flight any more:
            # read it again, or a poll at that moment would queue a second import.
            last = _last_import(imports)
    if refresh is None and _stale(last, now):
        refresh, _ = operation_request(
            Command.USAGE_UPDATE,
            server=server,
            source=Operation.Source.WEBHOOK,
            requested_by="WHMCS UsageUpdate (last import over a day old)",
        )
    imported_at = last.finished_at if last is not None else None
    return {
        "imported_at": imported_at.isoformat() if imported_at else None,
        "usage": (last.usage or []) if last is not None else [],
        "refresh_operation": str(refresh.pk) if refresh is not None else None,
    }


def _last_import(imports) -> Operation | None:
    return (
        imports.filter(state=Operation.State.SUCCEEDED)
        .only("usage", "finished_at")
        .order_by("-id")
        .first()
    )


def _stale(last: Operation | None, now: datetime) -> bool:
    return last is None or now - last.finished_at > USAGE_FRESH


def server_accounts(server: Server) -> list[dict]:
    """The reseller's accounts as the panel lists them (one call to the panel), each with
    what the bridge knows of it (PanelError and NoTrustedList reach the caller)."""
    report = account_sync_report(server)
    pairs = report.both + [(None, entry) for entry in report.panel_only]
    return [
        {
            "domain": entry.domain,
            "serviceid": service.whmcs_id if service else None,
            "status": service.status if service else None,
            "plan": service.product.plan_name if service else None,
            "email": service.client.email if service else None,
            "created_at": service.created_at.isoformat() if service else None,
            "diskusage": entry.diskusage,
            "disklimit": entry.disklimit,
        }
        for service, entry in sorted(pairs, key=lambda pair: pair[1].domain.lower())
    ]
