"""Who may open a service's client-area page: the session a signed link opened, or staff.

A valid link grants its one service to the browser's session for
CLIENT_AREA_SESSION_SECONDS; the page and the single sign-on then need no link."""

import time
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from ..models import Service
from ..signing import SignatureError, client_area_verify

SESSION_KEY = "client_area_grants"
# The largest id the mirror can hold; a larger number in the URL is no service (and would
# overflow the database's integer column).
MAX_WHMCS_ID = 2**31 - 1

# Before a service is known the page speaks the browser's language: a refusal says
# nothing about any service, its client's language included.
NO_LINK = _(
    "This page opens from the link in your client area. "
    "Please go back to your client area and open it from there."
)
EXPIRED = _(
    "This link has expired: links to this page are valid for a few minutes. "
    "Please open the page again from your client area."
)
VIEW_ONLY = (
    "Logging in to the panel as this client needs the permission to change services, "
    "as the admin's Login as client button does."
)
NOT_VALID = _(
    "This link is not valid for this page. "
    "Please open the page again from your client area, without changing the link."
)


class AccessDenied(Exception):
    """Why the page is refused, in words for the client (never about any service)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Access:
    service: Service
    who: str
    staff: bool


def is_staff(request: HttpRequest) -> bool:
    user = request.user
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.has_perm("provisioning.view_service")
    )


def staff_may_log_in(request: HttpRequest) -> bool:
    """Staff who may log in to a customer's panel: those the admin's Login as client
    button lets in (change permission), not those who may only look."""
    return is_staff(request) and request.user.has_perm("provisioning.change_service")


def _service(service_whmcs_id: int) -> Service:
    if service_whmcs_id > MAX_WHMCS_ID:
        raise AccessDenied(NOT_VALID)
    try:
        return Service.objects.select_related("client", "product", "server").get(
            whmcs_id=service_whmcs_id
        )
    except Service.DoesNotExist:
        raise AccessDenied(NOT_VALID) from None


def _link_verify(request: HttpRequest, service_whmcs_id: int) -> None:
    try:
        client_area_verify(service_whmcs_id, request.GET.get("expires"), request.GET.get("sig"))
    except SignatureError as error:
        raise AccessDenied(EXPIRED if "expired" in str(error) else NOT_VALID) from None


def _grant(request: HttpRequest, service: Service) -> None:
    grants = dict(request.session.get(SESSION_KEY, {}))
    now = time.time()
    grants = {key: until for key, until in grants.items() if until > now}
    grants[str(service.whmcs_id)] = int(now) + settings.CLIENT_AREA_SESSION_SECONDS
    # A new session key on every grant: a session id planted before cannot ride along.
    request.session.cycle_key()
    request.session[SESSION_KEY] = grants


def _granted(request: HttpRequest, service_whmcs_id: int) -> bool:
    until = request.session.get(SESSION_KEY, {}).get(str(service_whmcs_id))
    return until is not None and until > time.time()


def _who(request: HttpRequest, service: Service | None, staff: bool) -> str:
    if staff:
        return f"staff user {request.user.get_username()}"
    return f"client area (WHMCS client {service.client.whmcs_id})"


def access_by_link_or_session(request: HttpRequest, service_whmcs_id: int) -> Access:
    """The page's rule. A link in the query is checked strictly (and granted when good),
    even in a session that already holds the service: a bad link is always refused."""
    staff = is_staff(request)
    if staff:
        return Access(_service(service_whmcs_id), _who(request, None, True), True)
    if "expires" in request.GET or "sig" in request.GET:
        _link_verify(request, service_whmcs_id)
        service = _service(service_whmcs_id)
        _grant(request, service)
        return Access(service, _who(request, service, False), False)
    if not _granted(request, service_whmcs_id):
        raise AccessDenied(NO_LINK)
    service = _service(service_whmcs_id)
    return Access(service, _who(request, service, False), False)


def access_by_session(request: HttpRequest, service_whmcs_id: int) -> Access:
    """The single sign-on's rule: staff who may change services, or a session a link
    opened for this service."""
    staff = staff_may_log_in(request)
    if not staff and not _granted(request, service_whmcs_id):
        raise AccessDenied(VIEW_ONLY if is_staff(request) else NO_LINK)
    service = _service(service_whmcs_id)
    return Access(service, _who(request, service, staff), staff)
