"""The operator's console: one module per model, registered on import."""

from . import catalog, operations, servers, services  # noqa: F401
