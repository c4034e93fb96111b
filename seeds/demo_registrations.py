"""Demo registrations for the demo conferences, created through `registrations.services`.

Going through the services (never raw rows) keeps seat counters, waiting lists and consents
exactly as real use would leave them. The names are invented and deterministic (a fixed random
seed), so a fresh database always gets the same people. No e-mail is queued (`mail.muted()`).

- Past conferences fill up (a few more than their capacity registered, some cancelled).
  They are archived, and the services refuse registrations for archived ones; for the duration
  of the seeding transaction each is treated as published, then archived again.
- One upcoming conference (the first whose registration opened at least a day before the load
  time) gets the registrations of the weeks since it opened, so that a newcomer's dashboard is
  not empty: about two thirds of its seats, popular workshops full with a waiting list, a few
  cancellations (whose seats went to the people waiting), the newest addresses unconfirmed.
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
    "العلي", "حداد", "Kühne-Hörmann", "Zaeri-Esfahani", "Gogoladze", "Şahin-Bauer",
)  # fmt: skip
ORGANISATIONS = (
    ("Stadt Kassel", Registration.OrganisationType.MUNICIPALITY, "Nordhessen"),
    ("Landeshauptstadt Wiesbaden", Registration.OrganisationType.MUNICIPALITY, "Rhein-Main"),
    ("Stadt Offenbach am Main", Registration.OrganisationType.MUNICIPALITY, "Rhein-Main"),
    ("Stadt Hanau", Registration.OrganisationType.MUNICIPALITY, "Rhein-Main"),
    ("Stadt Wetzlar", Registration.OrganisationType.MUNICIPALITY, "Mittelhessen"),
    ("Stadt Weiterstadt", Registration.OrganisationType.MUNICIPALITY, "Südhessen"),
    ("Stadt Fulda", Registration.OrganisationType.MUNICIPALITY, "Osthessen"),
    ("Hochtaunuskreis", Registration.OrganisationType.DISTRICT, "Rhein-Main"),
    ("Main-Kinzig-Kreis", Registration.OrganisationType.DISTRICT, "Osthessen"),
    ("Landkreis Kassel", Registration.OrganisationType.DISTRICT, "Nordhessen"),
    ("Landkreis Marburg-Biedenkopf", Registration.OrganisationType.DISTRICT, "Mittelhessen"),
    ("Landkreis Darmstadt-Dieburg", Registration.OrganisationType.DISTRICT, "Südhessen"),
    ("Wetteraukreis", Registration.OrganisationType.DISTRICT, "Rhein-Main"),
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
    (
        "Georgischer Kulturverein Kassel (Demo)",
        Registration.OrganisationType.MIGRANT_ORGANISATION,
        "Nordhessen",
    ),
    (
        "Deutsch-Arabischer Frauenverein Offenbach (Demo)",
        Registration.OrganisationType.MIGRANT_ORGANISATION,
        "Rhein-Main",
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
#: The upcoming conference: registrations so far (of its capacity), cancellations among them,
#: and how popular each workshop of a round is (the first and third draw the crowds).
UPCOMING_SHARE_OF_CAPACITY = 0.64
UPCOMING_CANCELLATIONS = 5
UPCOMING_POPULARITY = (0.36, 0.28, 0.36)
#: Addresses registered within this time before the load are left unconfirmed.
UNCONFIRMED_WITHIN = timedelta(hours=36)


def seed_registrations(conferences: list[Conference], *, now: datetime) -> Counter:
    """Register demo participants for every past conference in `conferences` (those created in
    this seed run) and for the first upcoming one whose registration has been open for a day;
    return how many registrations were created."""
    created = Counter()
    rng = random.Random(2018)
    upcoming = [
        conference
        for conference in conferences
        if conference.ends_at >= now
        and conference.status == Conference.Status.PUBLISHED
        and conference.registration_opens_at is not None
        and conference.registration_opens_at <= now - timedelta(days=1)
    ]
    with mail.muted():
        for conference in conferences:
            if conference.ends_at >= now or conference.registration_opens_at is None:
                continue
            created[Registration] += _seed_conference(conference, rng)
        if upcoming:
            first = min(upcoming, key=lambda conference: conference.starts_at)
            created[Registration] += _seed_upcoming(first, random.Random(first.slug), now)
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


def _seed_upcoming(conference: Conference, rng: random.Random, now: datetime) -> int:
    """The registrations since `conference` opened, in the order they came: many in the first
    days, fewer later; a cancellation now and then frees seats for the people waiting."""
    opens = conference.registration_opens_at
    span = (now - timedelta(minutes=10)) - opens
    total = int(conference.capacity * UPCOMING_SHARE_OF_CAPACITY)
    # An opening rush: the squared draw puts more registrations into the first days.
    moments = sorted(opens + span * rng.random() ** 2 for _ in range(total))
    cancel_after = set(rng.sample(range(total // 4, total), UPCOMING_CANCELLATIONS))
    slots = _slots(conference)
    confirmed = []
    for number, moment in enumerate(moments):
        registration = _register(
            conference, rng, number, moment, slots, popularity=UPCOMING_POPULARITY
        )
        confirm_at = moment + timedelta(minutes=rng.randint(3, 600))
        unconfirmed = now - moment < UNCONFIRMED_WITHIN
        if confirm_at < now and not unconfirmed:
            registration = services.confirm_email(registration=registration, now=confirm_at)
            if registration.status == Registration.Status.CONFIRMED:
                confirmed.append((confirm_at, registration))
        cancel_at = moment + timedelta(minutes=1)
        leavers = [pair for pair in confirmed if pair[0] < cancel_at]
        if number in cancel_after and leavers:
            pair = leavers[rng.randrange(len(leavers))]
            confirmed.remove(pair)
            leaving = pair[1]
            leaving.refresh_from_db()
            services.cancel_registration(registration=leaving, now=cancel_at)
    return total


def _register(conference, rng, number, moment, slots, popularity=None) -> Registration:
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
        if popularity and len(popularity) == len(slot):
            session = rng.choices(slot, weights=popularity)[0]
        else:
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
