"""Clinic reference data: the clinic, specialties, insurances, doctors, exams, FAQ, templates."""
