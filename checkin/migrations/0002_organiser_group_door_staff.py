"""The Organisationsteam group may give and take the role "Einlass" (of its own conferences:
the admin scopes door staff like every other object)."""

from django.db import migrations

GROUP = "Organisationsteam"
CODENAMES = ("view_doorstaff", "add_doorstaff", "change_doorstaff", "delete_doorstaff")


def add_permissions(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("checkin")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="checkin", codename__in=CODENAMES)
    )


def remove_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name=GROUP):
        group.permissions.remove(*group.permissions.filter(codename__in=CODENAMES))


class Migration(migrations.Migration):
    dependencies = [("checkin", "0001_initial"), ("registrations", "0006_organiser_group_export_log")]

    operations = [migrations.RunPython(add_permissions, remove_permissions)]
