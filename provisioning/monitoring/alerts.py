"""Alerts: the messages incidents owe to operators, by mail and by a chat webhook.

An alert is a row written with the incident's change (the outbox); the worker sends it
after the commit (`alerts_deliver`, queued then and run every minute), never a request
or a transaction. Each channel sends its alerts oldest first, so an incident's
"Resolved" never overtakes its "Opened". A channel that fails (a mail server down, a
webhook answering 500) is tried again after a growing delay, or as soon as a new alert
is due; once it delivers, what waited goes out at once, in order. Nothing else waits
for it."""

import logging
from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from ..models import Alert, Incident
from ..redaction import redact_text, settings_secrets

logger = logging.getLogger(__name__)

# Long enough for one delivery run; a worker killed while sending frees its alerts then.
CLAIM = timedelta(minutes=5)
BATCH = 100
MAX_DELAY = timedelta(hours=1)
WEBHOOK_TIMEOUT = (5, 10)


def alert_channels() -> list[str]:
    """The configured channels: none without alert settings (and then no alert rows)."""
    channels = []
    if settings.ALERT_EMAILS:
        channels.append(Alert.Channel.MAIL)
    if settings.ALERT_WEBHOOK_URL:
        channels.append(Alert.Channel.WEBHOOK)
    return channels


def alerts_create(incident: Incident, event: str, now: datetime) -> int:
    """One alert per configured channel, sent by the worker once the caller commits."""
    channels = alert_channels()
    if not channels:
        return 0
    Alert.objects.bulk_create(
        [
            Alert(incident=incident, event=event, channel=c, created_at=now, next_attempt_at=now)
            for c in channels
        ],
        ignore_conflicts=True,
    )
    transaction.on_commit(alerts_enqueue, robust=True)
    return len(channels)


def alerts_enqueue() -> None:
    from django_q.tasks import async_task

    async_task("provisioning.tasks.alerts_deliver", task_name="alerts", group="alerts")


def alert_text(incident: Incident, event: str) -> tuple[str, str]:
    """(subject, body): what, where, the panel's text and the admin link; no secret."""
    resolved = event == Alert.Event.RESOLVED
    subject = f"[kaziwhmcs] {'Resolved: ' if resolved else ''}{incident.title}"
    lines = [f"{'RESOLVED' if resolved else 'OPEN'}: {incident.title}", ""]
    lines.append(f"Kind: {incident.get_kind_display()}")
    if incident.service is not None:
        lines.append(
            f"Domain: {incident.service.domain} (WHMCS service {incident.service.whmcs_id})"
        )
    if incident.server is not None:
        lines.append(f"Server: {incident.server} (WHMCS server {incident.server.whmcs_id})")
    if incident.command:
        lines.append(f"Command: {incident.command}")
    if incident.detail:
        lines.append(f"Answer or details: {incident.detail}")
    lines.append(f"Opened: {incident.opened_at:%Y-%m-%d %H:%M:%S %Z}")
    if resolved:
        lines.append(
            f"Resolved: {incident.resolved_at:%Y-%m-%d %H:%M:%S %Z} ({incident.resolution})"
        )
        if incident.occurrences > 1:
            lines.append(f"Seen {incident.occurrences} times while open.")
    path = reverse("admin:provisioning_incident_change", args=[incident.pk])
    lines += ["", f"Details: {settings.BRIDGE_URL}{path}"]
    # Line by line: the echoed-password pattern must not reach across lines.
    secrets = settings_secrets()
    body = "\n".join(redact_text(line, secrets) for line in lines)
    return redact_text(subject, secrets), body


def _send_mail(subject: str, body: str) -> None:
    EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, settings.ALERT_EMAILS).send()


def _post_webhook(subject: str, body: str) -> None:
    response = requests.post(
        settings.ALERT_WEBHOOK_URL, json={"text": body}, timeout=WEBHOOK_TIMEOUT
    )
    if not 200 <= response.status_code < 300:
        raise RuntimeError(f"the webhook answered HTTP {response.status_code}")


_SENDERS = {Alert.Channel.MAIL: _send_mail, Alert.Channel.WEBHOOK: _post_webhook}


def _error_text(exc: Exception) -> str:
    if isinstance(exc, requests.RequestException):
        # Their messages carry the URL, and a chat webhook's URL is its secret.
        return f"{type(exc).__name__} posting to the alert webhook"
    return redact_text(f"{type(exc).__name__}: {exc}", settings_secrets())[:1000]


def _delay(attempts: int) -> timedelta:
    return min(timedelta(minutes=2 ** (attempts - 1)), MAX_DELAY)


def _claim(alert: Alert, now: datetime) -> bool:
    """Take the alert with one conditional UPDATE, so two workers never both send it."""
    return bool(
        Alert.objects.filter(pk=alert.pk, sent_at=None)
        .filter(Q(claimed_until=None) | Q(claimed_until__lte=now))
        .update(claimed_until=now + CLAIM)
    )


def _channel_delay(channel: str, alert: Alert, exc: Exception, now: datetime) -> None:
    """The channel is down: its alerts wait together, the delay growing with the tries
    of the oldest (the one that failed)."""
    error = _error_text(exc)
    logger.warning("alert #%s by %s not sent: %s", alert.pk, channel, error)
    retry_at = now + _delay(alert.attempts + 1)
    Alert.objects.filter(pk=alert.pk).update(
        attempts=F("attempts") + 1, last_error=error, next_attempt_at=retry_at, claimed_until=None
    )
    Alert.objects.filter(channel=channel, sent_at=None, next_attempt_at__lt=retry_at).filter(
        Q(claimed_until=None) | Q(claimed_until__lte=now)
    ).update(next_attempt_at=retry_at)


def _channel_deliver(channel: str, now: datetime) -> int:
    """Send the channel's waiting alerts oldest first if one of them is due; stop at the
    first failure, so that no alert overtakes an earlier one."""
    waiting = list(
        Alert.objects.filter(sent_at=None, channel=channel)
        .select_related("incident__server", "incident__service")
        .order_by("id")[:BATCH]
    )
    if not any(alert.next_attempt_at <= now for alert in waiting):
        return 0
    if any(alert.claimed_until and alert.claimed_until > now for alert in waiting):
        return 0  # another worker is sending this channel's alerts, in order
    sent = 0
    for alert in waiting:
        if not _claim(alert, now):
            break  # another worker took the channel over
        try:
            _SENDERS[channel](*alert_text(alert.incident, alert.event))
        except Exception as exc:
            _channel_delay(channel, alert, exc, now)
            break
        Alert.objects.filter(pk=alert.pk).update(
            sent_at=timezone.now(), attempts=F("attempts") + 1, last_error="", claimed_until=None
        )
        sent += 1
    return sent


def alerts_of_removed_channels_drop() -> int:
    """Delete the unsent alerts of a channel no longer configured: nothing would send
    them, and a channel configured again must not deliver a backlog of old news."""
    dropped, _ = Alert.objects.filter(sent_at=None).exclude(channel__in=alert_channels()).delete()
    if dropped:
        logger.warning("%s unsent alerts of a channel no longer configured dropped", dropped)
    return dropped


def alerts_deliver(now: datetime | None = None) -> int:
    """Send the alerts that are due, each channel on its own; returns how many went out."""
    now = now or timezone.now()
    return sum(_channel_deliver(channel, now) for channel in alert_channels())
