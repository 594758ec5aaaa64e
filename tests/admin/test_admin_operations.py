"""The journal pages: read-only list and detail, secrets hidden, Retry for failures."""

from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from provisioning.models import Attempt, Operation
from tests.admin_helpers import queries_for, staff_user
from tests.factories import OperationFactory, ServerFactory

pytestmark = pytest.mark.django_db

LIST = "/admin/provisioning/operation/"


def test_the_journal_list_runs_the_same_queries_for_5_and_50_rows(admin_client):
    OperationFactory.create_batch(4)
    OperationFactory(service=None, server=ServerFactory(), command="UsageUpdate")
    few = queries_for(admin_client, LIST)
    OperationFactory.create_batch(40)
    OperationFactory.create_batch(5, service=None, server=ServerFactory(), command="UsageUpdate")
    assert Operation.objects.count() == 50
    assert queries_for(admin_client, LIST) == few


def test_the_detail_shows_the_request_answer_and_attempts_but_never_the_secret(admin_client):
    now = timezone.now()
    op = OperationFactory(
        command="ChangePassword",
        state="failed",
        secret="New-secret-pass-1",
        request={"domain": "x.example", "password": "***", "upass": "leaked"},
        result="KaziWhmcs: '***' is not a valid password",
        requested_by="admin alice",
        started_at=now,
        finished_at=now + timedelta(milliseconds=1500),
    )
    Attempt.objects.create(
        operation=op,
        number=1,
        started_at=now,
        finished_at=now + timedelta(milliseconds=1234),
        outcome="permanent",
        answer="KaziWhmcs: '***' is not a valid password",
    )
    page = admin_client.get(reverse("admin:provisioning_operation_change", args=[op.pk]))
    text = page.content.decode()
    assert "New-secret-pass-1" not in text and "leaked" not in text
    assert "&quot;password&quot;: &quot;***&quot;" in text
    assert "KaziWhmcs: &#x27;***&#x27; is not a valid password" in text
    assert "1,234 ms" in text and "admin alice" in text
    assert 'name="command"' not in text  # read-only


def test_the_journal_refuses_adding_and_deleting(admin_client):
    op = OperationFactory()
    assert admin_client.get(reverse("admin:provisioning_operation_add")).status_code == 403
    delete = reverse("admin:provisioning_operation_delete", args=[op.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert Operation.objects.filter(pk=op.pk).exists()


def test_retry_requests_a_failed_operation_again_and_leaves_others(admin_client, admin_user):
    failed = OperationFactory(state="failed", command="SuspendAccount")
    done = OperationFactory(state="succeeded")
    response = admin_client.post(
        LIST,
        {"action": "retry_operations", ACTION_CHECKBOX_NAME: [failed.pk, done.pk]},
        follow=True,
    )
    text = response.content.decode()
    assert "Retry: 1 queued" in text and "only failed operations" in text
    retry = Operation.objects.get(state="queued")
    assert (retry.command, retry.service) == ("SuspendAccount", failed.service)
    assert retry.requested_by == f"admin {admin_user.username} (retry of #{failed.pk})"


def test_retry_needs_the_change_permission(client):
    client.force_login(staff_user("view_operation"))
    failed = OperationFactory(state="failed")
    client.post(LIST, {"action": "retry_operations", ACTION_CHECKBOX_NAME: [failed.pk]})
    assert Operation.objects.count() == 1
    assert "retry_operations" not in client.get(LIST).content.decode()


def test_the_filters_by_state_and_date_narrow_the_list(admin_client):
    old = OperationFactory(state="failed", created_at=timezone.now() - timedelta(days=3))
    new = OperationFactory(state="failed", created_at=timezone.now())
    since = (timezone.now() - timedelta(hours=24)).isoformat(timespec="seconds")
    page = admin_client.get(LIST, {"state__exact": "failed", "created_at__gte": since})
    text = page.content.decode()
    assert f"{new.service.domain}<" in text and f"{old.service.domain}<" not in text
