"""ORM queries compiled to SQL once, for the few that run on every registration request.

On these machines building and compiling a queryset costs more Python than fetching its rows
(about 0.5 ms against 0.1 ms for a conference looked up by its slug). A `PreparedQuery` is written
with the ORM as usual and compiled once per database and shape of its arguments. Running it
executes the SQL and turns the rows into model instances (or tuples, for `values_list()`) as the
ORM's iterables do: the database's converters applied, `Model.from_db()` for instances. Use it
only where a request is hot and the query is fixed; everywhere else the ORM is the clearer tool.
Plain model queries only: no `select_related()`, annotations or `values()` dictionaries.

Arguments are integers, strings, datetimes or lists of them: one compiled query per list
length; a list longer than MAX_LIST_LENGTH is not compiled, the ORM runs that query. Integers
and strings must reach the database unchanged, datetimes as the backend adapts them
(`adapt_datetimefield_value`, as the ORM does for a DateTimeField); compiling refuses a query in
which an argument cannot be found that way, because its cached SQL would be wrong for other
values.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from itertools import count

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Model, QuerySet
from django.db.models.query import FlatValuesListIterable, ModelIterable, ValuesListIterable
from simple_history.utils import get_change_reason_from_object

#: Longer lists are run through the ORM, so that the compiled queries stay few.
MAX_LIST_LENGTH = 8

# Marker values no real argument takes; each compile uses fresh ones.
_markers = count(-7_730_000_000_001, -1)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple
    slots: list  # (position in params, datetime to adapt?) per argument value
    converters: list  # (column index, ([converter functions], expression))
    model: type[Model] | None  # None: rows are returned as tuples
    attnames: list
    flat: bool = False  # values_list(flat=True): the first value of each row


class PreparedQuery:
    def __init__(self, build: Callable[..., QuerySet]):
        """`build(*arguments)` returns the queryset (filters, ordering, select_for_update,
        values_list)."""
        self.build = build
        self._compiled: dict[tuple, _Compiled] = {}

    def __call__(self, *arguments, using: str = DEFAULT_DB_ALIAS) -> list:
        """The rows for `arguments`: model instances, or what `values_list()` gives."""
        if any(isinstance(a, list | tuple) and len(a) > MAX_LIST_LENGTH for a in arguments):
            return list(self.build(*arguments).using(using))
        shape = self._shape(arguments, using)
        compiled = self._compiled.get(shape)
        if compiled is None:
            compiled = self._compiled[shape] = self._compile(arguments, using)
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, self._params(compiled, arguments, connection))
            rows = cursor.fetchall()
        if compiled.converters:
            rows = [self._convert(list(row), compiled.converters, connection) for row in rows]
        if compiled.flat:
            return [row[0] for row in rows]
        if compiled.model is None:
            return [tuple(row) for row in rows]
        return [compiled.model.from_db(using, compiled.attnames, row) for row in rows]

    def first(self, *arguments, using: str = DEFAULT_DB_ALIAS):
        rows = self(*arguments, using=using)
        return rows[0] if rows else None

    @staticmethod
    def _shape(arguments, using):
        return (using, *(len(a) if isinstance(a, list | tuple) else type(a) for a in arguments))

    @staticmethod
    def _convert(row, converters, connection):
        for index, (functions, expression) in converters:
            value = row[index]
            for function in functions:
                value = function(value, expression, connection)
            row[index] = value
        return row

    @staticmethod
    def _params(compiled, arguments, connection):
        params = list(compiled.params)
        flat = [v for a in arguments for v in (a if isinstance(a, list | tuple) else (a,))]
        adapt = connection.ops.adapt_datetimefield_value
        for (position, adapted), value in zip(compiled.slots, flat, strict=True):
            params[position] = adapt(value) if adapted else value
        return params

    def _compile(self, arguments, using) -> _Compiled:
        markers = [self._marker(a) for a in arguments]
        queryset = self.build(*markers).using(using)
        query = queryset.query
        if query.select_related or query.annotation_select or query.extra_select:
            raise ValueError(f"Cannot prepare {query}: plain model or values_list() queries only")
        compiler = query.get_compiler(using)
        # select_for_update() compiles only inside a transaction; the SQL is the same later.
        with transaction.atomic(using=using):
            sql, params = compiler.as_sql()
        params = list(params)
        adapt = connections[using].ops.adapt_datetimefield_value
        slots = []
        for marker in markers:
            for value in marker if isinstance(marker, list) else (marker,):
                adapted = isinstance(value, datetime)
                expected = adapt(value) if adapted else value
                if params.count(expected) != 1:
                    raise ValueError(f"Cannot prepare {query}: argument {value!r} changed")
                slots.append((params.index(expected), adapted))
        columns = [column for column, _sql, _alias in compiler.select]
        converters = list(compiler.get_converters(columns).items())
        iterable = queryset._iterable_class
        if iterable is FlatValuesListIterable:
            return _Compiled(sql, tuple(params), slots, converters, None, [], flat=True)
        if iterable is ValuesListIterable:
            return _Compiled(sql, tuple(params), slots, converters, None, [])
        if iterable is not ModelIterable:
            raise ValueError(f"Cannot prepare {query}: instances or values_list() only")
        if compiler.klass_info["select_fields"] != list(range(len(columns))):
            raise ValueError(f"Cannot prepare {query}: only the model's own columns")
        attnames = [column.target.attname for column in columns]
        return _Compiled(sql, tuple(params), slots, converters, queryset.model, attnames)

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


@cache
def _historical_model(model: type[Model]) -> type[Model]:
    # `Model.history` builds a new manager class on every access: look the model up once.
    return getattr(model, model._meta.simple_history_manager_attribute).model


def created_history_entry(instance: Model, *, date: datetime) -> Model:
    """The unsaved "created" entry of django-simple-history for `instance`, for `insert()`.

    The same row that simple_history's `bulk_history_create(default_change_reason=None)`
    builds: every tracked field, the user of the current request (its middleware) or the
    instance's `_history_user`, and its change reason. Like `bulk_history_create()` it sends no
    `pre/post_create_historical_record` signals.
    """
    historical = _historical_model(type(instance))
    if hasattr(historical, "history_relation"):
        raise NotImplementedError(f"{historical.__name__} has a history relation")
    return historical(
        history_date=date,
        history_user=getattr(
            instance, "_history_user", historical.get_default_history_user(instance)
        ),
        history_change_reason=get_change_reason_from_object(instance) or None,
        history_type="+",
        **{field.attname: getattr(instance, field.attname) for field in historical.tracked_fields},
    )
