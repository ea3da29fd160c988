"""HandoffEvent moved from the ops app: the same table (ops_handoffevent), only the state moves.

On an upgrade the content type is renamed too, so the permissions granted on it (the
"Recepção" group's) follow the model; on a fresh database there is nothing to rename yet.
"""

from django.db import migrations, models


def rename_content_type(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    content_type.objects.filter(app_label="ops", model="handoffevent").update(app_label="conversations")


def unrename_content_type(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    content_type.objects.filter(app_label="conversations", model="handoffevent").update(app_label="ops")


class Migration(migrations.Migration):

    dependencies = [
        ('ops', '0007_models_moved_out'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('conversations', '0007_voice_note'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='HandoffEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('at', models.DateTimeField(db_index=True, verbose_name='quando')),
                        ('source', models.CharField(choices=[('assistant', 'pelo assistente'), ('staff', 'pela equipe')], max_length=12, verbose_name='transferida')),
                    ],
                    options={
                        'verbose_name': 'transferência para a equipe',
                        'verbose_name_plural': 'transferências para a equipe',
                        'db_table': 'ops_handoffevent',
                        'ordering': ['-at'],
                    },
                ),
            ],
        ),
        migrations.RunPython(rename_content_type, unrename_content_type),
    ]
