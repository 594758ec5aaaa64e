"""The committed OpenAPI document describes the webhook and status endpoints as they answer."""

import json
import re
import time

import pytest
from django.test import override_settings
from django.urls import Resolver404, resolve, reverse
from jsonschema import Draft202012Validator

from provisioning.models import Operation
from tests.openapi_check import assert_documented, openapi, schema_validator
from tests.webhook_client import (
    command_body,
    get_status,
    post_raw,
    post_webhook,
    signed_headers,
)

WEBHOOK = "/webhooks/whmcs/"
STATUS = "/webhooks/whmcs/operations/{operation_id}/"


def test_the_document_is_openapi_3_1_with_valid_schemas():
    doc = openapi()
    assert doc["openapi"].startswith("3.1.")
    for schema in doc["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_every_documented_path_is_routed_and_every_route_is_documented():
    for path in openapi()["paths"]:
        concrete = re.sub(r"\{\w+_id\}", "7", path).replace("{token}", "t0ken")
        try:
            resolve(concrete)
        except Resolver404:
            pytest.fail(f"{path} is documented but not routed")
    for name in ("webhook", "operation-status", "webhook-openapi"):
        url = reverse(f"provisioning:{name}", **({"args": [7]} if "status" in name else {}))
        assert url.replace("/7/", "/{operation_id}/") in openapi()["paths"], url
    for name, placeholder in (
        ("whmcs-service", "service_id"),
        ("whmcs-service-outcome", "service_id"),
        ("whmcs-service-panel-login", "service_id"),
        ("whmcs-server-panel-login", "server_id"),
        ("whmcs-server-usage", "server_id"),
        ("whmcs-server-accounts", "server_id"),
    ):
        url = reverse(f"provisioning:{name}", args=[7])
        assert url.replace("/7/", f"/{{{placeholder}}}/") in openapi()["paths"], url
    url = reverse("provisioning:panel-login-ticket", args=["t0ken"])
    assert url.replace("t0ken", "{token}") in openapi()["paths"], url


@pytest.mark.django_db
def test_the_document_is_served_as_committed(client):
    response = client.get("/webhooks/whmcs/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == openapi()
    assert "test-webhook-secret" not in response.content.decode()


def test_the_sample_bodies_fit_the_request_schema():
    validator = schema_validator("#/components/schemas/WebhookBody")
    for command in ("CreateAccount", "SuspendAccount", "ChangePassword", "UsageUpdate"):
        validator.validate(command_body(command))


def test_the_request_schema_refuses_what_the_bridge_refuses():
    validator = schema_validator("#/components/schemas/WebhookBody")
    for bad in (
        {"password": "x" * 31},
        {"password": " leading"},
        {"password": "trailing}"},
        {"serviceid": -3},
        {"configoption1": 5},
    ):
        body = command_body("CreateAccount", **bad)
        assert not validator.is_valid(body), bad


@pytest.mark.django_db
def test_every_webhook_answer_is_documented(client):
    body = command_body("CreateAccount")
    accepted = post_webhook(client, body)
    assert accepted.status_code == 202
    assert_documented(WEBHOOK, "post", accepted)

    replay = post_webhook(client, body)
    assert replay.status_code == 200
    assert_documented(WEBHOOK, "post", replay)

    bad_field = post_webhook(client, command_body("CreateAccount", domain="not a domain"))
    assert bad_field.status_code == 400
    assert_documented(WEBHOOK, "post", bad_field)

    raw = json.dumps(command_body("TestConnection")).encode()
    unsigned = post_raw(client, raw, {"X-Kazi-Timestamp": str(int(time.time()))})
    assert unsigned.status_code == 401
    assert_documented(WEBHOOK, "post", unsigned)

    with override_settings(WEBHOOK_MAX_BODY_BYTES=100):
        too_big = post_raw(client, raw, signed_headers(raw))
    assert too_big.status_code == 413
    assert_documented(WEBHOOK, "post", too_big)

    wrong_method = client.get(WEBHOOK)
    assert wrong_method.status_code == 405
    assert "405" in openapi()["paths"][WEBHOOK]["post"]["responses"]


@pytest.mark.django_db
def test_every_status_answer_is_documented(client):
    accepted = post_webhook(client, command_body("UsageUpdate")).json()
    found = get_status(client, accepted["status_url"])
    assert found.status_code == 200
    assert_documented(STATUS, "get", found)

    op = Operation.objects.get(pk=accepted["operation"])
    Operation.objects.filter(pk=op.pk).update(
        state="succeeded",
        result="success",
        usage=[
            {"domain": "a.example", "diskusage": 1, "disklimit": 0, "bwusage": 2, "bwlimit": -1}
        ],
    )
    finished = get_status(client, accepted["status_url"])
    assert finished.json()["usage"][0]["domain"] == "a.example"
    assert_documented(STATUS, "get", finished)

    missing = get_status(client, "/webhooks/whmcs/operations/999999/")
    assert missing.status_code == 404
    assert_documented(STATUS, "get", missing)

    unsigned = client.get(accepted["status_url"])
    assert unsigned.status_code == 401
    assert_documented(STATUS, "get", unsigned)

    assert client.post(accepted["status_url"]).status_code == 405


@pytest.mark.django_db
def test_a_status_id_beyond_64_bits_is_not_found_rather_than_an_error(client):
    response = get_status(client, f"/webhooks/whmcs/operations/{2**70}/")
    assert response.status_code == 404
    assert_documented(STATUS, "get", response)
