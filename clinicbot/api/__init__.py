"""The REST API for the clinic's own systems (``/api/v1/``), documented at ``/api/docs/``."""
