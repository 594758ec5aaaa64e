"""Whether a panel can be expected to answer soon: what lets WHMCS stop waiting at once.

One function, so that every reason the bridge learns (a panel that keeps failing, a
server paused after a lock-out) is read in one place."""

from datetime import datetime, timedelta

from django.utils import timezone

from ..models import Operation, Server
from .access import server_pause_text

# A transient failure this recent on another operation of the server says the panel is
# down now; an older one says nothing about the next call.
RECENT_FAILURE = timedelta(minutes=5)


def server_condition(server: Server, now: datetime | None = None) -> str:
    """Why the panel will not answer soon ("" when nothing says so)."""
    now = now or timezone.now()
    if paused := server_pause_text(server, now):
        return paused
    failing = (
        Operation.objects.filter(
            server=server, state=Operation.State.RETRYING, updated_at__gte=now - RECENT_FAILURE
        )
        .order_by("-updated_at")
        .values_list("result", flat=True)
        .first()
    )
    if failing is not None:
        return f"the panel is unreachable: {failing or 'its last attempt failed'}"
    return ""
