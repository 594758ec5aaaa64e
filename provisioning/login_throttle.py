"""Admin login throttling (django-axes): who the client is, and what a locked-out one sees."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string


def login_client_ip(request: HttpRequest) -> str:
    """The address failures are counted against.

    Behind a reverse proxy (TRUST_X_FORWARDED_FOR) that is the last X-Forwarded-For entry,
    the one the proxy appended: earlier entries come from the client and can be forged."""
    if settings.TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            return last[:64]
    return request.META.get("REMOTE_ADDR", "")


def lockout_response(request: HttpRequest, *args) -> HttpResponse:
    """429 with a fixed text: neither the user name tried nor whether it exists."""
    html = render_to_string("provisioning/login_locked.html", {"request": request})
    response = HttpResponse(html, status=429)
    response["Cache-Control"] = "no-store"
    return response
