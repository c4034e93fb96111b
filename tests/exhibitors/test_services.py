"""The exhibitor services: the way of an application and the stands it consumes."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError
from django.utils import timezone

from exhibitors import services
from exhibitors.models import Exhibitor, ExhibitorEmail, Market
from exhibitors.services import ExhibitorError
from tests.exhibitors.conftest import MarketFactory, application

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_tasks")]
Status = Exhibitor.Status

DATA = {
    "organisation": "Sprachmittlung e. V.",
    "project": "Dolmetschen vor Ort",
    "contact_name": "Dilara Öztürk",
    "email": "stand@example.org",
}


def kinds(exhibitor):
    return list(exhibitor.emails.order_by("pk").values_list("kind", flat=True))


def stands_taken(market):
    return Market.objects.get(pk=market.pk).stands_taken


def test_apply_then_confirm_goes_to_review_with_two_mails_in_the_language(
    market, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        exhibitor = services.apply_for_stand(
            conference=market.conference, data=DATA, language="en", privacy_version="2026-01"
        )
        services.confirm_address(exhibitor=exhibitor)

    exhibitor.refresh_from_db()
    assert exhibitor.status == Status.APPLIED
    assert exhibitor.privacy_version == "2026-01"
    assert kinds(exhibitor) == ["confirm_address", "received"]
    assert [m.subject.split(":")[0] for m in mail.outbox] == [
        "Confirm e-mail address",
        "Stand application received",
    ]
    assert f"/{exhibitor.pk}/{exhibitor.token}/" in mail.outbox[0].body


def test_apply_refuses_a_second_active_application_from_the_same_address(market):
    services.apply_for_stand(conference=market.conference, data=DATA)

    with pytest.raises(ExhibitorError) as refused:
        services.apply_for_stand(
            conference=market.conference, data={**DATA, "email": "STAND@example.org"}
        )

    assert refused.value.code == "duplicate"
    assert refused.value.field == "email"
    assert Exhibitor.objects.count() == 1


def test_apply_is_refused_before_and_after_the_window_and_without_a_market(market):
    early = market.opens_at - timedelta(minutes=1)

    with pytest.raises(ExhibitorError) as before:
        services.apply_for_stand(conference=market.conference, data=DATA, now=early)
    with pytest.raises(ExhibitorError) as after:
        services.apply_for_stand(conference=market.conference, data=DATA, now=market.closes_at)
    market.delete()
    with pytest.raises(ExhibitorError) as none:
        services.apply_for_stand(conference=market.conference, data=DATA)

    assert (before.value.code, after.value.code, none.value.code) == (
        "not_open",
        "closed",
        "no_market",
    )
    assert not Exhibitor.objects.exists()


def test_accept_takes_a_stand_with_the_lowest_free_number_and_mails_it(
    market, django_capture_on_commit_callbacks
):
    first, second = application(market), application(market)

    with django_capture_on_commit_callbacks(execute=True):
        services.accept_exhibitor(exhibitor=first)
        services.accept_exhibitor(exhibitor=second, stand="M7")

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.stand, second.stand) == (Status.ACCEPTED, "1", "M7")
    assert stands_taken(market) == 2
    assert kinds(first) == ["accepted"]
    assert "Ihre Standnummer: 1." in " ".join(mail.outbox[0].body.split())
    assert ExhibitorEmail.objects.filter(status="sent").count() == 2


def test_accept_is_refused_when_every_stand_is_taken(market):
    for _ in range(2):
        services.accept_exhibitor(exhibitor=application(market))
    late = application(market)

    with pytest.raises(ExhibitorError) as refused:
        services.accept_exhibitor(exhibitor=late)

    assert refused.value.code == "full"
    late.refresh_from_db()
    assert (late.status, late.stand) == (Status.APPLIED, "")
    assert stands_taken(market) == 2


def test_accept_refuses_a_stand_number_already_given_case_insensitively(market):
    services.accept_exhibitor(exhibitor=application(market), stand="a1")
    other = application(market)

    with pytest.raises(ExhibitorError) as refused:
        services.accept_exhibitor(exhibitor=other, stand="A1")

    assert (refused.value.code, refused.value.field) == ("stand_taken", "stand")
    assert stands_taken(market) == 1


def test_the_database_refuses_more_stands_taken_than_stands(market):
    with pytest.raises(IntegrityError):
        Market.objects.filter(pk=market.pk).update(stands_taken=market.stands + 1)


def test_withdraw_gives_the_stand_back_and_the_waiting_list_gets_it_in_order(market):
    market.waitlist_auto = True
    market.save()
    holders = [application(market) for _ in range(2)]
    for holder in holders:
        services.accept_exhibitor(exhibitor=holder)
    waiting = [application(market) for _ in range(2)]
    for exhibitor in reversed(waiting):  # the second one waits longer
        services.waitlist_exhibitor(exhibitor=exhibitor)

    services.withdraw_application(exhibitor=holders[0])

    states = {e.pk: (e.status, e.stand) for e in Exhibitor.objects.all()}
    assert states[holders[0].pk] == (Status.WITHDRAWN, "")
    assert states[waiting[1].pk] == (Status.ACCEPTED, "1")
    assert states[waiting[0].pk] == (Status.WAITLISTED, "")
    assert stands_taken(market) == 2
    assert kinds(waiting[1]) == ["waitlisted", "accepted"]


def test_a_freed_stand_waits_for_the_organiser_unless_the_market_says_otherwise(market):
    holder, waiting = application(market), application(market)
    services.accept_exhibitor(exhibitor=holder)
    services.waitlist_exhibitor(exhibitor=waiting)

    services.decline_exhibitor(exhibitor=holder)
    waiting.refresh_from_db()
    before = waiting.status
    given = services.offer_free_stands(conference=market.conference)

    waiting.refresh_from_db()
    assert before == Status.WAITLISTED
    assert (given, waiting.status) == ([waiting], Status.ACCEPTED)
    assert stands_taken(market) == 1


def test_update_is_allowed_under_review_only(market):
    exhibitor = application(market)

    services.update_application(exhibitor=exhibitor, data={"project": "Neu"})
    services.accept_exhibitor(exhibitor=exhibitor)
    with pytest.raises(ExhibitorError) as refused:
        services.update_application(exhibitor=exhibitor, data={"project": "Später"})

    exhibitor.refresh_from_db()
    assert (exhibitor.project, refused.value.code) == ("Neu", "not_editable")


def test_staff_are_named_after_acceptance_up_to_the_limit_per_stand(market):
    exhibitor = application(market)
    with pytest.raises(ExhibitorError) as early:
        services.set_staff(exhibitor=exhibitor, people=[("Ina", "")])
    services.accept_exhibitor(exhibitor=exhibitor)

    services.set_staff(exhibitor=exhibitor, people=[("Ina Jerenashvili", ""), ("Ali", "a@x.de")])
    with pytest.raises(ExhibitorError) as too_many:
        services.set_staff(exhibitor=exhibitor, people=[("A", ""), ("B", ""), ("C", "")])

    assert early.value.code == "not_accepted"
    assert too_many.value.code == "too_many_staff"
    assert "2" in str(too_many.value)
    assert list(exhibitor.staff.values_list("name", flat=True)) == ["Ina Jerenashvili", "Ali"]


def test_every_change_is_in_the_history(market):
    exhibitor = application(market)

    services.accept_exhibitor(exhibitor=exhibitor)
    services.decline_exhibitor(exhibitor=exhibitor)

    assert [h.status for h in exhibitor.history.order_by("history_id")] == [
        Status.APPLIED,
        Status.ACCEPTED,
        Status.REJECTED,
    ]


def test_token_lookup_needs_the_right_token(market):
    exhibitor = application(market)

    assert services.get_exhibitor_by_token(pk=exhibitor.pk, token=exhibitor.token) == exhibitor
    assert services.get_exhibitor_by_token(pk=exhibitor.pk, token="x" * 43) is None


def test_a_closed_market_still_takes_decisions(db):
    market = MarketFactory(
        closes_at=timezone.now() - timedelta(days=1), opens_at=timezone.now() - timedelta(days=9)
    )
    exhibitor = application(market)

    services.accept_exhibitor(exhibitor=exhibitor)

    assert ExhibitorEmail.objects.get().kind == "accepted"
