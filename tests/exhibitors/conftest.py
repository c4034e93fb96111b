from datetime import timedelta

import factory
import pytest
from django.utils import timezone

from exhibitors.models import Exhibitor, Market
from tests.factories import ConferenceFactory, ExhibitorFactory
from tests.registrations.conftest import IMMEDIATE_TASKS


class MarketFactory(factory.django.DjangoModelFactory):
    """A market open for applications, with two stands."""

    class Meta:
        model = Market

    conference = factory.SubFactory(ConferenceFactory)
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=5))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=5))
    stands = 2
    max_staff_per_stand = 2


def application(market, **kwargs):
    """An application under review (address confirmed) at `market`'s conference."""
    kwargs.setdefault("status", Exhibitor.Status.APPLIED)
    kwargs.setdefault("email_confirmed_at", timezone.now())
    return ExhibitorFactory(conference=market.conference, **kwargs)


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = IMMEDIATE_TASKS


@pytest.fixture
def market(db):
    return MarketFactory()
