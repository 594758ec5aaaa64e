"""Files kept next to a SQLite database file: the processes sharing it share a host."""


def sqlite_side_file(connection, suffix: str) -> str | None:
    """`<database file><suffix>` for a SQLite file database, else None."""
    name = str(connection.settings_dict["NAME"])
    if connection.vendor != "sqlite" or name.startswith("file:") or ":memory:" in name:
        return None
    return f"{name}{suffix}"
