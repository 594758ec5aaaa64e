"""How the bridge may reach a panel without locking itself out.

The panel counts every login of the bridge's address, API calls included, and forgets a
failed one only when a good login follows in the same panel session (protocol,
"Brute-force protection"). Two facts about each server live on its row, shared by every
worker and host:
- `login_debt`: a panel session in which a login failed and no good login followed.
  Every call is made in it until one gets in, which clears the panel's count. The panel
  keeps one count per address, started by the first failure: so the first failed session
  recorded stays until a call made in it gets in (another failure never replaces it), and
  every call reads it again first (another worker may have recorded one meanwhile).
- `paused_until` / `pause_reason`: the panel locked the address out until then, or could
  not be reached several calls in a row (`unreachable_in_row`). No operation calls before
  that; afterwards one operation at a time probes, and the others follow once it got in.
- `login_refused`: the panel refused the reseller's login. Every later call would log in
  with the same password until the panel blocks the address, so the server's queue is
  held (no call, no attempt used) until the reseller's name or password changes in the
  bridge or a call gets in (a Test Connection, which alone runs while held)."""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from ..handoffs import server_released
from ..models import Server
from .imscp.client import PanelTarget
from .imscp.errors import PanelError, PanelLockedOut, PanelLoginRefused, PanelTransientError
from .slots import credentials_digest, panel_slot, slot_handed_on

# Past the time the panel names: its clock and ours may differ by a second.
LOCK_MARGIN = timedelta(seconds=2)
# A panel that cannot be reached pauses its queue for a minute, doubling up to an hour.
UNREACHABLE_PAUSE = timedelta(minutes=1)
UNREACHABLE_PAUSE_MAX = timedelta(hours=1)
# How long a customer login waits for another one to the same panel to end.
CUSTOMER_TURN_WAIT = 30.0
# While a server is held its operations look again this often (no call: a row read).
HOLD_RECHECK = timedelta(minutes=10)


@contextmanager
def panel_access(server: Server, *, slot_held: bool = False) -> Iterator[PanelTarget]:
    """The target to call the panel with; what the calls teach is recorded on the server.

    An operation's worker has checked the server's pause and holds a slot (`slot_held`);
    any other caller is refused while the server is paused and waits for a slot."""
    if slot_held:
        yield from _access(server)
        return
    if paused := server_pause_text(server):
        raise PanelTransientError(paused)
    with panel_slot(server, "the bridge"):
        yield from _access(server)


def server_hold_text(server: Server) -> str:
    """Why the server's queue is held, or "" when it is not."""
    if not server.login_refused:
        return ""
    return (
        "The bridge holds this server's operations: the panel refused the reseller's login "
        f"({server.login_refused}). Correct the reseller's password (in WHMCS or on this "
        "server's page) or run Test Connection: the queue runs again once the panel accepts it."
    )


def server_pause_text(server: Server, now: datetime | None = None) -> str:
    """Why the bridge does not call the panel now, or "" when it does."""
    if held := server_hold_text(server):
        return held
    if server.paused_until is None or server.paused_until <= (now or timezone.now()):
        return ""
    return f"The bridge waits for the panel until {server.paused_until:%H:%M:%S} UTC: " + (
        server.pause_reason
    )


@dataclass
class _ServerLedger:
    """The server's login debt, read before each call; each call that got in pays it."""

    server: Server

    def current(self) -> str:
        debt = Server.objects.values_list("login_debt", flat=True).get(pk=self.server.pk)
        self.server.login_debt = debt
        return debt

    @contextmanager
    def customer_turn(self) -> Iterator[None]:
        """The server's one customer login at a time (a lease that outlives a dead worker
        by no more than the two calls' timeouts). No other call to the panel starts while
        it is under way (`slots.slot_take`): one made in another session would count up
        the failure the login may leave before the bridge knows its session (protocol,
        "Brute-force protection")."""
        pk, lease = (
            self.server.pk,
            2 * (settings.PANEL_CONNECT_TIMEOUT + settings.PANEL_READ_TIMEOUT),
        )
        waited_until = time.monotonic() + CUSTOMER_TURN_WAIT
        while True:
            now = timezone.now()
            free = Q(customer_login_until=None) | Q(customer_login_until__lte=now)
            mine = now + timedelta(seconds=lease)
            if Server.objects.filter(free, pk=pk).update(customer_login_until=mine):
                break
            if time.monotonic() > waited_until:
                raise PanelTransientError(
                    "Another customer login to this panel is under way: try again"
                )
            time.sleep(0.1)
        try:
            yield
        finally:
            with transaction.atomic():
                Server.objects.filter(pk=pk, customer_login_until=mine).update(
                    customer_login_until=None
                )
                slot_handed_on(pk)  # an operation turned away meanwhile

    def owed(self, session: str, sent_at: float) -> None:
        debt_record(self.server, session, sent_at)

    def got_in(self, session: str) -> None:
        _got_in(self.server, session)


def _access(server: Server) -> Iterator[PanelTarget]:
    target = PanelTarget.for_server(server, ledger=_ServerLedger(server))
    try:
        yield target
    except PanelError as exc:
        if exc.session:
            debt_record(server, exc.session, exc.sent_at)
        if isinstance(exc, PanelLoginRefused):
            _login_refused_record(server, exc.message)
        elif isinstance(exc, PanelLockedOut):
            server_pause(server, timedelta(seconds=exc.seconds) + LOCK_MARGIN, exc.message)
        elif isinstance(exc, PanelTransientError) and exc.unreachable:
            _unreachable_record(server, exc.message)
        raise
    else:
        # Calls that got in paid their session's debt as they went; this ends the
        # unreachable count and a pause even when none named a session.
        _got_in(server, "")


def debt_record(server: Server, session: str, sent_at: float = 0.0) -> None:
    """A login failed in `session`, sent at `sent_at` (time.time(); 0: now). The panel's
    count belongs to the first failure it saw: recorded when no debt is, or in place of
    one sent later (two failures in flight at once), never of an earlier one (a
    conditional UPDATE)."""
    at = datetime.fromtimestamp(sent_at, tz=UTC) if sent_at else timezone.now()
    first = Q(login_debt="") | Q(login_debt_at__gt=at)
    if Server.objects.filter(first, pk=server.pk).update(login_debt=session, login_debt_at=at):
        server.login_debt = session
    else:
        server.login_debt = Server.objects.values_list("login_debt", flat=True).get(pk=server.pk)


def _login_refused_record(server: Server, message: str) -> None:
    """Hold the server, unless its credentials changed since the refused call read them
    (a call in flight when the new ones came): those are still untried."""
    with transaction.atomic():
        row = (
            Server.objects.select_for_update()
            .only("reseller_username", "reseller_password")
            .get(pk=server.pk)
        )
        used = (server.reseller_username, server.reseller_password)
        if (row.reseller_username, row.reseller_password) != used:
            return
        Server.objects.filter(pk=server.pk).update(login_refused=message[:1000])
    server.login_refused = message[:1000]


def server_hold_lift(server_id: int, now: datetime | None = None) -> bool:
    """End the hold of a refused reseller login (its name or password changed, or a call
    got in): the operations it held are due now. False when the server was not held."""
    now = now or timezone.now()
    with transaction.atomic(savepoint=False):
        if (
            not Server.objects.filter(pk=server_id)
            .exclude(login_refused="")
            .update(login_refused="")
        ):
            return False
        _waiting_release(server_id, None, now)
    return True


def _waiting_release(server_id: int, until: datetime | None, now: datetime) -> None:
    """The server's operations sent away until `until` (None: any time) are due now
    (`handoffs.server_released`: the operations queue them)."""
    server_released.send(sender=Server, server_id=server_id, until=until, now=now)


def _unreachable_record(server: Server, message: str) -> None:
    """One more call that did not reach the panel; enough in a row pause its queue."""
    Server.objects.filter(pk=server.pk).update(unreachable_in_row=F("unreachable_in_row") + 1)
    in_row = Server.objects.values_list("unreachable_in_row", flat=True).get(pk=server.pk)
    server.unreachable_in_row = in_row
    beyond = in_row - settings.PANEL_PAUSE_AFTER_FAILURES
    if beyond >= 0:
        duration = min(UNREACHABLE_PAUSE * 2 ** min(beyond, 10), UNREACHABLE_PAUSE_MAX)
        server_pause(server, duration, f"{in_row} calls in a row could not reach it: {message}")


def _got_in(server: Server, session: str) -> None:
    """A call got past the panel's login: the debt it was made in is paid, a pause over,
    a hold lifted, the credentials known good (the reseller's password works)."""
    if server.login_refused:
        server_hold_lift(server.pk)
        server.login_refused = ""
    accepted = credentials_digest(server)
    if server.login_accepted != accepted:
        Server.objects.filter(pk=server.pk).update(login_accepted=accepted)
        server.login_accepted = accepted
    if not session and server.paused_until is None and not server.unreachable_in_row:
        return
    with transaction.atomic():
        row = (
            Server.objects.select_for_update()
            .only(
                "login_debt", "login_debt_at", "paused_until", "pause_reason", "unreachable_in_row"
            )
            .get(pk=server.pk)
        )
        changed = ["unreachable_in_row"]
        row.unreachable_in_row = 0
        if session and row.login_debt == session:
            row.login_debt, row.login_debt_at = "", None
            changed += ["login_debt", "login_debt_at"]
        if row.paused_until is not None:
            # The operations that waited for the pause (and this probe) may go now.
            _waiting_release(server.pk, row.paused_until, timezone.now())
            row.paused_until, row.pause_reason = None, ""
            changed += ["paused_until", "pause_reason"]
        row.save(update_fields=changed)
    server.login_debt, server.paused_until, server.pause_reason = row.login_debt, None, ""
    server.unreachable_in_row = 0


def server_pause(server: Server, duration: timedelta, reason: str) -> datetime:
    """No operation calls the panel for `duration` (the panel's latest word wins, and ends
    a probe's turn); returns the end."""
    until = timezone.now() + duration
    Server.objects.filter(pk=server.pk).update(paused_until=until, pause_reason=reason)
    server.paused_until, server.pause_reason = until, reason
    return until


def server_turn(server: Server, now: datetime, *, held_too: bool = True) -> datetime | None:
    """None if an operation may call the panel now, else when to come back (`held_too`
    False: a Test Connection, which runs while the server is held).

    After a pause, the first operation to ask becomes the probe: the pause is extended by
    the longest an attempt can take, so that the others wait for its outcome."""
    if held_too and server.login_refused:
        return now + HOLD_RECHECK
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
