"""WSGI entry point (gunicorn clinicbot.wsgi, and runserver)."""

import os
import sys

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinicbot.settings")
application = get_wsgi_application()

# The embedded default has no broker: delayed tasks (the debounce) and the sweeper run in
# this process. Under gunicorn each worker starts them (gunicorn.conf.py post_worker_init):
# threads started here, in a --preload master, would not survive the fork.
if "gunicorn" not in sys.modules:
    from clinicbot.whatsapp.embedded import start_embedded_worker

    start_embedded_worker()
