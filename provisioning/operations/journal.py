"""Journal entries for what ended without a panel call: a command already in effect, a
single sign-on, an admin's confirmation, a plan change owed."""

from datetime import datetime

from django.http import HttpRequest
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


def client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


def panel_login_record(
    request: HttpRequest, server: Server, service: Service | None, who: str, source: str
) -> Operation:
    """Journal one single sign-on: who, when, from which IP, as which panel user."""
    login = service.domain_ascii if service else server.reseller_username
    return journal_entry(
        Operation.Command.PANEL_LOGIN,
        server=server,
        service=service,
        source=source,
        requested_by=who,
        request={
            "login": login,
            "ip": client_ip(request),
            "as": "customer" if service else "reseller",
        },
    )
