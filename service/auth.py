"""API-key authentication: ``X-API-Key: <key>`` or ``Authorization: Bearer <key>``.

A presented key is compared with every configured key in constant time (``hmac.compare_digest``
over sha256 digests, so neither the position of the match nor the key lengths show in timing).
The operator id of the matching key identifies the caller.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Final

from pydantic import SecretStr
from starlette.requests import Request

from service.errors import ApiError
from service.settings import AdminSettings, AuthSettings

ANONYMOUS: Final = "anonymous"
_CHALLENGE: Final = {"WWW-Authenticate": 'Bearer realm="triage"'}


def presented_key(request: Request) -> str | None:
    """The key in ``X-API-Key`` or ``Authorization: Bearer``, if any."""
    key = request.headers.get("x-api-key")
    if key:
        return key.strip()
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return None


def match_key(key: str, keys: Mapping[str, SecretStr]) -> str | None:
    """The operator whose key equals ``key``; every configured key is compared, in constant time."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    found = None
    for operator, secret in keys.items():
        expected = hashlib.sha256(secret.get_secret_value().encode("utf-8")).digest()
        if hmac.compare_digest(digest, expected):
            found = operator
    return found


def authenticate(request: Request, auth: AuthSettings) -> str:
    """The operator id of the request (``anonymous`` when auth is off).

    Raises:
        ApiError: ``API_KEY_MISSING`` or ``API_KEY_INVALID`` (401).
    """
    if not auth.enabled:
        return ANONYMOUS
    key = presented_key(request)
    if key is None:
        raise ApiError(
            "API_KEY_MISSING",
            "send your API key in the X-API-Key header or as Authorization: Bearer <key>",
            headers=_CHALLENGE,
        )
    operator = match_key(key, auth.api_keys)
    if operator is None:
        raise ApiError(
            "API_KEY_INVALID",
            "the API key is not valid; ask the operators for a key",
            headers=_CHALLENGE,
        )
    return operator


def authenticate_admin(request: Request, admin: AdminSettings) -> None:
    """Let only the admin key through to an enabled admin endpoint.

    Raises:
        ApiError: ``NOT_FOUND`` (404) when the admin endpoint is off; ``API_KEY_MISSING`` (401)
            without a key; ``ADMIN_KEY_REQUIRED`` (403) with any other key.
    """
    if not admin.enabled or admin.api_key is None:
        raise ApiError("NOT_FOUND", "no such endpoint; see /openapi.json for the endpoints")
    key = presented_key(request)
    if key is None:
        raise ApiError(
            "API_KEY_MISSING",
            "send the admin key in the X-API-Key header or as Authorization: Bearer <key>",
            headers=_CHALLENGE,
        )
    if match_key(key, {"admin": admin.api_key}) is None:
        raise ApiError("ADMIN_KEY_REQUIRED", "this endpoint needs the admin key")
