"""Appointments at the registry's offices and each office's queue (issue 15)."""
