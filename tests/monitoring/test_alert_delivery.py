"""Alerts leave through the worker: a channel that is down delays them and fails nothing,
and a real qcluster sends them after the attempt that opened the incident."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from provisioning.models import Alert, Incident, Operation
from provisioning.monitoring.alerts import alerts_deliver
from provisioning.operations.worker import operation_run
from tests.factories import ServiceFactory
from tests.operation_requests import queued
from tests.ports import free_port
from tests.worker_fixtures import Worker, wait_until


def refused_create(server) -> Operation:
    service = ServiceFactory(server=server, domain="shop.example.com")
    service.product.plan_name = "Gold"
    service.product.save()
    return queued("CreateAccount", service, source="admin")


@pytest.mark.django_db
def test_a_mail_server_that_is_down_delays_the_alert_and_fails_nothing(
    server, panel, alerting, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    settings.EMAIL_HOST_PASSWORD = "smtp-secret-pass"
    op = refused_create(server)
    assert operation_run(op.pk) == "failed"
    op.refresh_from_db()
    assert op.result == "KaziWhmcs: The 'Gold' hosting plan doesn't exists"

    assert alerts_deliver() == 1, "the webhook went out; the mail waits"
    waiting = Alert.objects.get(channel="mail")
    assert (waiting.sent_at, waiting.attempts) == (None, 1)
    assert "ConnectionRefusedError" in waiting.last_error
    assert "smtp-secret-pass" not in waiting.last_error
    assert waiting.next_attempt_at > timezone.now() + timedelta(seconds=50)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert alerts_deliver() == 0, "not due yet"
    with time_machine.travel(waiting.next_attempt_at + timedelta(seconds=1)):
        assert alerts_deliver() == 1
    assert mail.outbox[0].subject == "[kaziwhmcs] CreateAccount failed for shop.example.com"
    assert Alert.objects.filter(sent_at=None).count() == 0


@pytest.mark.django_db
def test_a_webhook_answering_an_error_is_tried_again_and_its_url_never_logged(
    server, panel, alerting
):
    alerting.status = 500
    assert operation_run(refused_create(server).pk) == "failed"
    assert alerts_deliver() == 1, "mail went out"
    waiting = Alert.objects.get(channel="webhook")
    assert waiting.last_error == "RuntimeError: the webhook answered HTTP 500"
    assert "secret-token-123" not in waiting.last_error

    alerting.status = 200
    with time_machine.travel(waiting.next_attempt_at + timedelta(seconds=1)):
        assert alerts_deliver() == 1
    assert len(alerting.bodies) == 1


@pytest.mark.django_db
def test_delays_grow_with_each_failure_up_to_an_hour(server, panel, alerting):
    alerting.status = 503
    assert operation_run(refused_create(server).pk) == "failed"
    delays = []
    for _ in range(9):
        alert = Alert.objects.get(channel="webhook")
        with time_machine.travel(alert.next_attempt_at + timedelta(seconds=1), tick=False):
            now = timezone.now()
            alerts_deliver()
        alert.refresh_from_db()
        delays.append(round((alert.next_attempt_at - now).total_seconds() / 60))
    assert delays == [1, 2, 4, 8, 16, 32, 60, 60, 60]


@pytest.mark.e2e
def test_a_real_worker_sends_the_alert_of_the_failure_it_met(
    transactional_db, server, panel, alert_receiver, tmp_path
):
    worker = Worker(
        tmp_path / "qcluster.log",
        ALERT_WEBHOOK_URL=alert_receiver.url,
        BRIDGE_URL="https://bridge.example.net",
    )
    try:
        op = refused_create(server)
        texts = wait_until(lambda: alert_receiver.texts, message="the worker's alert")
    finally:
        worker.stop()
    incident = Incident.objects.get()
    assert incident.operation_id == op.pk
    assert texts == [
        f"OPEN: CreateAccount failed for shop.example.com\n\n"
        f"Kind: Operation failed\n"
        f"Domain: shop.example.com (WHMCS service {op.service.whmcs_id})\n"
        f"Server: {server} (WHMCS server {server.whmcs_id})\n"
        f"Command: CreateAccount\n"
        f"Answer or details: KaziWhmcs: The 'Gold' hosting plan doesn't exists\n"
        f"Opened: {incident.opened_at:%Y-%m-%d %H:%M:%S %Z}\n\n"
        f"Details: https://bridge.example.net/admin/provisioning/incident/{incident.pk}/change/"
    ]
    assert Alert.objects.get().sent_at is not None
