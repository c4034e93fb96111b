"""The base class of the exports: one class per export (as pretix's exporters), listed in
`exports.registry`.

An exporter knows its identifier (the slug in URLs and on the command line), its name, the
formats it offers (the first is the default), the form of its options and how to produce its
file. `run` validates the options with that form, produces the file and records it in the
export log (for a streamed CSV when the stream ends, with the rows actually sent).

Permission checks belong to the caller: an organiser exports only the conferences of
`Conference.objects.organised_by(user)`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import ClassVar

from django.http import Http404, QueryDict

from registrations.exports import log_export

from .base import Export
from .forms import ExportForm


class ExportOptionsError(ValueError):
    """Options that make no sense for the export (the form's errors)."""

    def __init__(self, errors):
        super().__init__("; ".join(f"{field}: {' '.join(e)}" for field, e in errors.items()))
        self.errors = errors


class Exporter:
    identifier: ClassVar[str]
    verbose_name: ClassVar[str]
    #: Formats offered, the default first.
    formats: ClassVar[tuple[str, ...]]
    form_class: ClassVar[type[ExportForm]] = ExportForm
    #: Shortcuts on the conference's overview page: (label, options).
    links: ClassVar[tuple[tuple[str, dict], ...]] = ()

    def __init__(self, *, conference, user=None):
        self.conference = conference
        #: None: the system (a management command).
        self.user = user

    def form(self, data=None, **kwargs) -> ExportForm:
        return self.form_class(data, conference=self.conference, formats=self.formats, **kwargs)

    def run(self, params: Mapping | QueryDict) -> Export:
        """The file for the options in `params` (ExportOptionsError if they make no sense,
        Http404 for an object of another conference)."""
        if not isinstance(params, QueryDict):
            params = _as_query_dict(params)
        form = self.form(params)
        if not form.is_valid():
            for name in form.not_found_fields:
                if form.has_error(name, "invalid_choice") and str(params.get(name)).isdigit():
                    raise Http404
            raise ExportOptionsError(form.errors)
        return self.export(**form.cleaned_data)

    def export(self, *, format: str, **options) -> Export:
        raise NotImplementedError

    def log_kind(self, **options) -> str:
        return self.identifier

    def logger(self, fmt: str, **options) -> Callable[[int], None]:
        """`on_done` for the renderers: records the export with its number of rows."""

        def done(row_count: int) -> None:
            log_export(
                user=self.user,
                conference=self.conference,
                kind=self.log_kind(**options),
                fmt=fmt,
                row_count=row_count,
            )

        return done


def _as_query_dict(params: Mapping) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, value in params.items():
        values = value if isinstance(value, list | tuple) else [value]
        query.setlist(key, [str(v) for v in values if v is not None])
    return query
