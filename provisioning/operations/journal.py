"""Journal entries for what ended without a panel call: a command already in effect, a
single sign-on, an admin's confirmation, a plan change owed."""

from datetime import datetime

from django.utils import timezone

from ..models import Operation, Server, Service


def journal_entry(
    command: str,
    *,
    server: Server,
    service: Service | None = None,
    source: str,
    requested_by: str = "",
    request: dict,
    state: str = Operation.State.SUCCEEDED,
    result: str = "success",
    now: datetime | None = None,
) -> Operation:
    """A finished operation, written as it happened."""
    now = now or timezone.now()
    return Operation.objects.create(
        command=command,
        server=server,
        service=service,
        state=state,
        result=result,
        source=source,
        requested_by=requested_by,
        request=request,
        created_at=now,
        updated_at=now,
        started_at=now,
        finished_at=now,
    )
