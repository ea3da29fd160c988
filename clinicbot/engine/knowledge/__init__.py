"""What the assistant knows about the clinic beyond the booking data: its FAQ and contacts."""
