"""One-time panel logins asked for by WHMCS's admin area: WHMCS gets a link holding a
random token (only its hash is stored), the browser redeems it once, within a minute, and
gets the bridge's auto-submitting login page; the password never reaches WHMCS."""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import PanelLoginTicket, Server, Service

TICKET_LIFETIME = timedelta(seconds=60)


class TicketRefused(Exception):
    """Why a login link is refused, in words for whoever opened it (their browser's language)."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def ticket_issue(
    server: Server, service: Service | None, requested_by: str, now: datetime | None = None
) -> tuple[str, datetime]:
    """A new one-time token for a login as the service's customer (or, without a service,
    as the reseller); returns (token, expiry)."""
    now = now or timezone.now()
    tickets_prune(now)
    token = secrets.token_urlsafe(32)
    expires = now + TICKET_LIFETIME
    PanelLoginTicket.objects.create(
        token_hash=_hash(token),
        server=server,
        service=service,
        requested_by=requested_by[:255],
        created_at=now,
        expires_at=expires,
    )
    return token, expires


def ticket_redeem(token: str, now: datetime | None = None) -> PanelLoginTicket:
    """Use the ticket once (a conditional UPDATE: two clicks cannot both win)."""
    now = now or timezone.now()
    ticket = (
        PanelLoginTicket.objects.select_related("server", "service__client")
        .filter(token_hash=_hash(token))
        .first()
    )
    if ticket is None:
        raise TicketRefused(_("This login link is not valid."))
    if ticket.expires_at < now:
        raise TicketRefused(_("This login link has expired: ask for a new one in WHMCS."))
    used = PanelLoginTicket.objects.filter(pk=ticket.pk, used_at=None).update(used_at=now)
    if used != 1:
        raise TicketRefused(_("This login link was already used: ask for a new one in WHMCS."))
    return ticket


def tickets_prune(now: datetime | None = None) -> int:
    """Drop expired tickets (each issue calls it, so the table stays small)."""
    now = now or timezone.now()
    deleted, _ = PanelLoginTicket.objects.filter(expires_at__lt=now - TICKET_LIFETIME).delete()
    return deleted
