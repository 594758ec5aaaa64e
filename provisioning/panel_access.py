"""How the bridge may reach a panel without locking itself out.

The panel counts every login of the bridge's address, API calls included, and forgets a
failed one only when a good login follows in the same panel session (protocol,
"Brute-force protection"). Two facts about each server live on its row, shared by every
worker and host:
- `login_debt`: a panel session in which a login failed and no good login followed.
  Every call is made in it until one gets in, which clears the panel's count.
- `paused_until` / `pause_reason`: the panel locked the address out until then. No
  operation calls before that; afterwards one operation at a time probes, and the others
  follow once it got in."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .imscp.client import PanelTarget
from .imscp.errors import PanelError, PanelLockedOut, PanelLoginRefused, PanelTransientError
from .models import Operation, Server

# Past the time the panel names: its clock and ours may differ by a second.
LOCK_MARGIN = timedelta(seconds=2)


@contextmanager
def panel_access(server: Server) -> Iterator[PanelTarget]:
    """The target to call the panel with; what the calls teach is recorded on the server."""
    target = PanelTarget.for_server(server, session=server.login_debt)
    try:
        yield target
    except PanelError as exc:
        if exc.session:
            _debt_record(server, exc.session)
        if isinstance(exc, PanelLockedOut):
            server_pause(server, timedelta(seconds=exc.seconds) + LOCK_MARGIN, exc.message)
        elif not isinstance(exc, (PanelLoginRefused, PanelTransientError)):
            _got_in(server, target.session)  # a refusal of the action: the login worked
        raise
    else:
        _got_in(server, target.session)


def _debt_record(server: Server, session: str) -> None:
    Server.objects.filter(pk=server.pk).update(login_debt=session)
    server.login_debt = session


def _got_in(server: Server, session: str) -> None:
    """A call got past the panel's login: the debt it was made in is paid, a pause over."""
    if not session and server.paused_until is None:
        return
    with transaction.atomic():
        row = (
            Server.objects.select_for_update()
            .only("login_debt", "paused_until", "pause_reason")
            .get(pk=server.pk)
        )
        changed = []
        if session and row.login_debt == session:
            row.login_debt = ""
            changed.append("login_debt")
        if row.paused_until is not None:
            # The operations that waited for this probe may go now.
            Operation.objects.filter(
                server_id=server.pk,
                state__in=(Operation.State.QUEUED, Operation.State.RETRYING),
                next_attempt_at=row.paused_until,
            ).update(next_attempt_at=timezone.now())
            row.paused_until, row.pause_reason = None, ""
            changed += ["paused_until", "pause_reason"]
        if changed:
            row.save(update_fields=changed)
    server.login_debt, server.paused_until, server.pause_reason = "", None, ""


def server_pause(server: Server, duration: timedelta, reason: str) -> datetime:
    """No operation calls the panel for `duration` (a later end wins); returns the end."""
    until = timezone.now() + duration
    with transaction.atomic():
        row = Server.objects.select_for_update().only("paused_until").get(pk=server.pk)
        if row.paused_until is not None and row.paused_until > until:
            until = row.paused_until
        Server.objects.filter(pk=server.pk).update(paused_until=until, pause_reason=reason)
    server.paused_until, server.pause_reason = until, reason
    return until


def server_turn(server: Server, now: datetime) -> datetime | None:
    """None if an operation may call the panel now, else when to come back.

    After a pause, the first operation to ask becomes the probe: the pause is extended by
    the longest an attempt can take, so that the others wait for its outcome."""
    paused_until = server.paused_until
    if paused_until is None:
        return None
    if paused_until > now:
        return paused_until
    probe_until = now + timedelta(seconds=settings.Q_CLUSTER["timeout"])
    if Server.objects.filter(pk=server.pk, paused_until=paused_until).update(
        paused_until=probe_until
    ):
        server.paused_until = probe_until
        return None
    return Server.objects.values_list("paused_until", flat=True).get(pk=server.pk)
