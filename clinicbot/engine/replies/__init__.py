"""Default pt-BR reply templates and formatting helpers."""
