"""A synchronous face on nats-py for Django code: one asyncio loop per process in a daemon
thread, one connection per URL, and the exchange's JetStream stream created on first use."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

import nats
from nats.js.errors import NotFoundError

T = TypeVar("T")


class StreamUnavailable(Exception):
    """NATS cannot be reached; the database log keeps the records and a catch-up publishes."""


async def _quiet(exc: Exception) -> None:
    """nats-py logs every failed attempt with a traceback; the caller reports the failure."""


class NatsBridge:
    def __init__(self, url: str) -> None:
        self.url = url
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._nc: Any = None
        self._streams: set[str] = set()
        self._lock = threading.Lock()

    def run(self, factory: Callable[[Any], Awaitable[T]], *, timeout: float = 30.0) -> T:
        """Run ``factory(js)`` on the loop; connection failures become StreamUnavailable."""

        async def call() -> T:
            js = await self._jetstream()
            return await factory(js)

        future = asyncio.run_coroutine_threadsafe(call(), self._loop)
        try:
            return future.result(timeout)
        except StreamUnavailable:
            raise
        except (OSError, TimeoutError, nats.errors.Error) as exc:
            future.cancel()
            raise StreamUnavailable(f"NATS at {self.url}: {exc!r}") from exc

    async def _jetstream(self) -> Any:
        if self._nc is None or self._nc.is_closed or not self._nc.is_connected:
            try:
                # nats-py keeps retrying a refused first connect; a plain TCP probe fails fast.
                parts = urlsplit(self.url)
                _reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(parts.hostname or "127.0.0.1", parts.port or 4222), 2
                )
                writer.close()
                self._nc = await asyncio.wait_for(
                    nats.connect(
                        self.url,
                        connect_timeout=2,
                        allow_reconnect=False,
                        max_reconnect_attempts=0,
                        error_cb=_quiet,
                    ),
                    5,
                )
            except Exception as exc:  # nats-py raises a variety on a refused connect
                self._nc = None
                raise StreamUnavailable(f"NATS at {self.url}: {exc!r}") from exc
        return self._nc.jetstream()

    def ensure_stream(self, name: str) -> None:
        if name in self._streams:
            return

        async def ensure(js: Any) -> None:
            try:
                await js.stream_info(name)
            except NotFoundError:
                await js.add_stream(name=name, subjects=[f"{name}.>"], duplicate_window=120)

        self.run(ensure)
        self._streams.add(name)

    def delete_stream(self, name: str) -> None:
        async def delete(js: Any) -> None:
            with contextlib.suppress(NotFoundError):
                await js.delete_stream(name)

        self.run(delete)
        self._streams.discard(name)

    def close(self) -> None:
        async def close() -> None:
            if self._nc is not None and not self._nc.is_closed:
                await self._nc.close()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)


_bridges: dict[str, NatsBridge] = {}
_bridges_lock = threading.Lock()


def bridge(url: str) -> NatsBridge:
    with _bridges_lock:
        if url not in _bridges:
            _bridges[url] = NatsBridge(url)
        return _bridges[url]
