"""The seven fields of action of the Hessian integration plan, as the initial topic list."""

from django.db import migrations

TOPICS = [
    ("sprache-und-bildung", "Sprache und Bildung"),
    ("wirtschaft-und-arbeit", "Wirtschaft und Arbeit"),
    ("gesundheit-pflege-familie", "Gesundheit, Pflege, Familie und Gleichberechtigung"),
    (
        "partizipation-sport-wohnen",
        "Politische und gesellschaftliche Partizipation, Sport, Wohnen und Freizeit",
    ),
    ("religion-kultur-medien", "Religion, Kultur und Medien"),
    ("interkulturelle-oeffnung", "Interkulturelle Öffnung, Diversity, Antidiskriminierung"),
    ("zuwanderung-und-flucht", "Zuwanderung und Flüchtlinge"),
]


def add_topics(apps, schema_editor):
    Topic = apps.get_model("conferences", "Topic")
    for position, (slug, name) in enumerate(TOPICS, start=1):
        Topic.objects.get_or_create(slug=slug, defaults={"name": name, "position": position})


class Migration(migrations.Migration):
    dependencies = [("conferences", "0001_initial")]

    operations = [migrations.RunPython(add_topics, migrations.RunPython.noop)]
