"""The guard every button and page of the console goes through."""

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest


def require_permission(allowed: Callable[[HttpRequest], bool], request: HttpRequest) -> None:
    """Refuse (403) unless the ModelAdmin's permission check passes."""
    if not allowed(request):
        raise PermissionDenied


def who(request: HttpRequest) -> str:
    """How the journal names an operator."""
    return f"admin {request.user.get_username()}"


class ReadOnly:
    """For journals (and their inlines): shown to those who may view, changed by nobody."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
