"""What a person types and ticks, checked before any lock is taken: their data, consents and
language, and the one way an address is compared with the registered ones."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import QuerySet, Value
from django.db.models.functions import Lower
from django.utils import translation

from conferences.legal import current_privacy_version

from ..models import Consent, Registration
from ..rules import text_problem
from .errors import RegistrationError, refusal

__all__ = [
    "PARTICIPANT_FIELDS",
    "active_registration_exists",
    "clean_consents",
    "clean_participant",
    "consent_versions",
    "normalise_email",
    "supported_language",
    "with_address",
]

#: The `participant` keys `register_participant` and `update_participant` accept.
PARTICIPANT_FIELDS = (
    "salutation",
    "academic_title",
    "first_name",
    "last_name",
    "email",
    "organisation",
    "position",
    "organisation_type",
    "region",
    "diet",
    "dietary_notes",
    "accessibility_needs",
)
REQUIRED_FIELDS = ("first_name", "last_name", "email")
MULTILINE_FIELDS = ("accessibility_needs",)


def supported_language(language: str | None) -> str:
    try:
        return translation.get_supported_language_variant(language or settings.LANGUAGE_CODE)
    except LookupError:
        return settings.LANGUAGE_CODE


def normalise_email(email: str) -> str:
    local, sep, domain = email.strip().rpartition("@")
    return f"{local}{sep}{domain.lower()}" if sep else email.strip()


def clean_participant(participant: dict, *, partial: bool, email_required: bool = True) -> dict:
    """Strip, check and return the participant's values (RegistrationError on bad input).
    `email_required=False`: an organiser registers someone who has no e-mail address."""
    unknown = set(participant) - set(PARTICIPANT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown participant fields: {sorted(unknown)}")
    data = {}
    for name, value in participant.items():
        value = "" if value is None else str(value)
        value = value.strip() if name not in MULTILINE_FIELDS else value.strip("\n\r ")
        problem = text_problem(value, multiline=name in MULTILINE_FIELDS)
        if problem:
            raise refusal(problem, field=name)
        data[name] = value
    if not partial:
        for name in REQUIRED_FIELDS:
            if not data.get(name) and (email_required or name != "email"):
                raise refusal("required", field=name)
    elif any(name in data and not data[name] for name in REQUIRED_FIELDS):
        name = next(n for n in REQUIRED_FIELDS if n in data and not data[n])
        raise refusal("required", field=name)
    if data.get("email"):
        data["email"] = normalise_email(data["email"])
        try:
            validate_email(data["email"])
        except ValidationError:
            raise refusal("invalid_email", field="email") from None
    # Lengths and choices, as the model declares them.
    try:
        Registration(**data).clean_fields(
            exclude=[f.name for f in Registration._meta.fields if f.name not in data]
        )
    except ValidationError as error:
        name, messages = next(iter(error.message_dict.items()))
        raise RegistrationError(messages[0], code="invalid", field=name) from None
    return data


def clean_consents(consents: Iterable[str]) -> list[str]:
    given = list(dict.fromkeys(consents or ()))
    valid = set(Consent.Purpose.values)
    if any(purpose not in valid for purpose in given):
        raise refusal("invalid_consent", field="consents")
    if Consent.Purpose.PRIVACY not in given:
        raise refusal("privacy_required", field="consents")
    return given


def consent_versions(purposes: list[str], moment: datetime) -> dict[str, str]:
    """The text version each consent is given to: the privacy notice in force (an organiser-edited
    `LegalPage`, else the PRIVACY_NOTICE_VERSION setting), CONSENT_TEXT_VERSION for the others."""
    privacy = current_privacy_version(moment, default=settings.PRIVACY_NOTICE_VERSION)
    return {
        purpose: privacy if purpose == Consent.Purpose.PRIVACY else settings.CONSENT_TEXT_VERSION
        for purpose in purposes
    }


def with_address(queryset: QuerySet, email: str) -> QuerySet:
    """The registrations of `queryset` with this address, compared as the unique constraint
    compares them (the database's lower() on both sides)."""
    return queryset.alias(email_lower=Lower("email")).filter(email_lower=Lower(Value(email)))


def active_registration_exists(conference_id: int, email: str, *, exclude_pk=None) -> bool:
    """Whether someone else holds an active (not cancelled) registration with this address."""
    queryset = Registration.objects.filter(conference_id=conference_id).exclude(
        status=Registration.Status.CANCELLED
    )
    if exclude_pk is not None:
        queryset = queryset.exclude(pk=exclude_pk)
    return with_address(queryset, email).exists()
