"""Appointments, free slots and the booking services."""
