"""The HTTP service, ``triage predict`` / ``triage score`` and the ``triage`` command line.

Exports are imported on first use (PEP 562), so ``triage --help`` does not pay for FastAPI,
uvicorn or the model stack.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "create_app": "service.app",
    "create_app_from_environment": "service.app",
    "Settings": "service.settings",
    "load_settings": "service.settings",
    "check_servable": "service.settings",
    "ERROR_CODES": "service.errors",
    "ApiError": "service.errors",
    "ServiceConfigError": "service.errors",
    "ScoreJob": "service.batch",
    "ScoringConfig": "service.batch",
    "run_scoring": "service.batch",
    "triage_records": "service.records",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'service' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
