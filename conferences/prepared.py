"""ORM queries compiled to SQL once, for the few that run on every registration request.

On these machines building and compiling a queryset costs more Python than fetching its rows
(about 0.5 ms against 0.1 ms for a conference looked up by its slug). A `PreparedQuery` is written
with the ORM as usual, compiled once per database and shape of its arguments, and then run through
`Manager.raw()`, which still makes model instances with the database's converters. Use it only
where a request is hot and the query is fixed; everywhere else the ORM is the clearer tool.

Arguments are integers, strings, datetimes or lists of them (one compiled query per list
length). Integers and strings must reach the database unchanged, datetimes as the backend adapts
them (`adapt_datetimefield_value`, as the ORM does for a DateTimeField); compiling refuses a query
in which an argument cannot be found that way, because its cached SQL would be wrong for other
values.
"""

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from itertools import count

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Model, QuerySet

# Marker values no real argument takes; each compile uses fresh ones.
_markers = count(-7_730_000_000_001, -1)


class PreparedQuery:
    def __init__(self, build: Callable[..., QuerySet]):
        """`build(*arguments)` returns the queryset (any ordering, filters, select_for_update)."""
        self.build = build
        self._compiled: dict[tuple, tuple] = {}

    def __call__(self, *arguments, using: str = DEFAULT_DB_ALIAS):
        """The rows for `arguments`, as a RawQuerySet of model instances."""
        compiled = self._compiled_for(arguments, using)
        model, sql = compiled[:2]
        return model._default_manager.raw(
            sql, self._params(compiled, arguments, using), using=using
        )

    def first(self, *arguments, using: str = DEFAULT_DB_ALIAS):
        return next(iter(self(*arguments, using=using)), None)

    def values(self, *arguments, using: str = DEFAULT_DB_ALIAS) -> list[tuple]:
        """The rows as tuples, for a `values_list()` query. No converters run: use it for
        columns that need none (text, integers)."""
        compiled = self._compiled_for(arguments, using)
        with connections[using].cursor() as cursor:
            cursor.execute(compiled[1], self._params(compiled, arguments, using))
            return cursor.fetchall()

    def _compiled_for(self, arguments, using):
        shape = (using, *(len(a) if isinstance(a, list | tuple) else type(a) for a in arguments))
        compiled = self._compiled.get(shape)
        if compiled is None:
            compiled = self._compiled[shape] = self._compile(arguments, using)
        return compiled

    @staticmethod
    def _params(compiled, arguments, using):
        _model, _sql, params, slots = compiled
        params = list(params)
        flat = [v for a in arguments for v in (a if isinstance(a, list | tuple) else (a,))]
        adapt = connections[using].ops.adapt_datetimefield_value
        for (position, adapted), value in zip(slots, flat, strict=True):
            params[position] = adapt(value) if adapted else value
        return params

    def _compile(self, arguments, using):
        markers = [self._marker(a) for a in arguments]
        queryset = self.build(*markers).using(using)
        # select_for_update() compiles only inside a transaction; the SQL is the same later.
        with transaction.atomic(using=using):
            sql, params = queryset.query.get_compiler(using).as_sql()
        params = list(params)
        adapt = connections[using].ops.adapt_datetimefield_value
        slots = []
        for marker in markers:
            for value in marker if isinstance(marker, list) else (marker,):
                adapted = isinstance(value, datetime)
                expected = adapt(value) if adapted else value
                if params.count(expected) != 1:
                    raise ValueError(f"Cannot prepare {queryset.query}: argument {value!r} changed")
                slots.append((params.index(expected), adapted))
        return queryset.model, sql, tuple(params), slots

    @staticmethod
    def _marker(argument):
        if isinstance(argument, list | tuple):
            return [PreparedQuery._marker(value) for value in argument]
        if isinstance(argument, bool) or not isinstance(argument, int | str | datetime):
            raise TypeError(f"PreparedQuery takes integers, strings and datetimes: {argument!r}")
        marker = next(_markers)
        if isinstance(argument, datetime):
            return datetime(1, 1, 1, tzinfo=UTC) + timedelta(microseconds=-marker)
        return marker if isinstance(argument, int) else f"\x1fprepared{marker}"


_insert_sql: dict[tuple, tuple] = {}


def insert(objects: Sequence[Model], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """INSERT unsaved instances of one model in one statement and set their primary keys.

    What `bulk_create()` does for the few rows of a registration, without its planning on every
    call: the statement is built once per model, row count and database. Each value goes through
    its field's `pre_save()` and `get_db_prep_save()`, as in `save()`. Like `bulk_create()`, it
    sends no signals: history and other side effects are the caller's.
    """
    if not objects:
        return
    model = type(objects[0])
    connection = connections[using]
    key = (using, model, len(objects))
    built = _insert_sql.get(key)
    if built is None:
        built = _insert_sql[key] = _build_insert(model, len(objects), connection)
    fields, sql, returning_params = built
    params = []
    for obj in objects:
        if type(obj) is not model:
            raise TypeError(f"insert() takes instances of one model: {obj!r} is not a {model}")
        params.extend(f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *returning_params])
        rows = cursor.fetchall()
    for obj, (pk,) in zip(objects, rows, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = using


def _build_insert(model, count, connection):
    meta = model._meta
    if not connection.features.can_return_rows_from_bulk_insert:
        raise NotImplementedError(f"{connection.vendor} cannot return the rows it inserts")
    fields = [
        f
        for f in meta.local_concrete_fields
        if not f.generated and not (f.primary_key and f.db_returning)
    ]
    if any(hasattr(f, "get_placeholder") for f in fields):
        raise NotImplementedError(f"{model.__name__} has a field with its own SQL placeholder")
    quote = connection.ops.quote_name
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    returning, returning_params = connection.ops.return_insert_columns([meta.pk])
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608 - names from the model
        f"VALUES {', '.join([row] * count)} {returning}"
    )
    return fields, sql, tuple(returning_params)
