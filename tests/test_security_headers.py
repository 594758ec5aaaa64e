"""Every page carries the security headers; cookies are HttpOnly/SameSite (Secure when
configured); every POST needs a CSRF token except the signed webhook."""

import pytest
from django.test import Client, RequestFactory, override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from provisioning.panels.login_page import panel_login_response
from provisioning.security_headers import ContentSecurityPolicyMiddleware
from provisioning.whmcs.webhooks import webhook_receive
from tests.factories import ServerFactory


@pytest.mark.django_db
def test_pages_carry_the_default_security_headers(client):
    for url in ("/admin/login/", "/webhooks/whmcs/openapi.json", "/no-such-page/"):
        response = client.get(url)
        csp = response["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, url
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_a_view_with_its_own_policy_keeps_it():
    server = ServerFactory.build(hostname="panel.example.net", secure=True)
    middleware = ContentSecurityPolicyMiddleware(
        lambda request: panel_login_response(server, "site.example.com", "Pass-word-1")
    )
    response = middleware(RequestFactory().get("/"))
    assert "'nonce-" in response["Content-Security-Policy"]
    assert "form-action https://panel.example.net/" in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_session_and_csrf_cookies_are_httponly_and_samesite(client, admin_user):
    response = client.get("/admin/login/")
    csrf = response.cookies["csrftoken"]
    assert csrf["httponly"] and csrf["samesite"] == "Lax"
    assert not csrf["secure"]
    response = client.post(
        "/admin/login/", {"username": "admin", "password": "password", "next": "/admin/"}
    )
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["httponly"] and session["samesite"] == "Lax"


@pytest.mark.django_db
@override_settings(SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True)
def test_cookies_are_secure_when_configured(client, admin_user):
    assert client.get("/admin/login/", secure=True).cookies["csrftoken"]["secure"]
    response = client.post(
        "/admin/login/", {"username": "admin", "password": "password"}, secure=True
    )
    assert response.cookies["sessionid"]["secure"]


@pytest.mark.django_db
@override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True)
def test_hsts_is_sent_over_https_only(client):
    secure = client.get("/admin/login/", secure=True)
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in client.get("/admin/login/")


@pytest.mark.django_db
def test_a_post_without_a_csrf_token_is_refused(admin_user):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/admin/login/", {"username": "admin", "password": "password"})
    assert response.status_code == 403
    client.force_login(admin_user)
    response = client.post("/admin/logout/")
    assert response.status_code == 403


def _views(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _views(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def test_only_the_signed_webhook_endpoints_are_exempt_from_csrf():
    exempt = {
        route
        for route, view in _views(get_resolver().url_patterns)
        if getattr(view, "csrf_exempt", False)
    }
    assert exempt == {
        "webhooks/whmcs/",
        "webhooks/whmcs/services/<int:service_id>/panel-login/",
        "webhooks/whmcs/servers/<int:server_id>/panel-login/",
        "webhooks/whmcs/queue/outcomes/",
        "webhooks/whmcs/queue/told/",
        "webhooks/whmcs/connection-test/",
    }
    assert webhook_receive.csrf_exempt
