"""Suspensions owed too long: an incident per service whose suspension billing asked for
and the panel has not carried out for longer than ALERT_SUSPENSION_OWED_MINUTES, checked
by the minutely monitoring sweep."""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from ..models import Incident, Operation
from ..operations.debts import suspensions_owed_operations
from .incidents import incident_open, incident_resolve

Kind = Incident.Kind
Command = Operation.Command
State = Operation.State


def _owed_since(owed: list[Operation]) -> dict[int, datetime]:
    """When each service became owed its suspension: the first SuspendAccount after the
    last status command that settled the debt or changed billing's word (WHMCS sends
    SuspendAccount again every day for an overdue service: the debt is as old as the
    first). One query."""
    latest = {op.service_id: op.pk for op in owed}
    rows = (
        Operation.objects.filter(service_id__in=latest, command__in=list(Operation.STATUS_AFTER))
        .exclude(state=State.SUPERSEDED)
        .order_by("service_id", "-id")
        .values_list("service_id", "id", "command", "state", "created_at")
    )
    since: dict[int, datetime] = {}
    ended: set[int] = set()
    for service_id, pk, command, state, created_at in rows:
        if service_id in ended or pk > latest[service_id]:
            continue
        if command == Command.SUSPEND and state != State.SUCCEEDED:
            since[service_id] = created_at
        elif command != Command.TERMINATE or state == State.SUCCEEDED:
            ended.add(service_id)  # settled, or billing's word changed, before this debt
    return since


def suspension_incidents_check(now: datetime | None = None) -> tuple[int, int]:
    """Open an incident per suspension owed for longer than the setting (counted from
    when the service became owed, not from its latest SuspendAccount), resolve those no
    longer owed at all. Returns (opened, resolved)."""
    now = now or timezone.now()
    limit = timedelta(minutes=settings.ALERT_SUSPENSION_OWED_MINUTES)
    owed_ops = list(suspensions_owed_operations().select_related("service", "server"))
    owed = {f"service:{op.service_id}": op for op in owed_ops}
    since = _owed_since(owed_ops)
    open_ = {
        incident.key: incident
        for incident in Incident.objects.filter(kind=Kind.SUSPENSION_OWED, resolved_at=None)
    }
    opened = resolved = 0
    for key, op in owed.items():
        started = since.get(op.service_id, op.created_at)
        if key in open_ or now - started < limit:
            continue
        minutes = int((now - started).total_seconds() // 60)
        opened += bool(
            incident_open(
                Kind.SUSPENSION_OWED,
                key,
                title=f"Suspension of {op.service.domain} owed for {minutes} minutes",
                detail=f"Billing says suspended, the panel says active. The suspension "
                f"(operation #{op.pk}) is {op.state}: {op.result or 'no answer yet'}",
                now=now,
                server=op.server,
                service=op.service,
                operation=op,
                command=op.command,
            )
        )
    for key, incident in open_.items():
        if key not in owed:
            resolved += incident_resolve(incident, "the suspension is no longer owed", now)
    return opened, resolved
