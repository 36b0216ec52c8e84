"""The browser tests' helpers; the fixtures (``live_yiwang``, ``browser``, ``page``) come from
``tests/livebrowser.py`` through the root conftest."""

from tests.livebrowser import ARTIFACTS, CHROMIUM, LiveServer, screenshot

__all__ = ["ARTIFACTS", "CHROMIUM", "LiveServer", "screenshot"]
