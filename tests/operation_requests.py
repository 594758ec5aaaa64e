"""Queueing a command the way webhooks and admin actions do (tests' shortcut)."""

from provisioning.models import Operation
from provisioning.operations.accepting import operation_request


def queued(command: str, service, source: str = "webhook", **kwargs) -> Operation:
    """A new operation for `command` on `service` (neither joined nor already in effect)."""
    op, created = operation_request(
        command, server=service.server, service=service, source=source, **kwargs
    )
    assert created
    return op
