"""Integrations with the clinic's own systems (clinic-management software, calendars)."""
