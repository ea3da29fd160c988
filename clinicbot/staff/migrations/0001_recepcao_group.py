"""The "Recepção" group: what the front desk needs, nothing more.

Front-desk accounts are added to this group in admin (Usuários › Grupos). It may read
conversations and reply to patients (the staff desk), read the agenda and confirm,
cancel or mark appointments, manage the waiting list and read the clinic's reference
data. It may not erase or export patient data (LGPD), manage API keys, change the
clinic's data or read the ops dashboard: those stay with the clinic's managers.
"""

from django.db import migrations

GROUP = "Recepção"
PERMISSIONS = {
    "conversations": [
        "view_conversationsession",
        "view_conversationmessage",
        "reply_conversation",
    ],
    "scheduling": [
        "view_appointment",
        "change_appointment",
        "view_waitlistentry",
        "change_waitlistentry",
    ],
    "clinics": ["view_clinic", "view_doctor", "view_specialty", "view_insurance"],
}


def create_group(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after the whole migrate run (post_migrate); make
    # sure the ones this group needs exist now, on a fresh database too.
    for label in PERMISSIONS:
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    for app_label, codenames in PERMISSIONS.items():
        found = list(Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))
        missing = set(codenames) - {p.codename for p in found}
        if missing:
            raise RuntimeError(f"permissions not found for the {GROUP} group: {sorted(missing)}")
        group.permissions.add(*found)


def delete_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("clinics", "0001_initial"),
        ("conversations", "0004_reply_permission"),
        ("scheduling", "0002_waitlistentry"),
    ]

    operations = [migrations.RunPython(create_group, delete_group)]
