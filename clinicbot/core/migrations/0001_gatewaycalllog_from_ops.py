"""GatewayCallLog moved from the ops app: the same table (ops_gatewaycalllog), only the state moves.

On an upgrade the content type is renamed too, so the permissions granted on it (the
"Recepção" group's) follow the model; on a fresh database there is nothing to rename yet.
"""

from django.db import migrations, models


def rename_content_type(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    content_type.objects.filter(app_label="ops", model="gatewaycalllog").update(app_label="core")


def unrename_content_type(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    content_type.objects.filter(app_label="core", model="gatewaycalllog").update(app_label="ops")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('ops', '0007_models_moved_out'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='GatewayCallLog',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('gateway', models.CharField(max_length=40, verbose_name='gateway')),
                        ('operation', models.CharField(max_length=60, verbose_name='operação')),
                        ('status_code', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='HTTP')),
                        ('ok', models.BooleanField(default=False, verbose_name='sucesso')),
                        ('duration_ms', models.FloatField(default=0, verbose_name='duração (ms)')),
                        ('error', models.TextField(blank=True, verbose_name='erro')),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='quando')),
                    ],
                    options={
                        'verbose_name': 'chamada a gateway',
                        'verbose_name_plural': 'chamadas a gateways',
                        'db_table': 'ops_gatewaycalllog',
                        'ordering': ['-created_at'],
                    },
                ),
            ],
        ),
        migrations.RunPython(rename_content_type, unrename_content_type),
    ]
