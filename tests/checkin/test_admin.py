import pytest
from django.urls import reverse

from registrations.models import Registration
from tests.factories import RegistrationFactory

pytestmark = pytest.mark.django_db


def test_admin_marks_people_present_afterwards(admin_client, superuser):
    absent = RegistrationFactory(last_name="Nachgetragen")
    waiting = RegistrationFactory(
        conference=absent.conference, status=Registration.Status.WAITLISTED
    )

    response = admin_client.post(
        reverse("admin:registrations_registration_changelist"),
        {"action": "mark_present", "_selected_action": [absent.pk, waiting.pk]},
        follow=True,
    )

    absent.refresh_from_db()
    waiting.refresh_from_db()
    assert absent.checked_in_at is not None
    assert waiting.checked_in_at is None
    last = absent.history.first()
    assert (last.history_user, last.history_change_reason) == (superuser, "marked present")
    assert "Als anwesend markiert: " in response.content.decode()
