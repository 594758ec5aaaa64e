"""GET /metrics: the bridge's figures in Prometheus's text format.

Read from the database at each scrape (web servers and workers are separate processes,
possibly on several hosts: the database is what they share), with QUERIES queries
whatever the number of rows (one less without an alert channel). Only with
`Authorization: Bearer <METRICS_TOKEN>`."""

import hmac
from datetime import datetime

from django.conf import settings
from django.db.models import Count, Max, Min
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
)

from ..models import Alert, Attempt, Incident, Operation, ReconcileReport, Server
from ..operations.debts import suspensions_owed_operations
from ..panels.timings import BUCKETS, latency_histograms
from .alerts import alert_channels
from .incidents import open_incident_counts

QUERIES = 10
# Reports read for each server's last reconciliation (a daily run covers every server).
RECENT_REPORTS = 20
SERVER_LABELS = ["server", "server_id"]


def _gauge(name: str, doc: str, labels: list[str] | None = None) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, labels=labels)


def _labels(servers: dict[int, list[str]], server_id: int) -> list[str]:
    # A server added between two of the scrape's queries has no name yet.
    return servers.get(server_id) or ["", str(server_id)]


class BridgeCollector:
    """Builds every family from the database when the registry is read."""

    def __init__(self, now: datetime):
        self.now = now

    def collect(self):
        servers = {
            pk: [name or hostname or ip, str(whmcs_id)]
            for pk, whmcs_id, name, hostname, ip in Server.objects.values_list(
                "pk", "whmcs_id", "name", "hostname", "ip_address"
            )
        }
        yield from self._operations(servers)
        yield self._oldest_unfinished()
        yield self._attempts(servers)
        yield self._latency(servers)
        owed = _gauge("kaziwhmcs_suspensions_owed", "Services whose suspension is owed.")
        owed.add_metric([], suspensions_owed_operations().count())
        yield owed
        yield self._since_usage_import(servers)
        yield self._since_reconcile(servers)
        yield from self._incidents_and_alerts()

    def _operations(self, servers):
        rows = (
            Operation.objects.values_list("command", "server_id", "state")
            .annotate(n=Count("id"))
            .order_by()
        )
        by_state = dict.fromkeys(Operation.State.values, 0)
        detail = _gauge(
            "kaziwhmcs_server_operations",
            "Operations by server, command and state.",
            SERVER_LABELS + ["command", "state"],
        )
        for command, server_id, state, n in rows:
            by_state[state] += n
            detail.add_metric(_labels(servers, server_id) + [command, state], n)
        total = _gauge("kaziwhmcs_operations", "Operations in the journal by state.", ["state"])
        for state, n in by_state.items():
            total.add_metric([state], n)
        return [total, detail]

    def _oldest_unfinished(self):
        oldest = Operation.objects.filter(state__in=Operation.UNFINISHED).aggregate(
            at=Min("created_at")
        )["at"]
        gauge = _gauge(
            "kaziwhmcs_oldest_unfinished_operation_age_seconds",
            "Age of the oldest queued, running or retrying operation (0 when none).",
        )
        gauge.add_metric([], (self.now - oldest).total_seconds() if oldest else 0.0)
        return gauge

    def _attempts(self, servers):
        counter = CounterMetricFamily(
            "kaziwhmcs_attempts",
            "Panel attempts of operations by server and outcome (all but succeeded failed).",
            labels=SERVER_LABELS + ["outcome"],
        )
        rows = (
            Attempt.objects.values_list("operation__server_id", "outcome")
            .annotate(n=Count("id"))
            .order_by()
        )
        for server_id, outcome, n in rows:
            counter.add_metric(_labels(servers, server_id) + [outcome], n)
        return counter

    def _latency(self, servers):
        family = HistogramMetricFamily(
            "kaziwhmcs_panel_call_seconds",
            "Time of HTTP calls to the panels by server and action.",
            labels=SERVER_LABELS + ["action"],
        )
        for (server_id, action), h in sorted(latency_histograms().items()):
            buckets = [(repr(b), n) for b, n in zip(BUCKETS, h.buckets, strict=True)]
            family.add_metric(
                _labels(servers, server_id) + [action],
                buckets + [("+Inf", h.count)],
                sum_value=h.total,
            )
        return family

    def _since_usage_import(self, servers):
        gauge = _gauge(
            "kaziwhmcs_seconds_since_usage_import",
            "Seconds since the server's last successful usage import (absent: never).",
            SERVER_LABELS,
        )
        rows = (
            Operation.objects.filter(
                command=Operation.Command.USAGE_UPDATE, state=Operation.State.SUCCEEDED
            )
            .values_list("server_id")
            .annotate(last=Max("finished_at"))
            .order_by()
        )
        for server_id, last in rows:
            if last is not None:
                gauge.add_metric(_labels(servers, server_id), (self.now - last).total_seconds())
        return gauge

    def _since_reconcile(self, servers):
        gauge = _gauge(
            "kaziwhmcs_seconds_since_reconcile",
            "Seconds since the server was last compared by a reconciliation (absent: not "
            f"in the last {RECENT_REPORTS} reports).",
            SERVER_LABELS,
        )
        # Reports also name servers removed since: only those that exist count.
        existing = {labels[1] for labels in servers.values()}
        last: dict[str, datetime] = {}
        for finished_at, report in ReconcileReport.objects.values_list("finished_at", "report")[
            :RECENT_REPORTS
        ]:
            for drift in report.get("servers", []):
                server_id = str(drift.get("server_id"))
                if not drift.get("error") and server_id in existing:
                    last.setdefault(server_id, finished_at)
            if len(last) >= len(existing):
                break  # every server seen: the older reports are not decoded
        for labels in servers.values():
            if labels[1] in last:
                gauge.add_metric(labels, (self.now - last[labels[1]]).total_seconds())
        return gauge

    def _incidents_and_alerts(self):
        counts = open_incident_counts()
        incidents = _gauge("kaziwhmcs_incidents_open", "Open incidents by kind.", ["kind"])
        for kind in Incident.Kind.values:
            incidents.add_metric([kind], counts.get(kind, 0))
        pending = _gauge(
            "kaziwhmcs_alerts_pending",
            "Alerts not sent yet by a configured channel (a mail server or chat webhook "
            "down delays them).",
        )
        pending.add_metric(
            [], Alert.objects.filter(sent_at=None, channel__in=alert_channels()).count()
        )
        return [incidents, pending]


def metrics_text(now: datetime | None = None) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(BridgeCollector(now or timezone.now()))
    return generate_latest(registry)


def _authorization_problem(request: HttpRequest) -> int | None:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return 401
    if not hmac.compare_digest(given.strip().encode(), settings.METRICS_TOKEN.encode()):
        return 403
    return None


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not settings.METRICS_TOKEN:
        return HttpResponseNotFound("Not found", content_type="text/plain")
    status = _authorization_problem(request)
    if status == 401:
        response = HttpResponse("Bearer token required", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    if status == 403:
        return HttpResponse("Wrong token", status=403, content_type="text/plain")
    return HttpResponse(metrics_text(), content_type=CONTENT_TYPE_LATEST)
