"""The KaziWhmcs plugin of the emulated panel (whmcs.php): a reseller login per request,
the actions, their texts and their check order, as the shared protocol notes describe."""

import re

from provisioning.panels.imscp import phpserial

from .emulator_names import clean_input, domain_forms, to_ascii, to_unicode
from .emulator_state import Customer, PanelState, Reseller

PREFIX = "KaziWhmcs: "
BAD_REQUEST = (400, "Bad request")
CONTACT_FIELDS = "fname lname firm zip city state country phone street1 street2".split()
USAGE_UNSUPPORTED_PAGE = (
    '<!DOCTYPE html>\n<html><head><meta charset="UTF-8"><title>i-MSCP - internet Multi Server'
    ' Control Panel - Error</title></head><body><div class="error"><h1>An unexpected error'
    " occurred</h1><p>Bad request</p></div></body></html>\n"
)
_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")

Answer = tuple[int, str]


def plugin_answer(state: PanelState, fields: dict[str, str], ip: str, session: str) -> Answer:
    """One POST to the plugin's endpoint in PHP session `session`: (HTTP status, body)."""
    if not {"action", "reseller_name", "reseller_pass"} <= fields.keys():
        return BAD_REQUEST
    action = clean_input(fields["action"])
    kind, user, message = state.authenticate(
        fields["reseller_name"], fields["reseller_pass"], ip, session
    )
    with state.lock:
        state.daemon_run()
        if kind is None:
            return 200, PREFIX + (message or "Unable to login")
        if kind != "reseller":
            return 200, PREFIX + "Wrong user type. Only resellers can use the KaziWhmcs API"
        handler = _ACTIONS.get(action)
        return handler(state, user, fields) if handler else BAD_REQUEST


def email_valid(email: str) -> bool:
    local, at, host = email.rpartition("@")
    return bool(at and len(email) <= 254 and _EMAIL_LOCAL.fullmatch(local) and domain_forms(host))


def decimal_mb(size: int) -> int:
    # bytesHuman($bytes, 'MB', 0, 1000) is sprintf('%.0f'): PHP rounds halves up.
    return (size + 500_000) // 1_000_000


def _password_valid(state: PanelState, password: str) -> bool:
    # checkPasswordSyntax() with PASSWD_STRONG off: length and printable ASCII only.
    minimum = min(max(state.settings.password_min_length, 6), 30)
    lowest = 0x21 if state.settings.refuse_spaces else 0x20
    return minimum <= len(password) <= 30 and all(lowest <= ord(c) <= 0x7E for c in password)


def _domain_taken(state: PanelState, ascii_name: str, reseller: str) -> bool:
    # imscp_domain_exists(): any reseller's domain or alias, or a sub-zone of another
    # reseller's; a domain pending deletion still has its row, so it counts too.
    if ascii_name in state.customers or ascii_name in state.aliases:
        return True
    if ascii_name == to_ascii(state.settings.panel_hostname):
        return True
    labels = ascii_name.split(".")
    for i in range(1, len(labels)):
        parent = ".".join(labels[i:])
        owner = state.customers.get(state.aliases.get(parent, parent))
        if owner is not None and owner.reseller != reseller:
            return True
    return False


def _create(state: PanelState, reseller: Reseller, fields: dict[str, str]) -> Answer:
    # The plugin checks the plan and the IP before it looks at the other fields.
    if "hp_name" not in fields:
        return BAD_REQUEST
    plan_name = clean_input(fields["hp_name"])
    # MySQL's case-insensitive collation: "basic" finds the plan "Basic".
    plan = state.plans.get((reseller.name, plan_name.lower()))
    if plan is None:
        return 200, f"{PREFIX}The '{plan_name}' hosting plan doesn't exists"
    if not reseller.has_ip:
        return 200, PREFIX + "Reseller doesn't have any IP address"
    if not {"admin_name", "admin_pass", "domain", "email"} <= fields.keys():
        return BAD_REQUEST
    email = clean_input(fields["email"])
    if not email_valid(email):
        return 200, f"{PREFIX}'{email}' is not a valid email address"
    password = clean_input(fields["admin_pass"])
    if not _password_valid(state, password):
        return 200, f"{PREFIX}'{password}' is not a valid password"
    lowered = clean_input(fields["domain"]).lower()
    forms = domain_forms(lowered)
    if forms is None:
        return 200, f"{PREFIX}Domain '{to_unicode(lowered)}' is not valid"
    if _domain_taken(state, forms[1], reseller.name):
        return 200, f"{PREFIX}Domain '{forms[0]}' already exists or is not allowed"
    login = to_ascii(clean_input(fields["admin_name"]))
    fault = state.take_fault("create_empty_body", "create")
    if login is None or login in state.logins or (fault and not fault.created):
        # The insert fails and the plugin's error sprintf() lacks an argument: the
        # message is lost and the answer is an empty body.
        return 200, ""
    customer = state.add_customer(
        reseller.name,
        plan,
        domain=forms[1],
        domain_unicode=forms[0],
        login=login,
        password=password,
        email=email,
        customer_id=clean_input(fields.get("customer_id", "")),
        contact={name: clean_input(fields.get(name, "")) for name in CONTACT_FIELDS},
    )
    state.status_set(customer, "toadd")
    return 200, "" if fault else "success"


def _find(state: PanelState, fields: dict[str, str], name: str) -> tuple[Customer | None, str]:
    # The echo is the field as sent, trimmed: whmcs.php passes clean_input($_POST['domain'])
    # on and refuses with `die(sprintf("KaziWhmcs: The '%s' customer account doesn't
    # exists", $domainName))` (changepw likewise with $customerName).
    echo = clean_input(fields[name])
    ascii_name = to_ascii(echo.lower()) or ""
    if name == "domain":
        return state.customers.get(ascii_name), echo
    kind, user = state.logins.get(ascii_name, (None, None))
    return (user if kind == "customer" else None), echo


# What each action asks of the daemon, and the state in which it has nothing to do.
_STATUS_REQUESTS = {
    "suspend": ("todisable", "disabled"),
    "unsuspend": ("toenable", "ok"),
    "terminate": ("todelete", "todelete"),
}


def _status_change(state: PanelState, fields: dict[str, str], action: str) -> Answer:
    if "domain" not in fields:
        return BAD_REQUEST
    found, echo = _find(state, fields, "domain")
    if found is None:
        return 200, f"{PREFIX}The '{echo}' customer account doesn't exists"
    # No ownership check, as in the plugin. A pending deletion stays pending.
    requested, settled = _STATUS_REQUESTS[action]
    if found.status not in (settled, "todelete") or action == "terminate":
        state.status_set(found, requested)
    return 200, "success"


def _changepw(state: PanelState, reseller: Reseller, fields: dict[str, str]) -> Answer:
    if not {"admin_name", "admin_pass"} <= fields.keys():
        return BAD_REQUEST
    password = clean_input(fields["admin_pass"])
    if not _password_valid(state, password):
        return 200, f"{PREFIX}'{password}' is not a valid password"
    found, echo = _find(state, fields, "admin_name")
    if found is None or found.reseller != reseller.name:
        return 200, f"{PREFIX}The '{echo}' customer account doesn't exists"
    found.password = password
    return 200, "success"


def _usageupdate(state: PanelState, reseller: Reseller, fields: dict[str, str]) -> Answer:
    if state.take_fault("usage_unsupported", "usageupdate"):
        return 400, USAGE_UNSUPPORTED_PAGE
    customers = [c for c in state.customers.values() if c.reseller == reseller.name]
    if state.settings.usage_list_by_domain_id:
        # KaziWhmcs 1.0.0 on i-MSCP 1.2.3+: the plugin passes each customer's domain id
        # where the core expects an admin id, so the list names whoever has that id.
        by_admin_id = {c.admin_id: c for c in state.customers.values()}
        customers = [by_admin_id[c.domain_id] for c in customers if c.domain_id in by_admin_id]
    rows = [
        {
            "domain": c.domain_unicode,
            "diskusage": decimal_mb(c.disk_bytes),
            "disklimit": str(c.disk_limit_mib),
            "bwusage": decimal_mb(c.bw_bytes),
            "bwlimit": str(c.bw_limit_mib),
        }
        for c in customers
    ]
    return 200, phpserial.dumps(rows).decode("utf-8") if rows else "success"


_ACTIONS = {
    "create": _create,
    "suspend": lambda state, _, fields: _status_change(state, fields, "suspend"),
    "unsuspend": lambda state, _, fields: _status_change(state, fields, "unsuspend"),
    "terminate": lambda state, _, fields: _status_change(state, fields, "terminate"),
    "changepw": _changepw,
    "usageupdate": _usageupdate,
}
