"""Helpers of the seed tests."""

from io import StringIO
from zoneinfo import ZoneInfo

from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

BERLIN = ZoneInfo("Europe/Berlin")

# A minimal valid conference; the broken-entry cases below append to it.
CONFERENCE = """
[[conferences]]
slug = "testkonferenz"
title = "Testkonferenz"
city = "Kassel"
venue_name = "Kongress Palais Kassel"
address = "Holger-Börner-Platz 1, 34119 Kassel"
date = 2030-06-04
start = "09:00"
end = "17:00"
capacity = 100
contact_email = "test@example.org"
"""
SESSION = """
[[conferences.sessions]]
title = "Kaputter Programmpunkt"
"""


def seed(**options):
    out = StringIO()
    call_command("seed", stdout=out, **options)
    return out.getvalue().strip()


def snapshot():
    """Every row of every model, field by field."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in apps.get_models()
    }


def local(moment):
    return timezone.localtime(moment, BERLIN)
