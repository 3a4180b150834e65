"""Service errors: every code the HTTP service, ``serve``, ``predict`` and ``score`` can report.

The tree (``TriageError`` is the project-wide base from ``nlp.errors``)::

    TriageError
    ├── ServiceConfigError      settings or the config file are invalid; start-up stops
    ├── DatabaseError           the feedback database is unreachable or too new (503 / start-up)
    ├── UnknownPredictionError  a correction names no prediction in the audit log (422)
    ├── FeedbackTextMismatchError  a correction's text is not the text of that prediction (409)
    ├── FeedbackNotAllowedError  a correction of a prediction served to another operator (403)
    └── (lower layers)          InvalidRecordError, ModelBundleError, InputFileError, ...

    starlette HTTPException
    └── ApiError                an HTTP error with a stable code, rendered in the one error shape
        └── BodyTooLargeError   the request body passed ``limits.max_body_bytes`` while arriving

``ERROR_CODES`` lists every code with its HTTP status (``None`` where it is never an HTTP reply:
start-up, command-line and per-record codes) and what it means; ``docs/service.md`` documents
each one and a test checks that it does. On the wire every error is::

    {"error": {"code": "API_KEY_INVALID", "message": "...", "request_id": "..."}}

and a per-record error inside a batch result or an output line is ``{"id": ..., "error":
{"code", "message"}}``. Messages say what to do and never contain the text of a record.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from starlette.exceptions import HTTPException

from nlp.errors import TriageError


@dataclass(frozen=True, slots=True)
class ErrorCode:
    """One stable error code.

    Attributes:
        status: the HTTP status it is sent with, or ``None`` when it is not an HTTP reply.
        meaning: one line on when it happens.
    """

    status: int | None
    meaning: str


ERROR_CODES: Final = MappingProxyType(
    {
        # Request shape and transport.
        "BAD_REQUEST": ErrorCode(400, "the request is malformed"),
        "INVALID_JSON": ErrorCode(400, "the body is not valid JSON"),
        "FORBIDDEN": ErrorCode(403, "the request is not allowed"),
        "NOT_FOUND": ErrorCode(404, "no such endpoint (also: the admin endpoint is disabled)"),
        "METHOD_NOT_ALLOWED": ErrorCode(405, "the endpoint does not take this HTTP method"),
        "CONFLICT": ErrorCode(409, "the request conflicts with the service's state"),
        "BODY_TOO_LARGE": ErrorCode(413, "the body is larger than limits.max_body_bytes"),
        "UNSUPPORTED_MEDIA_TYPE": ErrorCode(415, "the body is not sent as application/json"),
        "VALIDATION_ERROR": ErrorCode(422, "the JSON does not match the request schema"),
        "TOO_MANY_RECORDS": ErrorCode(422, "a batch has more than limits.max_batch_records"),
        # Authentication.
        "API_KEY_MISSING": ErrorCode(401, "no key in X-API-Key or Authorization: Bearer"),
        "API_KEY_INVALID": ErrorCode(401, "the key matches no configured key"),
        "ADMIN_KEY_REQUIRED": ErrorCode(403, "the admin endpoint needs the admin key"),
        # One record (an HTTP 422 on /v1/triage; a per-record entry in batches and files).
        "NOT_TEXT": ErrorCode(422, "the text field is missing or not a string"),
        "EMPTY_TEXT": ErrorCode(422, "the text is empty or only whitespace"),
        "TEXT_TOO_LONG": ErrorCode(422, "the text is longer than limits.max_text_chars"),
        "INVALID_CHARACTERS": ErrorCode(
            422, "the text holds a lone surrogate or NUL: not UTF-8 text"
        ),
        "INVALID_ID": ErrorCode(
            422, "the id is not a string or an integer (a boolean, beyond 64 bits, not UTF-8)"
        ),
        # Feedback (POST /v1/feedback) and the feedback database.
        "UNKNOWN_LABEL": ErrorCode(422, "a label is not a known id or Chinese name"),
        "UNKNOWN_REQUEST_ID": ErrorCode(422, "no prediction was served under that request id"),
        "FEEDBACK_TEXT_MISMATCH": ErrorCode(
            409, "a correction's text is not the text the named prediction was made on"
        ),
        "FEEDBACK_NOT_ALLOWED": ErrorCode(
            403, "a correction of a prediction served to another operator, without the admin key"
        ),
        "RATE_LIMITED": ErrorCode(429, "more corrections than feedback.max_per_minute"),
        "DATABASE_UNAVAILABLE": ErrorCode(503, "the feedback database cannot be reached"),
        "DATABASE_TOO_NEW": ErrorCode(None, "the feedback database has a newer schema"),
        # Serving.
        "MODEL_NOT_READY": ErrorCode(503, "no model is loaded and warmed yet"),
        "REQUEST_TIMEOUT": ErrorCode(504, "the prediction took longer than the request timeout"),
        "INTERNAL_ERROR": ErrorCode(500, "an unexpected failure; the log has the request id"),
        # Reload (POST /v1/admin/reload).
        "MODEL_DIR_NOT_ALLOWED": ErrorCode(403, "the model_dir is outside the allowed places"),
        "RELOAD_IN_PROGRESS": ErrorCode(409, "another reload is running; retry when it ends"),
        # Loading a bundle: these end start-up and commands (exit 2); a failed reload answers
        # them with 422 and the previous model keeps serving.
        "BUNDLE_NOT_FOUND": ErrorCode(422, "no manifest.json in the directory"),
        "BUNDLE_MANIFEST_INVALID": ErrorCode(422, "the manifest is damaged"),
        "BUNDLE_FORMAT_UNSUPPORTED": ErrorCode(422, "bundle format version unsupported"),
        "BUNDLE_FILE_MISSING": ErrorCode(422, "a file listed in the manifest is missing"),
        "BUNDLE_HASH_MISMATCH": ErrorCode(422, "a file does not match its sha256"),
        "BUNDLE_ARCHITECTURE_MISMATCH": ErrorCode(422, "the bundle is another model kind"),
        "BUNDLE_CHANGED_WHILE_LOADING": ErrorCode(422, "the bundle was replaced mid-load"),
        "MODEL_BUNDLE_ERROR": ErrorCode(422, "the bundle cannot be loaded"),
        "UNKNOWN_COMPONENT": ErrorCode(422, "the bundle names an unknown architecture"),
        "WARMUP_FAILED": ErrorCode(422, "the model failed its warm-up predictions"),
        "BUNDLE_SELF_CHECK_FAILED": ErrorCode(
            422, "the bundle loads but cannot predict its self-check texts"
        ),
        # Start-up and commands (never an HTTP reply).
        "SETTINGS_INVALID": ErrorCode(None, "a setting has an invalid value"),
        "CONFIG_FILE_NOT_FOUND": ErrorCode(None, "--config / TRIAGE_CONFIG_FILE names no file"),
        "CONFIG_FILE_INVALID": ErrorCode(None, "the config file is not valid JSON or TOML"),
        "AUTH_NO_KEYS": ErrorCode(None, "auth is on but no API key is configured"),
        "RESUME_UNSUPPORTED": ErrorCode(None, "--resume was asked for a Parquet output"),
        "RESUME_MISMATCH": ErrorCode(None, "the .partial output does not belong to this input"),
        "PARTIAL_OUTPUT_EXISTS": ErrorCode(
            None, "an interrupted run's .partial output exists; pass --resume or --restart"
        ),
        "RESUME_CONFLICT": ErrorCode(None, "--resume and --restart were both given"),
        "MISSING_COLUMN": ErrorCode(None, "a CSV/Parquet input has no --text-column column"),
        "FILE_NOT_FOUND": ErrorCode(None, "the input file does not exist"),
        "UNKNOWN_FORMAT": ErrorCode(
            None, "the file format is neither given nor clear from the name"
        ),
        "MALFORMED_LINE": ErrorCode(None, "an input line is not valid JSON/CSV (names the line)"),
        "MALFORMED_FILE": ErrorCode(None, "the input is not a readable Parquet file"),
        "NOT_UTF8": ErrorCode(None, "the input is not UTF-8 text"),
        "DECODE_FAILED": ErrorCode(None, "the input is not text in the given or detected encoding"),
        "UNKNOWN_ENCODING": ErrorCode(None, "--encoding names no known encoding"),
        "PORT_IN_USE": ErrorCode(None, "serve: another process listens on server.port"),
        "LISTEN_FAILED": ErrorCode(None, "serve: the server cannot listen on host:port"),
        "INVALID_OPTION": ErrorCode(None, "a command-line option has a value the command refuses"),
        "MISSING_DEPENDENCY": ErrorCode(None, "an optional package the command needs is missing"),
        "UNEXPECTED_ERROR": ErrorCode(None, "a command failed unexpectedly (exit status 1)"),
    }
)
"""Every code the service layer reports -> its status and meaning."""


class ServiceConfigError(TriageError):
    """Settings or the config file are invalid; the command or server does not start."""

    code = "SETTINGS_INVALID"


class DatabaseError(TriageError):
    """The feedback database cannot be used: unreachable, not writable or of a newer schema."""

    code = "DATABASE_UNAVAILABLE"


class UnknownPredictionError(TriageError):
    """A correction refers to a request id (and record index) the audit log does not hold."""

    code = "UNKNOWN_REQUEST_ID"


class FeedbackTextMismatchError(TriageError):
    """A correction's text does not hash to the text recorded with the prediction it names."""

    code = "FEEDBACK_TEXT_MISMATCH"


class FeedbackNotAllowedError(TriageError):
    """A correction names a prediction served to another operator, without the admin key."""

    code = "FEEDBACK_NOT_ALLOWED"


class ApiError(HTTPException):
    """An HTTP error with a stable code; the app renders it in the one error shape.

    It subclasses Starlette's ``HTTPException`` so FastAPI passes it through untouched when it is
    raised while the body is read (FastAPI turns other exceptions there into a generic 400).
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Build the error.

        Args:
            code: a stable code; its status comes from ``ERROR_CODES`` unless ``status`` is given.
            message: what went wrong and what to do; never any record text.
            status: the HTTP status for a code not in ``ERROR_CODES`` (a lower layer's code).
            headers: extra response headers (``WWW-Authenticate``, ``Allow``).

        Raises:
            KeyError: the code is unknown and no status was given (a programming error).
        """
        known = ERROR_CODES.get(code)
        resolved = status if status is not None else ERROR_CODES[code].status
        if resolved is None or (known is not None and known.status is None):
            raise KeyError(f"error code {code} is not an HTTP error")
        super().__init__(status_code=resolved, detail=message, headers=headers)
        self.code = code
        self.message = message


class BodyTooLargeError(ApiError):
    """The body grew past the limit while it was being received."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            "BODY_TOO_LARGE",
            f"the request body is larger than {limit} bytes; send fewer or shorter records "
            "(limits.max_body_bytes)",
        )


STATUS_CODES: Final = MappingProxyType(
    {
        400: "BAD_REQUEST",
        401: "API_KEY_MISSING",
        403: "FORBIDDEN",
        404: "NOT_FOUND",
        405: "METHOD_NOT_ALLOWED",
        409: "CONFLICT",
        413: "BODY_TOO_LARGE",
        415: "UNSUPPORTED_MEDIA_TYPE",
        422: "VALIDATION_ERROR",
        500: "INTERNAL_ERROR",
        503: "MODEL_NOT_READY",
        504: "REQUEST_TIMEOUT",
    }
)
"""The code used for an HTTP error raised by the framework itself (a plain ``HTTPException``)."""

STATUS_MESSAGES: Final = MappingProxyType(
    {
        400: "the request is malformed; see /openapi.json for the request schema",
        401: "authentication is required; send X-API-Key or Authorization: Bearer <key>",
        403: "this request is not allowed",
        404: "no such endpoint; see /openapi.json for the endpoints",
        405: "this endpoint does not take that HTTP method; see the Allow header",
        409: "the request conflicts with the service's state; retry later",
        413: "the request body is too large",
        415: "send the body as JSON with Content-Type: application/json",
        422: "the request does not match the schema; see /openapi.json",
        500: "an unexpected error; report the request id to the operators",
        503: "the service is not ready; retry shortly",
        504: "the request took too long",
    }
)
"""Fixed messages for framework errors, so no framework detail (which may echo input) leaks."""
