"""``POST /v1/feedback``: a person confirms or corrects the labels of a prediction.

The correction names the prediction by the ``X-Request-ID`` of its triage reply (and the record's
position for a batch). Corrections of a request id the audit log does not hold are refused
(``UNKNOWN_REQUEST_ID``): the predicted labels and model version stored with a correction are
always the ones the service really served, never values sent by the client. The correction's
text must be the text that prediction was made on: its salted SHA-256 must equal the one the
audit log kept at prediction time (``FEEDBACK_TEXT_MISMATCH``, 409, otherwise). Only the operator
the prediction was served to may correct it, or a request with the admin key (``admin.api_key``,
stored as operator ``admin-key``); another operator gets ``FEEDBACK_NOT_ALLOWED`` (403), checked
before the text so that no one can test guessed texts against another operator's predictions.
Every refusal stores nothing.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from nlp.labels import (
    DISPUTE_TYPES,
    RISK_GRADES,
    canonical_dispute_type,
    canonical_escalation,
    canonical_risk_grade,
)
from nlp.validate import validate_text
from service.auth import authenticate, match_key, presented_key
from service.deps import JsonBody, StateDep
from service.errors import ApiError, FeedbackNotAllowedError, FeedbackTextMismatchError
from service.feedback import FeedbackStore, Labels, StoredFeedback
from service.schemas import EXAMPLE_TEXTS, RecordText, error_responses

router = APIRouter(prefix="/v1", tags=["feedback"])

_LABEL_VALUE = WithJsonSchema({"type": "string"})

MAX_RECORD_INDEX = 100_000
"""The largest batch size settings allow (``limits.max_batch_records``); far below 2**63, so no
index overflows SQLite."""


class FeedbackRequest(BaseModel):
    """The right labels for one prediction, with the text it was made on."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "request_id": "5f0c6d2e9a8b4c1d",
                    "text": EXAMPLE_TEXTS[0],
                    "dispute_type": "neighbour",
                    "risk_grade": "疑难",
                    "escalation": True,
                }
            ]
        },
    )

    request_id: str = Field(
        min_length=1,
        max_length=128,
        pattern=r"^[A-Za-z0-9._:-]+$",
        description="The X-Request-ID header of the triage reply being corrected.",
    )
    record_index: int = Field(
        default=0,
        ge=0,
        le=MAX_RECORD_INDEX,
        strict=True,
        description="The record's position in a /v1/triage/batch request; 0 for /v1/triage. "
        "Below limits.max_batch_records (VALIDATION_ERROR otherwise).",
    )
    text: RecordText
    dispute_type: Annotated[Any, _LABEL_VALUE] = Field(
        description="The right dispute type: id or Chinese name ("
        + ", ".join(f"{k}/{v}" for k, v in DISPUTE_TYPES.items())
        + ")."
    )
    risk_grade: Annotated[Any, _LABEL_VALUE] = Field(
        description="The right risk grade: id or Chinese name ("
        + ", ".join(f"{k}/{v}" for k, v in RISK_GRADES.items())
        + ")."
    )
    escalation: Annotated[Any, WithJsonSchema({"type": "boolean"})] = Field(
        description="Whether violence is escalating: true/false (or 是/否); nothing else."
    )


class LabelsBody(BaseModel):
    dispute_type: str
    risk_grade: str
    escalation: bool


class FeedbackResponse(BaseModel):
    """The stored correction, without its text."""

    id: int = Field(description="Row id of the correction.")
    request_id: str
    record_index: int
    model_version: str = Field(description="The model that made the corrected prediction.")
    predicted: LabelsBody = Field(description="The labels the service served (audit log).")
    corrected: LabelsBody = Field(description="The labels the person chose.")
    changed: list[str] = Field(description="Heads whose label was changed; empty = confirmed.")
    operator_id: str
    created_at: str = Field(description="When the correction was stored (ISO 8601, UTC).")


def get_store(state: StateDep) -> FeedbackStore:
    """The feedback store.

    Raises:
        ApiError: ``NOT_FOUND`` (404) when ``feedback.enabled`` is off.
    """
    if state.store is None:
        raise ApiError("NOT_FOUND", "feedback is switched off on this service (feedback.enabled)")
    return state.store


StoreDep = Annotated[FeedbackStore, Depends(get_store)]

ADMIN_OPERATOR = "admin-key"
"""The operator id stored with a correction sent with the admin key."""


@dataclass(frozen=True, slots=True)
class Corrector:
    """Who sends a correction, and whether they may correct another operator's prediction."""

    operator_id: str
    any_operator: bool


def get_corrector(request: Request, state: StateDep) -> Corrector:
    """The sender of a correction: an operator by API key, or the admin key (any prediction).

    Raises:
        ApiError: ``API_KEY_MISSING`` or ``API_KEY_INVALID`` (401).
    """
    settings = state.settings
    key = presented_key(request)
    admin_key = settings.admin.api_key
    if (
        settings.auth.enabled
        and key is not None
        and admin_key is not None
        and match_key(key, {ADMIN_OPERATOR: admin_key}) is not None
    ):
        corrector = Corrector(ADMIN_OPERATOR, any_operator=True)
    else:
        corrector = Corrector(authenticate(request, settings.auth), any_operator=False)
    request.state.operator = corrector.operator_id
    return corrector


CorrectorDep = Annotated[Corrector, Depends(get_corrector)]


@router.post(
    "/feedback",
    status_code=201,
    response_model=FeedbackResponse,
    responses=error_responses(400, 401, 403, 404, 409, 413, 415, 422, 429, 500, 503),
    dependencies=[JsonBody],
    summary="Confirm or correct a prediction",
    description="Stores the right labels of a prediction with its masked text (normalised, "
    "phone/ID/card numbers and plates replaced) and the operator of the API key. Labels are "
    "exactly the ids or the Chinese names (escalation: true/false or 是/否); others, such as "
    "LAND, yes or 1, are UNKNOWN_LABEL. A request_id that the audit log does not "
    "hold is UNKNOWN_REQUEST_ID; a prediction served to another operator is "
    "FEEDBACK_NOT_ALLOWED (403) unless the admin key is sent; a text other than the one that "
    "prediction was made on (checked "
    "against the salted SHA-256 kept at prediction time) is FEEDBACK_TEXT_MISMATCH (409). More "
    "than feedback.max_per_minute corrections from one operator in 60 s are RATE_LIMITED (429, "
    "Retry-After). The reply never contains the text.",
)
async def post_feedback(
    body: FeedbackRequest,
    request: Request,
    corrector: CorrectorDep,
    store: StoreDep,
    state: StateDep,
) -> JSONResponse:
    """Store one correction."""
    request.state.record_count = 1
    operator = corrector.operator_id
    wait_s = state.feedback_limiter.retry_after(operator)
    if wait_s is not None:
        limit = state.settings.feedback.max_per_minute
        raise ApiError(
            "RATE_LIMITED",
            f"more than {limit} corrections a minute from this operator; retry in {wait_s} s "
            "(feedback.max_per_minute)",
            headers={"Retry-After": str(wait_s)},
        )
    limits = state.settings.limits
    if body.record_index >= limits.max_batch_records:
        raise ApiError(
            "VALIDATION_ERROR",
            f"the request does not match the schema: record_index must be below "
            f"limits.max_batch_records ({limits.max_batch_records})",
        )
    text = validate_text(body.text, max_chars=limits.max_text_chars)
    corrected = Labels(
        canonical_dispute_type(body.dispute_type),
        canonical_risk_grade(body.risk_grade),
        canonical_escalation(body.escalation),
    )
    try:
        stored = await anyio.to_thread.run_sync(
            functools.partial(
                store.add_feedback,
                body.request_id,
                body.record_index,
                text,
                corrected,
                operator,
                any_operator=corrector.any_operator,
            )
        )
    except (FeedbackTextMismatchError, FeedbackNotAllowedError) as error:
        raise ApiError(error.code, error.message) from None
    return JSONResponse(_response_body(stored), status_code=201)


def _response_body(stored: StoredFeedback) -> dict[str, Any]:
    def labels(value: Labels) -> dict[str, Any]:
        return {
            "dispute_type": value.dispute_type,
            "risk_grade": value.risk_grade,
            "escalation": value.escalation,
        }

    return {
        "id": stored.id,
        "request_id": stored.request_id,
        "record_index": stored.record_index,
        "model_version": stored.model_version,
        "predicted": labels(stored.predicted),
        "corrected": labels(stored.corrected),
        "changed": list(stored.changed),
        "operator_id": stored.operator_id,
        "created_at": stored.created_at.isoformat(),
    }
