"""Whether a request for a service is already being carried out, or already in effect.

A request is answered by an existing operation only when that operation acts on the same
server: the same service asked for on another server (WHMCS's admin moved it) is new work
for that server, never the old server's pending operation."""

from datetime import datetime

from ..models import Operation, Server, Service
from .journal import journal_entry

Command = Operation.Command
State = Operation.State
Status = Service.Status

STATUS_AFTER = Operation.STATUS_AFTER


def existing_for_service(
    command: str,
    server: Server,
    service: Service,
    *,
    secret: str,
    now: datetime,
    source: str,
    requested_by: str,
    summary: dict,
) -> Operation | None:
    """The operation that carries (or carried) this request on `server`, or None.

    Call it with the service row locked: it reads the service's unfinished operations.
    `summary`: the request as journaled (an entry for a command already in effect)."""
    unfinished = [
        op
        for op in service.operations.filter(state__in=Operation.UNFINISHED).order_by("id")
        if op.server_id == server.pk
    ]
    if command == Command.CHANGE_PASSWORD:
        # Always sent (idempotent on the panel): the customer may have changed the password
        # there since, and only the panel knows. An identical request still in flight is
        # the one exception.
        pending = [op for op in unfinished if op.command == command]
        if pending and pending[-1].secret == secret:
            return pending[-1]
        return None
    pending = [op for op in unfinished if op.command in STATUS_AFTER]
    if pending:
        last = pending[-1]
        if last.command == command:
            return last
        in_effect = STATUS_AFTER[last.command] == STATUS_AFTER[command] and (
            command != Command.CREATE or any(op.command == Command.CREATE for op in pending)
        )
        return last if in_effect else None
    if service.server_id != server.pk:
        return None
    in_effect = service.status == STATUS_AFTER[command] or (
        command == Command.CREATE and service.status == Status.SUSPENDED
    )
    if command != Command.TERMINATE:
        in_effect = in_effect and service.on_panel
    if not in_effect:
        return None
    commands = [c for c, status in STATUS_AFTER.items() if status == service.status]
    done = (
        service.operations.filter(server=server, command__in=commands, state=State.SUCCEEDED)
        .order_by("-id")
        .first()
    )
    if done is not None and _status_command_since(service, server, done):
        # A status command that did not take effect came after it (a failed suspension):
        # billing's word is journaled, or the failure stays the last word (owed for ever).
        done = None
    return done or _record_in_effect(command, server, service, now, source, requested_by, summary)


def _status_command_since(service: Service, server: Server, op: Operation) -> bool:
    return (
        service.operations.filter(server=server, command__in=list(STATUS_AFTER), id__gt=op.pk)
        .exclude(state=State.SUPERSEDED)
        .exists()
    )


def _record_in_effect(command, server, service, now, source, requested_by, summary) -> Operation:
    """A journal entry for a command whose effect was already in place (no panel call) on
    `server`, the service's own."""
    return journal_entry(
        command,
        server=server,
        service=service,
        source=source,
        requested_by=requested_by,
        request={**summary, "note": "already in effect"},
        now=now,
    )
