"""The HTTP contract: request and response bodies of every endpoint, with examples.

Result bodies reuse ``models.protocol.Triage`` so the service, ``triage predict`` and
``triage score`` (JSONL) write the same object for a record.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, field_validator

from models.protocol import Triage
from nlp.validate import is_clean_text

RecordId = Annotated[
    str | int | None,
    Field(description="The caller's id for the record, returned unchanged (null when not sent)."),
]

# Request ids are declared string/integer/null but accepted as any JSON value and checked per
# record (``nlp.validate.validate_id``): a boolean is not turned into 0, and a bad id in a batch
# answers INVALID_ID for that record instead of rejecting the batch.
RequestRecordId = Annotated[
    Any,
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string"},
                {"type": "integer", "minimum": -(2**63 - 1), "maximum": 2**63 - 1},
                {"type": "null"},
            ],
            "description": "The caller's id for the record (a string or an integer, never a "
            "boolean), returned unchanged; INVALID_ID otherwise.",
        }
    ),
]

# The text is declared a string in the contract but accepted as any JSON value, so that a batch
# with one non-text record answers NOT_TEXT for that record instead of rejecting the batch.
RecordText = Annotated[
    Any,
    WithJsonSchema(
        {"type": "string", "description": "The record's text (Chinese), e.g. a 警情 narrative."}
    ),
]

EXAMPLE_TEXTS: Final = (
    "报警人李某称其与邻居王某因宅基地边界问题发生争执，王某扬言要拿刀砍人，现场双方情绪激动。",
    "张某反映某建筑公司拖欠其工资三万二千元已有半年，多次讨要无果，称再不给钱就去跳楼。",
    "刘某称借给同村赵某五万元至今未还，今日上门讨债时发生口角，未动手。",
)


class _Request(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TriageRequest(_Request):
    """One record to triage."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"id": "JQ20240501-0001", "text": EXAMPLE_TEXTS[0]}]}
    )

    text: RecordText
    id: RequestRecordId = None


class BatchRecord(_Request):
    """One record of a batch."""

    text: RecordText
    id: RequestRecordId = None


class BatchRequest(_Request):
    """Several records, triaged in one call and answered in the same order."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "records": [
                        {"id": f"JQ20240501-000{i + 1}", "text": text}
                        for i, text in enumerate(EXAMPLE_TEXTS)
                    ]
                }
            ]
        }
    )

    records: list[BatchRecord] = Field(
        description="The records; at most limits.max_batch_records (see GET /v1/model)."
    )


class _RecordIdFirst(BaseModel):
    # A base class, so that ``id`` comes before the Triage fields in the schema and in bodies.
    id: RecordId = None


class TriageResponse(Triage, _RecordIdFirst):
    """The triage of one record: its id, then every field of the result."""


class RecordErrorDetail(BaseModel):
    code: str = Field(
        description="Stable code: NOT_TEXT, EMPTY_TEXT, TEXT_TOO_LONG, "
        "INVALID_CHARACTERS or INVALID_ID."
    )
    message: str = Field(description="What is wrong and what to do; never the record's text.")


class RecordError(BaseModel):
    """A record that could not be triaged; the rest of the batch is unaffected."""

    id: RecordId = None
    error: RecordErrorDetail


class BatchResponse(BaseModel):
    results: list[TriageResponse | RecordError] = Field(
        description="One entry per record, in request order: a result or a per-record error."
    )


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable UPPER_SNAKE error code (see docs/service.md).")
    message: str = Field(description="What went wrong and what to do.")
    request_id: str = Field(description="The request id, also sent in the X-Request-ID header.")


class ErrorResponse(BaseModel):
    """The one shape of every error reply."""

    error: ErrorDetail


class HealthResponse(BaseModel):
    status: str = Field(description="Always ok while the process answers.")


class ReadyResponse(BaseModel):
    status: str = Field(description="ready once the model is loaded and warmed.")
    model_version: str


class LabelInfo(BaseModel):
    id: str = Field(description="Stable label id.")
    name: str = Field(description="Chinese display name.")


class ModelLimits(BaseModel):
    max_text_chars: int
    max_batch_records: int
    max_body_bytes: int


class ModelInfoResponse(BaseModel):
    version: str
    architecture: str
    created_at: str = Field(description="When the bundle was written (ISO 8601), if known.")
    loaded_at: str = Field(description="When this process loaded it (ISO 8601).")
    labels: dict[str, list[LabelInfo]] = Field(description="Labels per head with Chinese names.")
    grade_colours: dict[str, str] = Field(description="Colour per risk grade in use.")
    review_policy: dict[str, float | None] = Field(
        description="Review thresholds in use (the bundle's, with the review.* settings applied)."
    )
    metrics: dict[str, Any] = Field(description="Evaluation metrics stored in the bundle.")
    training: dict[str, Any] = Field(description="Training data and settings stored in the bundle.")
    limits: ModelLimits


class ReloadRequest(_Request):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"model_dir": "/srv/triage/models/linear-2024-06"}]}
    )

    model_dir: str | None = Field(
        None,
        description="Bundle directory to load: the configured model directory or a directory "
        "under admin.reload_root. Omit it to reload the current directory.",
    )

    @field_validator("model_dir")
    @classmethod
    def _utf8_path(cls, value: str | None) -> str | None:
        if value is not None and not is_clean_text(value):
            raise ValueError("the path holds a lone surrogate or a NUL character")
        return value


class ReloadResponse(BaseModel):
    status: str = Field(description="reloaded")
    previous_version: str | None
    model_version: str
    model_dir: str


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries documenting the error shape for these statuses."""
    return {status: {"model": ErrorResponse, "description": "Error"} for status in statuses}
