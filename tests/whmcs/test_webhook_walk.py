"""The walk of a webhook: from the view to the answer, the app's modules a new
CreateAccount passes through, each visited once where it can (view -> intake -> mirror ->
accept -> queue -> answer), so that its path reads off the code in order.

Counted: the wings' modules (`provisioning.<wing>.<module>`, `db/` included). The shared
modules at the root (models, fields, redaction, signing...) are leaves every wing calls,
the ORM included: a call into one counts as staying where it was made."""

import sys

import pytest

from tests.webhook_client import command_body, post_webhook

pytestmark = pytest.mark.django_db

VIEW = ("provisioning.whmcs.webhooks", "webhook_receive")
MAX_RETURNS = 8


def _wing_module(name: str) -> str | None:
    return name if name.startswith("provisioning.") and name.count(".") >= 2 else None


def walk_of(call) -> list[str]:
    """The wings' modules in the order the view's call path is in them, from the view's
    first line to its answer: consecutive stays in one module counted once."""
    stack: list[str | None] = []  # each open frame's wing module (None: any other code)
    path: list[str] = []
    inside = False

    def profile(frame, event, arg):
        nonlocal inside
        if event not in ("call", "return"):
            return
        code = frame.f_code
        module = frame.f_globals.get("__name__", "")
        if not inside:
            if event == "call" and (module, code.co_name) == VIEW:
                inside = True
            else:
                return
        if event == "call":
            stack.append(_wing_module(module))
        else:
            stack.pop()
            if not stack:
                inside = False
                return
        here = next((m for m in reversed(stack) if m is not None), None)
        if here is not None and (not path or path[-1] != here):
            path.append(here)

    sys.setprofile(profile)
    try:
        call()
    finally:
        sys.setprofile(None)
    return path


def returns_to_modules_left(path: list[str]) -> int:
    return sum(module in path[:i] for i, module in enumerate(path))


def test_a_create_account_webhook_walks_its_modules_in_order_with_few_returns(client):
    # The process's first webhook also compiles the mirror's reads, once.
    first = command_body("CreateAccount", serviceid=41, userid="6", pid="3", serverid=1)
    assert post_webhook(client, first).status_code == 202
    body = command_body("CreateAccount", serviceid=42, userid="7", pid="3", serverid=1)
    answers = []
    path = walk_of(lambda: answers.append(post_webhook(client, body)))
    assert answers[0].status_code == 202
    assert path[0] == VIEW[0] and path[-1] == VIEW[0], path
    returns = returns_to_modules_left(path)
    shown = "\n  ".join(path)
    assert returns <= MAX_RETURNS, (
        f"{returns} returns to a module already left (at most {MAX_RETURNS}):\n  {shown}"
    )
