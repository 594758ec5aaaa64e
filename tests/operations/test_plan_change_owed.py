"""ChangePackage: the protocol has no plan change, so WHMCS gets a clear error and the
journal keeps a "plan change owed" that the dashboard lists until an admin marks it done."""

import pytest
from django.urls import reverse
from django.utils import timezone

from provisioning.admin.dashboard import plan_changes_owed_section
from provisioning.models import Operation
from provisioning.operations.plan_changes import plan_changes_owed
from tests.webhook_client import command_body, post_webhook


def change_to_gold(client):
    return post_webhook(client, command_body("ChangePackage", pid=77, configoption1="Gold"))


@pytest.mark.django_db
def test_a_plan_change_is_refused_with_a_clear_error_and_journaled_as_owed(client):
    assert post_webhook(client, command_body("CreateAccount")).status_code == 202

    answer = change_to_gold(client)

    assert answer.status_code == 202
    assert answer.json()["state"] == "failed"
    assert "cannot change a hosting plan" in answer.json()["result"]
    assert "from 'Basic' to 'Gold'" in answer.json()["result"]
    owed = plan_changes_owed().get()
    assert (owed.request["plan_before"], owed.request["plan_wanted"]) == ("Basic", "Gold")
    again = change_to_gold(client)
    assert (again.status_code, again.json()["operation"]) == (200, str(owed.pk))


@pytest.mark.django_db
def test_the_dashboard_lists_it_until_an_admin_marks_it_done(client, admin_client):
    post_webhook(client, command_body("CreateAccount"))
    change_to_gold(client)
    owed = plan_changes_owed().get()
    section = plan_changes_owed_section(owed.created_at)
    assert section.rows[0].value == 1 and section.rows[0].alert
    assert "Basic → Gold" in section.rows[1].label
    changelist = reverse("admin:provisioning_operation_changelist")

    retried = admin_client.post(
        changelist, {"action": "retry_operations", "_selected_action": [owed.pk]}, follow=True
    )
    assert "is a plan change" in retried.content.decode()
    admin_client.post(
        changelist, {"action": "mark_plan_changes_done", "_selected_action": [owed.pk]}
    )

    owed.refresh_from_db()
    assert owed.state == Operation.State.SUCCEEDED
    assert "marked by" in owed.result
    assert plan_changes_owed_section(timezone.now()).rows == []
