"""A read compiled to SQL once per process instead of on every run.

Django compiles a queryset every time it runs: about 1 ms for a read with joins and a
subquery, which was a worker's largest cost per operation after the panel call (the
pipeline and round-trip benchmarks), and half of a webhook's write transaction, which
holds SQLite's single write lock (README "Speed-ups kept, and why"). A `CompiledRead`
keeps the first compilation (select_related and annotations included) and builds the
instance from each row the way the queryset's own iterator does, the fields' converters
included; `CompiledReads` takes several in one call."""

from collections.abc import Callable, Mapping
from functools import cached_property

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

# Stands for the looked-up value while the SQL is compiled: within every integer field's
# range (Django compiles a value out of a field's range to an empty result, no SQL).
_LOOKUP_MARK = 2_146_959_371


class CompiledRead:
    """One row read by a value, with the queryset `queryset_for(value)` builds."""

    def __init__(self, queryset_for: Callable[[int], QuerySet]):
        self.queryset_for = queryset_for

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
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
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


class CompiledReads:
    """Several compiled reads, taken in one call in the order they were given."""

    def __init__(self, **reads: CompiledRead):
        self.reads = reads

    def get(self, **values) -> Mapping[str, Model | None]:
        """Each read's row by its value (None: no value given, or no row)."""
        return {
            name: None if values.get(name) is None else read.get(values[name])
            for name, read in self.reads.items()
        }
