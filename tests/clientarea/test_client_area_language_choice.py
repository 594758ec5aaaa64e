"""Which language the client's pages speak: the WHMCS client's, else the browser's, else
English; the WHMCS module's answers and the admin stay English."""

import json

import pytest
from django.contrib.auth.models import User

from provisioning.clientarea.language import whmcs_language_code
from provisioning.models import Client
from tests.client_area_links import client_area_link
from tests.factories import ClientFactory, ServiceFactory
from tests.webhook_client import command_body, post_raw, post_webhook, signed_headers

pytestmark = pytest.mark.django_db


def service_of(language: str, **fields):
    fields.setdefault("status", "active")
    return ServiceFactory(client=ClientFactory(language=language), **fields)


def open_page(client, service, accept: str | None = None):
    headers = {"Accept-Language": accept} if accept else {}
    response = client.get(client_area_link(service.whmcs_id), headers=headers)
    assert response.status_code == 200
    return response


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("german", "de"),
        ("French", "fr"),
        (" english ", "en"),
        ("spanish", None),
        ("", None),
        ("de", None),  # WHMCS names languages, it sends no codes
    ],
)
def test_whmcs_language_names_map_to_the_bridges_languages(name, code):
    assert whmcs_language_code(name) == code


@pytest.mark.parametrize(
    ("whmcs_language", "accept", "code", "words"),
    [
        # The WHMCS client's language wins over the browser's.
        ("german", "fr-FR,fr;q=0.9", "de", ("Website verwalten", "Speicherplatz")),
        # Without one, the browser's.
        ("", "fr-CH,fr;q=0.9,en;q=0.5", "fr", ("Gérer votre site web", "Espace disque")),
    ],
)
def test_the_page_speaks_the_whmcs_language_else_the_browsers(
    client, whmcs_language, accept, code, words
):
    response = open_page(client, service_of(whmcs_language), accept=accept)
    html = response.content.decode()
    assert response["Content-Language"] == code
    assert f'<html lang="{code}">' in html
    for word in words:
        assert word in html


@pytest.mark.parametrize(
    ("whmcs_language", "accept"),
    [("spanish", "es-ES,es;q=0.9"), ("", None), ("portuguese-br", "pt-BR"), ("", "xx")],
)
def test_a_language_the_bridge_does_not_have_falls_back_to_english(client, whmcs_language, accept):
    response = open_page(client, service_of(whmcs_language), accept=accept)
    html = response.content.decode()
    assert response["Content-Language"] == "en"
    assert '<html lang="en">' in html
    assert "Manage your website" in html


def test_an_unknown_whmcs_language_leaves_the_choice_to_the_browser(client):
    response = open_page(client, service_of("spanish"), accept="es-ES,de;q=0.8")
    assert response["Content-Language"] == "de"


def test_a_refusal_before_any_service_is_known_speaks_the_browsers_language(client):
    service = service_of("french")
    response = client.get(
        f"/client/services/{service.whmcs_id}/", headers={"Accept-Language": "de"}
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert '<html lang="de">' in html
    assert "Diese Seite kann nicht angezeigt werden" in html
    assert "Diese Seite öffnet sich über den Link in Ihrem Kundenbereich." in html


def test_the_control_panel_refusal_speaks_the_clients_language(client):
    service = service_of("french", status="suspended")
    client.get(client_area_link(service.whmcs_id))
    response = client.post(
        f"/client/services/{service.whmcs_id}/panel-login/", headers={"Accept-Language": "de"}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert response["Content-Language"] == "fr"
    assert "Le panneau de contrôle n’est pas disponible" in html
    assert "Votre compte d’hébergement est suspendu" in html


def test_a_client_who_switches_language_in_whmcs_reads_the_next_page_in_it(client):
    service = service_of("german")
    assert open_page(client, service)["Content-Language"] == "de"
    Client.objects.filter(pk=service.client_id).update(language="french")
    assert open_page(client, service)["Content-Language"] == "fr"


def test_the_webhook_keeps_the_clients_language_on_the_mirrored_client(client, panel):
    body = command_body("CreateAccount", panel)
    body["params"]["clientsdetails"]["language"] = "german"
    assert post_webhook(client, body).status_code == 202
    mirrored = Client.objects.get(whmcs_id=7)
    assert mirrored.language == "german"

    body = command_body("SuspendAccount", panel)
    body["event_id"] = "whmcs-suspend-language"
    body["params"]["clientsdetails"]["language"] = ""
    post_webhook(client, body)
    mirrored.refresh_from_db()
    assert mirrored.language == ""


def test_a_webhook_without_the_language_keeps_the_one_stored(client, panel):
    body = command_body("CreateAccount", panel)
    body["params"]["clientsdetails"]["language"] = "french"
    post_webhook(client, body)
    body = command_body("SuspendAccount", panel)
    body["event_id"] = "whmcs-suspend-no-language"
    del body["params"]["clientsdetails"]["language"]
    post_webhook(client, body)
    assert Client.objects.get(whmcs_id=7).language == "french"


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (7, "clientsdetails.language: must be a string"),
        ("x" * 65, "clientsdetails.language: longer than 64 characters"),
    ],
)
def test_a_language_that_is_no_name_is_refused_and_writes_nothing(client, panel, value, error):
    body = command_body("CreateAccount", panel)
    body["params"]["clientsdetails"]["language"] = value
    response = post_webhook(client, body)
    assert response.status_code == 400
    assert response.json()["error"] == error
    assert not Client.objects.exists()


def test_the_modules_answers_stay_english_whatever_the_browser(client):
    service = service_of("german", status="suspended")
    path = f"/webhooks/whmcs/services/{service.whmcs_id}/panel-login/"
    raw = json.dumps({"admin": "alice"}).encode()
    response = post_raw(
        client, raw, {**signed_headers(raw, path=path), "Accept-Language": "de"}, path
    )
    assert response.status_code == 409
    assert response.json()["error"].startswith("Your hosting account is suspended")


def test_the_admins_own_words_stay_english_for_a_german_browser(client):
    service = service_of("german", status="suspended")
    admin = User.objects.create_superuser("operator", "op@example.com", "pw-operator-1")
    client.force_login(admin)
    response = client.get(
        f"/admin/provisioning/service/{service.pk}/change/", headers={"Accept-Language": "de"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Suspended" in html
    assert "Gesperrt" not in html
