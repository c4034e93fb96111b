"""The Organisationsteam group may read the export log (of its own conferences)."""

from django.db import migrations

GROUP = "Organisationsteam"


def add_permission(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("registrations")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(
        Permission.objects.get(content_type__app_label="registrations", codename="view_exportlog")
    )


def remove_permission(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name=GROUP):
        group.permissions.remove(*group.permissions.filter(codename="view_exportlog"))


class Migration(migrations.Migration):
    dependencies = [("registrations", "0005_export_log")]

    operations = [migrations.RunPython(add_permission, remove_permission)]
