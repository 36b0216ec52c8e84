"""Cockpit pages."""
