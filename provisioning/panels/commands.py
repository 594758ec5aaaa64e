"""What each command does on the panel, and what it changes in the bridge once it worked.

`command_execute` talks to the panel (never inside a transaction); `command_apply`
records the effect, inside the transaction that marks the operation succeeded."""

from dataclasses import dataclass, field

from django.utils import timezone

from ..models import Operation, Server, Service
from .access import panel_access
from .account_lists import account_list
from .imscp import client as panel
from .imscp.errors import PanelPermanentError, PanelTransientError, PanelUsageUnsupported
from .usage import usage_entries_json, usage_import

Command = Operation.Command


@dataclass
class CommandResult:
    result: str = "success"
    note: str = ""  # how the bridge decided (adoption, idempotent replay...), for the journal
    usage: list | None = field(default=None, repr=False)


ALREADY_EXISTS = "already exists or is not allowed"
HOW_TO_CONFIRM = (
    "If it is this service's account, confirm its ownership on the service's page in the "
    "bridge's admin, then retry."
)


def _create_password(op: Operation) -> str:
    """The password the create sends and proves ownership with: the one it was accepted
    with (a later webhook's password is another operation's), else the service's."""
    return op.secret or op.service.password


def _create(op: Operation, target: panel.PanelTarget) -> CommandResult:
    # After an attempt whose outcome is unknown the create is simply sent again: the
    # panel's "already exists" leads to the same check as any account found there.
    service = op.service
    client = service.client
    contact = {
        "fname": client.firstname,
        "lname": client.lastname,
        "firm": client.companyname,
        "zip": client.postcode,
        "city": client.city,
        "state": client.state,
        "country": client.country,
        "phone": client.phonenumber,
        "street1": client.address1,
        "street2": client.address2,
    }
    try:
        panel.create(
            target,
            panel.NewAccount(
                plan=service.product.plan_name,
                domain=service.domain_ascii,
                password=_create_password(op),
                email=client.email,
                customer_id=f"whmcs_{client.whmcs_id}",
                contact=contact,
            ),
        )
    except PanelPermanentError as exc:
        if ALREADY_EXISTS not in exc.message:
            raise
        return _adopt(op, target, exc)
    return CommandResult()


def _adopt(op: Operation, target: panel.PanelTarget, refusal: PanelPermanentError):
    """The domain exists on the panel: adopt it only if it is provably the service's own,
    listed for this reseller (where the list can be trusted) and opened by the password
    WHMCS holds for the service. A list alone never hands one customer another's account."""
    service, password = op.service, _create_password(op)
    if _last_status_command(op) == Command.TERMINATE:
        # The panel keeps a terminated account (`todelete`) until its daemon deleted it.
        raise PanelTransientError(
            f"{refusal.message}: the bridge terminated this service's account there, and the "
            "panel keeps it until its daemon has deleted it. The create waits for that: an "
            "account being deleted is never adopted."
        )
    listed = account_list(op.server, target)
    if listed.has(service.domain) is False:
        raise PanelPermanentError(
            f"{refusal.message}: it is not an account of reseller '{target.reseller_name}', "
            "so it belongs to someone else. Nothing was created or changed."
        )
    seen = (
        panel.customer_login_check(target, service.domain_ascii, password)
        if password
        else panel.LoginResult.REFUSED
    )
    if seen == panel.LoginResult.UNUSABLE:
        # Not yet (or no longer) usable: being set up, changed, suspended or deleted. Only
        # an account that settled can be told apart from one about to disappear.
        raise PanelTransientError(
            f"{refusal.message}: the service's password opens it, but the panel does not let "
            "its customer in (the account is being set up, changed or deleted, or is "
            "suspended). The create waits until the account is gone or ready."
        )
    if seen == panel.LoginResult.REFUSED:
        holder = (
            f"reseller '{target.reseller_name}' holds it for another customer"
            if listed.trusted
            else f"it is not the service's account ({listed.why_not})"
        )
        raise PanelPermanentError(
            f"{refusal.message}: the service's password does not open it, so {holder}. "
            "Nothing was created or changed."
        )
    how = "listed for the reseller and " if listed.trusted else ""
    return CommandResult(
        note=f"adopted: the account was already on the panel, {how}opened by the service's password"
    )


def _last_status_command(op: Operation) -> str | None:
    """The last command that succeeded in changing the service's account on this server."""
    return (
        Operation.objects.filter(
            service_id=op.service_id,
            server_id=op.server_id,
            command__in=list(Operation.STATUS_AFTER),
            state=Operation.State.SUCCEEDED,
        )
        .order_by("-id")
        .values_list("command", flat=True)
        .first()
    )


def _never_made(op: Operation) -> bool:
    """The bridge never created nor adopted the service's account on this server."""
    return (
        not op.service.on_panel
        and not Operation.objects.filter(
            service_id=op.service_id,
            server_id=op.server_id,
            command__in=(Command.CREATE, Command.CONFIRM_OWNERSHIP),
            state=Operation.State.SUCCEEDED,
        ).exists()
    )


class NotListed(PanelPermanentError):
    """A trusted list of the reseller's accounts lacks the service's domain."""


def _ownership_check(op: Operation, target: panel.PanelTarget) -> str:
    """The panel does not check that a domain belongs to the caller: the bridge acts only
    on an account it made or adopted there, one the reseller's list shows, or, when the
    list cannot be trusted, one the service's password opens. Returns how it knows;
    raises when it cannot show it."""
    service = op.service
    if service.on_panel:
        return ""
    listed = account_list(op.server, target)
    shown = listed.has(service.domain)
    if shown:
        return "ownership verified in the reseller's account list"
    if shown is None and service.password:
        seen = panel.customer_login_check(target, service.domain_ascii, service.password)
        if seen != panel.LoginResult.REFUSED:
            return f"ownership verified by the service's password ({listed.why_not})"
    why = (
        f"it is not in reseller '{target.reseller_name}''s account list"
        if shown is False
        else f"{listed.why_not}, and the service's password does not open it"
        if service.password
        else f"{listed.why_not}, and the bridge holds no password for it"
    )
    refusal = NotListed if shown is False else PanelPermanentError
    raise refusal(
        f"KaziWhmcs bridge: '{service.domain}' was not sent to the panel: the bridge cannot "
        f"show that the account is this service's ({why}). Nothing was changed. " + HOW_TO_CONFIRM
    )


def _status_command(op: Operation, target: panel.PanelTarget) -> CommandResult:
    # Suspend and unsuspend are idempotent on the panel: after an attempt whose outcome
    # is unknown they are simply sent again (a customer login could not tell a suspended
    # account from one the panel is still setting up).
    terminating = op.command == Command.TERMINATE
    try:
        note = _ownership_check(op, target)
    except NotListed:
        if terminating and _never_made(op):
            return CommandResult(
                note="nothing to terminate: the bridge never created nor adopted the account, "
                "and the reseller's trusted account list lacks it"
            )
        raise
    action = {
        Command.SUSPEND: panel.suspend,
        Command.UNSUSPEND: panel.unsuspend,
        Command.TERMINATE: panel.terminate,
    }[op.command]
    try:
        action(target, op.service.domain_ascii)
    except PanelPermanentError as exc:
        if terminating and "doesn't exists" in exc.message:
            return CommandResult(
                note="an earlier attempt had already terminated the account"
                if op.outcome_unknown
                else f"nothing to terminate: the panel has no such account ({exc.message})"
            )
        raise
    return CommandResult(note=note)


def _change_password(op: Operation, target: panel.PanelTarget) -> CommandResult:
    panel.changepw(target, op.service.domain_ascii, op.secret)
    return CommandResult()


def _usage_update(op: Operation, target: panel.PanelTarget) -> CommandResult:
    entries = panel.usageupdate(target)
    return CommandResult(
        usage=usage_entries_json(op.server, entries), note=f"{len(entries)} accounts"
    )


def _test_connection(op: Operation, target: panel.PanelTarget) -> CommandResult:
    panel.connection_test(target)
    return CommandResult(note="logged in as the reseller")


_EXECUTORS = {
    Command.CREATE: _create,
    Command.SUSPEND: _status_command,
    Command.UNSUSPEND: _status_command,
    Command.TERMINATE: _status_command,
    Command.CHANGE_PASSWORD: _change_password,
    Command.USAGE_UPDATE: _usage_update,
    Command.TEST_CONNECTION: _test_connection,
}


def command_execute(op: Operation) -> CommandResult:
    with panel_access(op.server, slot_held=True) as target:
        return _EXECUTORS[op.command](op, target)


def command_apply(op: Operation, outcome: CommandResult) -> None:
    """Record a success in the mirror (called inside the finishing transaction)."""
    now = timezone.now()
    if op.command in Operation.STATUS_AFTER:
        changes = {}
        if op.command == Command.CREATE and op.secret:
            changes["password"] = op.secret  # the account's, whatever came meanwhile
        # Not for a service that moved meanwhile: the account is on the server it left.
        Service.objects.filter(pk=op.service_id, server_id=op.server_id).update(
            status=Operation.STATUS_AFTER[op.command],
            on_panel=op.command != Command.TERMINATE,
            updated_at=now,
            **changes,
        )
    elif op.command == Command.CHANGE_PASSWORD:
        service = op.service
        service.password = op.secret
        service.save(update_fields=["password", "updated_at"])
    elif op.command == Command.USAGE_UPDATE:
        usage_import(op.server, outcome.usage or [], now)
        Server.objects.filter(pk=op.server_id).update(usage_supported=True)
    if op.command == Command.TEST_CONNECTION:
        server_test_record(op.server_id, True, "Connection OK: logged in as the reseller.")


def command_refused(op: Operation, error: PanelPermanentError) -> None:
    """Record what a permanent refusal teaches about the server."""
    if op.command == Command.TEST_CONNECTION:
        server_test_record(op.server_id, False, error.message)
    if isinstance(error, PanelUsageUnsupported):
        Server.objects.filter(pk=op.server_id).update(usage_supported=False)


def server_test_record(server_id: int, ok: bool, message: str) -> None:
    Server.objects.filter(pk=server_id).update(
        last_test_ok=ok, last_test_at=timezone.now(), last_test_message=message[:1000]
    )
