"""Every rejected webhook answers the contract's 4xx and writes nothing."""

import json
import time

import pytest
import time_machine
from django.test import override_settings

from provisioning.models import Client, Operation, Product, Server, Service, WebhookEvent
from tests.webhook_client import command_body, post_raw, post_webhook, signed_headers

COMMANDS = [str(command) for command in Operation.WEBHOOK_COMMANDS]
MODELS = (Server, Product, Client, Service, Operation, WebhookEvent)
NOW = 1_732_406_400  # unix seconds


def assert_nothing_written():
    for model in MODELS:
        assert not model.objects.exists(), f"{model.__name__} row written"


@pytest.fixture(params=COMMANDS)
def body(request):
    return command_body(request.param)


@pytest.mark.django_db
class TestSecurityForEveryCommand:
    def test_it_rejects_a_missing_signature(self, client, body):
        raw = json.dumps(body).encode()
        response = post_raw(client, raw, {"X-Kazi-Timestamp": str(int(time.time()))})
        assert response.status_code == 401
        assert "error" in response.json()
        assert_nothing_written()

    def test_it_rejects_a_bad_signature(self, client, body):
        raw = json.dumps(body).encode()
        headers = signed_headers(raw)
        headers["X-Kazi-Signature"] = "sha256=" + "0" * 64
        assert post_raw(client, raw, headers).status_code == 401
        assert_nothing_written()

    def test_it_rejects_a_body_changed_after_signing(self, client, body):
        raw = json.dumps(body).encode()
        headers = signed_headers(raw)
        assert post_raw(client, raw.replace(b"whmcs-", b"whmcz-"), headers).status_code == 401
        assert_nothing_written()

    def test_it_rejects_a_stale_timestamp(self, client, body):
        # A stopped clock: timestamps are whole seconds, a running clock would shift the edge.
        with time_machine.travel(NOW, tick=False):
            assert post_webhook(client, body, now=NOW - 301).status_code == 401
        assert_nothing_written()

    def test_it_rejects_a_timestamp_from_the_future(self, client, body):
        with time_machine.travel(NOW, tick=False):
            assert post_webhook(client, body, now=NOW + 301).status_code == 401
        assert_nothing_written()

    def test_it_rejects_an_oversized_body_before_the_signature(self, client, body):
        body["params"]["padding"] = "x" * (64 * 1024)
        raw = json.dumps(body).encode()
        response = post_raw(client, raw, {"X-Kazi-Signature": "sha256=bad"})
        assert response.status_code == 413
        assert_nothing_written()

    def test_it_rejects_a_missing_serverid(self, client, body):
        del body["params"]["serverid"]
        response = post_webhook(client, body)
        assert response.status_code == 400
        assert "serverid" in response.json()["error"]
        assert_nothing_written()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "mutate, field",
    [
        (lambda b: b.pop("event_id"), "event_id"),
        (lambda b: b.update(event_id="x" * 101), "event_id"),
        (lambda b: b.update(command="DeleteEverything"), "command"),
        (lambda b: b.update(params=[]), "params"),
        (lambda b: b["params"].update(domain="not a domain"), "domain"),
        (lambda b: b["params"].update(domain="localhost"), "domain"),
        (lambda b: b["params"].update(domain="a" * 64 + ".com"), "domain"),
        (lambda b: b["params"].update(domain=None), "domain"),
        (
            lambda b: b["params"]["clientsdetails"].update(email="not-an-email"),
            "clientsdetails.email",
        ),
        (lambda b: b["params"]["clientsdetails"].update(email=None), "clientsdetails.email"),
        (lambda b: b["params"].update(serverhostname=None), "serverhostname"),
        (lambda b: b["params"].update(configoption1=None), "configoption1"),
        (lambda b: b["params"].update(password=None), "password"),
        (lambda b: b["params"].update(password=""), "password"),
        (lambda b: b["params"].update(password=" leading-space"), "password"),
        (lambda b: b["params"].update(password="trailing-brace}"), "password"),
        (lambda b: b["params"].update(password="x" * 31), "password"),
        (lambda b: b["params"].update(password="pässwort-123"), "password"),
        (lambda b: b["params"].update(serviceid="-3"), "serviceid"),
        (lambda b: b["params"].update(serviceid=True), "serviceid"),
        (lambda b: b["params"].update(userid="seven"), "userid"),
        (lambda b: b["params"].update(pid=0), "pid"),
        (lambda b: b["params"].update(configoption1=5), "configoption1"),
        (lambda b: b["params"].update(serverhostname="panel.example.net:99999"), "serverhostname"),
        (lambda b: b["params"].update(clientsdetails="ada"), "clientsdetails"),
    ],
)
def test_create_account_names_the_bad_field(client, mutate, field):
    body = command_body("CreateAccount")
    mutate(body)
    response = post_webhook(client, body)
    assert response.status_code == 400
    assert response.json()["error"].startswith(field)
    assert_nothing_written()


@pytest.mark.django_db
def test_a_refused_password_is_never_echoed(client):
    body = command_body("CreateAccount", password="secret-with-trailing-space ")
    response = post_webhook(client, body)
    assert response.status_code == 400
    assert "secret-with" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("raw", [b"", b"not json", b"[1, 2]", b"\xff\xfe", b'{"event_id": "a"'])
def test_it_rejects_a_body_that_is_not_a_json_object(client, raw):
    response = post_raw(client, raw, signed_headers(raw))
    assert response.status_code == 400
    assert response.json()["error"].startswith("body")
    assert_nothing_written()


@pytest.mark.django_db
def test_a_command_on_an_unknown_service_needs_its_domain(client):
    body = command_body("SuspendAccount")
    del body["params"]["domain"]
    response = post_webhook(client, body)
    assert response.status_code == 400
    assert response.json()["error"].startswith("domain")
    assert_nothing_written()


@pytest.mark.django_db
def test_it_answers_405_to_other_methods(client):
    assert client.get("/webhooks/whmcs/").status_code == 405


@pytest.mark.django_db
@override_settings(WEBHOOK_MAX_BODY_BYTES=100)
def test_the_size_limit_is_configurable(client):
    assert post_webhook(client, command_body("TestConnection")).status_code == 413


@pytest.mark.django_db
def test_the_status_of_an_unknown_operation_is_404(client):
    from tests.webhook_client import get_status

    response = get_status(client, "/webhooks/whmcs/operations/999/")
    assert response.status_code == 404
    assert "error" in response.json()


@pytest.mark.django_db
def test_the_status_endpoint_needs_a_signature(client):
    assert client.get("/webhooks/whmcs/operations/1/").status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize(
    "host",
    [
        'panel.example.net"; script-src *',
        "panel.example.net;x",
        "panel example.net",
        "-panel.example.net",
        "panel.example.net:0",
        "panel.example.net:",
        "[::1]x",
    ],
)
def test_a_server_host_must_be_a_host_name_or_ip(client, host):
    response = post_webhook(client, command_body("CreateAccount", serverhostname=host))
    assert response.status_code == 400
    assert response.json()["error"].startswith("serverhostname")
    assert_nothing_written()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "host",
    [
        "panel.example.net",
        "panel.example.net:4433",
        "192.0.2.7:8443",
        "[2001:db8::7]:2083",
        "2001:db8::7",
        "localhost",
        "bücher-panel.example",
    ],
)
def test_host_names_ips_and_ports_are_accepted(client, host):
    assert (
        post_webhook(client, command_body("CreateAccount", serverhostname=host)).status_code == 202
    )
