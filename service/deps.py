"""FastAPI dependencies as ``Annotated`` aliases; tests swap them with ``dependency_overrides``."""

from __future__ import annotations

import email.message
from typing import Annotated

from fastapi import Depends, Request

from service.auth import authenticate
from service.errors import ApiError
from service.model_holder import ModelHolder
from service.settings import Settings
from service.state import ServiceState


def get_state(request: Request) -> ServiceState:
    """The app's ``ServiceState``."""
    state: ServiceState = request.app.state.service
    return state


StateDep = Annotated[ServiceState, Depends(get_state)]


def get_settings(state: StateDep) -> Settings:
    """The app's settings."""
    return state.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_holder(state: StateDep) -> ModelHolder:
    """The model serving now, read once for the whole request.

    Raises:
        ApiError: ``MODEL_NOT_READY`` (503) before the model is loaded and warmed.
    """
    holder = state.slot.current
    if holder is None:
        raise ApiError("MODEL_NOT_READY", "the model is still loading; retry shortly")
    return holder


HolderDep = Annotated[ModelHolder, Depends(get_holder)]


def get_operator(request: Request, state: StateDep) -> str:
    """The operator id of the caller (``anonymous`` with auth off); see ``service.auth``."""
    operator = authenticate(request, state.settings.auth)
    request.state.operator = operator
    return operator


OperatorDep = Annotated[str, Depends(get_operator)]


def require_json(request: Request) -> None:
    """Refuse a body sent as anything but JSON.

    Raises:
        ApiError: ``UNSUPPORTED_MEDIA_TYPE`` (415).
    """
    value = request.headers.get("content-type")
    if value is None:
        has_body = request.headers.get("content-length", "0") != "0" or (
            "transfer-encoding" in request.headers
        )
        if not has_body:
            return
        raise ApiError(
            "UNSUPPORTED_MEDIA_TYPE", "send the body with Content-Type: application/json"
        )
    parsed = email.message.Message()
    parsed["content-type"] = value
    subtype = parsed.get_content_subtype()
    if parsed.get_content_maintype() != "application" or not (
        subtype == "json" or subtype.endswith("+json")
    ):
        raise ApiError(
            "UNSUPPORTED_MEDIA_TYPE", "send the body with Content-Type: application/json"
        )


JsonBody = Depends(require_json)
