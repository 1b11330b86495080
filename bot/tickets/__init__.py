"""Consultation tickets: one table shared by every platform."""
