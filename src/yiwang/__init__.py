"""Yiwang (一网): an open-source city operations platform."""

__version__ = "0.1.0"
