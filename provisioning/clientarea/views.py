"""The client's page of a service and its one-click Control Panel login (thin views).

Access rules live in clientarea_access.py, figures and charts in usage_chart.py, the
one-time login page in panel_login.py."""

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from ..models import Operation, Service
from ..operations.journal import panel_login_record
from ..panels.imscp.client import panel_base_url
from ..panels.login_page import panel_login_response
from .access import AccessDenied, access_by_link_or_session, access_by_session
from .chart import (
    NO_HISTORY,
    history_chart_empty,
    history_chart_svg,
    history_days,
    usage_meter,
)

# Single sign-on only for an account that exists and is enabled on the panel.
SSO_REFUSED = {
    Service.Status.PENDING: (
        "Your hosting account is still being set up. "
        "The control panel opens as soon as it is active."
    ),
    Service.Status.SUSPENDED: (
        "Your hosting account is suspended, so the control panel is closed. "
        "Please contact your hosting provider to have it reactivated."
    ),
    Service.Status.TERMINATED: "This hosting account has been closed.",
    Service.Status.CANCELLED: "This hosting account has been cancelled.",
}
NO_PASSWORD = (
    "The control panel cannot be opened from here yet. Please contact your hosting provider."
)

TOOLS = (("File manager", "/ftp"), ("phpMyAdmin", "/pma"), ("Webmail", "/webmail"))

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def clientarea_headers(response: HttpResponse) -> HttpResponse:
    """No script at all, no framing, no caching of a client's figures, and the signed
    link never leaves for another site in a Referer header. Not "no-referrer": with it
    browsers send `Origin: null` on the Control Panel POST, which CSRF checks refuse."""
    response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response["X-Frame-Options"] = "DENY"
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _denied(request: HttpRequest, error: AccessDenied) -> HttpResponse:
    response = render(request, "clientarea/denied.html", {"message": error.message}, status=403)
    return clientarea_headers(response)


def sso_refusal(service: Service) -> str:
    """Why the Control Panel button is off for this service, or "" when it is on."""
    if service.status != Service.Status.ACTIVE:
        return SSO_REFUSED.get(service.status, NO_PASSWORD)
    if not service.password:
        return NO_PASSWORD
    return ""


def _last_failure(service: Service) -> Operation | None:
    """The last change to the account, when it failed: its text is the panel's answer."""
    last = (
        # A plan change owed is the operator's to-do (its text speaks to them), not the client's.
        service.operations.exclude(
            command__in=(Operation.Command.PANEL_LOGIN, Operation.Command.CHANGE_PACKAGE)
        )
        .only("command", "state", "result", "finished_at")
        .order_by("-id")
        .first()
    )
    return last if last is not None and last.state == Operation.State.FAILED else None


CHARTS = (
    # caption, chart id, title, figure of a day, colour
    ("Disk space", "disk-history", "Disk space", "disk", "#1d4ed8"),
    ("Bandwidth this month", "bw-history", "Bandwidth", "bw", "#047857"),
)


def _history(service: Service) -> dict:
    """The last 30 days: a chart per figure, or the sentence that stands for an empty one."""
    today = timezone.localdate()
    days = history_days(
        {
            sample.day: (sample.disk_usage, sample.bw_usage)
            for sample in service.usage_samples.filter(day__gt=today - timedelta(days=30))
        },
        today,
    )
    recorded = any(day.disk is not None for day in days)
    charts = []
    for caption, chart_id, title, figure, color in CHARTS if recorded else ():
        values = [(day.day, getattr(day, figure)) for day in days]
        empty = history_chart_empty(title, values)
        chart = "" if empty else history_chart_svg(chart_id, title, values, color)
        charts.append({"caption": caption, "svg": chart, "empty": empty})
    return {"days": days, "charts": charts, "empty": "" if recorded else NO_HISTORY}


@require_GET
def service_page(request: HttpRequest, service_id: int) -> HttpResponse:
    try:
        access = access_by_link_or_session(request, service_id)
    except AccessDenied as error:
        return _denied(request, error)
    service = access.service
    panel_url = panel_base_url(service.server)
    context = {
        "service": service,
        "staff": access.staff,
        "panel_url": panel_url,
        "sso_refusal": sso_refusal(service),
        "tools": [(name, panel_url + path) for name, path in TOOLS],
        "meters": [
            usage_meter("Disk space", service.disk_usage, service.disk_limit),
            usage_meter("Bandwidth this month", service.bw_usage, service.bw_limit),
        ],
        "last_failure": _last_failure(service),
        "history": _history(service),
    }
    return clientarea_headers(render(request, "clientarea/service.html", context))


@require_POST
def service_panel_login(request: HttpRequest, service_id: int) -> HttpResponse:
    """The Control Panel button (CSRF-checked by the middleware): journal, then the
    one-time page that posts the customer's login to the panel."""
    try:
        access = access_by_session(request, service_id)
    except AccessDenied as error:
        return _denied(request, error)
    service = access.service
    refusal = sso_refusal(service)
    if refusal:
        response = render(
            request,
            "clientarea/sso_refused.html",
            {"service": service, "message": refusal},
            status=409,
        )
        return clientarea_headers(response)
    panel_login_record(
        request,
        service.server,
        service,
        who=access.who,
        source=Operation.Source.ADMIN if access.staff else Operation.Source.CLIENT_AREA,
    )
    return panel_login_response(service.server, service.domain_ascii, service.password)
