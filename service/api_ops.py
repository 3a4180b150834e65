"""Operations endpoints: liveness, readiness, metrics and the served model's description."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from nlp.labels import DISPUTE_TYPES, RISK_GRADES
from service.auth import authenticate, presented_key
from service.deps import HolderDep, OperatorDep, StateDep
from service.errors import ApiError
from service.schemas import (
    HealthResponse,
    LabelInfo,
    ModelInfoResponse,
    ModelLimits,
    ReadyResponse,
    error_responses,
)

router = APIRouter(tags=["operations"])

_ESCALATION_NAMES = {"false": "否", "true": "是"}


@router.get("/healthz", response_model=HealthResponse, summary="Liveness (no key needed)")
async def healthz() -> HealthResponse:
    """The process answers."""
    return HealthResponse(status="ok")


@router.get(
    "/readyz",
    response_model=ReadyResponse,
    responses=error_responses(503),
    summary="Readiness: the model is loaded and warmed (no key needed)",
)
async def readyz(state: StateDep) -> ReadyResponse:
    """200 once a model is loaded and warmed; 503 ``MODEL_NOT_READY`` before."""
    holder = state.slot.current
    if holder is None:
        raise ApiError("MODEL_NOT_READY", "the model is still loading; retry shortly")
    return ReadyResponse(status="ready", model_version=holder.info.version)


@router.get(
    "/metrics",
    responses={
        200: {"content": {"text/plain": {}}, "description": "Prometheus text format"},
        **error_responses(401),
    },
    response_class=Response,
    summary="Prometheus metrics",
)
async def metrics(request: Request, state: StateDep) -> Response:
    """Request, prediction and model metrics in the Prometheus text format.

    Per-label prediction counts are left out unless ``auth.label_metrics`` is on and the request
    has a valid API key.
    """
    auth = state.settings.auth
    keyed = False
    if auth.protect_metrics:
        request.state.operator = authenticate(request, auth)
        keyed = True
    elif auth.label_metrics and presented_key(request) is not None:
        try:
            request.state.operator = authenticate(request, auth)
            keyed = True
        except ApiError:
            keyed = False
    label_counts = auth.label_metrics and keyed and auth.enabled
    body, content_type = state.metrics.render(label_counts=label_counts)
    return Response(body, media_type=content_type)


@router.get(
    "/v1/model",
    response_model=ModelInfoResponse,
    responses=error_responses(401, 503),
    tags=["triage"],
    summary="The served model: version, labels, metrics, training",
)
async def model_info(
    operator: OperatorDep, holder: HolderDep, state: StateDep
) -> ModelInfoResponse:
    """What model answers, with its label names, evaluation metrics and training facts."""
    info = holder.info
    settings = state.settings
    names = {
        "dispute_type": DISPUTE_TYPES,
        "risk_grade": RISK_GRADES,
        "escalation": _ESCALATION_NAMES,
    }
    heads = info.labels or {head: list(labels) for head, labels in names.items()}
    labels = {
        head: [LabelInfo(id=label, name=names.get(head, {}).get(label, label)) for label in ids]
        for head, ids in heads.items()
    }
    return ModelInfoResponse(
        version=info.version,
        architecture=info.architecture,
        created_at=info.created_at,
        loaded_at=holder.loaded_at.isoformat(),
        labels=labels,
        grade_colours=dict(settings.grade_colours),
        review_policy=holder.model.review_policy.thresholds(),
        metrics=info.metrics,
        training=info.training,
        limits=ModelLimits(
            max_text_chars=settings.limits.max_text_chars,
            max_batch_records=settings.limits.max_batch_records,
            max_body_bytes=settings.limits.max_body_bytes,
        ),
    )
