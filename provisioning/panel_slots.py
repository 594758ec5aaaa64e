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
from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone

from .models import PanelSlot, Server


class PanelBusy(Exception):
    """Every slot of the server stayed taken for as long as the caller could wait."""


def server_capacity(server: Server) -> int:
    return server.max_concurrency or settings.PANEL_MAX_CONCURRENCY


def slot_take(server: Server, holder: str, now: datetime | None = None) -> PanelSlot | None:
    """A lease on one of the server's slots, or None when all are taken (the server then
    notes that a slot is wanted, for whoever frees one)."""
    now = now or timezone.now()
    live = PanelSlot.objects.filter(server_id=OuterRef("pk"), expires_at__gt=now)
    with transaction.atomic():
        # One taker of this server's slots at a time (PostgreSQL; SQLite writes are serial):
        # the server row locked and its live slots counted in one statement.
        held = (
            Server.objects.select_for_update()
            .filter(pk=server.pk)
            .annotate(held=Subquery(live.values("server_id").annotate(n=Count("id")).values("n")))
            .values_list("held", flat=True)
            .get()
        )
        if (held or 0) >= server_capacity(server):
            Server.objects.filter(pk=server.pk).update(slot_wanted=True)
            # Dead workers' leases count no more; they go when the server is full anyway.
            PanelSlot.objects.filter(server_id=server.pk, expires_at__lte=now).delete()
            return None
        lease = timedelta(seconds=settings.Q_CLUSTER["timeout"])
        return PanelSlot.objects.create(server=server, holder=holder, expires_at=now + lease)


def slot_release(slot: PanelSlot) -> None:
    PanelSlot.objects.filter(pk=slot.pk).delete()


def slot_wanted(server_id: int) -> bool:
    """Whether an operation found the server full and may still wait: whoever frees a slot
    hands it on (and clears this once nothing waits)."""
    return Server.objects.filter(pk=server_id, slot_wanted=True).exists()


def slot_wanted_clear(server_id: int) -> None:
    Server.objects.filter(pk=server_id).update(slot_wanted=False)


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
