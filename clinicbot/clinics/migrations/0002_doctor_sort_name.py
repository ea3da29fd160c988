from django.db import migrations, models

from clinicbot.core.text import person_sort_key


def fill_sort_names(apps, schema_editor):
    Doctor = apps.get_model("clinics", "Doctor")
    for doctor in Doctor.objects.all():
        Doctor.objects.filter(id=doctor.id).update(sort_name=person_sort_key(doctor.name))


class Migration(migrations.Migration):
    dependencies = [
        ("clinics", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="doctor",
            options={"ordering": ["sort_name", "name"], "verbose_name": "médico"},
        ),
        migrations.AddField(
            model_name="doctor",
            name="sort_name",
            field=models.CharField(
                db_index=True, default="", editable=False, max_length=150, verbose_name="nome para ordenar"
            ),
        ),
        migrations.RunPython(fill_sort_names, migrations.RunPython.noop),
    ]
