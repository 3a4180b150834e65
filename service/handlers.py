"""Exception handlers that put every framework and service error into the one error shape.

FastAPI's default 422 body echoes the input, and Starlette's 404/405 bodies are plain text; both
are replaced. Validation messages name the field and the rule, never the value sent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from nlp.errors import InvalidRecordError, UnknownLabelError
from service._error_shape import error_response
from service.errors import (
    ERROR_CODES,
    STATUS_CODES,
    STATUS_MESSAGES,
    ApiError,
    DatabaseError,
    UnknownPredictionError,
)

_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,40}$")
_MAX_PROBLEMS = 5


def request_id_of(request: Request) -> str:
    """The id the request-context middleware gave this request."""
    value = request.scope.get("state", {}).get("request_id")
    return value if isinstance(value, str) else "-"


async def handle_http_error(request: Request, error: Exception) -> Response:
    """Starlette/FastAPI ``HTTPException`` and ``ApiError``."""
    if not isinstance(error, HTTPException):  # pragma: no cover - registered for it only
        raise error
    if isinstance(error, ApiError):
        code, message = error.code, error.message
    else:
        server_side = error.status_code >= 500
        code = STATUS_CODES.get(
            error.status_code, "INTERNAL_ERROR" if server_side else "BAD_REQUEST"
        )
        message = STATUS_MESSAGES.get(error.status_code, "the request failed")
    return error_response(error.status_code, code, message, request_id_of(request), error.headers)


async def handle_validation_error(request: Request, error: Exception) -> Response:
    """A body that is not JSON (400) or does not match the schema (422), without echoing it."""
    if not isinstance(error, RequestValidationError):  # pragma: no cover
        raise error
    problems = list(error.errors())
    if any(problem.get("type") == "json_invalid" for problem in problems):
        return error_response(
            400,
            "INVALID_JSON",
            "the body is not valid JSON; send a JSON object (see /openapi.json)",
            request_id_of(request),
        )
    described = [_describe(problem) for problem in problems[:_MAX_PROBLEMS]]
    more = len(problems) - len(described)
    message = "the request does not match the schema: " + "; ".join(described)
    if more > 0:
        message += f"; and {more} more"
    return error_response(422, "VALIDATION_ERROR", message, request_id_of(request))


async def handle_invalid_record(request: Request, error: Exception) -> Response:
    """One record sent to the single-record endpoint that cannot be triaged."""
    if not isinstance(error, InvalidRecordError):  # pragma: no cover
        raise error
    return error_response(422, error.code, error.message, request_id_of(request))


async def handle_feedback_error(request: Request, error: Exception) -> Response:
    """A bad label, an unknown request id or an unusable feedback database."""
    if not isinstance(error, UnknownLabelError | UnknownPredictionError | DatabaseError):
        raise error  # pragma: no cover
    known = ERROR_CODES.get(error.code)
    status = known.status if known is not None and known.status is not None else 503
    return error_response(status, error.code, error.message, request_id_of(request))


def install_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(HTTPException, handle_http_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(InvalidRecordError, handle_invalid_record)
    for feedback_error in (UnknownLabelError, UnknownPredictionError, DatabaseError):
        app.add_exception_handler(feedback_error, handle_feedback_error)


def _describe(problem: dict[str, Any]) -> str:
    where = ".".join(_safe_location(problem.get("loc", ())))
    return f"{where or 'body'}: {problem.get('msg', 'invalid')}"


def _safe_location(parts: Iterable[Any]) -> list[str]:
    # A location may contain a key the client invented (an extra field); show only field-like
    # names and positions, so that no free text from the body reaches the reply.
    shown = []
    for part in parts:
        if isinstance(part, int):
            shown.append(str(part))
        elif isinstance(part, str) and _NAME.match(part):
            shown.append(part)
        else:
            shown.append("<key>")
    return shown
