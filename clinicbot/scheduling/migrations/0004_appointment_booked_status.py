
from django.db import migrations, models


def rename(old, new):
    def run(apps, schema_editor):
        apps.get_model("scheduling", "Appointment").objects.filter(status=old).update(status=new)

    return run



class Migration(migrations.Migration):

    dependencies = [
        ('clinics', '0001_initial'),
        ('conversations', '0006_session_safety_alert'),
        ('scheduling', '0003_calendar_tokens'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='appointment',
            name='one_active_appointment_per_doctor_start',
        ),
        # "pending" meant "booked" (the patient had said yes): one word for one meaning.
        migrations.RunPython(rename("pending", "booked"), rename("booked", "pending")),
        migrations.AlterField(
            model_name='appointment',
            name='status',
            field=models.CharField(choices=[('booked', 'agendada'), ('confirmed', 'presença confirmada'), ('cancelled', 'cancelada'), ('completed', 'realizada'), ('no_show', 'não compareceu')], default='booked', max_length=16, verbose_name='situação'),
        ),
        migrations.AddConstraint(
            model_name='appointment',
            constraint=models.UniqueConstraint(condition=models.Q(('status__in', ['booked', 'confirmed'])), fields=('doctor', 'start'), name='one_active_appointment_per_doctor_start'),
        ),
    ]
