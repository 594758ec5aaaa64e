"""The panel client: one function per KaziWhmcs action, over one keep-alive session."""

import functools
import hashlib
import logging
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

import requests
from django.conf import settings

from .answers import UsageEntry, answer_check, locked_out_check, login_passed, usage_parse
from .errors import PanelError, PanelLoginRefused, PanelTransientError

logger = logging.getLogger(__name__)

# One pooled connection per process: django-q2 workers are processes, each runs one task at
# a time. It keeps no cookie: every call opens a panel session of its own, as the original
# module did, unless the target names one (see PanelTarget.session).
_session = requests.Session()
_session.headers.update({"User-Agent": "kaziwhmcs-bridge", "Accept-Encoding": "gzip, deflate"})
_session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))


class SessionLedger(Protocol):
    """Where the panel session to call in is kept, shared by every worker: read before each
    call (another worker may have recorded a failed login since), told of each call that
    got past the panel's login."""

    def current(self) -> str: ...

    def customer_turn(self) -> AbstractContextManager: ...

    def owed(self, session: str, sent_at: float) -> None: ...

    def got_in(self, session: str) -> None: ...


@dataclass(frozen=True)
class PanelTarget:
    """Where and as whom to talk to one panel."""

    base_url: str  # scheme://host[:port], no trailing slash
    endpoint_path: str
    reseller_name: str
    reseller_pass: str = field(repr=False)
    verify: bool | str = True
    server_id: int | None = None  # the bridge's server row, for the call observers
    # A panel session (`name=value`) to make the calls in: one whose failed login the
    # panel still counts against the bridge's address, cleared by a good login in it.
    session: str = field(default="", repr=False)
    # When set, it names the session instead of `session`, before every call.
    ledger: SessionLedger | None = field(default=None, repr=False, compare=False)

    @classmethod
    def for_server(
        cls, server, session: str = "", ledger: SessionLedger | None = None
    ) -> "PanelTarget":
        return cls(
            base_url=panel_base_url(server),
            endpoint_path=server.endpoint_path or "/kaziwhmcs",
            reseller_name=server.reseller_username,
            reseller_pass=server.reseller_password,
            verify=_verify_option(server),
            server_id=server.pk,
            session=session,
            ledger=ledger,
        )

    def session_now(self) -> str:
        return self.ledger.current() if self.ledger is not None else self.session

    def customer_turn(self) -> AbstractContextManager:
        return self.ledger.customer_turn() if self.ledger is not None else nullcontext()

    def session_owed(self, session: str, sent_at: float) -> None:
        if self.ledger is not None:
            self.ledger.owed(session, sent_at)

    def session_got_in(self, session: str) -> None:
        if self.ledger is not None:
            self.ledger.got_in(session)


# Told about every HTTP call to a panel: (target, action, seconds, error or None). The app
# registers its observers (call timings for the metrics); this package imports nothing
# from the app. An observer that fails is logged and never fails the call.
CALL_OBSERVERS: list[Callable[[PanelTarget, str, float, Exception | None], None]] = []


def _observed(action: str | None = None):
    """Time the call and tell the observers; `action` None: the call's second argument."""

    def decorate(call):
        @functools.wraps(call)
        def observed(target, *args, **kwargs):
            started, error = time.perf_counter(), None
            try:
                return call(target, *args, **kwargs)
            except Exception as exc:
                error = exc
                raise
            finally:
                seconds = time.perf_counter() - started
                for observer in CALL_OBSERVERS:
                    try:
                        observer(target, action or args[0], seconds, error)
                    except Exception:
                        logger.exception("panel call observer %r failed", observer)

        return observed

    return decorate


@dataclass(frozen=True)
class NewAccount:
    plan: str
    domain: str  # the panel login is the domain (ASCII form)
    password: str = field(repr=False)
    email: str
    customer_id: str = ""
    contact: dict[str, str] = field(default_factory=dict)


def panel_base_url(server) -> str:
    """scheme://host[:port]: a port in the host name wins over the server's port field."""
    scheme = "https" if server.secure else "http"
    host = (server.hostname or server.ip_address).strip().rstrip("/")
    if "://" in host:
        host = urlsplit(host).netloc
    if host.count(":") > 1 and not host.startswith("["):
        host = f"[{host}]"  # a bare IPv6 address
    has_port = ":" in host.rpartition("]")[2]
    if not has_port and server.port:
        host = f"{host}:{server.port}"
    return f"{scheme}://{host}"


def _verify_option(server) -> bool | str:
    if not server.verify_tls:
        return False
    if server.ca_bundle.strip():
        # requests wants a path: one file per distinct bundle, written once.
        digest = hashlib.sha256(server.ca_bundle.encode()).hexdigest()[:16]
        path = Path(tempfile.gettempdir()) / f"kaziwhmcs-ca-{digest}.pem"
        if not path.exists():
            path.write_text(server.ca_bundle)
        return str(path)
    return True


@_observed()
def _post(
    target: PanelTarget, action: str, fields: dict[str, str], session: str | None = None
) -> requests.Response:
    """One call, made in `session` (None: the one the target names now)."""
    if session is None:
        session = target.session_now()
    sent_at = time.time()
    data = {
        "reseller_name": target.reseller_name,
        "reseller_pass": target.reseller_pass,
        "action": action,
        **fields,
    }
    try:
        response = _session.post(
            target.base_url + target.endpoint_path,
            data=data,
            headers={"Cookie": session} if session else None,
            timeout=(settings.PANEL_CONNECT_TIMEOUT, settings.PANEL_READ_TIMEOUT),
            verify=target.verify,
            allow_redirects=False,
        )
        response.encoding = response.encoding or "utf-8"
        _ = response.text  # read (and gunzip) now so a broken body is a transient error here
    except requests.ConnectTimeout:
        raise PanelTransientError(
            "Cannot connect to the panel: connection timed out", unreachable=True
        ) from None
    except requests.exceptions.SSLError as exc:
        raise PanelTransientError(
            f"TLS error talking to the panel: {_reason(exc)}", unreachable=True
        ) from None
    except requests.ConnectionError as exc:
        sent = not _refused_before_sending(exc)
        raise PanelTransientError(
            f"Connection to the panel failed: {_reason(exc)}",
            outcome_unknown=sent,
            unreachable=True,
        ) from None
    except requests.Timeout:
        raise PanelTransientError(
            f"The panel did not answer within {settings.PANEL_READ_TIMEOUT:g} s",
            outcome_unknown=True,
            unreachable=True,
        ) from None
    except requests.RequestException as exc:
        raise PanelTransientError(
            f"Request to the panel failed: {_reason(exc)}", outcome_unknown=True, unreachable=True
        ) from None
    try:
        answer_check("login", response.status_code, response.text, login_only=True)
    except PanelLoginRefused as exc:
        exc.session, exc.sent_at = session or _session_of(response), sent_at
        raise
    if login_passed(action, response.status_code, response.text):
        target.session_got_in(session)
    return response


def _session_of(response: requests.Response) -> str:
    """The panel session an answer opened (`name=value`), from its Set-Cookie."""
    cookie = next(iter(response.cookies), None)
    return f"{cookie.name}={cookie.value}" if cookie is not None else ""


def _refused_before_sending(exc: requests.ConnectionError) -> bool:
    text = repr(exc)
    return any(
        marker in text
        for marker in ("NewConnectionError", "NameResolutionError", "Connection refused")
    )


def _reason(exc: Exception) -> str:
    # urllib3 wraps the useful part deep inside; keep messages short and free of URLs' secrets.
    text = str(exc.args[0] if exc.args else exc)
    return text.split("Caused by ")[-1].strip("()")[:300]


def _call(target: PanelTarget, action: str, fields: dict[str, str]) -> None:
    response = _post(target, action, fields)
    answer_check(action, response.status_code, response.text)


def create(target: PanelTarget, account: NewAccount) -> None:
    fields = {
        "hp_name": account.plan,
        "domain": account.domain,
        "admin_name": account.domain,
        "admin_pass": account.password,
        "email": account.email,
    }
    if account.customer_id:
        fields["customer_id"] = account.customer_id
    fields.update({key: value for key, value in account.contact.items() if value})
    _call(target, "create", fields)


def suspend(target: PanelTarget, domain: str) -> None:
    _call(target, "suspend", {"domain": domain})


def unsuspend(target: PanelTarget, domain: str) -> None:
    _call(target, "unsuspend", {"domain": domain})


def terminate(target: PanelTarget, domain: str) -> None:
    _call(target, "terminate", {"domain": domain})


def changepw(target: PanelTarget, login: str, password: str) -> None:
    _call(target, "changepw", {"admin_name": login, "admin_pass": password})


def usage_answer(target: PanelTarget) -> tuple[int, str]:
    """The usageupdate answer as it came (HTTP status, body), before it is read."""
    response = _post(target, "usageupdate", {})
    return response.status_code, response.text


def usageupdate(target: PanelTarget) -> list[UsageEntry]:
    return usage_parse(*usage_answer(target))


def connection_test(target: PanelTarget, session: str | None = None) -> None:
    """Log in as the reseller without acting: an unknown action after a good login is
    answered `Bad request` (400); a bad login gets the panel's refusal text."""
    response = _post(target, "connectiontest", {}, session)
    if response.status_code == 400 and response.text.strip() == "Bad request":
        return
    answer_check("connectiontest", response.status_code, response.text)


class LoginResult:
    OK = "ok"  # the password is right and the account usable
    # The password is right but the panel sends the customer back to its notice: the
    # account is suspended, not yet (or no longer) ready, or the panel in maintenance.
    UNUSABLE = "unusable"
    REFUSED = "refused"  # no such login, or another password


@_observed("login")
def customer_login_check(target: PanelTarget, login: str, password: str) -> str:
    """Try the panel's own login form as the customer: tells whether the account exists
    with this password and whether it is usable (see the protocol, "Panel login").

    The panel counts a refused login against the bridge's address until a good login in
    the same panel session clears it: so a login that did not get in is followed at once
    by the reseller's login in its session. Should that fail, the error names the session
    (PanelError.session) so that the bridge's next call clears it."""
    if not password:
        raise ValueError("a customer login needs the account's password")
    # One customer login at a time per server: two failures in flight at once would
    # leave a count whose session the bridge cannot know.
    with target.customer_turn():
        session, sent_at = target.session_now(), time.time()
        try:
            response = _session.post(
                target.base_url + "/",
                data={"uname": login, "upass": password, "action": "login"},
                headers={"Cookie": session} if session else None,
                timeout=(settings.PANEL_CONNECT_TIMEOUT, settings.PANEL_READ_TIMEOUT),
                verify=target.verify,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise PanelTransientError(
                f"Panel login check failed: {_reason(exc)}", unreachable=True
            ) from None
        if response.status_code in (301, 302, 303):
            location = response.headers.get("Location", "")
            if "/client/" in location:
                return LoginResult.OK
            result = LoginResult.UNUSABLE
        elif response.status_code == 200:
            locked_out_check(response.text)
            result = LoginResult.REFUSED
        else:
            raise PanelTransientError(f"Panel login check: unexpected HTTP {response.status_code}")
        session = session or _session_of(response)
        if result == LoginResult.REFUSED:
            # Recorded before the clearing call: a worker killed in between leaves the debt
            # for the next call to pay, never a count nobody clears.
            target.session_owed(session, sent_at)
        try:
            connection_test(target, session)
        except PanelError as exc:
            exc.session = session
            if result == LoginResult.REFUSED:
                exc.sent_at = sent_at
            raise
        return result
