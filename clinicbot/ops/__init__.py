"""Operations: health, notifications, metrics tables, gateway call log, admin user."""
