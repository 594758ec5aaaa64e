"""Strict reading of a webhook body (shared webhook contract): every problem is a
ValidationProblem naming the field, and nothing is written before all is read."""

import ipaddress
import json
import re
from dataclasses import dataclass, field

import idna
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.views.decorators.debug import sensitive_variables

from ..domains import DomainError, domain_normalize
from ..models import Operation
from ..passwords import password_problem

# ChangePackage is journaled as a plan change owed (the panel has no such action).
SERVICE_COMMANDS = frozenset(Operation.SERVICE_COMMANDS) | {Operation.Command.CHANGE_PACKAGE}
SERVER_COMMANDS = frozenset(Operation.SERVER_COMMANDS)
CONTACT_FIELDS = (
    "firstname",
    "lastname",
    "companyname",
    "email",
    "address1",
    "address2",
    "city",
    "state",
    "postcode",
    "countryname",
    "phonenumber",
    "language",  # WHMCS's name of the client's language ("german"; "" for the default)
)
_PASSWORD_COMMANDS = (Operation.Command.CREATE, Operation.Command.CHANGE_PASSWORD)
_MAX_TEXT = 1000
_MAX_DEPTH = 20
# Contact fields whose column is shorter than the default text limit.
_CONTACT_MAX = {"postcode": 64, "phonenumber": 64, "language": 64}


_SURROGATE = re.compile("[\ud800-\udfff]")


class ValidationProblem(ValueError):
    pass


@dataclass
class ServerParams:
    whmcs_id: int  # None only for a Test Connection form not saved yet
    host: str | None = None
    ip_address: str | None = None
    port: int | None = None
    secure: bool | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    name: str | None = None


@dataclass
class ServiceParams:
    whmcs_id: int
    client_id: int | None = None
    product_id: int | None = None
    domain: str | None = None  # Unicode
    domain_ascii: str | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    plan_name: str | None = None
    product_name: str | None = None
    contact: dict[str, str] = field(default_factory=dict)
    reason: str | None = None  # SuspendAccount's suspendreason


@dataclass
class WebhookRequest:
    event_id: str
    command: str
    server: ServerParams
    service: ServiceParams | None
    payload: dict = field(repr=False)  # as received, secrets included


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _json_load(body: bytes):
    try:
        # NaN/Infinity are Python's extensions, not JSON: a database refuses them later.
        return json.loads(body, parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        # ValueError also covers integers longer than Python converts (int_max_str_digits).
        raise ValidationProblem("body: not valid JSON") from None


def _storable_problem(value: str) -> str | None:
    if "\x00" in value:
        return "contains a NUL character"
    if not value.isascii() and _SURROGATE.search(value):
        # A lone surrogate ("\ud800" in JSON) cannot be encoded for the database.
        return "contains an unpaired surrogate"
    return None


def _payload_check(payload: dict) -> None:
    """Refuse what no database column takes (NUL, lone surrogates) and deep nesting,
    anywhere in the body, ignored parameters included: the payload is stored."""
    stack: list[tuple[str, object, int]] = [("", payload, 0)]
    while stack:
        path, value, depth = stack.pop()
        if depth > _MAX_DEPTH:
            raise ValidationProblem(f"{path or 'body'}: nested deeper than {_MAX_DEPTH} levels")
        if isinstance(value, dict):
            for key, item in value.items():
                name = f"{path}.{key}" if path else key
                problem = _storable_problem(key)
                if problem:
                    raise ValidationProblem(f"{path or 'body'}: a key {problem}")
                stack.append((name, item, depth + 1))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", item, depth + 1) for i, item in enumerate(value))
        elif isinstance(value, str):
            problem = _storable_problem(value)
            if problem:
                raise ValidationProblem(f"{path}: {problem}")


@sensitive_variables("body", "payload", "params", "reader")
def webhook_parse(body: bytes) -> WebhookRequest:
    payload = _json_load(body)
    if not isinstance(payload, dict):
        raise ValidationProblem("body: must be a JSON object")
    _payload_check(payload)
    event_id = payload.get("event_id")
    if not isinstance(event_id, str) or not 1 <= len(event_id) <= 100:
        raise ValidationProblem("event_id: required, a string of 1 to 100 characters")
    command = payload.get("command")
    if not isinstance(command, str) or command not in SERVICE_COMMANDS | SERVER_COMMANDS:
        raise ValidationProblem(f"command: unknown command {str(command)[:50]!r}")
    params = payload.get("params")
    if not isinstance(params, dict):
        raise ValidationProblem("params: required, a JSON object")
    reader = _ParamReader(params)
    server = _server_params(reader)
    if command == Operation.Command.CREATE:
        for key in ("serverhostname", "serverusername", "serverpassword"):
            reader.text(key, required=True)
    service = _service_params(reader, command) if command in SERVICE_COMMANDS else None
    return WebhookRequest(event_id, command, server, service, payload)


@sensitive_variables("params", "reader")
def server_form_parse(params: object) -> ServerParams:
    """The server of a Test Connection form WHMCS has not saved yet (no serverid)."""
    if not isinstance(params, dict):
        raise ValidationProblem("params: required, a JSON object")
    reader = _ParamReader(params)
    server = _server_params(reader, id_required=False)
    if not (server.host or server.ip_address):
        raise ValidationProblem("serverhostname: required (or serverip)")
    for key in ("serverusername", "serverpassword"):
        reader.text(key, required=True)
    return server


class _ParamReader:
    def __init__(self, params: dict, prefix: str = ""):
        self.params = params
        self.prefix = prefix

    def _name(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def id(self, key: str, required: bool = False) -> int | None:
        value = self.params.get(key)
        if value is None or value == "":
            if required:
                raise ValidationProblem(f"{self._name(key)}: required")
            return None
        if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 12:
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**31:
            raise ValidationProblem(f"{self._name(key)}: must be a positive integer")
        return value

    def text(self, key: str, required: bool = False, max_length: int = _MAX_TEXT) -> str | None:
        value = self.params.get(key)
        if value is not None and not isinstance(value, str):
            raise ValidationProblem(f"{self._name(key)}: must be a string")
        if value is None or (required and not value.strip()):
            if required:
                raise ValidationProblem(f"{self._name(key)}: required")
            return None
        if len(value) > max_length:
            raise ValidationProblem(f"{self._name(key)}: longer than {max_length} characters")
        if "\x00" in value:
            raise ValidationProblem(f"{self._name(key)}: contains a NUL character")
        return value.strip()


def _ascii_digits(text: str, max_length: int) -> bool:
    # str.isdigit() alone accepts "²" and other digits int() refuses.
    return text.isascii() and text.isdigit() and len(text) <= max_length


_HOST_NAME = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*\.?$")


def _host_port(raw: str | None, field_name: str) -> tuple[str | None, int | None]:
    """A host name or IP, with an optional port; nothing else (it ends up in URLs and headers)."""
    if not raw:
        return None, None
    host, port_text = raw, ""
    if raw.startswith("["):
        host, _, rest = raw[1:].partition("]")
        if rest and not rest.startswith(":"):
            raise ValidationProblem(f"{field_name}: not a host name")
        port_text = rest[1:]
    elif raw.count(":") == 1:
        host, _, port_text = raw.partition(":")
    port = None
    if port_text or raw.endswith(":"):
        if not _ascii_digits(port_text, 5) or not 0 < int(port_text) < 65536:
            raise ValidationProblem(f"{field_name}: bad port in {raw!r}")
        port = int(port_text)
    if not _host_valid(host):
        raise ValidationProblem(f"{field_name}: not a host name or IP address")
    return raw, port


def _host_valid(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    if not host.isascii():
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError):
            return False
    return len(host) <= 253 and bool(_HOST_NAME.match(host))


@sensitive_variables("reader")
def _server_params(reader: _ParamReader, id_required: bool = True) -> ServerParams:
    host, host_port = _host_port(reader.text("serverhostname", max_length=255), "serverhostname")
    ip, ip_port = _host_port(reader.text("serverip", max_length=255), "serverip")
    port = reader.id("serverport")
    if port is not None and port > 65535:
        raise ValidationProblem("serverport: must be a TCP port")
    secure = reader.text("serversecure")
    return ServerParams(
        whmcs_id=reader.id("serverid", required=id_required),
        host=host,
        ip_address=ip,
        port=port or host_port or ip_port,
        secure=None if secure is None else secure.lower() in {"on", "1", "true", "yes"},
        username=reader.text("serverusername", max_length=255),
        password=reader.text("serverpassword", max_length=255),
        name=reader.text("servername", max_length=200),
    )


@sensitive_variables("reader", "password")
def _service_params(reader: _ParamReader, command: str) -> ServiceParams:
    creating = command == Operation.Command.CREATE
    domain = reader.text("domain", required=creating, max_length=253)
    domain_ascii = None
    if domain is not None:
        try:
            domain, domain_ascii = domain_normalize(domain)
        except DomainError as exc:
            raise ValidationProblem(f"domain: {exc}") from None
    password = reader.params.get("password")
    if password is not None and not isinstance(password, str):
        raise ValidationProblem("password: must be a string")
    if command in _PASSWORD_COMMANDS:
        if password is None:
            raise ValidationProblem("password: required")
        problem = password_problem(password)
        if problem:
            raise ValidationProblem(f"password: {problem}")
    plan = reader.text("configoption1", required=creating, max_length=255)
    contact = _contact(reader.params.get("clientsdetails"), required=creating)
    return ServiceParams(
        whmcs_id=reader.id("serviceid", required=True),
        client_id=reader.id("userid", required=creating),
        product_id=reader.id("pid", required=creating),
        domain=domain,
        domain_ascii=domain_ascii,
        username=reader.text("username", max_length=255),
        # Other commands carry WHMCS's current password too: kept where the bridge holds
        # none (the mirror decides), if the panel could hold it at all.
        password=password
        if command in _PASSWORD_COMMANDS or not password_problem(password or "")
        else None,
        plan_name=plan,
        product_name=reader.text("productname", max_length=200),
        contact=contact,
        reason=reader.text("suspendreason") if command == Operation.Command.SUSPEND else None,
    )


def _contact(details, required: bool) -> dict[str, str]:
    if details is None:
        if required:
            raise ValidationProblem("clientsdetails: required")
        return {}
    if not isinstance(details, dict):
        raise ValidationProblem("clientsdetails: must be a JSON object")
    reader = _ParamReader(details, prefix="clientsdetails.")
    reader.id("userid")
    contact = {}
    for key in CONTACT_FIELDS:
        value = reader.text(
            key, required=required and key == "email", max_length=_CONTACT_MAX.get(key, 255)
        )
        if value is not None:
            contact[key] = value
    if "email" in contact and contact["email"]:
        try:
            validate_email(contact["email"])
        except ValidationError:
            raise ValidationProblem("clientsdetails.email: not a valid email address") from None
    return contact
