"""What each command does on the panel, and what it changes in the bridge once it worked.

`command_execute` talks to the panel (never inside a transaction); `command_apply`
records the effect, inside the transaction that marks the operation succeeded."""

from dataclasses import dataclass, field

from django.utils import timezone

from .domains import domain_ascii
from .imscp import client as panel
from .imscp.errors import PanelPermanentError, PanelUsageUnsupported
from .models import Operation, Server, Service
from .usage import usage_entries_json, usage_import

Command = Operation.Command


@dataclass
class CommandResult:
    result: str = "success"
    note: str = ""  # how the bridge decided (adoption, idempotent replay...), for the journal
    usage: list | None = field(default=None, repr=False)


def _account_listed(target: panel.PanelTarget, service: Service) -> bool | None:
    """Whether the reseller's account list has the domain; None if the panel cannot tell."""
    try:
        entries = panel.usageupdate(target)
    except PanelUsageUnsupported:
        return None
    wanted = service.domain_ascii
    return any(domain_ascii(entry.domain) == wanted for entry in entries)


def _create(op: Operation, target: panel.PanelTarget) -> CommandResult:
    service = op.service
    if op.outcome_unknown:
        # An earlier attempt may have created the account: find out before creating twice.
        listed = _account_listed(target, service)
        if listed is None:
            state = panel.customer_login_check(target, service.domain_ascii, service.password)
            listed = state != panel.LoginResult.REFUSED
        if listed:
            return CommandResult(note="adopted: the account was already on the panel")
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
    panel.create(
        target,
        panel.NewAccount(
            plan=service.product.plan_name,
            domain=service.domain_ascii,
            password=service.password,
            email=client.email,
            customer_id=f"whmcs_{client.whmcs_id}",
            contact=contact,
        ),
    )
    return CommandResult()


def _guard_ownership(op: Operation, target: panel.PanelTarget) -> str:
    """The panel does not check that a domain belongs to the caller: for an account the
    bridge did not create, check the reseller's list first."""
    if op.service.on_panel:
        return ""
    listed = _account_listed(target, op.service)
    if listed is None:
        return "the panel cannot list accounts, so ownership was not verified"
    if not listed:
        raise PanelPermanentError(
            f"KaziWhmcs bridge: '{op.service.domain}' is not an account of reseller "
            f"'{target.reseller_name}' on this panel"
        )
    return "ownership verified in the reseller's account list"


# What a customer login shows once the command took effect (the usage list has no status).
_LOGIN_AFTER = {
    Command.SUSPEND: panel.LoginResult.DISABLED,
    Command.UNSUSPEND: panel.LoginResult.OK,
}


def _status_command(op: Operation, target: panel.PanelTarget) -> CommandResult:
    note = _guard_ownership(op, target)
    if op.outcome_unknown and op.command in _LOGIN_AFTER and op.service.password:
        # An earlier attempt may have acted: read the panel's state before acting again.
        seen = panel.customer_login_check(target, op.service.domain_ascii, op.service.password)
        if seen == _LOGIN_AFTER[op.command]:
            return CommandResult(note="an earlier attempt had already done it (customer login)")
    action = {
        Command.SUSPEND: panel.suspend,
        Command.UNSUSPEND: panel.unsuspend,
        Command.TERMINATE: panel.terminate,
    }[op.command]
    try:
        action(target, op.service.domain_ascii)
    except PanelPermanentError as exc:
        if (
            op.command == Command.TERMINATE
            and op.outcome_unknown
            and "doesn't exists" in exc.message
        ):
            return CommandResult(note="an earlier attempt had already terminated the account")
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
    return _EXECUTORS[op.command](op, panel.PanelTarget.for_server(op.server))


_STATUS_AFTER = {
    Command.CREATE: Service.Status.ACTIVE,
    Command.SUSPEND: Service.Status.SUSPENDED,
    Command.UNSUSPEND: Service.Status.ACTIVE,
    Command.TERMINATE: Service.Status.TERMINATED,
}


def command_apply(op: Operation, outcome: CommandResult) -> None:
    """Record a success in the mirror (called inside the finishing transaction)."""
    now = timezone.now()
    if op.command in _STATUS_AFTER:
        # Not for a service that moved meanwhile: the account is on the server it left.
        Service.objects.filter(pk=op.service_id, server_id=op.server_id).update(
            status=_STATUS_AFTER[op.command],
            on_panel=op.command != Command.TERMINATE,
            updated_at=now,
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
