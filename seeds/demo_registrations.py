"""Demo registrations for the past demo conferences, created through `registrations.services`.

Going through the services (never raw rows) keeps seat counters, waiting lists and consents
exactly as real use would leave them. The names are invented and deterministic (a fixed random
seed), so a fresh database always gets the same people. No e-mail is queued (`mail.muted()`).

Past conferences are archived, and the services refuse registrations for archived ones; for the
duration of the seeding transaction each is treated as published, then archived again.
"""

import random
from collections import Counter
from datetime import datetime, timedelta

from conferences.models import Conference
from registrations import mail, services
from registrations.models import Consent, Registration

FIRST_NAMES = (
    "Anna", "Lukas", "Fatma", "Mehmet", "Sofia", "Jonas", "Leyla", "Ahmad", "Marie", "Paul",
    "Nino", "Giorgi", "Elif", "Deniz", "Katharina", "Thomas", "Aylin", "Yusuf", "Julia", "Felix",
    "Olena", "Andriy", "Amira", "Karim", "Sabine", "Michael", "Ewa", "Piotr", "Hannah", "David",
    "Zeynep", "Omar", "Laura", "Tobias", "Mariam", "Samir", "Christina", "Stefan", "Ina", "Arif",
    "ليلى", "محمد",
)  # fmt: skip
LAST_NAMES = (
    "Müller", "Schmidt", "Yılmaz", "Kaya", "Weber", "Fischer", "Hosseini", "Rahimi", "Wagner",
    "Becker", "Jerenashvili", "Beridze", "Demir", "Öztürk", "Hoffmann", "Schäfer", "Kovalenko",
    "Nowak", "Haddad", "Khalil", "Koch", "Richter", "Zaeri", "Popescu", "Klein", "Wolf",
    "Schröder", "Neumann", "Çelik", "Aydın", "Kühne", "Braun", "Zimmermann", "Krüger", "Hartmann",
    "العلي", "حداد",
)  # fmt: skip
ORGANISATIONS = (
    ("Stadt Kassel", Registration.OrganisationType.MUNICIPALITY, "Nordhessen"),
    ("Landeshauptstadt Wiesbaden", Registration.OrganisationType.MUNICIPALITY, "Rhein-Main"),
    ("Stadt Offenbach am Main", Registration.OrganisationType.MUNICIPALITY, "Rhein-Main"),
    ("Stadt Hanau", Registration.OrganisationType.MUNICIPALITY, "Rhein-Main"),
    ("Stadt Wetzlar", Registration.OrganisationType.MUNICIPALITY, "Mittelhessen"),
    ("Hochtaunuskreis", Registration.OrganisationType.DISTRICT, "Rhein-Main"),
    ("Main-Kinzig-Kreis", Registration.OrganisationType.DISTRICT, "Osthessen"),
    ("Landkreis Kassel", Registration.OrganisationType.DISTRICT, "Nordhessen"),
    ("Landkreis Marburg-Biedenkopf", Registration.OrganisationType.DISTRICT, "Mittelhessen"),
    (
        "Hessisches Ministerium für Soziales und Integration",
        Registration.OrganisationType.STATE,
        "Landesebene",
    ),
    ("Regierungspräsidium Darmstadt", Registration.OrganisationType.STATE, "Südhessen"),
    ("Caritasverband (Demo)", Registration.OrganisationType.CIVIL_SOCIETY, "Südhessen"),
    ("Diakonie Hessen (Demo)", Registration.OrganisationType.CIVIL_SOCIETY, "Landesebene"),
    (
        "Kompetenzzentrum Vielfalt – Migrantenorganisationen",
        Registration.OrganisationType.MIGRANT_ORGANISATION,
        "Landesebene",
    ),
    (
        "Verein der Elternlotsinnen (Demo)",
        Registration.OrganisationType.MIGRANT_ORGANISATION,
        "Mittelhessen",
    ),
    ("Universität Kassel", Registration.OrganisationType.SCIENCE, "Nordhessen"),
    ("IHK Frankfurt am Main", Registration.OrganisationType.BUSINESS, "Rhein-Main"),
    ("Volkshochschule Wiesbaden", Registration.OrganisationType.EDUCATION, "Rhein-Main"),
    (
        "Landesverband der Jüdischen Gemeinden in Hessen",
        Registration.OrganisationType.RELIGIOUS_COMMUNITY,
        "Landesebene",
    ),
)
POSITIONS = (
    "Integrationsbeauftragte*r",
    "Sachbearbeitung Integration",
    "Referent*in",
    "Projektleitung",
    "Integrationslotsin",
    "Geschäftsführung",
    "Koordination WIR-Vielfaltszentrum",
    "",
)
DIETS = (
    [Registration.Diet.NONE] * 10
    + [Registration.Diet.VEGETARIAN] * 5
    + [Registration.Diet.VEGAN] * 2
    + [Registration.Diet.HALAL] * 2
    + [Registration.Diet.KOSHER, Registration.Diet.OTHER]
)
ACCESSIBILITY_NEEDS = (
    "Rollstuhlgerechter Platz",
    "Induktionsschleife",
    "Gebärdensprachdolmetschung",
    "Unterlagen in großer Schrift",
)

#: Registrations per demo conference: about its capacity, a little more where it was full.
SHARE_OF_CAPACITY = 1.12
CANCELLED_SHARE = 0.06


def seed_registrations(conferences: list[Conference], *, now: datetime) -> Counter:
    """Register demo participants for every past conference in `conferences` (those created in
    this seed run) and return how many registrations were created."""
    created = Counter()
    rng = random.Random(2018)
    with mail.muted():
        for conference in conferences:
            if conference.ends_at >= now or conference.registration_opens_at is None:
                continue
            created[Registration] += _seed_conference(conference, rng)
    return created


def _seed_conference(conference: Conference, rng: random.Random) -> int:
    status = conference.status
    Conference.objects.filter(pk=conference.pk).update(status=Conference.Status.PUBLISHED)
    conference.status = Conference.Status.PUBLISHED
    opens = conference.registration_opens_at
    closes = conference.registration_closes_at or conference.starts_at
    slots = _slots(conference)
    total = int(conference.capacity * SHARE_OF_CAPACITY)
    step = (closes - opens) / (total + 1)
    registrations = []
    for number in range(total):
        moment = opens + step * (number + 1)
        registration = _register(conference, rng, number, moment, slots)
        registration = services.confirm_email(
            registration=registration, now=moment + timedelta(hours=2)
        )
        if registration.status == Registration.Status.AWAITING_APPROVAL:
            registration = services.approve_registration(
                registration=registration, now=moment + timedelta(days=1)
            )
        registrations.append(registration)
    for registration in rng.sample(registrations, int(total * CANCELLED_SHARE)):
        registration.refresh_from_db()
        services.cancel_registration(registration=registration, now=closes - timedelta(days=1))
    Conference.objects.filter(pk=conference.pk).update(status=status)
    conference.status = status
    return total


def _register(conference, rng, number, moment, slots) -> Registration:
    first_name = rng.choice(FIRST_NAMES)
    last_name = rng.choice(LAST_NAMES)
    organisation, organisation_type, region = rng.choice(ORGANISATIONS)
    diet = rng.choice(DIETS)
    participant = {
        "salutation": rng.choice(("", "ms", "mr", "ms", "mr", "diverse")),
        "academic_title": rng.choice(("", "", "", "", "Dr.", "Prof. Dr.")),
        "first_name": first_name,
        "last_name": last_name,
        "email": f"demo-{conference.pk}-{number:04d}@example.org",
        "organisation": organisation,
        "position": rng.choice(POSITIONS),
        "organisation_type": organisation_type,
        "region": region,
        "diet": diet,
        "dietary_notes": "ohne Nüsse" if diet == Registration.Diet.OTHER else "",
        "accessibility_needs": rng.choice(ACCESSIBILITY_NEEDS) if rng.random() < 0.04 else "",
    }
    consents = [Consent.Purpose.PRIVACY] + [
        purpose
        for purpose, share in (
            (Consent.Purpose.PHOTOS, 0.7),
            (Consent.Purpose.PARTICIPANT_LIST, 0.6),
            (Consent.Purpose.NEWSLETTER, 0.3),
        )
        if rng.random() < share
    ]
    chosen = []
    for slot in slots:
        session = rng.choice(slot)
        overlaps = any(
            session.starts_at < other.ends_at and other.starts_at < session.ends_at
            for other in chosen
        )
        if rng.random() < 0.9 and not overlaps:
            chosen.append(session)
    session_ids = [session.pk for session in chosen]
    return services.register_participant(
        conference=conference,
        participant=participant,
        session_ids=session_ids,
        consents=consents,
        language="de" if rng.random() < 0.9 else "en",
        known_full_session_ids=session_ids,
        conference_known_full=True,
        now=moment,
    )


def _slots(conference: Conference) -> list[list]:
    """Bookable sessions grouped by start time: one choice per group, as the form offers."""
    groups: dict = {}
    for session in conference.sessions.filter(is_bookable=True).order_by("starts_at", "pk"):
        groups.setdefault(session.starts_at, []).append(session)
    return list(groups.values())
