"""Single-row reads and inserts for the webhook's hot path, without the ORM's per-query work.

A queryset compiles its SQL on every call (about 0.1–0.2 ms each): most of a webhook's
time. Here the SQL is built once per model and column from the model's own fields, and
values go through the same field methods the ORM applies (encryption, JSON, dates,
booleans), so a row read or written here is the row the ORM would read or write.
Model signals are not sent: none of the models written here has receivers."""

from functools import cache

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model


def _connection():
    return connections[DEFAULT_DB_ALIAS]


@cache
def _insert_plan(model: type[Model], vendor: str) -> tuple[str, list, bool]:
    connection = _connection()
    meta, quote = model._meta, connection.ops.quote_name
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    returning = connection.features.can_return_columns_from_insert
    sql = "INSERT INTO {} ({}) VALUES ({}){}".format(
        quote(meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
        f" RETURNING {quote(meta.pk.column)}" if returning else "",
    )
    return sql, fields, returning


def row_insert(obj: Model) -> Model:
    """INSERT an unsaved instance, as `obj.save()` would; sets its primary key."""
    connection = _connection()
    sql, fields, returning = _insert_plan(type(obj), connection.vendor)
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        obj.pk = cursor.fetchone()[0] if returning else cursor.lastrowid
    obj._state.adding = False
    obj._state.db = DEFAULT_DB_ALIAS
    return obj


@cache
def _select_plan(model: type[Model], field_name: str, for_update: bool, vendor: str):
    connection = _connection()
    meta, quote = model._meta, connection.ops.quote_name
    fields = list(meta.concrete_fields)
    lock = for_update and connection.features.has_select_for_update
    sql = "SELECT {} FROM {} WHERE {} = %s LIMIT 1{}".format(
        ", ".join(quote(f.column) for f in fields),
        quote(meta.db_table),
        quote(meta.get_field(field_name).column),
        " FOR UPDATE" if lock else "",
    )
    converters = []
    for index, field in enumerate(fields):
        column = field.get_col(meta.db_table)
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if found:
            converters.append((index, column, found))
    return sql, [f.attname for f in fields], converters


def row_get(model: type[Model], field_name: str, value, *, for_update: bool = False):
    """The instance whose `field_name` (a unique column) equals `value`, or None.

    `for_update` locks the row until the transaction ends (PostgreSQL; SQLite's write
    transaction is exclusive anyway)."""
    connection = _connection()
    sql, names, converters = _select_plan(model, field_name, for_update, connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [value])
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    for index, column, functions in converters:
        for convert in functions:
            values[index] = convert(values[index], column, connection)
    return model.from_db(DEFAULT_DB_ALIAS, names, values)
