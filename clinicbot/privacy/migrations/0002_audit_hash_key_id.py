"""Audit rows name the key of their phone hash; rows written before AUDIT_HASH_KEY are "legacy".

Those were keyed with SECRET_KEY (or the published development key). The phones are not
stored, so they cannot be re-hashed with the new key: they are marked, and
``privacy.subject.legacy_phone_hashes`` still finds them by phone.
"""

from django.db import migrations, models


def mark_legacy(apps, schema_editor):
    entry = apps.get_model("privacy", "PrivacyAuditEntry")
    entry.objects.exclude(phone_hash="").update(hash_key_id="legacy")


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="privacyauditentry",
            name="hash_key_id",
            field=models.CharField(blank=True, default="", max_length=16, verbose_name="chave do hash"),
        ),
        migrations.RunPython(mark_legacy, migrations.RunPython.noop),
    ]
