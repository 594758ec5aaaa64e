"""A cap on the calls in flight to one panel, across every worker and host.

A real panel counts each login of the bridge's address (three at once can meet its
brute-force wait) and creates accounts slowly. Each call sequence holds a lease row while
it talks to the panel; `PANEL_MAX_CONCURRENCY` (or the server's own figure) caps them. A
lease outlives a dead worker by no more than the task timeout."""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import PanelSlot, Server


class PanelBusy(Exception):
    """Every slot of the server stayed taken for as long as the caller could wait."""


def server_capacity(server: Server) -> int:
    return server.max_concurrency or settings.PANEL_MAX_CONCURRENCY


def slot_take(server: Server, holder: str, now: datetime | None = None) -> PanelSlot | None:
    """A lease on one of the server's slots, or None when all are taken (whoever frees a
    slot then queues the server's next operation)."""
    now = now or timezone.now()
    with transaction.atomic():
        # One taker of this server's slots at a time (PostgreSQL; SQLite writes are serial).
        # The count is a statement of its own, after the lock: read in the same statement,
        # PostgreSQL would count from before the lock was granted.
        list(Server.objects.select_for_update().filter(pk=server.pk).values_list("pk"))
        held = PanelSlot.objects.filter(server_id=server.pk, expires_at__gt=now).count()
        if held >= server_capacity(server):
            # Dead workers' leases count no more; they go when the server is full anyway.
            PanelSlot.objects.filter(server_id=server.pk, expires_at__lte=now).delete()
            return None
        lease = timedelta(seconds=settings.Q_CLUSTER["timeout"])
        return PanelSlot.objects.create(server=server, holder=holder, expires_at=now + lease)


def slot_release(slot: PanelSlot) -> None:
    PanelSlot.objects.filter(pk=slot.pk).delete()


@contextmanager
def panel_slot(server: Server, holder: str, wait_seconds: float = 30.0) -> Iterator[None]:
    """Hold a slot for a call sequence outside the operations (reconciliation, account
    sync, an admin's page), waiting for one up to `wait_seconds`."""
    deadline = time.monotonic() + wait_seconds
    while (slot := slot_take(server, holder)) is None:
        if time.monotonic() > deadline:
            raise PanelBusy(
                f"{server} has {server_capacity(server)} call(s) in flight already: try again"
            )
        time.sleep(0.2)
    try:
        yield
    finally:
        slot_release(slot)
