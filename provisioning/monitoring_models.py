"""What the bridge keeps to tell operators about trouble: incidents and their alerts,
panel call timings, and the workers' heartbeats. Imported by `models.py`."""

from django.db import models
from django.db.models import Exists, Q


class Incident(models.Model):
    """One thing that is wrong, from the moment it is seen until it ends.

    At most one open incident per kind and key (a partial unique constraint): the same
    failure again while it is open counts a repeat and alerts nobody."""

    class Kind(models.TextChoices):
        OPERATION_FAILED = "operation-failed", "Operation failed"
        SUSPENSION_OWED = "suspension-owed", "Suspension owed"
        SERVER_PROBLEM = "server-problem", "Server unreachable, locked out or paused"
        RECONCILE_DRIFT = "reconcile-drift", "Reconciliation drift"

    kind = models.CharField(max_length=32, choices=Kind.choices)
    key = models.CharField(max_length=200, help_text="What the incident is about, per kind.")
    title = models.CharField(max_length=300)
    detail = models.TextField(blank=True, help_text="What was seen when it opened.")
    latest_detail = models.TextField(blank=True, help_text="What was seen last.")
    server = models.ForeignKey(
        "provisioning.Server", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    service = models.ForeignKey(
        "provisioning.Service", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    operation = models.ForeignKey(
        "provisioning.Operation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The operation that opened it.",
    )
    report = models.ForeignKey(
        "provisioning.ReconcileReport",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    command = models.CharField(max_length=32, blank=True)
    occurrences = models.PositiveIntegerField(default=1)
    opened_at = models.DateTimeField(db_index=True)
    last_seen_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True)
    recovered_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Server incidents: the first success since the last failure; it ends "
        "after ALERT_SERVER_QUIET_MINUTES without another failure.",
    )

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "key"],
                condition=Q(resolved_at__isnull=True),
                name="incident_open_once",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    # What a later success of an operation can settle (monitoring/incidents.py).
    SETTLED_BY_SUCCESS = (Kind.SERVER_PROBLEM, Kind.OPERATION_FAILED)


def settleable_incidents_open() -> Exists:
    """Whether any incident a success could settle is open (read with the operation by a
    worker, which tells monitoring of a success only then)."""
    return Exists(Incident.objects.filter(kind__in=Incident.SETTLED_BY_SUCCESS, resolved_at=None))


class Alert(models.Model):
    """One message owed to one channel about one incident: the outbox the worker empties.

    Unique per incident, event and channel, so an incident alerts once when it opens and
    once when it is resolved, whatever runs twice."""

    class Event(models.TextChoices):
        OPENED = "opened"
        RESOLVED = "resolved"

    class Channel(models.TextChoices):
        MAIL = "mail"
        WEBHOOK = "webhook"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="alerts")
    event = models.CharField(max_length=16, choices=Event.choices)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField()
    claimed_until = models.DateTimeField(
        null=True, blank=True, help_text="A worker is sending it (until then at most)."
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "event", "channel"], name="alert_once_per_channel"
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="alert_pending_due",
                condition=Q(sent_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} alert by {self.channel} for incident #{self.incident_id}"


class PanelCall(models.Model):
    """One HTTP call to a panel, timed: the last days' calls (older ones are folded into
    PanelLatencyTotal, so the latency histogram only ever grows)."""

    server = models.ForeignKey(
        "provisioning.Server", on_delete=models.CASCADE, related_name="panel_calls"
    )
    action = models.CharField(max_length=32)
    at = models.DateTimeField(db_index=True)
    seconds = models.FloatField()
    answered = models.BooleanField(help_text="False when no HTTP answer came (network).")

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["server", "at"], name="panel_call_server_at")]

    def __str__(self) -> str:
        return f"{self.action} on server {self.server_id} at {self.at}"


class PanelLatencyTotal(models.Model):
    """The latency histogram's counts of calls no longer kept as PanelCall rows."""

    server = models.ForeignKey("provisioning.Server", on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=32)
    count = models.PositiveBigIntegerField(default=0)
    sum_seconds = models.FloatField(default=0.0)
    buckets = models.JSONField(default=list, help_text="Cumulative counts per bucket bound.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["server", "action"], name="latency_total_once")
        ]

    def __str__(self) -> str:
        return f"{self.action} on server {self.server_id}"


class WorkerHeartbeat(models.Model):
    """The last sign of life of one qcluster (its guard reports every cycle)."""

    cluster_id = models.CharField(max_length=64, unique=True)
    host = models.CharField(max_length=255)
    status = models.CharField(max_length=32)
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-seen_at"]

    def __str__(self) -> str:
        return f"qcluster {self.cluster_id} on {self.host}"
