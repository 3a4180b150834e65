"""``POST /v1/triage`` and ``POST /v1/triage/batch``."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from nlp.errors import InvalidRecordError
from nlp.validate import validate_id, validate_text
from service.deps import HolderDep, JsonBody, OperatorDep, StateDep
from service.errors import ApiError
from service.feedback import AuditEntry
from service.handlers import request_id_of
from service.records import error_entry, prepare_records, result_entry, safe_id
from service.schemas import (
    BatchRequest,
    BatchResponse,
    TriageRequest,
    TriageResponse,
    error_responses,
)

router = APIRouter(prefix="/v1", tags=["triage"])


@router.post(
    "/triage",
    response_model=TriageResponse,
    responses=error_responses(400, 401, 413, 415, 422, 500, 503, 504),
    dependencies=[JsonBody],
    summary="Triage one record",
    description="Dispute type, risk grade (with colour), escalation, review flag, evidence, cues "
    "and suggestions for one record. An empty, non-text or too long text is a 422 with code "
    "EMPTY_TEXT, NOT_TEXT or TEXT_TOO_LONG; a text with a lone surrogate or NUL is "
    "INVALID_CHARACTERS; an id that is not a string or an integer is INVALID_ID.",
)
async def triage_one(
    body: TriageRequest,
    request: Request,
    operator: OperatorDep,
    holder: HolderDep,
    state: StateDep,
) -> JSONResponse:
    """Triage one record."""
    request.state.record_count = 1
    try:
        record_id = validate_id(body.id)
        text = validate_text(body.text, max_chars=state.settings.limits.max_text_chars)
    except InvalidRecordError as error:
        state.metrics.observe_entries([error_entry(safe_id(body.id), error)])
        raise
    began = time.perf_counter()
    results = await state.runner.run(holder.model.predict, [text])
    latency_ms = (time.perf_counter() - began) * 1000
    await state.audit(
        [
            AuditEntry.of(
                results[0],
                text=text,
                request_id=request_id_of(request),
                record_index=0,
                endpoint="triage",
                latency_ms=latency_ms,
                operator_id=operator,
            )
        ]
    )
    entry = result_entry(record_id, results[0])
    state.metrics.observe_entries([entry])
    return JSONResponse(entry)


@router.post(
    "/triage/batch",
    response_model=BatchResponse,
    responses=error_responses(400, 401, 413, 415, 422, 500, 503, 504),
    dependencies=[JsonBody],
    summary="Triage several records",
    description="One result per record, in request order. A record that cannot be triaged gets "
    "an entry {id, error: {code, message}} and the others are still triaged. At most "
    "limits.max_batch_records records (TOO_MANY_RECORDS otherwise).",
)
async def triage_batch(
    body: BatchRequest,
    request: Request,
    operator: OperatorDep,
    holder: HolderDep,
    state: StateDep,
) -> JSONResponse:
    """Triage a batch of records."""
    limits = state.settings.limits
    request.state.record_count = len(body.records)
    if len(body.records) > limits.max_batch_records:
        raise ApiError(
            "TOO_MANY_RECORDS",
            f"a batch may hold at most {limits.max_batch_records} records, this one has "
            f"{len(body.records)}; split it",
        )
    prepared = prepare_records(
        [(record.id, record.text) for record in body.records], max_chars=limits.max_text_chars
    )
    began = time.perf_counter()
    predictions = (
        await state.runner.run(holder.model.predict, list(prepared.texts)) if prepared.texts else []
    )
    latency_ms = (time.perf_counter() - began) * 1000
    valid_positions = [i for i in range(len(body.records)) if i not in prepared.errors]
    request_id = request_id_of(request)
    await state.audit(
        [
            AuditEntry.of(
                triage,
                text=text,
                request_id=request_id,
                record_index=position,
                endpoint="batch",
                latency_ms=latency_ms,
                operator_id=operator,
            )
            for position, text, triage in zip(
                valid_positions, prepared.texts, predictions, strict=True
            )
        ]
    )
    entries = prepared.entries(predictions)
    state.metrics.observe_entries(entries)
    return JSONResponse({"results": entries})
