"""Accepting a WHMCS request: mirror, journal and queue, in one transaction, once.

The webhook view calls `webhook_intake` as the admin and the schedules call
`operation_request`. A delivered-again event is found by its unique event id when its
WebhookEvent row is inserted (the transaction then rolls back): new events, the common
case, are not looked up first."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from ..models import Operation, WebhookEvent
from ..operations.accepting import operation_request
from ..operations.plan_changes import plan_change_record
from ..redaction import redact_mapping
from .mirror import mirror_update
from .webhook_params import ValidationProblem, WebhookRequest


@sensitive_variables("req")
def webhook_intake(req: WebhookRequest) -> tuple[Operation, bool]:
    """(operation, created): the request's operation, new or joined; a delivered-again
    event answers with its own operation. ValidationProblem when the request contradicts
    what the bridge holds (nothing written)."""
    try:
        return _accept(req)
    except ValidationProblem:
        replayed = _replayed(req.event_id)
        if replayed is None:
            raise
        return replayed, False
    except IntegrityError:
        # A concurrent delivery won a unique row: the same event (answer its operation), or
        # another event creating the same server/client/product (now there: accept again).
        replayed = _replayed(req.event_id)
        return (replayed, False) if replayed is not None else _accept(req)


def _replayed(event_id: str) -> Operation | None:
    event = WebhookEvent.objects.select_related("operation").filter(event_id=event_id).first()
    return event.operation if event else None


@sensitive_variables("req")
def _accept(req: WebhookRequest) -> tuple[Operation, bool]:
    """Mirror, journal and queue in one transaction: all of it, or nothing."""
    with transaction.atomic():
        # Checked inside the transaction: the rows it finds are the ones upserted.
        mirrored = mirror_update(req)
        server, service = mirrored.server, mirrored.service
        if req.command == Operation.Command.CHANGE_PACKAGE:
            op, created = plan_change_record(
                server,
                service,
                plan_before=mirrored.plan_before,
                source=Operation.Source.WEBHOOK,
                requested_by=f"webhook {req.event_id}",
            )
        else:
            op, created = operation_request(
                req.command,
                server=server,
                service=service,
                secret=(req.service.password or "")
                if req.command in (Operation.Command.CREATE, Operation.Command.CHANGE_PASSWORD)
                else "",
                source=Operation.Source.WEBHOOK,
                requested_by=f"webhook {req.event_id}",
                service_locked=True,  # the mirror locked it, or inserted it
                service_created=service is not None and mirrored.found.service is None,
                reason=(req.service.reason or "") if req.service else "",
            )
        WebhookEvent.objects.create(
            event_id=req.event_id,
            command=req.command,
            received_at=timezone.now(),
            payload=redact_mapping(req.payload),
            operation=op,
        )
    return op, created
