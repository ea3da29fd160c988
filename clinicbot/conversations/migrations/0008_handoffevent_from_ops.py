"""HandoffEvent moved from the ops app: the same table (ops_handoffevent), only the state moves
(content type included: clinicbot.core.moved_models)."""

from django.db import migrations, models

from clinicbot.core.moved_models import content_type_moved


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
        content_type_moved("handoffevent", old_app="ops", new_app="conversations"),
    ]
