"""Property tests of the API from its OpenAPI schema (schemathesis): no 5xx, one error shape,
no echo of the text sent. Bounded so the module runs in well under a minute."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from service.app import create_app
from service.settings import load_settings
from tests.service.conftest import API_KEY, AUTH
from tests.service.fake_model import FakeTriageModel, register

MAX_EXAMPLES = 30
ERROR_KEYS = {"code", "message", "request_id"}


@pytest.fixture(scope="module")
def api_schema() -> Iterator[Any]:
    register()
    settings_ = load_settings(
        overrides={
            "auth": {"api_keys": {"desk-1": API_KEY}},
            "limits": {"max_body_bytes": 16_384, "max_batch_records": 8},
        }
    )
    app = create_app(settings_, model=FakeTriageModel("fake-fuzz"))
    with TestClient(app):
        yield schemathesis.openapi.from_asgi("/openapi.json", app)


def _operations() -> list[str]:
    return [
        "GET /healthz",
        "GET /readyz",
        "GET /metrics",
        "GET /v1/model",
        "POST /v1/triage",
        "POST /v1/triage/batch",
        "POST /v1/feedback",
    ]


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_api_fuzz_covers_every_operation(api_schema: Any) -> None:
    labels = {result.ok().label for result in api_schema.get_all_operations()}
    assert labels == set(_operations())


# Operations without a body have nothing to make invalid, so they are fuzzed positively only.
CASES = [(label, GenerationMode.POSITIVE) for label in _operations()] + [
    (label, GenerationMode.NEGATIVE) for label in _operations() if label.startswith("POST")
]


@pytest.mark.parametrize(("label", "mode"), CASES, ids=[f"{label}-{mode}" for label, mode in CASES])
def test_api_fuzz_no_server_error_one_error_shape_no_echo(
    api_schema: Any, label: str, mode: GenerationMode
) -> None:
    method, path = label.split(" ")
    operation = api_schema[path][method]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def check(case: Any) -> None:
        response = case.call(headers=AUTH)
        assert response.status_code < 500, response.text
        if mode is GenerationMode.POSITIVE:
            case.validate_response(
                response,
                checks=[
                    status_code_conformance,
                    content_type_conformance,
                    response_schema_conformance,
                ],
            )
        if response.status_code < 400:
            return
        body = response.json()
        assert set(body) == {"error"}
        assert set(body["error"]) == ERROR_KEYS
        # schemathesis gives each header as a list of values.
        assert [body["error"]["request_id"]] == response.headers["x-request-id"]
        message = body["error"]["code"] + " " + body["error"]["message"]
        for text in _strings(case.body):
            if len(text.strip()) >= 6:
                assert text not in message

    check()
