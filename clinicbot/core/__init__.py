"""Small shared pieces: configuration parsing, phone numbers, errors, clock. Imports no other app."""
