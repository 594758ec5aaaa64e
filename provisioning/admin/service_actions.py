"""What an operator asks for by hand, through the rules the webhooks use.

Every function here ends in `operations.operation_request`, so an admin's "Suspend" and
WHMCS's SuspendAccount write the same journal and follow the same idempotency rules."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from ..models import Operation, Server, Service
from ..operations.accepting import operation_request, operation_retry
from ..operations.journal import journal_entry
from ..operations.worker import operation_run
from ..panels.commands import server_test_record

Command = Operation.Command
State = Operation.State

SERVICE_COMMANDS = Operation.SERVICE_COMMANDS


@dataclass
class BulkOutcome:
    """What a bulk request did: new operations, ones already doing it, refusals."""

    queued: list[Operation] = field(default_factory=list)
    joined: list[Operation] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (what, why)

    def summary(self, verb: str) -> str:
        parts = [f"{verb}: {len(self.queued)} queued"]
        if self.joined:
            parts.append(f"{len(self.joined)} already in progress or in effect")
        if self.skipped:
            reasons = "; ".join(f"{what}: {why}" for what, why in self.skipped[:10])
            more = f" (and {len(self.skipped) - 10} more)" if len(self.skipped) > 10 else ""
            parts.append(f"{len(self.skipped)} skipped ({reasons}{more})")
        return ", ".join(parts) + "."


def services_command(
    command: str,
    services: Iterable[Service],
    *,
    requested_by: str,
    password_for: Callable[[Service], str] | None = None,
) -> BulkOutcome:
    """Request `command` for each service; ChangePassword takes `password_for(service)`."""
    if command not in SERVICE_COMMANDS:
        raise ValueError(f"{command} is not a per-service command")
    outcome = BulkOutcome()
    for service in services:
        secret = ""
        if command == Command.CHANGE_PASSWORD:
            if password_for is None:
                raise ValueError("ChangePassword needs password_for")
            secret = password_for(service)
        elif command == Command.CREATE and not service.password:
            outcome.skipped.append((service.domain, "no password stored for the account"))
            continue
        op, created = operation_request(
            command,
            server=service.server,
            service=service,
            secret=secret,
            source=Operation.Source.ADMIN,
            requested_by=requested_by,
        )
        (outcome.queued if created else outcome.joined).append(op)
    return outcome


def services_ownership_confirm(services: QuerySet, *, requested_by: str) -> list[Service]:
    """An admin vouches that these accounts on the panel are the services' own: the bridge
    may act on them from now on. Journaled; terminated services are left out."""
    confirmed = []
    with transaction.atomic():
        for service in services.select_for_update().exclude(status=Service.Status.TERMINATED):
            Service.objects.filter(pk=service.pk).update(on_panel=True, updated_at=timezone.now())
            journal_entry(
                Command.CONFIRM_OWNERSHIP,
                server=service.server,
                service=service,
                source=Operation.Source.ADMIN,
                requested_by=requested_by,
                request={"domain": service.domain, "was_on_panel": service.on_panel},
            )
            confirmed.append(service)
    return confirmed


def operations_retry(operations: Iterable[Operation], *, requested_by: str) -> BulkOutcome:
    """Ask again for what failed operations wanted (the admin's Retry)."""
    outcome = BulkOutcome()
    for op in operations:
        if op.state != State.FAILED:
            why = f"{op.get_state_display().lower()}: only failed operations are retried"
            outcome.skipped.append((f"#{op.pk}", why))
        elif op.command == Command.CHANGE_PACKAGE:
            outcome.skipped.append((f"#{op.pk}", "is a plan change: change it on the panel"))
        else:
            retried, created = operation_retry(
                op, source=Operation.Source.ADMIN, requested_by=requested_by
            )
            (outcome.queued if created else outcome.joined).append(retried)
    return outcome


def server_usage_import(server: Server, *, requested_by: str) -> tuple[Operation, bool]:
    """Queue a UsageUpdate of one server (joins one already queued)."""
    return operation_request(
        Command.USAGE_UPDATE,
        server=server,
        source=Operation.Source.ADMIN,
        requested_by=requested_by,
    )


def services_usage_refresh(services: Iterable[Service], *, requested_by: str) -> BulkOutcome:
    """The panel reports usage per reseller, so one UsageUpdate per server involved."""
    outcome = BulkOutcome()
    servers = {service.server_id: service.server for service in services}
    for server in servers.values():
        op, created = server_usage_import(server, requested_by=requested_by)
        (outcome.queued if created else outcome.joined).append(op)
    return outcome


def server_connection_test(server: Server, *, requested_by: str) -> Operation:
    """Test the connection now, in this request, and store the outcome on the server.

    The operation is also queued (the rules always do): the worker then finds it
    finished and does nothing. A transient failure is stored too, and retried."""
    op, _ = operation_request(
        Command.TEST_CONNECTION,
        server=server,
        source=Operation.Source.ADMIN,
        requested_by=requested_by,
    )
    operation_run(op.pk)
    op.refresh_from_db()
    if op.state == State.RETRYING:
        server_test_record(server.pk, False, op.result or "")
    return op
