"""Start-up verification: one clear line when a configured service cannot be reached."""

from __future__ import annotations

import logging
import sys

logger = logging.getLogger(__name__)


def verify_services() -> None:
    """Exit with one readable line if the database is unreachable; warn if the cache is.

    The cache is optional (everything works from the database), so an unreachable Redis
    is a warning; an unreachable database is fatal.
    """
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection

    try:
        connection.ensure_connection()
    except Exception as exc:
        db = settings.DATABASES["default"]
        where = db.get("HOST") or db.get("NAME")
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        sys.stderr.write(
            f"clinicbot: cannot connect to the database ({db['ENGINE'].rsplit('.', 1)[-1]} at {where}): {first_line}\n"
        )
        raise SystemExit(2) from None
    try:
        cache.get("clinicbot:startup-probe")
    except Exception as exc:
        sys.stderr.write(f"clinicbot: warning: cache unreachable, running from the database only: {exc}\n")
