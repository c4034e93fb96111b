"""Existing exhibitors: each gets its own private-link token (AddField computed one default for
all rows), and every conference that has exhibitors gets a market whose counter matches its
accepted exhibitors (closed at the conference's start, as many stands as accepted ones or more)."""

import secrets
from datetime import timedelta

from django.db import migrations


def forwards(apps, schema_editor):
    Exhibitor = apps.get_model("exhibitors", "Exhibitor")
    Market = apps.get_model("exhibitors", "Market")
    Conference = apps.get_model("conferences", "Conference")
    for exhibitor in Exhibitor.objects.only("pk"):
        Exhibitor.objects.filter(pk=exhibitor.pk).update(token=secrets.token_urlsafe(32))
    for conference in Conference.objects.filter(exhibitors__isnull=False).distinct():
        exhibitors = Exhibitor.objects.filter(conference=conference)
        accepted = exhibitors.filter(status="accepted").count()
        closes_at = conference.starts_at
        Market.objects.get_or_create(
            conference=conference,
            defaults={
                "opens_at": min(conference.created_at, closes_at - timedelta(days=1)),
                "closes_at": closes_at,
                "stands": max(accepted, exhibitors.count()),
                "stands_taken": accepted,
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("exhibitors", "0002_market_staff_application"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
