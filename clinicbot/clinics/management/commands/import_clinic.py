"""manage.py import_clinic FILE — load or update the clinic's reference data."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from clinicbot.clinics.clinic_file import ClinicFileError
from clinicbot.clinics.services import clinic_import_file


class Command(BaseCommand):
    help = "Import a clinic YAML file (idempotent; nothing is written if the file has an error)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="path to the clinic YAML file")

    def handle(self, *args: object, **options: str) -> None:
        try:
            counts = clinic_import_file(path=options["file"])
        except ClinicFileError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"Clinic imported from {options['file']}: {counts.summary()}"))
