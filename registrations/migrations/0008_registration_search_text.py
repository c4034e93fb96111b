"""The folded search text of registrations (`conferences.text.fold`), filled for existing rows."""

from django.db import migrations, models

from conferences.text import fold

SEARCHED_FIELDS = ("first_name", "last_name", "organisation", "email")


def fill_search_text(apps, schema_editor):
    Registration = apps.get_model("registrations", "Registration")
    batch = []
    for registration in Registration.objects.only("pk", *SEARCHED_FIELDS).iterator(2000):
        registration.search_text = fold(
            " ".join(getattr(registration, name) or "" for name in SEARCHED_FIELDS)
        )
        batch.append(registration)
        if len(batch) == 1000:
            Registration.objects.bulk_update(batch, ["search_text"])
            batch = []
    Registration.objects.bulk_update(batch, ["search_text"])


class Migration(migrations.Migration):
    dependencies = [
        ("registrations", "0007_registration_speaker"),
    ]

    operations = [
        migrations.AddField(
            model_name="registration",
            name="search_text",
            field=models.TextField(
                blank=True, default="", editable=False, verbose_name="Suchtext"
            ),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop, elidable=True),
    ]
