"""The password an operation sends is its own: a create keeps the one it was accepted
with, proves ownership with it after a lost attempt, and no later webhook changes it. A
service that predates the bridge keeps the password WHMCS sends when the bridge has none."""

from datetime import timedelta

import pytest
from django.utils import timezone

from provisioning.models import Operation, Service
from provisioning.operations.worker import operation_run
from tests.webhook_client import command_body, post_webhook

pytestmark = pytest.mark.django_db


def accepted(client, command: str, panel, **params) -> Operation:
    response = post_webhook(client, command_body(command, panel, **params))
    assert response.status_code in (200, 202), response.content
    return Operation.objects.get(pk=response.json()["operation"])


def due_now(op: Operation) -> None:
    Operation.objects.filter(pk=op.pk).update(next_attempt_at=timezone.now() - timedelta(1))


def settled_then_run(panel, op: Operation) -> str | None:
    """Run again: first while the panel's daemon still sets the account up (not adopted
    yet), then once it has."""
    due_now(op)
    assert operation_run(op.pk) == "retrying"
    panel.state.daemon_catch_up()
    due_now(op)
    return operation_run(op.pk)


def lost_create(client, panel) -> Operation:
    """A create the panel carried out while the bridge lost its answer."""
    panel.state.add_fault("act_then_timeout", action="create", count=1, drop=True)
    create = accepted(client, "CreateAccount", panel)
    assert operation_run(create.pk) == "retrying"
    assert panel.state.customer("example.com")["password"] == "Str0ng-pass-42"
    return create


def test_a_password_change_accepted_behind_a_lost_create_does_not_make_it_someone_elses(
    client, panel
):
    create = lost_create(client, panel)
    change = accepted(client, "ChangePassword", panel, password="N3w-pass-43")
    assert settled_then_run(panel, create) == "succeeded"
    create.refresh_from_db()
    assert create.request["note"].startswith("adopted")
    assert Service.objects.get().password == "Str0ng-pass-42", "the account's, until changed"
    assert operation_run(change.pk) == "succeeded"
    assert panel.state.customer("example.com")["password"] == "N3w-pass-43"
    assert Service.objects.get().password == "N3w-pass-43"


def test_a_create_delivered_again_with_another_password_keeps_the_one_it_sent(client, panel):
    create = lost_create(client, panel)
    again = accepted(client, "CreateAccount", panel, password="Edited-pass-45")
    assert again.pk == create.pk, "joined"
    assert settled_then_run(panel, create) == "succeeded"
    assert Service.objects.get().password == "Str0ng-pass-42"
    assert panel.state.customer("example.com")["password"] == "Str0ng-pass-42"


def test_a_service_that_predates_the_bridge_is_suspended_with_the_password_whmcs_sends(
    client, panel
):
    # Created by the original module, on a panel that cannot list its accounts.
    panel.state.seed_customer("old.example.com", reseller="reseller1", password="Legacy-pass-1")
    panel.state.add_fault("usage_unsupported")
    suspend = accepted(
        client, "SuspendAccount", panel, domain="old.example.com", password="Legacy-pass-1"
    )
    assert operation_run(suspend.pk) == "succeeded", suspend.result
    assert panel.state.customer("old.example.com")["status"] in ("todisable", "disabled")
    assert Service.objects.get().password == "Legacy-pass-1"


def test_a_service_without_a_password_keeps_the_next_one_whmcs_sends(client, panel):
    accepted(client, "SuspendAccount", panel, domain="old.example.com", password="Legacy-pass-1")
    Service.objects.update(password="")  # e.g. imported from the panel's list
    accepted(client, "UnsuspendAccount", panel, domain="old.example.com", password="Legacy-pass-1")
    assert Service.objects.get().password == "Legacy-pass-1"
    accepted(client, "SuspendAccount", panel, domain="old.example.com", password="Other-pass-2")
    assert Service.objects.get().password == "Legacy-pass-1", "only where it holds none"
