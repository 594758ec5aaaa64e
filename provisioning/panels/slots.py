"""A cap on the calls in flight to one panel, across every worker and host.

A real panel counts each login of the bridge's address (three at once can meet its
brute-force wait) and creates accounts slowly. Each call sequence holds a lease row while
it talks to the panel; `PANEL_MAX_CONCURRENCY` (or the server's own figure) caps them, and
one is the cap until the panel has let the server's current reseller credentials in. A
lease outlives a dead worker by no more than the task timeout. An operation turned away
by a full server is marked `awaits_slot`, and each freed slot hands itself on to the
oldest one (`handoffs.slot_freed`: the operations queue it)."""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from ..handoffs import slot_freed
from ..models import Operation, PanelSlot, Server
from .imscp.errors import PanelTransientError


class PanelBusy(PanelTransientError):
    """Every slot of the server stayed taken for as long as the caller could wait (a
    transient panel error: every caller already reports those and tries later)."""


def credentials_digest(server: Server) -> str:
    """A keyed digest of the server's reseller name and password (`Server.login_accepted`
    holds the one the panel last let in)."""
    credentials = f"{server.reseller_username}\0{server.reseller_password}"
    return salted_hmac("kaziwhmcs.reseller-login", credentials, algorithm="sha256").hexdigest()


def server_capacity(server: Server) -> int:
    """One call at a time until the panel has let the current credentials in: with a wrong
    password (a typo), two failed logins in flight at once would leave the panel a count
    made in one of two sessions, and a good login in the other counts it up to a block
    (protocol, "Brute-force protection"); alone, the failure's session is the count's."""
    if server.login_accepted != credentials_digest(server):
        return 1
    return server.max_concurrency or settings.PANEL_MAX_CONCURRENCY


def _server_lock(server_id: int) -> datetime | None:
    """One taker or freer of the server's slots at a time, until the transaction ends
    (PostgreSQL; SQLite runs one write transaction at a time anyway). Returns until when a
    customer login is under way on the server (None: none)."""
    rows = Server.objects.filter(pk=server_id)
    if connection.features.has_select_for_update:
        rows = rows.select_for_update()
    return rows.values_list("customer_login_until", flat=True).first()


def slot_take(server: Server, holder: str, now: datetime | None = None) -> PanelSlot | None:
    """A lease on one of the server's slots, or None when all are taken. Inside a
    transaction, the lease is part of it (a worker's claim, which marks its operation
    `awaits_slot` when turned away) and the server stays locked until it ends."""
    now = now or timezone.now()
    with transaction.atomic(savepoint=False):
        # The count is a statement of its own, after the lock: read in the same statement,
        # PostgreSQL would count from before the lock was granted.
        customer_login_until = _server_lock(server.pk)
        held = PanelSlot.objects.filter(server_id=server.pk, expires_at__gt=now).count()
        # No call starts while a customer login is under way (`access.customer_turn`).
        alone = customer_login_until is not None and customer_login_until > now
        if alone or held >= server_capacity(server):
            # Dead workers' leases count no more; they go when the server is full anyway.
            PanelSlot.objects.filter(server_id=server.pk, expires_at__lte=now).delete()
            return None
        lease = timedelta(seconds=settings.Q_CLUSTER["timeout"])
        return PanelSlot.objects.create(server=server, holder=holder, expires_at=now + lease)


def slot_release(slot: PanelSlot) -> None:
    """Free the slot (nothing if it is freed already) and hand it on: the server's oldest
    operation turned away while it was full is queued. Inside a transaction, both happen
    with its commit."""
    if slot.pk is None:
        return
    with transaction.atomic(savepoint=False):
        # Under the server's lock, as in slot_take: a taker turned away either counted
        # this slot freed or had marked its operation before this looks.
        _server_lock(slot.server_id)
        PanelSlot.objects.filter(pk=slot.pk).delete()
        slot_handed_on(slot.server_id)
        transaction.on_commit(partial(setattr, slot, "pk", None))


def slot_handed_on(server_id: int) -> None:
    """Queue the server's oldest operation turned away while it was full or while a
    customer login was under way (with the caller's commit; call it under the server's
    lock, as `slot_take` reads it)."""
    # Each was first in its service's line when turned away (finished operations stay
    # finished): none waits for an earlier one.
    waiting = (
        Operation.objects.filter(
            server_id=server_id,
            awaits_slot=True,
            state__in=(Operation.State.QUEUED, Operation.State.RETRYING),
        )
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )
    if waiting is not None:
        Operation.objects.filter(pk=waiting).update(awaits_slot=False)
        slot_freed.send(sender=PanelSlot, operation_id=waiting)


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
