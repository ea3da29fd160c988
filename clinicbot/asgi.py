"""ASGI entry point."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinicbot.settings")
application = get_asgi_application()

# No broker on the embedded default: delayed tasks and the sweeper run in this process.
from clinicbot.whatsapp.embedded import start_embedded_worker  # noqa: E402

start_embedded_worker()
