"""Registration open without a privacy notice of the organisers' own: `manage.py check --deploy`
and the admin (index, conference change page) warn; so does check --deploy without SITE_URL."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import checks
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from conferences.admin.warnings import privacy_notice_warnings
from conferences.legal import LegalPage, PrivacyNotice, privacy_notice_state
from conferences.models import Conference
from tests.factories import ConferenceFactory, OrganiserFactory

pytestmark = pytest.mark.django_db

MISSING = "aber es ist keine Datenschutzerklärung veröffentlicht"
SAMPLE = "aber als Datenschutzerklärung gilt noch der Mustertext"


@pytest.fixture
def open_conference(db):
    return ConferenceFactory(title="Regionalkonferenz Kassel")


def privacy_notice(title="Datenschutzerklärung", version="2026-01", **fields):
    return LegalPage.objects.create(
        kind=LegalPage.Kind.PRIVACY, title=title, version=version, body="Text.", **fields
    )


def deploy_warnings():
    return {
        issue.id: issue.msg
        for issue in checks.run_checks(include_deployment_checks=True)
        if issue.id.startswith("conferences.")
    }


def test_check_deploy_warns_while_registration_is_open_without_a_privacy_notice(
    open_conference, settings
):
    settings.SITE_URL = "https://tagung.example.org"
    out, err = StringIO(), StringIO()

    # Only our warning matters here; another check may be an error on a test machine.
    call_command("check", deploy=True, fail_level="CRITICAL", stdout=out, stderr=err)

    output = out.getvalue() + err.getvalue()
    assert "conferences.W001" in output
    assert "Registration is open (Regionalkonferenz Kassel)" in output
    assert "conferences.W003" not in output


def test_plain_check_leaves_the_privacy_notice_to_check_deploy(open_conference):
    ids = {issue.id for issue in checks.run_checks()}

    assert "conferences.W001" not in ids


def test_check_deploy_warns_while_the_sample_text_is_in_force(open_conference, settings):
    settings.SITE_URL = "https://tagung.example.org"
    privacy_notice(title="Datenschutzerklärung (Mustertext)", version="muster-1")

    assert list(deploy_warnings()) == ["conferences.W002"]
    assert privacy_notice_state() == PrivacyNotice.SAMPLE


def test_check_deploy_is_quiet_once_an_own_privacy_notice_is_in_force(open_conference, settings):
    settings.SITE_URL = "https://tagung.example.org"
    privacy_notice(title="Datenschutzerklärung (Mustertext)", version="muster-1")
    privacy_notice(version="2026-02")  # in force from now, after the sample

    assert deploy_warnings() == {}


def test_a_notice_valid_only_from_tomorrow_does_not_count_yet(open_conference, settings):
    settings.SITE_URL = "https://tagung.example.org"
    privacy_notice(valid_from=timezone.now() + timedelta(days=1))

    assert list(deploy_warnings()) == ["conferences.W001"]


@pytest.mark.parametrize(
    "fields",
    [
        {"status": Conference.Status.DRAFT},
        {"registration_opens_at": timezone.now() + timedelta(days=3)},
        {"registration_closes_at": timezone.now() - timedelta(days=1)},
    ],
    ids=["draft", "not-open-yet", "closed"],
)
def test_no_warning_while_no_registration_is_open(settings, fields):
    settings.SITE_URL = "https://tagung.example.org"
    ConferenceFactory(**fields)

    assert deploy_warnings() == {}


def test_check_deploy_warns_without_site_url(settings):
    settings.SITE_URL = ""

    assert list(deploy_warnings()) == ["conferences.W003"]


# --- The admin ---------------------------------------------------------------------------


def test_admin_index_warns_the_organisers_of_an_open_conference(client, open_conference):
    client.force_login(OrganiserFactory(conferences=[open_conference]))

    page = client.get(reverse("admin:index")).content.decode()

    assert MISSING in page
    assert "(„Regionalkonferenz Kassel“)" in page
    assert reverse("admin:conferences_legalpage_changelist") in page


def test_admin_index_warns_no_one_about_the_conferences_of_others(client, open_conference):
    client.force_login(OrganiserFactory(conferences=[ConferenceFactory(status="draft")]))

    page = client.get(reverse("admin:index")).content.decode()

    assert "Regionalkonferenz Kassel" not in page
    assert MISSING not in page


def test_conference_change_page_warns_while_the_sample_text_is_in_force(
    admin_client, open_conference
):
    privacy_notice(title="Datenschutzerklärung (Mustertext)", version="muster-1")

    page = admin_client.get(
        reverse("admin:conferences_conference_change", args=[open_conference.pk])
    ).content.decode()

    assert SAMPLE in page


def test_admin_is_quiet_once_an_own_privacy_notice_is_in_force(admin_client, open_conference):
    privacy_notice()

    index = admin_client.get(reverse("admin:index")).content.decode()
    change = admin_client.get(
        reverse("admin:conferences_conference_change", args=[open_conference.pk])
    ).content.decode()

    assert "Datenschutzerklärung veröffentlicht" not in index
    assert "Mustertext" not in index + change
    assert 'class="messagelist privacy-warnings"' not in index + change


def test_admin_warning_is_translated(open_conference, superuser):
    with translation.override("en"):
        [warning] = privacy_notice_warnings(superuser)

    assert warning.startswith(
        "Registration is open („Regionalkonferenz Kassel“), but no privacy notice is published."
    )
