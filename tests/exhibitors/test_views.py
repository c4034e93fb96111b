"""The public pages of the Markt der Möglichkeiten: applying (and every kind of bad input), the
private link, the directory with its stand list."""

import io
import re
import time
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from exhibitors import services
from exhibitors.forms import FORM_TOKEN_SALT, MAX_LOGO_BYTES, NO_SVG, NOT_AN_IMAGE
from exhibitors.models import Exhibitor
from tests.exhibitors.conftest import MarketFactory, application
from tests.factories import ConferenceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_tasks")]


@pytest.fixture(autouse=True)
def no_fill_delay(settings):
    settings.REGISTRATION_MIN_FILL_SECONDS = 0


def png(size=(40, 20)):
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, format="PNG")
    return SimpleUploadedFile("logo.png", buffer.getvalue(), content_type="image/png")


def form_data(market, **overrides):
    data = {
        "organisation": "Sprachmittlung e. V.",
        "project": "Dolmetschen vor Ort",
        "description": "Wir dolmetschen.\nIn 20 Sprachen.",
        "contact_name": "Dilara Öztürk",
        "email": "stand@example.org",
        "phone": "0561 1",
        "website": "sprachmittlung.example.org",
        "staff_count": "2",
        "needs_table": "on",
        "needs_power": "on",
        "privacy": "on",
        "nickname": "",
        "form_token": signing.dumps(
            {"c": market.conference.pk, "t": time.time() - 60}, salt=FORM_TOKEN_SALT
        ),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def apply_url(market):
    return reverse("exhibitors:apply", kwargs={"slug": market.conference.slug})


def post(client, market, **overrides):
    return client.post(apply_url(market), form_data(market, **overrides))


def field_errors(response, name):
    return [str(e) for e in response.context["form"].errors.get(name, [])]


def test_apply_stores_a_pending_application_with_a_reencoded_logo_and_mails_the_link(
    client, market, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path

    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, market, logo=png())

    exhibitor = Exhibitor.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "exhibitors:applied", kwargs={"slug": market.conference.slug}
    )
    assert exhibitor.status == Exhibitor.Status.PENDING
    assert (exhibitor.website, exhibitor.needs_power, exhibitor.staff_count) == (
        "https://sprachmittlung.example.org",
        True,
        2,
    )
    assert exhibitor.privacy_version
    assert re.fullmatch(r"exhibitors/[0-9a-f]{32}\.png", exhibitor.logo.name)
    with Image.open(exhibitor.logo.path) as stored:
        assert (stored.format, stored.size) == ("PNG", (40, 20))
    assert reverse("exhibitors:confirm", kwargs={"pk": exhibitor.pk, "token": exhibitor.token}) in (
        mail.outbox[0].body
    )


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("logo.png", b"not an image at all", "image/png"), NOT_AN_IMAGE),
        (
            SimpleUploadedFile(
                "logo.svg",
                b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
                "image/svg+xml",
            ),
            NO_SVG,
        ),
        (
            SimpleUploadedFile("logo.png", b"<svg onload='alert(1)'></svg>", "image/png"),
            NO_SVG,
        ),
        (SimpleUploadedFile("logo.gif", b"GIF89a" + b"\0" * 20, "image/gif"), NOT_AN_IMAGE),
    ],
    ids=["fake", "svg-script", "svg-as-png", "gif"],
)
def test_apply_refuses_a_logo_that_is_no_png_or_jpeg_next_to_the_field(
    client, market, upload, message
):
    response = post(client, market, logo=upload)

    assert field_errors(response, "logo") == [str(message)]
    assert response.context["form"]["organisation"].value() == "Sprachmittlung e. V."
    assert not Exhibitor.objects.exists()


def test_apply_refuses_an_oversized_logo(client, market):
    big = SimpleUploadedFile("logo.png", b"\x89PNG" + b"0" * MAX_LOGO_BYTES, "image/png")

    response = post(client, market, logo=big)

    assert field_errors(response, "logo") == ["Das Logo ist zu groß (höchstens 2 MB)."]
    assert not Exhibitor.objects.exists()


def test_apply_refuses_over_long_text_and_control_characters_next_to_their_fields(client, market):
    response = post(client, market, description="x" * 1201, organisation="Verein\x07 e. V.")

    assert field_errors(response, "description") == [
        "Bitte sicherstellen, dass der Wert aus höchstens 1200 Zeichen besteht. "
        "(Er besteht aus 1201 Zeichen.)"
    ]
    assert field_errors(response, "organisation") == [
        "Bitte entfernen Sie die Steuerzeichen aus diesem Feld."
    ]
    assert not Exhibitor.objects.exists()


def test_a_second_application_from_the_address_is_offered_the_link_again(client, market):
    application(market, email="stand@example.org")

    response = post(client, market, email="Stand@example.org")

    assert field_errors(response, "email") == [str(services.MESSAGES["duplicate"])]
    assert b"Pers\xc3\xb6nlichen Link erneut senden" in response.content
    assert Exhibitor.objects.count() == 1


def test_resend_link_mails_an_applicant_and_answers_everyone_alike(
    client, market, django_capture_on_commit_callbacks
):
    exhibitor = application(market, email="stand@example.org")
    url = reverse("exhibitors:resend_link", kwargs={"slug": market.conference.slug})

    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(url, {"email": "stand@example.org"})
        unknown = client.post(url, {"email": "nobody@example.org"})

    assert known.content == unknown.content
    assert [m.to for m in mail.outbox] == [["stand@example.org"]]
    assert exhibitor.token in mail.outbox[0].body


def test_apply_after_the_window_closed_shows_when_it_closed_and_stores_nothing(client, db):
    market = MarketFactory(
        opens_at=timezone.now() - timedelta(days=9), closes_at=timezone.now() - timedelta(days=1)
    )

    page = client.get(apply_url(market)).content.decode()
    response = post(client, market)

    assert "Die Standanmeldung ist seit" in page
    assert (
        "<form" not in page.split("<main", 1)[-1].split("</main>")[0]
        or "stand-anmelden" not in page
    )
    assert response.context["form"].non_field_errors() == [str(services.MESSAGES["closed"])]
    assert not Exhibitor.objects.exists()


def test_the_honeypot_and_a_too_fast_form_are_refused(client, market):
    bot = post(client, market, nickname="http://spam.example")
    fast = post(
        client,
        market,
        form_token=signing.dumps(
            {"c": market.conference.pk, "t": time.time() + 30}, salt=FORM_TOKEN_SALT
        ),
    )

    assert "leer bleiben muss" in " ".join(bot.context["form"].non_field_errors())
    assert "schneller abgeschickt" in " ".join(fast.context["form"].non_field_errors())
    assert not Exhibitor.objects.exists()


def test_no_market_no_application_page(client, db):
    conference = MarketFactory().conference
    conference.market.delete()

    response = client.get(reverse("exhibitors:apply", kwargs={"slug": conference.slug}))

    assert response.status_code == 404


def test_private_link_confirms_names_staff_and_withdraws(
    client, market, django_capture_on_commit_callbacks
):
    exhibitor = application(market, status=Exhibitor.Status.PENDING, email_confirmed_at=None)
    confirm = reverse("exhibitors:confirm", kwargs={"pk": exhibitor.pk, "token": exhibitor.token})
    manage = reverse("exhibitors:manage", kwargs={"pk": exhibitor.pk, "token": exhibitor.token})

    shown = client.get(confirm)
    client.post(confirm)
    exhibitor.refresh_from_db()
    confirmed_status = exhibitor.status
    services.accept_exhibitor(exhibitor=exhibitor)
    client.post(manage, {"action": "staff", "name_0": "Ina Jerenashvili", "email_0": ""})
    page = client.get(manage).content.decode()
    client.post(manage, {"action": "withdraw"})

    exhibitor.refresh_from_db()
    assert "no-store" in shown["Cache-Control"].split(", ")
    assert confirmed_status == Exhibitor.Status.APPLIED
    assert 'id="stand">1<' in page
    assert 'value="Ina Jerenashvili"' in page
    assert (exhibitor.status, exhibitor.stand) == (Exhibitor.Status.WITHDRAWN, "")


def test_private_link_corrects_the_application_under_review(client, market):
    exhibitor = application(market, project="Alt")
    manage = reverse("exhibitors:manage", kwargs={"pk": exhibitor.pk, "token": exhibitor.token})
    data = form_data(market, project="Neu", action="update")

    response = client.post(manage, data)

    exhibitor.refresh_from_db()
    assert response.status_code == 302
    assert (exhibitor.project, exhibitor.email) == ("Neu", exhibitor.email)


def test_a_wrong_token_is_not_found(client, market):
    exhibitor = application(market)

    response = client.get(
        reverse("exhibitors:manage", kwargs={"pk": exhibitor.pk, "token": "x" * 43})
    )

    assert response.status_code == 404


def test_directory_shows_accepted_exhibitors_logo_and_the_stand_list_by_number(client, market):
    market.stands = 12
    market.save()
    for number in ("10", "2"):
        exhibitor = application(market, organisation=f"Org {number}")
        services.accept_exhibitor(exhibitor=exhibitor, stand=number)
    application(market, organisation="Under review")

    html = client.get(
        reverse("conferences:exhibitors", kwargs={"slug": market.conference.slug})
    ).content.decode()

    stand_list = html.split('class="stand-list"')[1].split("</ol>")[0]
    assert re.findall(r">(Org \d+)</a>", stand_list) == ["Org 2", "Org 10"]
    assert "Under review" not in html
    assert 'href="/konferenz/' in html and "stand-anmelden" in html


def test_the_markt_tab_shows_only_for_a_conference_with_a_market(client, market):
    without = ConferenceFactory()
    markt = "Markt der Möglichkeiten</a>"

    with_market = client.get(market.conference.get_absolute_url()).content.decode()
    without_market = client.get(without.get_absolute_url()).content.decode()

    assert markt in with_market
    assert markt not in without_market
