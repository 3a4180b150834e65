"""``POST /v1/admin/reload``: load another (or the same, rebuilt) bundle without a restart."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, Request

from service.auth import authenticate_admin
from service.deps import JsonBody, StateDep
from service.errors import ApiError
from service.schemas import ReloadRequest, ReloadResponse, error_responses
from service.state import ServiceState

router = APIRouter(prefix="/v1/admin", tags=["admin"])


def require_admin(request: Request, state: StateDep) -> None:
    """Only the admin key, and only when the admin endpoint is enabled (404 otherwise)."""
    authenticate_admin(request, state.settings.admin)
    request.state.operator = "admin"


def allowed_model_dir(requested: str, state: ServiceState) -> Path:
    """``requested`` if it is the configured model directory or inside ``admin.reload_root``.

    Raises:
        ApiError: ``MODEL_DIR_NOT_ALLOWED`` (403) otherwise, or when it is not absolute.
    """
    path = Path(requested).expanduser()
    if not path.is_absolute():
        raise ApiError("MODEL_DIR_NOT_ALLOWED", "model_dir must be an absolute path")
    resolved = path.resolve()
    if resolved == state.configured_model_dir.resolve():
        return resolved
    root = state.settings.admin.reload_root
    if root is not None:
        root_resolved = root.expanduser().resolve()
        if resolved != root_resolved and resolved.is_relative_to(root_resolved):
            return resolved
    raise ApiError(
        "MODEL_DIR_NOT_ALLOWED",
        "model_dir must be the configured model directory or inside admin.reload_root",
    )


@router.post(
    "/reload",
    response_model=ReloadResponse,
    responses=error_responses(400, 401, 403, 404, 409, 413, 415, 422, 500),
    dependencies=[Depends(require_admin), JsonBody],
    summary="Reload the model (admin key; disabled by default)",
    description="Loads and warms the bundle in a worker thread, then swaps it in; requests in "
    "flight finish on the old model. A failed reload answers the loading error's code and the "
    "old model keeps serving.",
)
async def reload_model(state: StateDep, body: ReloadRequest | None = None) -> ReloadResponse:
    """Reload the current bundle, or load the one in ``model_dir``."""
    directory = (
        allowed_model_dir(body.model_dir, state) if body and body.model_dir is not None else None
    )
    holder, previous = await state.reload(directory)
    return ReloadResponse(
        status="reloaded",
        previous_version=previous.info.version if previous else None,
        model_version=holder.info.version,
        model_dir=str(holder.info.directory),
    )
