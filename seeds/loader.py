"""Load the demo data in `seeds/data/*.toml` into the database (`manage.py seed`).

Invariants:
- One transaction: if any entry is invalid, nothing is loaded and a `SeedError` names the file
  and the entry.
- Idempotent: objects are looked up by their slug and created only when missing; nothing that
  exists is ever updated. A conference that exists is left alone together with its programme
  and exhibitors: from the moment it is seeded they belong to the organisers, and a renamed or
  deleted session must not come back on the next run.
- Everything created passes `full_clean()` first, so the model rules (sessions inside their
  conference, end after start, unique stand numbers, valid choices) hold for the data files too.
- All datetimes are aware, in Europe/Berlin.

The file format is described in `seeds/data/README.md`.
"""

import tomllib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from conferences.legal import LegalPage
from conferences.models import (
    Conference,
    ConferenceSeries,
    Session,
    SessionSpeaker,
    Speaker,
    Topic,
)
from exhibitors.models import Exhibitor, Market
from registrations.models import Registration

from .demo_registrations import seed_registrations

DATA_DIR = Path(__file__).resolve().parent / "data"
BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAYS = {
    "monday": 1,
    "tuesday": 2,
    "wednesday": 3,
    "thursday": 4,
    "friday": 5,
    "saturday": 6,
    "sunday": 7,
}

# Keys copied to the model field of the same name; every other key is handled explicitly, and
# keys that are neither are rejected (a typo must not silently drop a value).
SPEAKER_FIELDS = (
    "slug",
    "academic_title",
    "first_name",
    "last_name",
    "organisation",
    "position",
    "biography",
    "website",
)
SERIES_FIELDS = ("slug", "title", "description")
CONFERENCE_FIELDS = (
    "slug",
    "title",
    "motto",
    "city",
    "venue_name",
    "address",
    "accessibility_info",
    "capacity",
    "requires_approval",
    "status",
    "description",
    "contact_email",
    "contact_phone",
)
CONFERENCE_KEYS = (
    "series",
    "date",
    "days",
    "start",
    "end",
    "registration_opens_at",
    "registration_closes_at",
    "sessions",
    "exhibitors",
)
SESSION_FIELDS = ("title", "kind", "description", "room", "is_bookable", "capacity")
SESSION_KEYS = ("day", "start", "end", "topic", "people")
EXHIBITOR_FIELDS = (
    "organisation",
    "project",
    "description",
    "contact_name",
    "email",
    "phone",
    "website",
    "stand",
    "needs_table",
    "needs_power",
    "needs_pinboard",
    "needs_space",
    "needs_notes",
    "staff_count",
    "status",
)
PERSON_KEYS = ("speaker", "role")
LEGAL_PAGE_FIELDS = ("kind", "title", "version", "body", "contact_email", "contact_phone")

# What the summary calls the things it created, in the order it names them.
LABELS = (
    (ConferenceSeries, "Konferenzreihe", "Konferenzreihen"),
    (Conference, "Konferenz", "Konferenzen"),
    (Session, "Programmpunkt", "Programmpunkte"),
    (Speaker, "Person im Programm", "Personen im Programm"),
    (SessionSpeaker, "Mitwirkung", "Mitwirkungen"),
    (Exhibitor, "ausstellende Organisation", "ausstellende Organisationen"),
    (Registration, "Demo-Anmeldung", "Demo-Anmeldungen"),
    (LegalPage, "Mustertext (Rechtstext)", "Mustertexte (Rechtstexte)"),
)


class SeedError(Exception):
    """A data file or an entry in it is invalid; the message names both."""


@dataclass(frozen=True)
class Document:
    """One parsed data file. `year` is set when the file is relative to the load date."""

    name: str
    data: dict
    year: int | None = None


@dataclass
class Run:
    """State of one seed run: the load time and what has been created so far."""

    now: datetime
    created: Counter = field(default_factory=Counter)
    speakers: dict = field(default_factory=dict)
    topics: dict = field(default_factory=dict)


def seed(
    *, data_dir: Path = DATA_DIR, now: datetime | None = None, registrations: bool = True
) -> Counter:
    """Create whatever the data files describe and the database lacks; return the counts of
    created objects by model. Raises SeedError (and changes nothing) on an invalid entry."""
    run = Run(now=now or timezone.now())
    documents = read_documents(data_dir, now=run.now)
    with transaction.atomic():
        load_speakers(documents, run)
        load_series(documents, run)
        conferences = load_conferences(documents, run)
        load_legal_pages(documents, run)
        # Demo registrations through the services, for the conferences created now.
        if registrations:
            run.created.update(seed_registrations(conferences, now=run.now))
    return run.created


def summarise(created: Counter) -> str:
    """The one line `manage.py seed` prints."""
    parts = [
        f"{created[model]} {singular if created[model] == 1 else plural}"
        for model, singular, plural in LABELS
        if created[model]
    ]
    if not parts:
        return "Demodaten: nichts zu tun, alles ist bereits angelegt."
    return f"Demodaten angelegt: {', '.join(parts)}."


def read_documents(data_dir: Path, *, now: datetime) -> list[Document]:
    """Parse every `*.toml` in data_dir, in name order. A file with `year = "next"` is relative
    to the load date: "{year}" in its strings becomes the next calendar year."""
    paths = sorted(Path(data_dir).glob("*.toml"))
    if not paths:
        raise SeedError(f"{data_dir}: keine Datendateien (*.toml) gefunden.")
    documents = []
    for path in paths:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise SeedError(f"{path.name}: kein gültiges TOML: {exc}") from exc
        _check_keys(
            data, path.name, allowed=("year", "speakers", "series", "conferences", "legal_pages")
        )
        year = data.pop("year", None)
        if year == "next":
            year = timezone.localtime(now, BERLIN).year + 1
        elif year is not None and not isinstance(year, int):
            raise SeedError(f'{path.name}: year muss "next" oder eine Jahreszahl sein.')
        if year is not None:
            data = _replace_year(data, year)
        documents.append(Document(name=path.name, data=data, year=year))
    return documents


def load_speakers(documents: list[Document], run: Run) -> None:
    """Create missing speakers; one Speaker per person, shared by all conferences."""
    for document in documents:
        for where, entry in _entries(document.data, "speakers", document.name):
            values = _take(
                entry, where, fields=SPEAKER_FIELDS, required=("slug", "first_name", "last_name")
            )
            if not Speaker.objects.filter(slug=values["slug"]).exists():
                _create(Speaker(**values), where, run)
    run.speakers = {speaker.slug: speaker for speaker in Speaker.objects.all()}


def load_series(documents: list[Document], run: Run) -> None:
    for document in documents:
        for where, entry in _entries(document.data, "series", document.name):
            values = _take(entry, where, fields=SERIES_FIELDS, required=("slug", "title"))
            if not ConferenceSeries.objects.filter(slug=values["slug"]).exists():
                _create(ConferenceSeries(**values), where, run)


def load_legal_pages(documents: list[Document], run: Run) -> None:
    """Create the sample legal texts, each only while no text of its kind exists: once the
    organisers have written (or deleted) theirs, no sample comes back. In force from the load
    time."""
    for document in documents:
        for where, entry in _entries(document.data, "legal_pages", document.name):
            values = _take(
                entry,
                where,
                fields=LEGAL_PAGE_FIELDS,
                required=("kind", "title", "version", "body"),
            )
            if not LegalPage.objects.filter(kind=values["kind"]).exists():
                _create(LegalPage(valid_from=run.now, **values), where, run)


def load_conferences(documents: list[Document], run: Run) -> list[Conference]:
    """Create missing conferences with their programme and exhibitors; return those created."""
    run.topics = {topic.slug: topic for topic in Topic.objects.all()}
    conferences = []
    for document in documents:
        for where, entry in _entries(document.data, "conferences", document.name):
            values = _take(
                entry,
                where,
                fields=CONFERENCE_FIELDS,
                keys=CONFERENCE_KEYS,
                required=("slug", "title", "date", "start", "end"),
            )
            if Conference.objects.filter(slug=values["slug"]).exists():
                continue
            conferences.append(_create_conference(document, entry, values, where, run))
    return conferences


def _create_conference(document, entry, values, where, run):
    first_day = _date(entry["date"], where, document.year)
    days = entry.get("days", 1)
    if not isinstance(days, int) or days < 1:
        raise SeedError(f"{where}: days muss eine ganze Zahl ab 1 sein.")
    last_day = first_day + timedelta(days=days - 1)
    conference = Conference(
        **values,
        series=_series(entry.get("series"), where),
        starts_at=_moment(first_day, entry["start"], where, "start"),
        ends_at=_moment(last_day, entry["end"], where, "end"),
        registration_opens_at=_registration_moment(
            entry.get("registration_opens_at"), where, "registration_opens_at", first_day, run
        ),
        registration_closes_at=_registration_moment(
            entry.get("registration_closes_at"), where, "registration_closes_at", first_day, run
        ),
    )
    _create(conference, where, run)
    for session_where, session_entry in _entries(entry, "sessions", where):
        _create_session(conference, first_day, session_entry, session_where, run)
    for exhibitor_where, exhibitor_entry in _entries(entry, "exhibitors", where):
        values = _take(
            exhibitor_entry,
            exhibitor_where,
            fields=EXHIBITOR_FIELDS,
            keys=("topic",),
            required=("organisation", "contact_name", "email"),
        )
        topic = _topic(exhibitor_entry.get("topic"), exhibitor_where, run)
        _create(Exhibitor(conference=conference, topic=topic, **values), exhibitor_where, run)
    if conference.exhibitors.exists():
        _create_market(conference, where, run)
    return conference


def _create_market(conference, where, run):
    """A conference with exhibitors has a market: applications until a week before, two stands
    more than accepted (a free stand to offer), the counter matching the accepted exhibitors."""
    accepted = conference.exhibitors.filter(status=Exhibitor.Status.ACCEPTED).count()
    closes_at = conference.starts_at - timedelta(days=7)
    _create(
        Market(
            conference=conference,
            opens_at=closes_at - timedelta(days=60),
            closes_at=closes_at,
            stands=accepted + 2,
            stands_taken=accepted,
        ),
        where,
        run,
    )


def _create_session(conference, first_day, entry, where, run):
    values = _take(
        entry, where, fields=SESSION_FIELDS, keys=SESSION_KEYS, required=("title", "start", "end")
    )
    day = entry.get("day", 1)
    if not isinstance(day, int) or day < 1:
        raise SeedError(f"{where}: day muss eine ganze Zahl ab 1 sein.")
    on = first_day + timedelta(days=day - 1)
    session = Session(
        conference=conference,
        topic=_topic(entry.get("topic"), where, run),
        starts_at=_moment(on, entry["start"], where, "start"),
        ends_at=_moment(on, entry["end"], where, "end"),
        **values,
    )
    _create(session, where, run)
    for order, (person_where, person) in enumerate(_entries(entry, "people", where), start=1):
        _take(person, person_where, keys=PERSON_KEYS, required=("speaker",))
        speaker = run.speakers.get(person["speaker"])
        if speaker is None:
            raise SeedError(
                f"{person_where}: keine Person mit dem Kurznamen „{person['speaker']}“ "
                "(unter [[speakers]] eintragen)."
            )
        role = person.get("role", SessionSpeaker.Role.SPEAKER)
        _create(
            SessionSpeaker(session=session, speaker=speaker, role=role, order=order),
            person_where,
            run,
        )


def _entries(container: dict, key: str, where: str):
    """Yield (where, entry) for each table in the array `key`, `where` naming it for errors."""
    entries = container.get(key, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise SeedError(f"{where}: {key} muss eine Liste von Tabellen sein ([[{key}]]).")
    for number, entry in enumerate(entries, start=1):
        label = entry.get("slug") or entry.get("title") or entry.get("organisation")
        label = label or entry.get("speaker")
        yield f"{where} › {key} Nr. {number}" + (f" „{label}“" if label else ""), entry


def _take(entry, where, *, fields=(), keys=(), required=()):
    """The entry's values for plain model fields; rejects unknown and missing keys."""
    _check_keys(entry, where, allowed=(*fields, *keys))
    missing = [key for key in required if key not in entry]
    if missing:
        raise SeedError(f"{where}: es fehlt {', '.join(missing)}.")
    return {key: entry[key] for key in fields if key in entry}


def _check_keys(entry, where, *, allowed):
    unknown = sorted(set(entry) - set(allowed))
    if unknown:
        raise SeedError(
            f"{where}: unbekannter Schlüssel {', '.join(unknown)} "
            f"(erlaubt: {', '.join(sorted(allowed))})."
        )


def _create(obj: models.Model, where: str, run: Run) -> models.Model:
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise SeedError(f"{where}: {_describe(exc)}") from exc
    obj.save()
    run.created[type(obj)] += 1
    return obj


def _describe(error: ValidationError) -> str:
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    return "; ".join(
        " ".join(messages) if name == "__all__" else f"{name}: {' '.join(messages)}"
        for name, messages in error.message_dict.items()
    )


def _series(slug, where):
    if slug is None:
        return None
    try:
        return ConferenceSeries.objects.get(slug=slug)
    except ConferenceSeries.DoesNotExist:
        raise SeedError(
            f"{where}: keine Konferenzreihe „{slug}“ (unter [[series]] eintragen)."
        ) from None


def _topic(slug, where, run):
    if slug is None:
        return None
    if slug not in run.topics:
        raise SeedError(
            f"{where}: kein Thema „{slug}“ (vorhanden: {', '.join(sorted(run.topics))})."
        )
    return run.topics[slug]


def _date(value, where, year):
    """A TOML date, or {iso_week = 23, weekday = "tuesday"} in the file's relative year."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, dict):
        _check_keys(value, f"{where} › date", allowed=("iso_week", "weekday"))
        if year is None:
            raise SeedError(f'{where}: ein relatives Datum braucht year = "next" in der Datei.')
        try:
            return date.fromisocalendar(year, value["iso_week"], WEEKDAYS[value["weekday"]])
        except (KeyError, TypeError, ValueError) as exc:
            raise SeedError(f"{where}: ungültiges relatives Datum {value!r}.") from exc
    raise SeedError(f"{where}: date muss ein Datum sein (z. B. 2018-06-04), nicht {value!r}.")


def _moment(day: date, value, where, key) -> datetime:
    """An aware datetime in Europe/Berlin from a day and a time ("09:30" or a TOML time)."""
    if isinstance(value, str):
        try:
            value = time.fromisoformat(value)
        except ValueError:
            value = None
    if not isinstance(value, time) or value.tzinfo is not None:
        raise SeedError(f'{where}: {key} muss eine Uhrzeit wie "09:30" sein.')
    return datetime.combine(day, value, tzinfo=BERLIN)


def _registration_moment(value, where, key, first_day, run):
    """A local datetime; "now" (the load time); {days_ago = N}: the load time N days ago; or
    {days_before = N}: 23:59 N days before the first day."""
    if value is None:
        return None
    if value == "now":
        return run.now.replace(second=0, microsecond=0)
    if isinstance(value, dict) and set(value) == {"days_ago"}:
        days = value["days_ago"]
        if isinstance(days, int) and days >= 0:
            return run.now.replace(second=0, microsecond=0) - timedelta(days=days)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=BERLIN)
    if isinstance(value, dict) and set(value) == {"days_before"}:
        days = value["days_before"]
        if isinstance(days, int) and days >= 0:
            return datetime.combine(first_day - timedelta(days=days), time(23, 59), tzinfo=BERLIN)
    raise SeedError(
        f'{where}: {key} muss ein Zeitpunkt (2018-05-28T23:59:00), "now", '
        f"{{ days_ago = 21 }} oder {{ days_before = 7 }} sein, nicht {value!r}."
    )


def _replace_year(value, year: int):
    if isinstance(value, str):
        return value.replace("{year}", str(year))
    if isinstance(value, list):
        return [_replace_year(item, year) for item in value]
    if isinstance(value, dict):
        return {key: _replace_year(item, year) for key, item in value.items()}
    return value
