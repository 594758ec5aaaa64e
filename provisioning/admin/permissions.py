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
