"""Date and number formats of the clinic's screens (``FORMAT_MODULE_PATH``)."""
