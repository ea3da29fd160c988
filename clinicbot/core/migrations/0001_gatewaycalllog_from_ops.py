"""GatewayCallLog moved from the ops app: the same table (ops_gatewaycalllog), only the state moves
(content type included: clinicbot.core.moved_models)."""

from django.db import migrations, models

from clinicbot.core.moved_models import content_type_moved


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
        content_type_moved("gatewaycalllog", old_app="ops", new_app="core"),
    ]
