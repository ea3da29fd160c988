"""Personal data (LGPD): export and erasure per phone, retention purge, audit trail."""
