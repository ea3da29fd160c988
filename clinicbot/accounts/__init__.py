"""Staff accounts: login throttling (django-axes) and the TOTP second factor (django-otp)."""
