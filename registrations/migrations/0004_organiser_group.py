"""The "Organisationsteam" group: what staff who organise conferences may do in the admin.

Which conferences they see is decided by `Conference.organisers` (see conferences.admin); the
group gives the model permissions. Conferences themselves are created (and their organisers
chosen) by superusers; bookings, consents once given and the e-mail log are state of the
services and only viewed.
"""

from django.db import migrations

GROUP = "Organisationsteam"

PERMISSIONS = {
    "conferences": [
        "view_conference",
        "change_conference",
        "view_session",
        "add_session",
        "change_session",
        "delete_session",
        "view_sessionspeaker",
        "add_sessionspeaker",
        "change_sessionspeaker",
        "delete_sessionspeaker",
        "view_speaker",
        "add_speaker",
        "change_speaker",
        "view_exhibitor",
        "add_exhibitor",
        "change_exhibitor",
        "delete_exhibitor",
        "view_conferenceseries",
        "view_topic",
        "view_legalpage",
    ],
    "registrations": [
        "view_registration",
        "add_registration",
        "change_registration",
        "export_registration",
        "message_participants",
        "view_sessionbooking",
        "view_consent",
        "add_consent",
        "view_sentemail",
    ],
}


def create_group(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations ran (post_migrate); create them now
    # so that a fresh database gets a complete group.
    for label in ("conferences", "registrations"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    for app_label, codenames in PERMISSIONS.items():
        permissions = list(
            Permission.objects.filter(
                content_type__app_label=app_label, codename__in=codenames
            )
        )
        missing = set(codenames) - {p.codename for p in permissions}
        if missing:
            raise RuntimeError(f"Permissions not found: {sorted(missing)}")
        group.permissions.add(*permissions)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("conferences", "0004_history"),
        ("registrations", "0003_history_check_in_messages"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
