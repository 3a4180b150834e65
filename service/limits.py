"""Enforcing the request limits: body size as it arrives, and prediction time and concurrency."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import anyio
import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import ApiError, BodyTooLargeError

T = TypeVar("T")


class BodySizeLimitMiddleware:
    """Reply 413 once a request body passes ``max_body_bytes``.

    The bytes are counted as they arrive by wrapping ``receive``, so a chunked body or a wrong
    Content-Length cannot get round the limit; a declared Content-Length over the limit is refused
    before any of the body is read.
    """

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            raise BodyTooLargeError(self.max_body_bytes)
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLargeError(self.max_body_bytes)
            return message

        await self.app(scope, counting_receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class PredictionRunner:
    """Runs blocking model calls in a bounded thread pool under the request timeout."""

    def __init__(self, *, max_concurrent: int, timeout_s: float) -> None:
        self.limiter = anyio.CapacityLimiter(max_concurrent)
        self.timeout_s = timeout_s

    async def run(self, function: Callable[[Sequence[str]], T], texts: Sequence[str]) -> T:
        """``function(texts)`` in a worker thread; waiting for a free slot counts towards the time.

        Raises:
            ApiError: ``REQUEST_TIMEOUT`` (504) when the time runs out. The thread cannot be
                stopped; it finishes in the background and its result is dropped.
        """
        try:
            with anyio.fail_after(self.timeout_s):
                return await anyio.to_thread.run_sync(
                    function, texts, limiter=self.limiter, abandon_on_cancel=True
                )
        except TimeoutError:
            raise ApiError(
                "REQUEST_TIMEOUT",
                f"the prediction did not finish within {self.timeout_s:g} s; retry later or send "
                "fewer records per request",
            ) from None
