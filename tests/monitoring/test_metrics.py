"""GET /metrics: Prometheus text, behind a bearer token, in a fixed number of queries."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from provisioning.models import Alert, Incident, ReconcileReport
from provisioning.monitoring.metrics import QUERIES
from provisioning.operations.accepting import operation_request
from provisioning.operations.worker import operation_run
from provisioning.panels.imscp import client as panel_client
from provisioning.panels.timings import latency_histograms, panel_calls_fold
from provisioning.tasks import monitoring_sweep
from tests.factories import OperationFactory, ServerFactory, ServiceFactory
from tests.operation_requests import queued

pytestmark = pytest.mark.django_db

TOKEN = "metrics-token-0123456789"


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN


def scrape(client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def test_without_a_token_setting_there_is_no_metrics_page(client):
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer anything").status_code == 404


def test_a_missing_or_wrong_token_is_refused(client, token):
    missing = client.get("/metrics")
    assert missing.status_code == 401 and missing["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert TOKEN not in client.get("/metrics", HTTP_AUTHORIZATION="Bearer x").content.decode()


def test_it_reports_operations_attempts_latency_debts_and_incidents(
    client, token, server, panel, active_service
):
    start = timezone.now()
    server_labels = (("server", server.name), ("server_id", str(server.whmcs_id)))
    OperationFactory(
        service=active_service,
        command="SuspendAccount",
        state="retrying",
        created_at=start - timedelta(minutes=20),
    )
    OperationFactory(
        service__server=server, command="UnsuspendAccount", state="queued", created_at=start
    )
    failing = ServiceFactory(server=server)
    failing.product.plan_name = "Gold"
    failing.product.save()
    assert operation_run(queued("CreateAccount", failing).pk) == "failed"
    usage, _ = operation_request("UsageUpdate", server=server, source="schedule")
    with time_machine.travel(start - timedelta(hours=2), tick=False):
        assert operation_run(usage.pk) == "succeeded"
        ReconcileReport.objects.create(
            started_at=timezone.now(),
            finished_at=timezone.now(),
            report={"servers": [{"server_id": server.whmcs_id, "error": ""}]},
        )

    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        values = scrape(client)
    assert values["kaziwhmcs_operations", (("state", "failed"),)] == 1
    assert values["kaziwhmcs_operations", (("state", "queued"),)] == 1
    assert values["kaziwhmcs_operations", (("state", "retrying"),)] == 1
    assert values["kaziwhmcs_operations", (("state", "succeeded"),)] == 1
    key = ("kaziwhmcs_server_operations", (("command", "CreateAccount"), *server_labels))
    assert values[key[0], tuple(sorted((*key[1], ("state", "failed"))))] == 1
    assert values["kaziwhmcs_oldest_unfinished_operation_age_seconds", ()] == 20 * 60 + 30
    attempts = tuple(sorted((*server_labels, ("outcome", "permanent"))))
    assert values["kaziwhmcs_attempts_total", attempts] == 1
    create_calls = tuple(sorted((*server_labels, ("action", "create"))))
    assert values["kaziwhmcs_panel_call_seconds_count", create_calls] == 1
    infinite = tuple(sorted((*create_calls, ("le", "+Inf"))))
    assert values["kaziwhmcs_panel_call_seconds_bucket", infinite] == 1
    assert values["kaziwhmcs_panel_call_seconds_sum", create_calls] > 0
    assert values["kaziwhmcs_seconds_since_usage_import", server_labels] == 2 * 3600 + 30
    assert values["kaziwhmcs_seconds_since_reconcile", server_labels] == 2 * 3600 + 30
    assert values["kaziwhmcs_incidents_open", (("kind", "operation-failed"),)] == 1
    assert values["kaziwhmcs_incidents_open", (("kind", "server-problem"),)] == 0
    assert values["kaziwhmcs_suspensions_owed", ()] == 1
    assert values["kaziwhmcs_alerts_pending", ()] == 0


def test_the_latency_histogram_keeps_its_counts_when_old_calls_are_folded(
    client, token, server, panel
):
    target = panel_client.PanelTarget.for_server(server)
    for _ in range(3):
        panel_client.connection_test(target)
    before = scrape(client)
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        assert panel_calls_fold() == 3
        panel_client.connection_test(target)
        after = scrape(client)
    labels = (
        ("action", "connectiontest"),
        ("server", server.name),
        ("server_id", str(server.whmcs_id)),
    )
    assert before["kaziwhmcs_panel_call_seconds_count", labels] == 3
    assert after["kaziwhmcs_panel_call_seconds_count", labels] == 4
    for le in ("0.05", "1.0", "60.0", "+Inf"):
        bucket = tuple(sorted((*labels, ("le", le))))
        assert (
            after["kaziwhmcs_panel_call_seconds_bucket", bucket]
            >= (before["kaziwhmcs_panel_call_seconds_bucket", bucket])
        )


def test_it_takes_the_same_stated_number_of_queries_whatever_the_rows(client, token, settings):
    settings.ALERT_EMAILS = ["ops@example.net"]  # without a channel, no alert is counted

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            scrape(client)
        return len(captured)

    assert queries() == QUERIES == 10
    servers = ServerFactory.create_batch(3)
    for server in servers:
        OperationFactory.create_batch(4, service__server=server, server=server, state="failed")
        Incident.objects.create(
            kind="server-problem",
            key=f"server:{server.pk}",
            title="t",
            opened_at=timezone.now(),
            last_seen_at=timezone.now(),
            server=server,
        )
    assert queries() == QUERIES


def test_a_fold_committing_during_a_scrape_counts_each_call_once(server, panel):
    target = panel_client.PanelTarget.for_server(server)
    for _ in range(3):
        panel_client.connection_test(target)
    later = timezone.now() + timedelta(days=3)
    folded = []

    def fold_first(execute, sql, params, many, context):
        # The fold's own commit lands just before the scrape reads the folded totals.
        if "panellatencytotal" in sql.lower() and not folded:
            folded.append(None)
            folded[0] = panel_calls_fold(later)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(fold_first):
        histograms = latency_histograms()
    assert folded == [3]
    histogram = histograms[server.pk, "connectiontest"]
    assert (histogram.count, histogram.buckets[-1]) == (3, 3)


def test_seconds_since_reconcile_shows_every_existing_server_when_a_removed_one_is_named(
    client, token
):
    first, second = ServerFactory.create_batch(2)
    now = timezone.now()
    for age, ids in ((2, [second.whmcs_id]), (1, [999, first.whmcs_id])):
        at = now - timedelta(hours=age)
        servers = [{"server_id": whmcs_id, "error": ""} for whmcs_id in ids]
        ReconcileReport.objects.create(
            started_at=at, finished_at=at, report={"servers": servers, "totals": {}}
        )
    values = scrape(client)
    seconds = {
        dict(labels)["server_id"]: value
        for (name, labels), value in values.items()
        if name == "kaziwhmcs_seconds_since_reconcile"
    }
    assert seconds.keys() == {str(first.whmcs_id), str(second.whmcs_id)}
    assert 7100 < seconds[str(second.whmcs_id)] < 7300


def test_alerts_of_a_removed_channel_are_not_pending_and_the_sweep_drops_them(
    client, token, server, panel, alerting, settings
):
    alerting.status = 500
    service = ServiceFactory(server=server)
    service.product.plan_name = "Gold"
    service.product.save()
    assert operation_run(queued("CreateAccount", service, source="admin").pk) == "failed"
    assert scrape(client)["kaziwhmcs_alerts_pending", ()] == 2
    settings.ALERT_WEBHOOK_URL = ""
    assert scrape(client)["kaziwhmcs_alerts_pending", ()] == 1
    assert monitoring_sweep() == 1, "the mail went out"
    assert not Alert.objects.filter(channel="webhook").exists()
    assert scrape(client)["kaziwhmcs_alerts_pending", ()] == 0
