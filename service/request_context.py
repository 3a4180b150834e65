"""The outermost middleware: request id, access log, request metrics, last-resort error replies.

Log lines hold the method, route template, status, latency, request id, operator and record
count; never a body, a query string or a header value other than the request id.
"""

from __future__ import annotations

import logging
import re
import time
import traceback
import uuid
from typing import Final

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service._error_shape import error_response
from service.errors import STATUS_MESSAGES, ApiError
from service.metrics import ServiceMetrics

REQUEST_ID_HEADER: Final = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

access_log = logging.getLogger("service.access")
error_log = logging.getLogger("service.errors")


def request_id_from(scope: Scope) -> str:
    """The caller's ``X-Request-ID`` when it is short and plain, else a new random id."""
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            if _SANE_REQUEST_ID.match(candidate):
                return candidate
            break
    return uuid.uuid4().hex


def route_of(scope: Scope) -> str:
    """The matched route's template (bounded label set), or ``unmatched``."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


class RequestContextMiddleware:
    """Give every request an id, log and count it, and answer any escaped error in the one shape."""

    def __init__(self, app: ASGIApp, *, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(scope)
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        status = 500
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers[REQUEST_ID_HEADER] = request_id
                headers.setdefault("X-Content-Type-Options", "nosniff")
            await send(message)

        began = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        except ApiError as error:
            # Raised outside the app's handlers (e.g. a Content-Length over the limit).
            if not started:
                response = error_response(
                    error.status_code, error.code, error.message, request_id, error.headers
                )
                await response(scope, receive, send_with_id)
        except Exception as error:
            _log_failure(error, request_id)
            if not started:
                response = error_response(500, "INTERNAL_ERROR", STATUS_MESSAGES[500], request_id)
                await response(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - began
            route = route_of(scope)
            self.metrics.observe_request(scope["method"], route, status, seconds)
            access_log.info(
                "request method=%s route=%s status=%d latency_ms=%.1f records=%s operator=%s "
                "request_id=%s",
                scope["method"],
                route,
                status,
                seconds * 1000,
                state.get("record_count", "-"),
                state.get("operator", "-"),
                request_id,
            )


def _log_failure(error: BaseException, request_id: str) -> None:
    """Log where an unexpected error happened: its type and frames, not its message.

    The message of an arbitrary exception may quote a record's text, so it stays out of the log.
    """
    frames = traceback.extract_tb(error.__traceback__)
    where = " <- ".join(f"{f.filename}:{f.lineno} in {f.name}" for f in reversed(frames[-6:]))
    error_log.error(
        "unexpected %s request_id=%s at %s", type(error).__name__, request_id, where or "?"
    )
