"""The moved model keeps its content type (and with it its permissions, the organisers' group's
grants and the admin log): the rows of conferences.exhibitor become exhibitors'. The organisers'
group also gets the new models: the market (view, add, change), the stand staff and the
exhibitors' e-mail log (view: both are written by the services)."""

from django.db import migrations

GROUP = "Organisationsteam"
NEW = [
    "view_market",
    "add_market",
    "change_market",
    "view_exhibitorstaff",
    "view_exhibitoremail",
]


def move_content_types(apps, source, target):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in ("exhibitor", "historicalexhibitor"):
        old = ContentType.objects.filter(app_label=source, model=model)
        if ContentType.objects.filter(app_label=target, model=model).exists():
            old.delete()
        else:
            old.update(app_label=target)
    # get_for_model() caches content types by app and model: forget the moved ones.
    ContentType.objects.clear_cache()


def backwards(apps, schema_editor):
    move_content_types(apps, "exhibitors", "conferences")


def forwards(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    move_content_types(apps, "conferences", "exhibitors")

    app_config = apps.get_app_config("exhibitors")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=GROUP).first()
    if group is not None:
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="exhibitors", codename__in=NEW)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("registrations", "0004_organiser_group"),
        ("exhibitors", "0004_email_log"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
