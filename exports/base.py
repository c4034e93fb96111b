"""Exports: the building blocks every export shares, and the CSV and XLSX renderers.

Invariants:

- A column spec (a tuple of `Column`) is the one place that decides a table's columns and their
  order; renderers (CSV and XLSX here, PDF in `exports.pdf`) only turn its values into cells.
- Formula injection: every text cell that begins with ``= + - @ | %``, a tab, a carriage return
  or NUL is prefixed with an apostrophe (`neutralise`), in CSV *and* XLSX. XLSX cells are also
  written with ``write_string`` and the workbook never converts strings to formulas, so the
  apostrophe there is not needed by Excel itself; it is kept so that a sheet re-saved as CSV
  from Excel stays safe, and so that both formats show the same text. Numbers and dates are
  written as numbers and dates, never as text.
- A CSV file is one rectangular table (every row as many cells as the header): an export
  with several tables gets them `stacked` into one, a first "Bereich" column naming the table
  each row comes from. XLSX keeps a sheet per table, PDF a section per table.
- CSV is streamed: the BOM and the header are the first chunk (for the attendee list before any
  query runs); memory stays flat in the number of rows (one chunk of rows at a time). XLSX is
  written in xlsxwriter's constant-memory mode to a temporary file.
- `on_done(rows)` is called once the content is produced (for streamed CSV: when the stream
  ends, with the rows actually sent); the exporters log the export there.
"""

from __future__ import annotations

import csv
import operator
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import xlsxwriter
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from conferences.models import Conference, Session

#: Rows fetched (and prefetched for) per database round trip.
CHUNK_SIZE = 2000
#: Rows collected into one chunk of a streamed CSV.
CSV_ROWS_PER_CHUNK = 256
BOM = "\ufeff"
#: Cells starting with one of these are taken for formulas by spreadsheet programs.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "|", "%", "\t", "\r", "\0")

CSV = "csv"
CSV_SEMICOLON = "csv-semicolon"
XLSX = "xlsx"
PDF = "pdf"
TABLE_FORMATS = (CSV, CSV_SEMICOLON, XLSX)

CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    CSV_SEMICOLON: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    PDF: "application/pdf",
}


# --- Cells ------------------------------------------------------------------------------------


def neutralise(text: str) -> str:
    """Text that no spreadsheet program evaluates as a formula (see the module docstring)."""
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def local_datetime(value: datetime) -> datetime:
    """Aware → naive Europe/Berlin (spreadsheets know no time zones)."""
    return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value


def plain_text(value) -> str:
    """The text of a value as printed (PDF), without formula neutralisation."""
    if type(value) is str:
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, datetime):
        return f"{local_datetime(value):%d.%m.%Y %H:%M}"
    if isinstance(value, date):
        return f"{value:%d.%m.%Y}"
    return str(value)


def cell_text(value) -> str:
    """The text of a CSV cell: text neutralised, numbers and dates as they are."""
    if type(value) is str:  # most cells: the fast path
        return neutralise(value)
    if value is None or isinstance(value, bool | int | float | date):
        return plain_text(value)
    return neutralise(str(value))


@dataclass(frozen=True)
class Column:
    heading: str
    value: Callable[[object], object]
    #: Column width in XLSX (characters).
    width: float = 18


@dataclass
class Table:
    """Rows of one list: `objects` turned into cells by `columns`."""

    title: str
    columns: Sequence[Column]
    objects: Iterable
    #: Number of rows produced so far (read it after iterating `rows()`).
    row_count: int = field(default=0, init=False)

    def header(self) -> list[str]:
        return [str(column.heading) for column in self.columns]

    def rows(self) -> Iterator[list]:
        getters = [getattr(c.value, "prepare", lambda g=c.value: g)() for c in self.columns]
        for obj in self.objects:
            self.row_count += 1
            yield [get(obj) for get in getters]


#: Heading of the first column of `stacked` tables: the table a row comes from.
SECTION_HEADING = _("Bereich")


def stacked(tables: Sequence[Table]) -> Table:
    """`tables` as one rectangular table: a "Bereich" column with the title of the table a row
    comes from, then the columns of all tables, matched by heading (the n-th column of one
    heading in a table matches the n-th of that heading in another) in the order they first
    appear. A cell whose table has no such column is empty."""
    positions: dict[tuple[str, int], int] = {}
    widths: list[float] = []
    layouts = []
    for table in tables:
        seen: dict[str, int] = {}
        layout = []
        for column in table.columns:
            heading = str(column.heading)
            key = (heading, seen.get(heading, 0))
            seen[heading] = key[1] + 1
            if key not in positions:
                positions[key] = len(positions)
                widths.append(column.width)
            layout.append(positions[key])
        layouts.append(layout)

    def rows():
        for table, layout in zip(tables, layouts, strict=True):
            title = str(table.title)
            for row in table.rows():
                cells = [None] * len(positions)
                for position, value in zip(layout, row, strict=True):
                    cells[position] = value
                yield [title, *cells]

    columns = [Column(SECTION_HEADING, operator.itemgetter(0), 24)] + [
        Column(key[0], operator.itemgetter(n + 1), widths[n]) for key, n in positions.items()
    ]
    return Table(" · ".join(str(t.title) for t in tables), columns, rows())


class ChoiceLabel:
    """Column value: the label of a choice field (`attr` may be dotted), "" for a blank value.

    Labels are translated once per export (`Table.rows` calls `prepare`), not once per cell:
    Django's get_FOO_display() costs about 20 µs a call, a tenth of a second per 1,000 rows."""

    def __init__(self, attr: str, choices):
        self.attr = attr
        self.choices = choices

    def prepare(self) -> Callable[[object], str]:
        labels = {value: str(label) for value, label in self.choices.choices}
        labels[""] = ""
        get = operator.attrgetter(self.attr)
        return lambda obj: labels.get(get(obj), get(obj))

    def __call__(self, obj) -> str:
        return self.prepare()(obj)


# --- The export and its renderers -------------------------------------------------------------


@dataclass
class Export:
    """A file ready to be sent or saved. `chunks` can be iterated once."""

    filename: str
    content_type: str
    chunks: Iterator[bytes]

    def __iter__(self):
        return iter(self.chunks)

    def as_response(self) -> StreamingHttpResponse:
        response = StreamingHttpResponse(self.chunks, content_type=self.content_type)
        response["Content-Disposition"] = content_disposition_header(True, self.filename)
        # Personal data: no copies in shared caches or the browser's cache.
        response["Cache-Control"] = "private, no-store"
        return response

    def write_to(self, fileobj) -> None:
        for chunk in self.chunks:
            fileobj.write(chunk)

    def read(self) -> bytes:
        return b"".join(self.chunks)


def _csv_chunks(table: Table, delimiter: str, on_done: Callable[[int], None]):
    class Echo:
        def write(self, value):
            return value

    writer = csv.writer(Echo(), delimiter=delimiter, lineterminator="\r\n")
    rows = 0
    try:
        yield (BOM + writer.writerow([neutralise(h) for h in table.header()])).encode("utf-8")
        batch = []
        for row in table.rows():
            batch.append(writer.writerow([cell_text(value) for value in row]))
            rows += 1
            if len(batch) >= CSV_ROWS_PER_CHUNK:
                yield "".join(batch).encode("utf-8")
                batch = []
        if batch:
            yield "".join(batch).encode("utf-8")
    finally:
        on_done(rows)


def _sheet_name(title: str, taken: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", " ", title).strip("' ")[:31] or "Tabelle"
    candidate, number = name, 2
    while candidate.lower() in taken:
        suffix = f" ({number})"
        candidate, number = name[: 31 - len(suffix)] + suffix, number + 1
    taken.add(candidate.lower())
    return candidate


def write_xlsx(tables: Iterable[Table], fileobj, *, title: str = "") -> int:
    """Write `tables` (a sheet each) to `fileobj`; returns the number of data rows."""
    workbook = xlsxwriter.Workbook(
        fileobj,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    workbook.set_properties({"title": title, "comments": "Tagungsbüro"})
    bold = workbook.add_format({"bold": True, "bg_color": "#DDDDDD", "bottom": 1})
    moment = workbook.add_format({"num_format": "dd.mm.yyyy hh:mm"})
    day = workbook.add_format({"num_format": "dd.mm.yyyy"})
    taken: set[str] = set()
    rows = 0
    for table in tables:
        sheet = workbook.add_worksheet(_sheet_name(str(table.title), taken))
        for col, column in enumerate(table.columns):
            sheet.set_column(col, col, column.width)
        for col, heading in enumerate(table.header()):
            sheet.write_string(0, col, neutralise(heading), bold)
        sheet.freeze_panes(1, 0)
        row_number = 0
        for row_number, row in enumerate(table.rows(), start=1):
            for col, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, bool):
                    sheet.write_string(row_number, col, cell_text(value))
                elif isinstance(value, int | float):
                    sheet.write_number(row_number, col, value)
                elif isinstance(value, datetime):
                    sheet.write_datetime(row_number, col, local_datetime(value), moment)
                elif isinstance(value, date):
                    sheet.write_datetime(row_number, col, value, day)
                else:
                    sheet.write_string(row_number, col, neutralise(str(value)))
        rows += row_number
        sheet.autofilter(0, 0, max(row_number, 1), max(len(table.columns) - 1, 0))
    workbook.close()
    return rows


def _file_chunks(fileobj, size: int = 64 * 1024) -> Iterator[bytes]:
    try:
        fileobj.seek(0)
        while chunk := fileobj.read(size):
            yield chunk
    finally:
        fileobj.close()


def render_tables(
    tables: Sequence[Table],
    *,
    fmt: str,
    filename: str,
    title: str = "",
    on_done: Callable[[int], None],
) -> Export:
    """CSV (one table, several `stacked`; streamed, `on_done` called when the stream ends) or
    XLSX (a sheet per table; built now)."""
    if fmt in (CSV, CSV_SEMICOLON):
        delimiter = ";" if fmt == CSV_SEMICOLON else ","
        table = tables[0] if len(tables) == 1 else stacked(tables)
        return Export(f"{filename}.csv", CONTENT_TYPES[fmt], _csv_chunks(table, delimiter, on_done))
    if fmt == XLSX:
        spool = tempfile.TemporaryFile()  # noqa: SIM115 (closed by _file_chunks)
        on_done(write_xlsx(tables, spool, title=title))
        return Export(f"{filename}.xlsx", CONTENT_TYPES[XLSX], _file_chunks(spool))
    raise ValueError(f"Unknown format {fmt!r}; choose one of {', '.join(TABLE_FORMATS)}.")


def base_filename(kind: str, conference: Conference, session: Session | None = None) -> str:
    name = f"{kind}-{conference.slug}"
    if session is not None:
        name += f"-{session.pk}-{slugify(session.title)[:40]}"
    return name
