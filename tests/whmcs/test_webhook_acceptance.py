"""Accepted webhooks: mirror records, one operation, idempotency by event and by state."""

import pytest

from provisioning.db.queue_bell import queue_bell_ring
from provisioning.models import Client, Operation, Product, Server, Service, WebhookEvent
from tests.factories import ServiceFactory
from tests.webhook_client import command_body, get_status, post_webhook

pytestmark = pytest.mark.django_db


def known_service(status, **fields):
    """Service 42 (example.com), already on its panel, as the sample webhooks name it."""
    fields = {"domain": "example.com", "domain_ascii": "example.com", **fields}
    return ServiceFactory(whmcs_id=42, status=status, on_panel=True, **fields)


def test_create_account_is_queued_with_its_mirror_records(
    client, django_capture_on_commit_callbacks, settings
):
    from django_q.models import OrmQ

    body = command_body("CreateAccount", serviceid=42, userid="7", pid="3", serverid=1)
    with django_capture_on_commit_callbacks() as callbacks:
        response = post_webhook(client, body)
    assert response.status_code == 202
    data = response.json()
    assert data["state"] == "queued"
    assert isinstance(data["operation"], str)
    assert data["status_url"].startswith("http://testserver/")
    if "orm" in settings.Q_CLUSTER:
        # The task row is the transaction's; on commit only the pusher is woken.
        assert OrmQ.objects.count() == 1, "queued in the transaction"
        assert [callback.func for callback in callbacks] == [queue_bell_ring]
    else:
        assert len(callbacks) == 1, "the task is sent to the outside broker on commit"

    service = Service.objects.get(whmcs_id=42)
    assert (service.domain, service.status, service.password) == (
        "example.com",
        "pending",
        "Str0ng-pass-42",
    )
    assert service.client == Client.objects.get(
        whmcs_id=7, email="ada@example.org", country="United Kingdom"
    )
    assert service.product == Product.objects.get(whmcs_id=3, plan_name="Basic")
    assert service.server == Server.objects.get(whmcs_id=1, reseller_username="reseller1")
    op = Operation.objects.get(pk=data["operation"])
    assert (op.command, op.service, op.source) == ("CreateAccount", service, "webhook")
    assert op.request["password"] == "***"


def test_secrets_are_stored_redacted_or_encrypted(client):
    from django.db import connection

    post_webhook(client, command_body("CreateAccount"))
    event = WebhookEvent.objects.get()
    assert event.payload["params"]["password"] == "***"
    assert event.payload["params"]["serverpassword"] == "***"
    with connection.cursor() as cursor:
        cursor.execute("SELECT password FROM provisioning_service")
        (stored,) = cursor.fetchone()
        cursor.execute("SELECT reseller_password FROM provisioning_server")
        (stored_reseller,) = cursor.fetchone()
    assert "Str0ng-pass-42" not in stored and stored.startswith("gAAAA")
    assert "reseller-secret-1" not in stored_reseller


def test_the_same_event_delivered_again_returns_the_same_operation(client):
    body = command_body("CreateAccount")
    first = post_webhook(client, body)
    again = post_webhook(client, body)
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["operation"] == first.json()["operation"]
    assert Operation.objects.count() == 1 and WebhookEvent.objects.count() == 1


def test_an_event_delivered_again_after_its_changes_is_still_answered_by_its_operation(
    client,
):
    body = command_body("CreateAccount", serviceid=42, serverid=1)
    first = post_webhook(client, body)
    # Since then the account was created on another panel: the same request, new now,
    # would be refused (a service on a panel does not move), and would make a new
    # operation once it is active. The delivered-again event still gets its operation.
    other = ServiceFactory().server
    Service.objects.filter(whmcs_id=42).update(server=other, on_panel=True, status="active")
    Operation.objects.update(state="succeeded")
    again = post_webhook(client, body)
    assert again.status_code == 200
    assert again.json()["operation"] == first.json()["operation"]
    assert Operation.objects.count() == 1 and WebhookEvent.objects.count() == 1


def test_a_new_event_for_a_command_in_flight_joins_it(client):
    first = post_webhook(client, command_body("CreateAccount"))
    joined = post_webhook(client, command_body("CreateAccount"))
    assert joined.status_code == 200
    assert joined.json()["operation"] == first.json()["operation"]
    assert Operation.objects.count() == 1
    assert WebhookEvent.objects.count() == 2


def test_a_command_already_in_effect_makes_no_new_panel_call(client):
    service = known_service(Service.Status.SUSPENDED)
    response = post_webhook(
        client, command_body("SuspendAccount", serverid=service.server.whmcs_id)
    )
    assert response.status_code == 200
    op = Operation.objects.get(pk=response.json()["operation"])
    assert (op.state, op.result, op.attempts) == ("succeeded", "success", 0)
    assert op.request["note"] == "already in effect"


def test_create_for_a_service_already_on_the_panel_returns_the_create(client):
    body = command_body("CreateAccount")
    created = post_webhook(client, body).json()
    Operation.objects.filter(pk=created["operation"]).update(state="succeeded", result="success")
    Service.objects.update(status="active", on_panel=True)
    again = post_webhook(client, command_body("CreateAccount"))
    assert again.status_code == 200
    assert (again.json()["operation"], again.json()["state"]) == (created["operation"], "succeeded")


def test_opposite_commands_queue_in_order(client):
    service = known_service(Service.Status.ACTIVE)
    params = {"serverid": service.server.whmcs_id}
    suspend = post_webhook(client, command_body("SuspendAccount", **params))
    unsuspend = post_webhook(client, command_body("UnsuspendAccount", **params))
    suspend_again = post_webhook(client, command_body("SuspendAccount", **params))
    assert [r.status_code for r in (suspend, unsuspend, suspend_again)] == [202, 202, 202]
    assert list(Operation.objects.order_by("id").values_list("command", flat=True)) == [
        "SuspendAccount",
        "UnsuspendAccount",
        "SuspendAccount",
    ]


def test_unsuspend_while_a_suspend_is_pending_is_not_in_effect(client):
    service = known_service(Service.Status.ACTIVE)
    post_webhook(client, command_body("SuspendAccount", serverid=service.server.whmcs_id))
    response = post_webhook(
        client, command_body("UnsuspendAccount", serverid=service.server.whmcs_id)
    )
    assert response.status_code == 202


def test_a_change_password_with_another_password_is_a_new_operation(client):
    known_service(Service.Status.ACTIVE, password="Old-pass-1", server__whmcs_id=1)
    first = post_webhook(client, command_body("ChangePassword", password="New-pass-1"))
    same = post_webhook(client, command_body("ChangePassword", password="New-pass-1"))
    other = post_webhook(client, command_body("ChangePassword", password="New-pass-2"))
    assert (first.status_code, same.status_code, other.status_code) == (202, 200, 202)
    assert Service.objects.get().password == "Old-pass-1", "changed only once the panel did"


def test_server_commands_need_no_service(client):
    response = post_webhook(client, command_body("UsageUpdate", serverid="9"))
    assert response.status_code == 202
    op = Operation.objects.get()
    assert (op.command, op.service, op.server.whmcs_id) == ("UsageUpdate", None, 9)


def test_an_idn_domain_is_kept_in_unicode_with_its_ascii_form(client):
    post_webhook(client, command_body("CreateAccount", domain="Bücher.Example"))
    service = Service.objects.get()
    assert (service.domain, service.domain_ascii) == ("bücher.example", "xn--bcher-kva.example")


def test_ids_may_be_numbers_or_digit_strings(client):
    response = post_webhook(client, command_body("CreateAccount", serviceid=42, userid="7", pid=3))
    assert response.status_code == 202


def test_the_status_endpoint_reports_the_operation(client):
    accepted = post_webhook(client, command_body("TestConnection")).json()
    response = get_status(client, accepted["status_url"])
    assert response.status_code == 200
    data = response.json()
    assert {k: data[k] for k in ("operation", "command", "state", "result", "attempts")} == {
        "operation": accepted["operation"],
        "command": "TestConnection",
        "state": "queued",
        "result": None,
        "attempts": 0,
    }
    assert "updated_at" in data


def test_a_create_and_a_password_change_keep_the_password_they_send_on_their_operation(client):
    post_webhook(client, command_body("CreateAccount"))
    create = Operation.objects.get()
    assert create.secret == "Str0ng-pass-42"
    post_webhook(client, command_body("ChangePassword", password="N3w-pass-43"))
    change = Operation.objects.exclude(pk=create.pk).get()
    assert change.secret == "N3w-pass-43"
    service = Service.objects.get()
    assert service.password == "Str0ng-pass-42", "the create in flight keeps its password"
    post_webhook(client, command_body("SuspendAccount", password="Other-pass-44"))
    service.refresh_from_db()
    assert service.password == "Str0ng-pass-42", "a suspend's password is WHMCS's, not new"
