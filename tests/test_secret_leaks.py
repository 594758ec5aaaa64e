"""Passwords and the webhook secret never leave the bridge in clear: not in logs (every
command end to end, failures included), the journal, the admin, the status answers, an
exception report, nor a database dump."""

import json
import logging
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.views.debug import ExceptionReporter

from provisioning.models import Attempt, Operation, WebhookEvent
from provisioning.operations.worker import operation_run
from provisioning.whmcs import intake
from tests.factories import RESELLER_PASSWORD
from tests.webhook_client import command_body, get_status, post_webhook, signed_headers

SERVICE_PASSWORD = "Zq9-first-Pw-481"
NEW_PASSWORD = "Nw7-second-Pw-913"
REFUSED_PASSWORD = "Rf3-too-short"  # the panel is set to want 14 characters
WRONG_RESELLER_PASSWORD = "Wrong-reseller-Pw-77"
SECRETS = (
    SERVICE_PASSWORD,
    NEW_PASSWORD,
    REFUSED_PASSWORD,
    WRONG_RESELLER_PASSWORD,
    RESELLER_PASSWORD,
    "test-webhook-secret",
)
LOGGERS = ("", "django", "django.request", "django_q", "provisioning", "axes", "urllib3")


def assert_no_secret(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} in {where}"


def record_text(record: logging.LogRecord) -> str:
    parts = [record.getMessage(), repr(record.args)]
    if record.exc_info:
        parts.append(logging.Formatter().formatException(record.exc_info))
    if record.exc_text:
        parts.append(record.exc_text)
    return "\n".join(parts)


def accept(client, command: str, panel, **params) -> int:
    response = post_webhook(client, command_body(command, panel, **params))
    assert response.status_code in (200, 202), response.content
    return int(response.json()["operation"])


def run(operation_id: int) -> Operation:
    operation_run(operation_id)
    return Operation.objects.get(pk=operation_id)


@pytest.fixture
def scenario(db, client, panel, caplog):
    """Every command through webhook → operation → emulator, with refusals and failures."""
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    panel.state.configure(password_min_length=14)
    service = {"serviceid": 501, "domain": "leaks.example.com"}

    created = run(accept(client, "CreateAccount", panel, password=SERVICE_PASSWORD, **service))
    assert created.state == "succeeded"
    refused = run(accept(client, "ChangePassword", panel, password=REFUSED_PASSWORD, **service))
    assert refused.state == "failed"
    assert refused.result.endswith("'***' is not a valid password")
    changed = run(accept(client, "ChangePassword", panel, password=NEW_PASSWORD, **service))
    assert changed.state == "succeeded"
    for command in ("SuspendAccount", "UnsuspendAccount", "UsageUpdate", "TestConnection"):
        assert run(accept(client, command, panel, **service)).state == "succeeded", command
    wrong = run(
        accept(
            client,
            "TestConnection",
            panel,
            serverid=2,
            serverpassword=WRONG_RESELLER_PASSWORD,
        )
    )
    assert wrong.state == "failed"

    # Refused at the door: a bad signature, a password the panel could never take, too big.
    raw = json.dumps(command_body("ChangePassword", panel, password=NEW_PASSWORD)).encode()
    headers = signed_headers(raw)
    headers["X-Kazi-Signature"] = "sha256=" + "0" * 64
    headers.pop("Content-Type")
    assert (
        client.post("/webhooks/whmcs/", raw, "application/json", headers=headers).status_code == 401
    )
    bad = command_body("ChangePassword", panel, password=f" {NEW_PASSWORD}", **service)
    assert post_webhook(client, bad).status_code == 400
    big = command_body("CreateAccount", panel, password=SERVICE_PASSWORD, padding="x" * 70000)
    assert post_webhook(client, big).status_code == 413

    assert run(accept(client, "TerminateAccount", panel, **service)).state == "succeeded"

    # Failures the worker retries: the panel breaks, then answers garbage.
    panel.state.add_fault("http500")
    assert run(accept(client, "TestConnection", panel)).state == "retrying"
    panel.state.clear_faults()
    panel.state.add_fault("garbage")
    assert run(accept(client, "UsageUpdate", panel)).state == "retrying"
    return caplog


def test_no_secret_is_logged_by_any_command(scenario):
    records = scenario.get_records("setup")
    assert records, "the scenario logged nothing: the capture is not working"
    assert any(r.name == "django.request" for r in records)
    for record in records:
        assert_no_secret(record_text(record), f"log record {record.name}: {record.getMessage()}")


def test_the_journal_and_the_status_answers_hold_no_secret(scenario, client):
    journal = [
        json.dumps([op.request, op.result, op.requested_by]) for op in Operation.objects.all()
    ]
    journal += [a.answer for a in Attempt.objects.all()]
    journal += [json.dumps(e.payload) for e in WebhookEvent.objects.all()]
    assert_no_secret("\n".join(journal), "the journal")
    assert any('"password": "***"' in entry for entry in journal)
    for op in Operation.objects.all():
        answer = get_status(client, f"/webhooks/whmcs/operations/{op.pk}/")
        assert answer.status_code == 200
        assert_no_secret(answer.content.decode(), f"status of operation {op.pk}")


def test_the_admin_pages_show_no_secret(scenario, admin_client):
    pages = []
    for model in ("server", "service", "operation", "client", "product"):
        listing = admin_client.get(f"/admin/provisioning/{model}/")
        assert listing.status_code == 200, model
        pages.append(listing.content.decode())
    from provisioning.models import Server, Service

    for obj in [*Server.objects.all(), *Service.objects.all(), *Operation.objects.all()]:
        page = admin_client.get(f"/admin/provisioning/{obj._meta.model_name}/{obj.pk}/change/")
        assert page.status_code == 200
        pages.append(page.content.decode())
    assert_no_secret("\n".join(pages), "the admin pages")


def test_a_database_dump_holds_no_password_in_clear(scenario):
    out = StringIO()
    call_command("dumpdata", stdout=out)
    assert_no_secret(out.getvalue(), "dumpdata")
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            assert_no_secret(repr(cursor.fetchall()), f"table {table}")


@pytest.mark.django_db
def test_an_exception_report_of_the_webhook_hides_the_body_and_secrets(monkeypatch, panel):
    def broken(*args):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(intake, "mirror_update", broken)
    client = Client(raise_request_exception=False)
    captured = {}

    def capture(sender, request, **kwargs):
        captured["request"] = request
        captured["exc_info"] = sys.exc_info()

    from django.core.signals import got_request_exception

    got_request_exception.connect(capture)
    try:
        body = command_body("CreateAccount", panel, password=SERVICE_PASSWORD)
        response = post_webhook(client, body)
    finally:
        got_request_exception.disconnect(capture)
    assert response.status_code == 500
    reporter = ExceptionReporter(captured["request"], *captured["exc_info"])
    text = reporter.get_traceback_text()
    html = reporter.get_traceback_html()
    assert "the database went away" in text
    assert "webhook_receive" in text
    assert_no_secret(text, "the exception report (text)")
    assert_no_secret(html, "the exception report (html)")
    assert settings.WEBHOOK_SECRET not in html


@pytest.mark.django_db
def test_a_dump_loads_back_with_its_passwords(tmp_path):
    from provisioning.models import Service
    from tests.factories import ServiceFactory

    service = ServiceFactory(password=SERVICE_PASSWORD)
    dump = tmp_path / "dump.json"
    call_command("dumpdata", "provisioning", output=str(dump))
    assert_no_secret(dump.read_text(), "dumpdata")
    Service.objects.filter(pk=service.pk).update(password="")
    call_command("loaddata", str(dump), stdout=StringIO())
    assert Service.objects.get(pk=service.pk).password == SERVICE_PASSWORD
