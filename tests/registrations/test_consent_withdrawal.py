"""Organisers record a participant's withdrawal of a consent; the privacy notice cannot be
withdrawn, and a withdrawn consent no longer counts (e.g. for the participant list)."""

import pytest
from django.urls import reverse

from exports.registry import get_exporter
from registrations.models import Consent
from tests.factories import ConsentFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def withdraw(client, *consents):
    return client.post(
        reverse("admin:registrations_consent_changelist"),
        {"action": "withdraw", "_selected_action": [c.pk for c in consents]},
        follow=True,
    )


def test_withdrawal_is_recorded_and_the_person_leaves_the_participant_list(admin_client):
    registration = RegistrationFactory(last_name="Kühne-Hörmann")
    listed = ConsentFactory(registration=registration, purpose=Consent.Purpose.PARTICIPANT_LIST)
    before = (
        get_exporter("participant_list")(conference=registration.conference)
        .run({"format": "csv"})
        .read()
    )

    response = withdraw(admin_client, listed)

    listed.refresh_from_db()
    after = (
        get_exporter("participant_list")(conference=registration.conference)
        .run({"format": "csv"})
        .read()
    )
    assert listed.withdrawn_at is not None
    assert [str(m) for m in response.context["messages"]] == ["1 Widerruf eingetragen."]
    assert "Kühne-Hörmann" in before.decode("utf-8-sig")
    assert "Kühne-Hörmann" not in after.decode("utf-8-sig")


def test_privacy_notice_cannot_be_withdrawn_and_a_repeat_changes_nothing(admin_client):
    registration = RegistrationFactory(first_name="Ina", last_name="Jerenashvili")
    privacy = ConsentFactory(registration=registration, purpose=Consent.Purpose.PRIVACY)
    photos = ConsentFactory(registration=registration, purpose=Consent.Purpose.PHOTOS)
    withdraw(admin_client, photos)
    photos.refresh_from_db()
    first_withdrawal = photos.withdrawn_at

    response = withdraw(admin_client, privacy, photos)

    privacy.refresh_from_db()
    photos.refresh_from_db()
    assert privacy.withdrawn_at is None
    assert photos.withdrawn_at == first_withdrawal
    assert [str(m) for m in response.context["messages"]] == [
        "Ina Jerenashvili: Die Kenntnisnahme der Datenschutzhinweise kann nicht widerrufen "
        "werden; für eine Löschung löschen Sie die Anmeldung."
    ]
