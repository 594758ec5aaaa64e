"""Single-row reads and inserts for the hot paths (a webhook, a worker's attempt), without
the ORM's per-query work.

A queryset compiles its SQL on every call (about 0.1–0.2 ms each, 1 ms with joins): most
of a webhook's time. Here the SQL is built once per model and column from the model's own
fields (or compiled once from a queryset), and values go through the same field methods
the ORM applies (encryption, JSON, dates, booleans), so a row read or written here is the
row the ORM would read or write.
Model signals are not sent: none of the models written here has receivers."""

from collections.abc import Callable
from functools import cache, cached_property

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators


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


class _Columns:
    """A model's columns in a SELECT, and how to turn their values into an instance (the
    converters the ORM's compiler would apply: decryption, booleans and dates on SQLite)."""

    def __init__(self, model: type[Model], alias: str):
        connection = _connection()
        self.model, meta = model, model._meta
        fields = list(meta.concrete_fields)
        self.names = [f.attname for f in fields]
        self.pk_index = self.names.index(meta.pk.attname)
        self.sql = ", ".join(f"{alias}.{connection.ops.quote_name(f.column)}" for f in fields)
        self.converters = []
        for index, field in enumerate(fields):
            column = field.get_col(meta.db_table)
            found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if found:
                self.converters.append((index, column, found))

    def instance(self, values: list) -> Model:
        connection = _connection()
        for index, column, functions in self.converters:
            for convert in functions:
                values[index] = convert(values[index], column, connection)
        return self.model.from_db(DEFAULT_DB_ALIAS, self.names, values)


@cache
def _select_plan(lookups: tuple, for_update: bool, vendor: str) -> tuple[str, list[_Columns]]:
    connection = _connection()
    quote = connection.ops.quote_name
    columns = [_Columns(model, f"t{i}") for i, (model, _) in enumerate(lookups)]
    tables = [f"{quote(model._meta.db_table)} t{i}" for i, (model, _) in enumerate(lookups)]
    conditions = [
        f"t{i}.{quote(model._meta.get_field(name).column)} = %s"
        for i, (model, name) in enumerate(lookups)
    ]
    select = ", ".join(c.sql for c in columns)
    if len(lookups) == 1:
        lock = " FOR UPDATE" if for_update and connection.features.has_select_for_update else ""
        return f"SELECT {select} FROM {tables[0]} WHERE {conditions[0]} LIMIT 1{lock}", columns
    # One row whatever is found: each lookup is its own LEFT JOIN on a constant row.
    joins = " ".join(f"LEFT JOIN {t} ON {c}" for t, c in zip(tables, conditions, strict=True))
    return f"SELECT {select} FROM (SELECT 1 AS one) base {joins}", columns


def _select(lookups: tuple, values: list, for_update: bool = False) -> list:
    connection = _connection()
    sql, columns = _select_plan(lookups, for_update, connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return [None] * len(columns)
    found, start = [], 0
    for part in columns:
        part_values = list(row[start : start + len(part.names)])
        start += len(part.names)
        found.append(None if part_values[part.pk_index] is None else part.instance(part_values))
    return found


def row_get(model: type[Model], field_name: str, value, *, for_update: bool = False):
    """The instance whose `field_name` (a unique column) equals `value`, or None.

    `for_update` locks the row until the transaction ends (PostgreSQL; SQLite's write
    transaction is exclusive anyway)."""
    return _select(((model, field_name),), [value], for_update)[0]


def rows_get(*lookups: tuple[type[Model], str, object]) -> list:
    """Several `row_get`s in one statement: an instance or None per (model, field, value)."""
    return _select(tuple((m, f) for m, f, _ in lookups), [v for _, _, v in lookups])


# Stands for the looked-up value while a prepared read's SQL is compiled.
_LOOKUP_MARK = -7_301_989_417


class PreparedRead:
    """A queryset reading one row by a value, compiled to SQL once per process.

    Django compiles a queryset on every run: about 1 ms for a read with joins and a
    subquery, a worker's largest cost per operation after the panel. This keeps the first
    compilation (select_related and annotations included) and builds the instance from
    each row the way the queryset's own iterator does."""

    def __init__(self, queryset_for: Callable[[int], QuerySet]):
        self.queryset_for = queryset_for  # the queryset, given the value to look up

    @cached_property
    def _plan(self):
        compiler = self.queryset_for(_LOOKUP_MARK).query.get_compiler(DEFAULT_DB_ALIAS)
        sql, params = compiler.as_sql()
        klass_info, select = compiler.klass_info, compiler.select
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        return (
            compiler,
            sql,
            list(params),
            params.index(_LOOKUP_MARK),
            slice(start, end),
            [f[0].target.attname for f in select[start:end]],
            get_related_populators(klass_info, select, DEFAULT_DB_ALIAS),
        )

    def get(self, value) -> Model | None:
        compiler, sql, params, index, columns, names, populators = self._plan
        params = [*params[:index], value, *params[index + 1 :]]
        with _connection().cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        row = next(iter(compiler.results_iter([[row]])))  # the fields' converters
        obj = compiler.query.model.from_db(DEFAULT_DB_ALIAS, names, row[columns])
        for populator in populators:
            populator.populate(row, obj)
        for name, position in compiler.annotation_col_map.items():
            setattr(obj, name, row[position])
        return obj
