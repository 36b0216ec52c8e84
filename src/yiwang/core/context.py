"""Who is asking, from where, under which request id — for the audit log.

Set by ``RequestContextMiddleware`` for web and API requests; commands and jobs set their own
with ``request_context()`` so that their audit records say where they came from.
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    client_address: str


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "yiwang_request_context", default=None
)


def new_request_id() -> str:
    return uuid.uuid4().hex


def current() -> RequestContext:
    ctx = _current.get()
    return ctx if ctx is not None else RequestContext(request_id="", client_address="")


@contextmanager
def request_context(
    request_id: str | None = None, client_address: str = ""
) -> Iterator[RequestContext]:
    ctx = RequestContext(request_id=request_id or new_request_id(), client_address=client_address)
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
