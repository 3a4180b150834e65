"""Typed errors shared by every layer, each with a stable code.

The tree::

    TriageError                      base; every error the project raises on purpose
    ├── InvalidRecordError           one input record cannot be triaged (empty, not text, too long)
    ├── UnknownLabelError            a label value is neither a stable id nor a display name
    ├── UnknownComponentError        a registry has no part under the requested name
    ├── ModelBundleError             a model bundle is missing, corrupt or of an unknown format
    └── InputFileError               an input file is unreadable or malformed (names the line)

Each class has a class-level ``code`` (UPPER_SNAKE, stable across releases); an instance may carry a
more specific code. Messages say what to do and never contain the text of a record.
"""

from __future__ import annotations


class TriageError(Exception):
    """Base class of the project's errors."""

    code: str = "TRIAGE_ERROR"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class InvalidRecordError(TriageError):
    """A single record cannot be triaged; batch callers report it per record and go on."""

    code = "INVALID_RECORD"


class UnknownLabelError(TriageError):
    """A label value is neither a stable id nor a Chinese display name."""

    code = "UNKNOWN_LABEL"


class UnknownComponentError(TriageError):
    """A registry lookup named a part that is not registered."""

    code = "UNKNOWN_COMPONENT"


class ModelBundleError(TriageError):
    """A model bundle cannot be loaded or saved."""

    code = "MODEL_BUNDLE_ERROR"


class InputFileError(TriageError):
    """An input data file cannot be read; the message names the file and line."""

    code = "INPUT_FILE_ERROR"
