"""An incident's alerts reach each channel in order: after a mail outage its "Resolved"
does not go out before its "Opened", and a channel that comes back sends what waited at
once, oldest first."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from provisioning.models import Alert, Incident
from provisioning.monitoring.alerts import alerts_deliver
from provisioning.monitoring.incidents import incident_resolve
from provisioning.operations.worker import operation_run
from tests.factories import ServiceFactory
from tests.operation_requests import queued
from tests.ports import free_port

pytestmark = pytest.mark.django_db


def refused_create(server, domain: str) -> None:
    service = ServiceFactory(server=server, domain=domain)
    service.product.plan_name = "Gold"
    service.product.save()
    assert operation_run(queued("CreateAccount", service, source="admin").pk) == "failed"


@pytest.fixture
def mail_down(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()


def mail_back(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_a_resolved_alert_never_overtakes_the_opened_one_after_a_mail_outage(
    server, panel, alerting, mail_down, settings
):
    refused_create(server, "shop.example.com")
    assert alerts_deliver() == 1, "the webhook went out; the mail waits a minute"
    incident = Incident.objects.get()
    later = timezone.now() + timedelta(seconds=30)
    with time_machine.travel(later):
        mail_back(settings)
        incident_resolve(incident, "CreateAccount succeeded", timezone.now())
        assert alerts_deliver() == 3, "the mail came back: both of its alerts, in order"
    assert [m.subject for m in mail.outbox] == [
        "[kaziwhmcs] CreateAccount failed for shop.example.com",
        "[kaziwhmcs] Resolved: CreateAccount failed for shop.example.com",
    ]
    opened, resolved = Alert.objects.filter(channel="mail").order_by("id")
    assert opened.sent_at <= resolved.sent_at


def test_a_channel_that_comes_back_sends_every_waiting_alert_at_once_oldest_first(
    server, panel, alerting, mail_down, settings
):
    start = timezone.now()
    for n, minute in enumerate((0, 5, 20)):
        with time_machine.travel(start + timedelta(minutes=minute)):
            refused_create(server, f"shop{n}.example.com")
            alerts_deliver()
    waiting = Alert.objects.filter(channel="mail", sent_at=None)
    assert waiting.count() == 3
    assert len({alert.next_attempt_at for alert in waiting}) == 1, "they wait together"
    mail_back(settings)
    with time_machine.travel(waiting[0].next_attempt_at + timedelta(seconds=1)):
        assert alerts_deliver() == 3
    assert [m.subject.split()[-1] for m in mail.outbox] == [
        "shop0.example.com",
        "shop1.example.com",
        "shop2.example.com",
    ]


def test_while_another_worker_sends_a_channel_this_one_leaves_it_alone(
    server, panel, alerting, settings
):
    settings.ALERT_WEBHOOK_URL = ""
    refused_create(server, "shop.example.com")
    Alert.objects.update(claimed_until=timezone.now() + timedelta(minutes=5))
    incident_resolve(Incident.objects.get(), "CreateAccount succeeded", timezone.now())
    assert alerts_deliver() == 0, "the Resolved waits for the Opened being sent"
    assert mail.outbox == []
