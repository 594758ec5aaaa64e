"""The client's page of a service and its one-click Control Panel login (thin views).

Access rules live in access.py, figures and charts in chart.py, the language in
language.py, the one-time login page in panels/login_page.py."""

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from ..models import Operation, Service
from ..operations.journal import panel_login_record
from ..panels.imscp.client import panel_base_url
from ..panels.login_page import panel_login_response
from .access import (
    VIEW_ONLY,
    AccessDenied,
    access_by_link_or_session,
    access_by_session,
    staff_may_log_in,
)
from .chart import (
    NO_HISTORY,
    history_chart_empty,
    history_chart_svg,
    history_days,
    usage_meter,
)
from .language import client_language_activate

# Single sign-on only for an account that exists and is enabled on the panel.
SSO_REFUSED = {
    Service.Status.PENDING: _(
        "Your hosting account is still being set up. "
        "The control panel opens as soon as it is active."
    ),
    Service.Status.SUSPENDED: _(
        "Your hosting account is suspended, so the control panel is closed. "
        "Please contact your hosting provider to have it reactivated."
    ),
    Service.Status.TERMINATED: _("This hosting account has been closed."),
    Service.Status.CANCELLED: _("This hosting account has been cancelled."),
}
NO_PASSWORD = _(
    "The control panel cannot be opened from here yet. Please contact your hosting provider."
)

# The client's words for the model's states and commands (the admin keeps the model's).
STATUS_LABELS = {
    Service.Status.PENDING: pgettext_lazy("service status", "Pending"),
    Service.Status.ACTIVE: pgettext_lazy("service status", "Active"),
    Service.Status.SUSPENDED: pgettext_lazy("service status", "Suspended"),
    Service.Status.TERMINATED: pgettext_lazy("service status", "Terminated"),
    Service.Status.CANCELLED: pgettext_lazy("service status", "Cancelled"),
}
FAILED_CHANGES = {
    Operation.Command.CREATE: pgettext_lazy("failed change to an account", "create"),
    Operation.Command.SUSPEND: pgettext_lazy("failed change to an account", "suspend"),
    Operation.Command.UNSUSPEND: pgettext_lazy("failed change to an account", "unsuspend"),
    Operation.Command.TERMINATE: pgettext_lazy("failed change to an account", "terminate"),
    Operation.Command.CHANGE_PASSWORD: pgettext_lazy(
        "failed change to an account", "change password"
    ),
}

# phpMyAdmin is a name in every language.
TOOLS = (
    (_("File manager"), "/ftp"),
    ("phpMyAdmin", "/pma"),
    (pgettext_lazy("panel tool", "Webmail"), "/webmail"),
)

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


DISK_SPACE = _("Disk space")
BANDWIDTH_THIS_MONTH = _("Bandwidth this month")
CHARTS = (
    # caption, chart id, title, figure of a day, colour, sentence for 0 on every day
    (
        DISK_SPACE,
        "disk-history",
        DISK_SPACE,
        "disk",
        "#1d4ed8",
        _("No disk space used in these %(days)s days (0 MB on every day recorded)."),
    ),
    (
        BANDWIDTH_THIS_MONTH,
        "bw-history",
        _("Bandwidth"),
        "bw",
        "#047857",
        _("No bandwidth used in these %(days)s days (0 MB on every day recorded)."),
    ),
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
    for caption, chart_id, title, figure, color, zero in CHARTS if recorded else ():
        values = [(day.day, getattr(day, figure)) for day in days]
        empty = history_chart_empty(values, zero)
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
    client_language_activate(request, service.client)
    panel_url = panel_base_url(service.server)
    last_failure = _last_failure(service)
    context = {
        "service": service,
        "status_label": STATUS_LABELS.get(service.status, service.get_status_display()),
        "staff": access.staff,
        "panel_url": panel_url,
        "sso_refusal": (
            VIEW_ONLY if access.staff and not staff_may_log_in(request) else sso_refusal(service)
        ),
        "tools": [(name, panel_url + path) for name, path in TOOLS],
        "meters": [
            usage_meter(DISK_SPACE, service.disk_usage, service.disk_limit),
            usage_meter(BANDWIDTH_THIS_MONTH, service.bw_usage, service.bw_limit),
        ],
        "last_failure": last_failure,
        "failed_change": last_failure
        and FAILED_CHANGES.get(last_failure.command, last_failure.get_command_display().lower()),
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
    client_language_activate(request, service.client)
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
