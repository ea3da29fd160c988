"""One coarse ``scope`` (read | write) becomes a list of ``scopes``, one per area.

Existing keys keep what their integrations most likely use, minus the patients'
transcripts: ``read`` -> slots:read + appointments:read; ``write`` -> those +
appointments:write. No key is migrated to ``conversations:read``: a "read" key used to
return every conversation, which is the hole this closes; an integration that really
reads conversations gets a 403 naming the missing scope and needs a new key with it,
issued deliberately by staff. Reversing maps any key with appointments:write back to
``write``, every other to ``read``.
"""

from django.db import migrations, models

import clinicbot.api.models

READ = ["appointments:read", "slots:read"]
WRITE = ["appointments:read", "appointments:write", "slots:read"]


def forwards(apps, schema_editor):
    ApiKey = apps.get_model("api", "ApiKey")
    for key in ApiKey.objects.all():
        key.scopes = WRITE if key.scope == "write" else READ
        key.save(update_fields=["scopes"])


def backwards(apps, schema_editor):
    ApiKey = apps.get_model("api", "ApiKey")
    for key in ApiKey.objects.all():
        key.scope = "write" if "appointments:write" in (key.scopes or []) else "read"
        key.save(update_fields=["scope"])


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="apikey",
            name="scopes",
            field=models.JSONField(
                default=clinicbot.api.models.default_scopes,
                help_text="lista de ApiScope",
                verbose_name="permissões",
            ),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(model_name="apikey", name="scope"),
    ]
