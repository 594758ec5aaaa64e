"""Accepting a command: an Operation in the journal, or the one already doing it.

Webhooks (through intake), admin actions and schedules all go through
`operation_request` (a ChangePackage, which the bridge cannot carry out, is recorded by
plan_changes.py); the worker (worker.py) runs what it queues."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from ..models import Operation, Server, Service
from ..redaction import MASK
from .joining import existing_for_service
from .queueing import operation_enqueue_on_commit
from .superseding import operations_superseded_by

Command = Operation.Command
State = Operation.State


def request_summary(
    command: str, server: Server, service: Service | None, reason: str = ""
) -> dict:
    """What the journal shows of a request (no secret)."""
    summary = {"server": server.host, "reseller": server.reseller_username}
    if reason:
        summary["reason"] = reason
    if service is not None:
        summary.update(
            domain=service.domain, login=service.domain_ascii, serviceid=service.whmcs_id
        )
        if command == Command.CREATE:
            summary.update(plan=service.product.plan_name, email=service.client.email)
        if command in (Command.CREATE, Command.CHANGE_PASSWORD):
            summary["password"] = MASK
    return summary


def operation_request(
    command: str,
    *,
    server: Server,
    service: Service | None = None,
    secret: str = "",
    source: str,
    requested_by: str = "",
    now: datetime | None = None,
    service_locked: bool = False,
    service_created: bool = False,
    reason: str = "",
) -> tuple[Operation, bool]:
    """Queue `command`, or return the operation already doing or having done it.

    Returns (operation, created). A command of the same kind still in flight for the same
    service (or server) is joined; one whose effect is already in place (or will be, once
    the pending operations ran) is answered by the operation that carries it.

    `service_locked`: the caller's transaction already holds the service row (selected
    for update, or inserted) and `service` is current, so it is not read again.
    `service_created`: the caller inserted the service in its transaction (it has no
    operations yet: none to join or supersede). Both keep a webhook's write transaction
    short (README "Speed-ups kept, and why"). `reason`: why, as WHMCS gave it (a
    suspension's reason), journaled."""
    now = now or timezone.now()
    # No savepoint inside a caller's transaction: nothing here fails in part, and an
    # error fails the caller's whole transaction anyway.
    with transaction.atomic(savepoint=False):
        if service is not None:
            if not service_locked:
                # Serializes concurrent requests for one service (PostgreSQL; SQLite is
                # serial); its client and product, shared with other services, stay unlocked.
                service = (
                    Service.objects.select_for_update(of=("self",))
                    .select_related("client", "product")
                    .get(pk=service.pk)
                )
            existing = None
            if not service_created:
                existing = existing_for_service(
                    command,
                    server,
                    service,
                    secret=secret,
                    now=now,
                    source=source,
                    requested_by=requested_by,
                    summary=request_summary(command, server, service),
                )
        else:
            existing = (
                Operation.objects.filter(
                    server=server, service=None, command=command, state__in=Operation.UNFINISHED
                )
                .order_by("-id")
                .first()
            )
        if existing is not None:
            return existing, False
        if command == Command.CREATE and not secret:
            # The create sends this password and proves ownership with it, whatever a
            # later webhook writes on the service meanwhile.
            secret = service.password
        op = Operation.objects.create(
            command=command,
            server=server,
            service=service,
            secret=secret,
            source=source,
            requested_by=requested_by,
            request=request_summary(command, server, service, reason),
            created_at=now,
            updated_at=now,
        )
        if not service_created:
            operations_superseded_by(op, now)
        operation_enqueue_on_commit(op.pk)
        return op, True


def operation_retry(op: Operation, *, source: str, requested_by: str) -> tuple[Operation, bool]:
    """Ask again for what a failed operation wanted: a new journal entry, same rules."""
    if op.state != State.FAILED:
        raise ValueError(f"operation {op.pk} is {op.state}: only failed operations are retried")
    return operation_request(
        op.command,
        server=op.server,
        service=op.service,
        secret=op.secret,
        source=source,
        requested_by=f"{requested_by} (retry of #{op.pk})",
    )
