"""The public pages in a real browser: every page in German and English passes axe (WCAG 2.1 A
and AA) and asks no other origin; keyboard, language switch, programme layout, reflow, print."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from conferences.models import Conference, LegalPage, Session, SessionSpeaker
from tests.factories import (
    ConferenceFactory,
    ConferenceSeriesFactory,
    ExhibitorFactory,
    SessionFactory,
    SessionSpeakerFactory,
    SpeakerFactory,
    TopicFactory,
    UserFactory,
    WorkshopFactory,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def site(transactional_db):
    """A small but complete public site: a series with two editions, a programme with parallel
    workshops (one full), speakers in every role, exhibitors, an archived conference, a draft,
    and all legal texts (two versions of the privacy notice)."""
    language = TopicFactory(slug="sprache-und-bildung", name="Sprache und Bildung")
    work = TopicFactory(slug="wirtschaft-und-arbeit", name="Wirtschaft und Arbeit")
    series = ConferenceSeriesFactory(title="WIR-Regionalkonferenzen")
    start = (timezone.localtime() + timedelta(days=40)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    kassel = ConferenceFactory(
        title="Regionalkonferenz Kassel",
        slug="kassel",
        series=series,
        starts_at=start,
        ends_at=start + timedelta(days=1, hours=8),
        accessibility_info="Stufenloser Zugang; Induktionsschleife im Großen Saal.",
        description="Austausch zwischen Land, Kreisen und Kommunen.",
        contact_phone="0561 123 456",
    )
    ConferenceFactory(
        title="Regionalkonferenz Wiesbaden",
        slug="wiesbaden",
        series=series,
        city="Wiesbaden",
        starts_at=start + timedelta(days=3),
        ends_at=start + timedelta(days=3, hours=8),
    )
    ConferenceFactory(
        title="Regionalkonferenz 2018",
        slug="archiv-2018",
        starts_at=timezone.now() - timedelta(days=900),
        ends_at=timezone.now() - timedelta(days=899),
        registration_opens_at=None,
        registration_closes_at=None,
        status=Conference.Status.ARCHIVED,
    )
    ConferenceFactory(title="Entwurf Fulda", slug="entwurf", status=Conference.Status.DRAFT)

    welcome = SessionFactory(
        conference=kassel,
        title="Begrüßung",
        kind=Session.Kind.WELCOME,
        room="Großer Saal",
        starts_at=start,
        ends_at=start + timedelta(minutes=45),
    )
    workshops = [
        WorkshopFactory(
            conference=kassel,
            title=f"Workshop {n}: {title}",
            room=f"Raum {n}",
            topic=topic,
            capacity=20,
            starts_at=start + timedelta(hours=1),
            ends_at=start + timedelta(hours=2, minutes=30),
            description="Praxisbeispiele aus den Kommunen.",
        )
        for n, (title, topic) in enumerate(
            [("Sprachmittlung", language), ("Ausbildung", work), ("Ehrenamt", None)], start=1
        )
    ]
    Session.objects.filter(pk=workshops[2].pk).update(seats_taken=20)
    SessionFactory(
        conference=kassel,
        title="Podiumsdiskussion: Was hält uns zusammen?",
        kind=Session.Kind.PANEL,
        room="Großer Saal",
        starts_at=start + timedelta(days=1, hours=1),
        ends_at=start + timedelta(days=1, hours=2),
    )
    keynote_speaker = SpeakerFactory(
        academic_title="Prof. Dr.",
        first_name="Frank",
        last_name="Kalter",
        position="Professor für Soziologie",
        biography="Forscht zu Migration und Integration.",
        website="https://example.org/kalter",
    )
    SessionSpeakerFactory(session=welcome, speaker=keynote_speaker)
    SessionSpeakerFactory(
        session=welcome,
        speaker=SpeakerFactory(first_name="Cornelia", last_name="Spohn"),
        role=SessionSpeaker.Role.MODERATOR,
    )
    for workshop in workshops:
        SessionSpeakerFactory(session=workshop, role=SessionSpeaker.Role.HOST)
    ExhibitorFactory(conference=kassel, organisation="Sprachmittlung e. V.", topic=language,
                     stand="A1", website="https://example.org/")  # fmt: skip
    ExhibitorFactory(conference=kassel, organisation="Jobcenter Kassel", topic=work)

    LegalPage.objects.create(
        kind=LegalPage.Kind.IMPRINT,
        title="Impressum",
        body="## Anbieter\nLand Hessen\nBeispielstraße 1\n65185 Wiesbaden",
        version="1",
    )
    for version, days in (("2025-01", 400), ("2026-01", 10)):
        LegalPage.objects.create(
            kind=LegalPage.Kind.PRIVACY,
            title="Datenschutzerklärung",
            body="## Verantwortliche Stelle\nLand Hessen\n\n## Ihre Rechte\n- Auskunft\n- Löschung",
            version=version,
            valid_from=timezone.now() - timedelta(days=days),
        )
    LegalPage.objects.create(
        kind=LegalPage.Kind.ACCESSIBILITY,
        title="Erklärung zur Barrierefreiheit",
        body="## Stand der Vereinbarkeit\nDiese Website ist weitgehend barrierefrei.",
        version="1",
        contact_email="barrierefreiheit@example.org",
    )
    return {
        "kassel": kassel,
        "workshop": workshops[0],
        "speaker": keynote_speaker,
        "topic": language,
    }


PAGES = {
    "home": lambda s: ("conferences:home", {}),
    "archive": lambda s: ("conferences:archive", {}),
    "conference": lambda s: ("conferences:detail", {"slug": "kassel"}),
    "programme": lambda s: ("conferences:programme", {"slug": "kassel"}),
    "session": lambda s: ("conferences:session", {"slug": "kassel", "pk": s["workshop"].pk}),
    "speakers": lambda s: ("conferences:speakers", {"slug": "kassel"}),
    "speaker": lambda s: ("conferences:speaker", {"slug": s["speaker"].slug}),
    "exhibitors": lambda s: ("conferences:exhibitors", {"slug": "kassel"}),
    "imprint": lambda s: ("conferences:imprint", {}),
    "privacy": lambda s: ("conferences:privacy", {}),
    "privacy-old": lambda s: ("conferences:privacy_version", {"version": "2025-01"}),
    "accessibility": lambda s: ("conferences:accessibility", {}),
    "not-found": lambda s: ("conferences:detail", {"slug": "gibt-es-nicht"}),
    "draft": lambda s: ("conferences:detail", {"slug": "entwurf"}),
}


def _path(site, page_name, language):
    name, kwargs = PAGES[page_name](site)
    with translation.override(language):
        return reverse(name, kwargs=kwargs)


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("page_name", list(PAGES))
def test_public_page_passes_axe_and_asks_no_other_origin(
    page, site, axe_check, same_origin, page_name, language
):
    response = page.goto(_path(site, page_name, language))

    expected_status = 404 if page_name in ("not-found", "draft") else 200
    assert response.status == expected_status
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("h1").count() == 1
    assert page.locator("main#main").count() == 1
    assert page.locator("header nav, footer nav").count() == 3
    axe_check(page)
    assert any(url.endswith(".css") for url in same_origin.requests)
    same_origin.assert_clean()


def test_same_origin_recorder_catches_and_blocks_a_foreign_request(page, site, same_origin):
    page.goto(_path(site, "home", "de"))

    page.evaluate("() => fetch('https://cdn.example.com/x.js').catch(() => null)")
    page.wait_for_timeout(200)

    assert same_origin.foreign == ["https://cdn.example.com/x.js"]
    same_origin.requests.clear()  # the check works; let teardown pass


def test_axe_check_reports_a_violation_readably(page, site, axe_check):
    page.goto(_path(site, "home", "de"))
    page.evaluate(
        "() => document.querySelector('main').insertAdjacentHTML('beforeend', "
        '\'<input type="text" name="unlabelled">\')'
    )

    with pytest.raises(pytest.fail.Exception) as excinfo:
        axe_check(page)

    assert "violation" in str(excinfo.value)
    assert "unlabelled" in str(excinfo.value)


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_the_content(page, site):
    page.goto(_path(site, "programme", "de"))

    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    skip_text = skip.inner_text()
    skip_box = skip.bounding_box()
    outline = skip.evaluate("e => getComputedStyle(e).outlineStyle")
    page.keyboard.press("Enter")

    assert skip_text == "Zum Inhalt springen"
    assert skip_box["y"] >= 0
    assert outline != "none"
    assert page.evaluate("() => document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.closest('main') !== null")


def test_language_switch_keeps_the_page_and_changes_the_language(page, site):
    page.goto(_path(site, "session", "de"))

    page.get_by_role("navigation", name="Sprache wählen").get_by_role("link").click()

    assert page.url.endswith(_path(site, "session", "en"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == site["workshop"].title
    current = page.locator(".language-switch [aria-current='true']")
    assert current.inner_text() == "English"
    page.locator(".language-switch a[hreflang='de']").click()
    assert page.url.endswith(_path(site, "session", "de"))
    assert page.locator("html").get_attribute("lang") == "de"


def test_programme_sets_parallel_sessions_side_by_side_on_wide_screens_and_stacks_on_phones(
    page, site
):
    path = _path(site, "programme", "de")
    cards = page.locator(".session-card", has_text="Workshop")

    page.goto(path)
    wide = [cards.nth(i).bounding_box() for i in range(3)]
    page.set_viewport_size({"width": 375, "height": 800})
    narrow = [cards.nth(i).bounding_box() for i in range(3)]

    assert len({round(box["y"]) for box in wide}) == 1
    assert wide[0]["x"] < wide[1]["x"] < wide[2]["x"]
    assert len({round(box["x"]) for box in narrow}) == 1
    assert narrow[0]["y"] < narrow[1]["y"] < narrow[2]["y"]
    assert page.locator("ol.timetable > li.slot").count() == 3


@pytest.mark.parametrize("page_name", ["home", "conference", "programme", "exhibitors"])
def test_pages_reflow_at_320_css_pixels_without_horizontal_scrolling(page, site, page_name):
    page.set_viewport_size({"width": 320, "height": 640})

    page.goto(_path(site, page_name, "de"))

    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll_width <= 320


def test_programme_prints_as_a_clean_list(page, site):
    page.goto(_path(site, "programme", "de"))

    page.emulate_media(media="print")

    assert page.locator("header.site-header").is_hidden()
    assert page.locator("footer.site-footer").is_hidden()
    assert page.locator(".conference-nav").is_hidden()
    assert page.locator(".seats").first.is_hidden()
    assert page.locator(".session-card").count() == 5
    assert page.locator(".session-card").first.is_visible()
    tops = [page.locator(".session-card", has_text="Workshop").nth(i).bounding_box()["y"]
            for i in range(3)]  # fmt: skip
    assert tops == sorted(tops)
    assert len(set(tops)) == 3


def test_exhibitor_topic_filter_works_by_keyboard(page, site, axe_check):
    page.goto(_path(site, "exhibitors", "de"))

    page.get_by_role("link", name="Sprache und Bildung (1)").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**thema=sprache-und-bildung")

    assert page.locator(".exhibitor h3").all_inner_texts() == ["Sprachmittlung e. V."]
    assert (
        page.get_by_role("link", name="Sprache und Bildung (1)").get_attribute("aria-current")
        == "page"
    )
    axe_check(page)


def test_organiser_previews_a_draft_that_the_public_cannot_see(page, site, login, axe_check):
    organiser = UserFactory(is_staff=True)
    Conference.objects.get(slug="entwurf").organisers.add(organiser)
    path = _path(site, "draft", "de")

    public = page.goto(path)
    login(page, organiser)
    preview = page.goto(path)

    assert public.status == 404
    assert preview.status == 200
    assert page.locator(".preview-banner").inner_text().startswith("Vorschau:")
    axe_check(page)


def test_register_link_leads_to_the_registration_url(page, site):
    page.goto(_path(site, "conference", "de"))

    href = page.get_by_role("link", name="Jetzt anmelden").get_attribute("href")

    assert href == reverse("registrations:register", kwargs={"slug": "kassel"})


def test_no_page_asks_for_a_missing_file_and_every_icon_answers(page, site, live_server):
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)

    page.goto(_path(site, "programme", "en"))
    page.wait_for_load_state("networkidle")
    icons = page.eval_on_selector_all(
        "link[rel='icon'], link[rel='apple-touch-icon']", "links => links.map(l => l.href)"
    )
    answers = [page.request.get(url) for url in [*icons, live_server.url + "/favicon.ico"]]

    assert missing == []
    assert len(icons) == 3
    assert [answer.status for answer in answers] == [200, 200, 200, 200]
    assert answers[-1].url.endswith("/static/icons/favicon.ico")
    assert [answer.headers["content-type"].split(";")[0] for answer in answers] == [
        "image/vnd.microsoft.icon",
        "image/svg+xml",
        "image/png",
        "image/vnd.microsoft.icon",
    ]


@pytest.mark.parametrize("language", ["de", "en"])
def test_programme_hyphenates_session_titles_as_german_in_either_language(page, site, language):
    page.goto(_path(site, "programme", language))

    title = page.locator(".session-title").first
    style = title.evaluate(
        "el => [getComputedStyle(el).hyphens, el.closest('[lang]').lang,"
        " document.documentElement.lang]"
    )

    assert style == ["auto", "de", language]


def test_programme_puts_the_rooms_in_the_organisers_order(page, site):
    Conference.objects.filter(pk=site["kassel"].pk).update(room_order="Raum 3\nRaum 1")

    page.goto(_path(site, "programme", "de"))
    headers = page.locator(".timetable-rooms span[class^='room-col']").all_inner_texts()
    cards = page.locator(".session-card", has_text="Workshop")
    boxes = {
        cards.nth(i).locator("h4").inner_text().replace("\u00ad", ""): cards.nth(i).bounding_box()
        for i in range(3)
    }

    assert headers == ["Raum 3", "Raum 1", "Raum 2"]
    assert (
        boxes["Workshop 3: Ehrenamt"]["x"]
        < boxes["Workshop 1: Sprachmittlung"]["x"]
        < boxes["Workshop 2: Ausbildung"]["x"]
    )
