"""The one-time page that logs a browser in to a panel (single sign-on).

The password is only in this answer: never in the page holding the button, never
cached, never sent as a referrer; each use is journaled (`journal.panel_login_record`)."""

import secrets

from django.http import HttpResponse
from django.template.loader import render_to_string

from ..models import Server
from .imscp.client import panel_base_url


def panel_login_response(server: Server, login: str, password: str) -> HttpResponse:
    nonce = secrets.token_urlsafe(16)
    html = render_to_string(
        "provisioning/panel_login.html",
        {
            "action_url": panel_base_url(server) + "/",
            "panel_host": server.host,
            "login": login,
            "password": password,
            "nonce": nonce,
        },
    )
    response = HttpResponse(html)
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Frame-Options"] = "DENY"
    response["Content-Security-Policy"] = (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
        f"form-action {panel_base_url(server)}/; frame-ancestors 'none'; base-uri 'none'"
    )
    return response
