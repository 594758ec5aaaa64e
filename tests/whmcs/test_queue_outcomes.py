"""The Module Queue hook's batch of outcomes: the latest operation of each queued (service,
command), whether a later command superseded it, the suspension's reason, and what the
hook told WHMCS about it, recorded by the bridge (signed endpoints)."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from provisioning.models import WhmcsNotice
from tests.factories import OperationFactory, ServiceFactory
from tests.openapi_check import assert_documented
from tests.webhook_client import get_status, post_raw, post_webhook

OUTCOMES = "/webhooks/whmcs/queue/outcomes/"
TOLD = "/webhooks/whmcs/queue/told/"


def ask(client, items: dict):
    answer = post_webhook(client, {"items": items}, path=OUTCOMES)
    assert_documented(OUTCOMES, "post", answer)
    return answer


def by_service(answer) -> dict:
    return {(o["serviceid"], o["command"]): o for o in answer.json()["outcomes"]}


@pytest.mark.django_db
def test_a_suspension_followed_by_an_unsuspension_is_superseded(client):
    service = ServiceFactory()
    suspend = OperationFactory(
        service=service,
        command="SuspendAccount",
        state="succeeded",
        request={"reason": "Abuse"},
    )
    unsuspend = OperationFactory(service=service, command="UnsuspendAccount", state="succeeded")

    outcome = by_service(ask(client, {"SuspendAccount": [service.whmcs_id]}))[
        (service.whmcs_id, "SuspendAccount")
    ]

    assert outcome["operation"] == str(suspend.pk)
    assert outcome["superseded_by"] == {
        "operation": str(unsuspend.pk),
        "command": "UnsuspendAccount",
    }
    assert (outcome["reason"], outcome["domain"], outcome["told"]) == (
        "Abuse",
        service.domain,
        [],
    )


@pytest.mark.django_db
def test_a_later_command_that_failed_or_a_password_change_supersedes_nothing(client):
    service = ServiceFactory()
    OperationFactory(service=service, command="SuspendAccount", state="succeeded")
    OperationFactory(service=service, command="UnsuspendAccount", state="failed")
    OperationFactory(service=service, command="ChangePassword", state="succeeded")

    outcome = by_service(ask(client, {"SuspendAccount": [service.whmcs_id]}))[
        (service.whmcs_id, "SuspendAccount")
    ]

    assert outcome["superseded_by"] is None


@pytest.mark.django_db
def test_a_termination_supersedes_a_password_change_and_a_create(client):
    service = ServiceFactory()
    OperationFactory(service=service, command="CreateAccount", state="succeeded")
    OperationFactory(service=service, command="ChangePassword", state="failed")
    terminate = OperationFactory(service=service, command="TerminateAccount", state="queued")

    outcomes = by_service(
        ask(client, {"ChangePassword": [service.whmcs_id], "CreateAccount": [service.whmcs_id]})
    )

    for command in ("ChangePassword", "CreateAccount"):
        replaced = outcomes[(service.whmcs_id, command)]["superseded_by"]
        assert replaced == {"operation": str(terminate.pk), "command": "TerminateAccount"}


@pytest.mark.django_db
def test_unknown_items_are_left_out(client):
    service = ServiceFactory()
    answer = ask(client, {"CreateAccount": [service.whmcs_id, 999999]})
    assert answer.json() == {"outcomes": []}


@pytest.mark.django_db
def test_what_the_hook_told_is_recorded_once_and_answered(client):
    service = ServiceFactory()
    failed = OperationFactory(service=service, command="CreateAccount", state="failed")
    body = {"told": {"failure": [str(failed.pk)], "replay": [str(failed.pk), "999999"]}}

    for nonce in ("first", "again"):  # the module signs each POST anew (a nonce)
        recorded = post_webhook(client, {**body, "nonce": nonce}, path=TOLD)
        assert_documented(TOLD, "post", recorded)
        assert recorded.json() == {"recorded": 2}

    kinds = WhmcsNotice.objects.filter(operation=failed).values_list("kind", flat=True)
    assert sorted(kinds) == ["failure", "replay"]
    outcome = by_service(ask(client, {"CreateAccount": [service.whmcs_id]}))
    assert outcome[(service.whmcs_id, "CreateAccount")]["told"] == ["failure", "replay"]


@pytest.mark.django_db
def test_many_items_cost_a_few_queries(client):
    services = ServiceFactory.create_batch(30)
    for service in services:
        OperationFactory(service=service, command="SuspendAccount", state="succeeded")
        OperationFactory(service=service, command="UnsuspendAccount", state="queued")
    ids = [s.whmcs_id for s in services]

    with CaptureQueriesContext(connection) as few:
        ask(client, {"SuspendAccount": ids[:1], "UnsuspendAccount": ids[:1]})
    with CaptureQueriesContext(connection) as many:
        answer = ask(client, {"SuspendAccount": ids, "UnsuspendAccount": ids})

    assert len(answer.json()["outcomes"]) == 60
    # The batch's own reads, and the statements that spend the request's signature.
    assert len(many) == len(few) <= 10


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {"items": {"Reboot": [1]}},
        {"items": {"CreateAccount": ["42"]}},
        {"items": {"CreateAccount": [True]}},
        {"items": []},
        {"told": {"forgotten": ["1"]}},
    ],
)
def test_a_bad_body_is_refused_and_changes_nothing(client, body):
    path = TOLD if "told" in body else OUTCOMES
    answer = post_webhook(client, body, path=path)
    assert answer.status_code == 400
    assert_documented(path, "post", answer)
    assert not WhmcsNotice.objects.exists()


@pytest.mark.django_db
def test_an_unsigned_or_oversized_request_is_refused(client):
    raw = json.dumps({"items": {"CreateAccount": [1]}}).encode()
    unsigned = post_raw(client, raw, {}, OUTCOMES)
    assert unsigned.status_code == 401
    assert_documented(OUTCOMES, "post", unsigned)
    big = json.dumps({"items": {"CreateAccount": list(range(1, 2000))}}).encode()
    assert post_webhook(client, big, path=OUTCOMES).status_code == 413


@pytest.mark.django_db
def test_the_single_outcome_answer_says_the_same(client):
    service = ServiceFactory()
    OperationFactory(service=service, command="UnsuspendAccount", state="succeeded")
    terminate = OperationFactory(service=service, command="TerminateAccount", state="running")
    path = f"/webhooks/whmcs/services/{service.whmcs_id}/outcome/?command=UnsuspendAccount"

    answer = get_status(client, path)

    assert_documented("/webhooks/whmcs/services/{service_id}/outcome/", "get", answer)
    assert answer.json()["superseded_by"] == {
        "operation": str(terminate.pk),
        "command": "TerminateAccount",
    }
