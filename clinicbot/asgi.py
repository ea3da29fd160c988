"""ASGI entry point."""

import os
import sys

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinicbot.settings")
application = get_asgi_application()

# No broker on the embedded default: delayed tasks and the sweeper run in this process
# (under gunicorn, per worker: see clinicbot/wsgi.py).
if "gunicorn" not in sys.modules:
    from clinicbot.whatsapp.embedded import start_embedded_worker

    start_embedded_worker()
