import pytest
from django.core import signing

from checkin.codes import checkin_code_for, registration_id_from_checkin_code
from tests.factories import RegistrationFactory

pytestmark = pytest.mark.django_db


def test_checkin_code_round_trips_to_the_registration():
    registration = RegistrationFactory()

    code = checkin_code_for(registration)

    assert registration_id_from_checkin_code(code) == registration.pk


def test_checkin_code_carries_no_personal_data_and_is_not_the_token():
    registration = RegistrationFactory(
        first_name="Leyla", last_name="Zaeri", email="leyla@example.org"
    )

    code = checkin_code_for(registration).lower()

    for secret in ("leyla", "zaeri", "example.org", registration.token.lower()):
        assert secret not in code
    assert str(registration.public_id) not in code


@pytest.mark.parametrize(
    "forge",
    [
        lambda code, pk: f"{pk + 1}:{code.split(':', 1)[1]}",
        lambda code, pk: code[:-2] + ("AA" if not code.endswith("AA") else "BB"),
        lambda code, pk: signing.Signer(salt="something-else").sign(str(pk)),
        lambda code, pk: signing.Signer().sign(str(pk)),
        lambda code, pk: str(pk),
        lambda code, pk: "",
    ],
    ids=["other-pk", "changed-signature", "other-salt", "no-salt", "bare-pk", "empty"],
)
def test_checkin_code_rejects_tampering(forge):
    registration = RegistrationFactory()
    code = checkin_code_for(registration)

    assert registration_id_from_checkin_code(forge(code, registration.pk)) is None


def test_checkin_code_format_is_unchanged_so_printed_badges_stay_valid(settings):
    settings.SECRET_KEY = "x" * 50
    signer = signing.Signer(salt="tagungsbuero.registrations.checkin", algorithm="sha256")

    assert registration_id_from_checkin_code(signer.sign("42")) == 42
