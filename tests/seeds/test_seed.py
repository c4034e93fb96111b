"""`manage.py seed` on an empty database: broken data files are named and load nothing, and
the programme loads without the demo registrations when asked to. (What the demo data holds,
and a second run over it, is in test_seed_data.py, which loads it once for all its tests.)"""

import importlib

import pytest
from django.core.management import CommandError

from conferences.models import Conference, Session, Speaker
from registrations.models import Registration
from tests.seeds.helpers import CONFERENCE, SESSION, seed, snapshot

pytestmark = pytest.mark.django_db


def test_seed_without_registrations_loads_the_programme_only():
    output = seed(without_registrations=True)

    assert output.endswith(" ausstellende Organisationen, 3 Mustertexte (Rechtstexte).")
    assert (Conference.objects.count(), Registration.objects.count()) == (5, 0)
    assert Session.objects.count() > 0


@pytest.fixture
def migrated_topics(transactional_db):
    """The topics the data migration creates; a transactional test cannot rely on them
    surviving the flushes of earlier live-server tests."""
    from django.apps import apps

    importlib.import_module("conferences.migrations.0002_topics").add_topics(apps, None)


@pytest.mark.django_db(transaction=True)
def test_seed_broken_entry_rolls_back_everything(migrated_topics, data_copy):
    (data_copy / "zz-kaputt.toml").write_text(
        CONFERENCE + SESSION + 'start = "12:00"\nend = "11:00"\n', encoding="utf-8"
    )
    before = snapshot()

    with pytest.raises(CommandError) as excinfo:
        seed(data_dir=data_copy)

    assert str(excinfo.value) == (
        "Demodaten nicht geladen, nichts wurde geändert. zz-kaputt.toml › conferences Nr. 1 "
        "„testkonferenz“ › sessions Nr. 1 „Kaputter Programmpunkt“: "
        "ends_at: Das Ende muss nach dem Beginn liegen."
    )
    assert snapshot() == before
    assert Conference.objects.count() == 0
    assert Speaker.objects.count() == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            CONFERENCE + "capactiy = 30\n",
            "zz.toml › conferences Nr. 1 „testkonferenz“: unbekannter Schlüssel capactiy",
        ),
        (
            CONFERENCE.replace('end = "17:00"\n', ""),
            "zz.toml › conferences Nr. 1 „testkonferenz“: es fehlt end.",
        ),
        (
            CONFERENCE + SESSION + 'start = "9 Uhr"\nend = "10:00"\n',
            "„Kaputter Programmpunkt“: start muss eine Uhrzeit",
        ),
        (
            CONFERENCE + SESSION + 'kind = "party"\nstart = "09:00"\nend = "10:00"\n',
            "„Kaputter Programmpunkt“: kind: ",
        ),
        (
            CONFERENCE + SESSION + 'topic = "sport"\nstart = "09:00"\nend = "10:00"\n',
            "„Kaputter Programmpunkt“: kein Thema „sport“",
        ),
        (
            CONFERENCE
            + SESSION
            + 'start = "09:00"\nend = "10:00"\npeople = [{ speaker = "niemand" }]\n',
            "sessions Nr. 1 „Kaputter Programmpunkt“ › people Nr. 1 „niemand“: keine Person",
        ),
        (
            CONFERENCE + 'series = "gibt-es-nicht"\n',
            "„testkonferenz“: keine Konferenzreihe „gibt-es-nicht“",
        ),
        (
            CONFERENCE
            + '[[conferences.exhibitors]]\norganisation = "A"\ncontact_name = "A"\n'
            + 'email = "a@example.org"\nstand = "M01"\n'
            + '[[conferences.exhibitors]]\norganisation = "B"\ncontact_name = "B"\n'
            + 'email = "b@example.org"\nstand = "m01"\n',
            "zz.toml › conferences Nr. 1 „testkonferenz“ › exhibitors Nr. 2 „B“: "
            "Diese Standnummer ist in dieser Konferenz bereits vergeben.",
        ),
        ('title = "nicht geschlossen\n', "zz.toml: kein gültiges TOML"),
    ],
    ids=[
        "unknown-key",
        "missing-key",
        "bad-time",
        "bad-kind",
        "unknown-topic",
        "unknown-speaker",
        "unknown-series",
        "duplicate-stand",
        "invalid-toml",
    ],
)
def test_seed_malformed_entry_is_named_and_nothing_is_loaded(tmp_path, text, message):
    (tmp_path / "zz.toml").write_text(text, encoding="utf-8")

    with pytest.raises(CommandError) as excinfo:
        seed(data_dir=tmp_path)

    assert message in str(excinfo.value)
    assert Conference.objects.count() == 0
