"""OutboundNotification moved from the ops app: the same table (ops_outboundnotification), only the state moves
(content type included: clinicbot.core.moved_models)."""

import django.db.models.deletion
from django.db import migrations, models

from clinicbot.core.moved_models import content_type_moved


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('ops', '0007_models_moved_out'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('scheduling', '0004_appointment_booked_status'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='OutboundNotification',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('type', models.CharField(choices=[('reminder', 'lembrete'), ('cancellation', 'cancelamento'), ('waitlist_offer', 'vaga da lista de espera'), ('staff', 'aviso à equipe')], max_length=20, verbose_name='tipo')),
                        ('phone', models.CharField(db_index=True, max_length=32, verbose_name='telefone')),
                        ('text', models.TextField(verbose_name='texto')),
                        ('scheduled_for', models.DateTimeField(db_index=True, verbose_name='enviar em')),
                        ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='enviada em')),
                        ('status', models.CharField(choices=[('pending', 'pendente'), ('sent', 'enviada'), ('failed', 'falhou'), ('cancelled', 'cancelada')], default='pending', max_length=12, verbose_name='situação')),
                        ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='tentativas')),
                        ('error', models.TextField(blank=True, verbose_name='erro')),
                        ('dedup_key', models.CharField(blank=True, max_length=120, null=True, unique=True, verbose_name='chave')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('appointment', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='scheduling.appointment')),
                    ],
                    options={
                        'verbose_name': 'notificação',
                        'verbose_name_plural': 'notificações',
                        'db_table': 'ops_outboundnotification',
                        'ordering': ['scheduled_for'],
                    },
                ),
            ],
        ),
        content_type_moved("outboundnotification", old_app="ops", new_app="outreach"),
    ]
