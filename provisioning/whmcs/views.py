"""The WHMCS module's other signed endpoints (thin views over whmcs_reads, login_tickets):
a command's latest outcome for a service (the cron hook), the bridge's view of a service
(WHMCS's admin tab), one-time panel logins, the last usage import, the account list and
Test Connection of a server WHMCS has not saved yet.

Signed like the status URL (v2: method, route, time and body, empty for GET); a signed
POST opens once (signed_requests)."""

import json

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from ..clientarea.access import MAX_WHMCS_ID
from ..clientarea.language import client_language_activate
from ..clientarea.views import sso_refusal
from ..http_errors import json_error
from ..models import Operation, Server, Service
from ..operations.journal import panel_login_record
from ..panels.account_lists import NoTrustedList
from ..panels.form_test import form_connection_test
from ..panels.imscp.errors import PanelError
from ..panels.login_page import panel_login_response
from .login_tickets import TicketRefused, ticket_issue, ticket_redeem
from .queue_outcomes import single_outcome_extras
from .reads import (
    server_accounts,
    server_usage_answer,
    service_last_operation,
    service_view_json,
)
from .webhook_params import ValidationProblem, server_form_parse
from .webhooks import operation_answer, whmcs_signed

OUTCOME_COMMANDS = frozenset(Operation.SERVICE_COMMANDS)


def _service(service_id: int) -> Service | None:
    if service_id > MAX_WHMCS_ID:
        return None
    return Service.objects.select_related("server", "product").filter(whmcs_id=service_id).first()


def _server(server_id: int) -> Server | None:
    return Server.objects.filter(whmcs_id=server_id).first() if server_id <= MAX_WHMCS_ID else None


def _admin_url(request: HttpRequest, service: Service) -> str:
    return request.build_absolute_uri(
        reverse("admin:provisioning_service_change", args=[service.pk])
    )


@require_GET
@whmcs_signed
def service_outcome(request: HttpRequest, service_id: int) -> JsonResponse:
    command = request.GET.get("command", "")
    if command not in OUTCOME_COMMANDS:
        return json_error(400, f"command: one of {', '.join(sorted(OUTCOME_COMMANDS))}")
    service = _service(service_id)
    op = service_last_operation(service, command) if service is not None else None
    if op is None:
        return json_error(404, f"no {command} of service {service_id}")
    return operation_answer(request, op, extra=single_outcome_extras(op))


@require_GET
@whmcs_signed
def service_view(request: HttpRequest, service_id: int) -> JsonResponse:
    service = _service(service_id)
    if service is None:
        return json_error(404, f"no service {service_id}")
    return JsonResponse({**service_view_json(service), "admin_url": _admin_url(request, service)})


def _requested_by(request: HttpRequest) -> str:
    """Who asked in WHMCS: an admin (the reseller's or a customer's login) or the customer
    (single sign-on from the client area)."""
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        data = {}
    data = data if isinstance(data, dict) else {}
    admin, client = data.get("admin"), data.get("client")
    if isinstance(client, str) and client and not admin:
        return f"WHMCS client {client}"
    return f"WHMCS admin {admin}" if isinstance(admin, str) and admin else "WHMCS admin"


def _ticket_answer(request: HttpRequest, server: Server, service: Service | None) -> JsonResponse:
    with transaction.atomic():
        token, expires = ticket_issue(server, service, _requested_by(request))
    url = request.build_absolute_uri(reverse("provisioning:panel-login-ticket", args=[token]))
    return JsonResponse({"url": url, "expires_at": expires.isoformat()})


@csrf_exempt
@require_POST
@whmcs_signed
def service_panel_login(request: HttpRequest, service_id: int) -> JsonResponse:
    service = _service(service_id)
    if service is None:
        return json_error(404, f"no service {service_id}")
    refusal = sso_refusal(service)
    if refusal:
        # The module's result is read in WHMCS's admin area: English, as every answer to it.
        with translation.override(settings.LANGUAGE_CODE):
            return json_error(409, str(refusal))
    return _ticket_answer(request, service.server, service)


@csrf_exempt
@require_POST
@whmcs_signed
def server_panel_login(request: HttpRequest, server_id: int) -> JsonResponse:
    server = _server(server_id)
    if server is None:
        return json_error(404, f"no server {server_id}")
    return _ticket_answer(request, server, None)


def _ticket_denied(request: HttpRequest, message: str, status: int) -> HttpResponse:
    # The page's URL holds the ticket: neither kept nor passed on.
    response = render(request, "clientarea/denied.html", {"message": message}, status=status)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
def panel_login_ticket(request: HttpRequest, token: str) -> HttpResponse:
    """The browser's side of the ticket: journaled, then the one-time login page."""
    try:
        ticket = ticket_redeem(token)
    except TicketRefused as error:
        return _ticket_denied(request, error.message, 403)
    server, service = ticket.server, ticket.service
    if service is not None:
        client_language_activate(request, service.client)
    if service is not None and (refusal := sso_refusal(service)):
        return _ticket_denied(request, refusal, 409)
    panel_login_record(
        request, server, service, who=ticket.requested_by, source=Operation.Source.WEBHOOK
    )
    if service is not None:
        return panel_login_response(server, service.domain_ascii, service.password)
    return panel_login_response(server, server.reseller_username, server.reseller_password)


@require_GET
@whmcs_signed
def server_usage(request: HttpRequest, server_id: int) -> JsonResponse:
    server = _server(server_id)
    if server is None:
        return json_error(404, f"no server {server_id}")
    return JsonResponse(server_usage_answer(server))


@require_GET
@whmcs_signed
def server_account_list(request: HttpRequest, server_id: int) -> JsonResponse:
    server = _server(server_id)
    if server is None:
        return json_error(404, f"no server {server_id}")
    try:
        accounts = server_accounts(server)
    except (PanelError, NoTrustedList) as exc:
        return json_error(409, f"the panel could not list its accounts: {exc.message}")
    return JsonResponse({"accounts": accounts})


@csrf_exempt
@require_POST
@whmcs_signed
def connection_test(request: HttpRequest) -> JsonResponse:
    """Test Connection of a server form WHMCS has not saved: {"params": {server fields}}
    answers {"result": "success" | the panel's reason}; nothing is stored for commands."""
    try:
        data = json.loads(request.body)
        form = server_form_parse(data.get("params") if isinstance(data, dict) else None)
    except ValueError as exc:  # ValidationProblem included
        return json_error(400, str(exc) if isinstance(exc, ValidationProblem) else "body: not JSON")
    server = Server(
        hostname=form.host or "",
        ip_address=form.ip_address or "",
        port=form.port,
        secure=bool(form.secure),
        reseller_username=form.username or "",
        reseller_password=form.password or "",
    )
    return JsonResponse({"result": form_connection_test(server)})
