from __future__ import annotations

import json
import time
from collections.abc import Iterator

import anyio
import pytest
from fastapi.testclient import TestClient

from service.errors import ApiError
from service.limits import PredictionRunner
from tests.service.conftest import AUTH, AppFactory

JSON = {"content-type": "application/json"}
LIMIT = 2048


def _body_of_size(size: int) -> bytes:
    prefix, suffix = b'{"text": "', b'"}'
    return prefix + b"a" * (size - len(prefix) - len(suffix)) + suffix


@pytest.fixture
def limited(make_app: AppFactory) -> Iterator[TestClient]:
    with TestClient(make_app(limits={"max_body_bytes": LIMIT})) as client:
        yield client


def test_body_limit_allows_body_of_exactly_the_limit(limited: TestClient) -> None:
    body = _body_of_size(LIMIT)
    assert json.loads(body)
    response = limited.post("/v1/triage", content=body, headers={**AUTH, **JSON})
    assert response.status_code == 200


def test_body_limit_refuses_one_byte_more(limited: TestClient) -> None:
    response = limited.post(
        "/v1/triage", content=_body_of_size(LIMIT + 1), headers={**AUTH, **JSON}
    )
    assert response.status_code == 413


def test_body_limit_counts_streamed_body_without_content_length(limited: TestClient) -> None:
    body = _body_of_size(LIMIT * 3)

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 500):
            yield body[start : start + 500]

    response = limited.post("/v1/triage", content=chunks(), headers={**AUTH, **JSON})
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "BODY_TOO_LARGE"


def test_body_limit_counts_bytes_not_declared_length(limited: TestClient) -> None:
    body = _body_of_size(LIMIT * 2)

    def one_chunk() -> Iterator[bytes]:
        yield body

    response = limited.post("/v1/triage", content=one_chunk(), headers={**AUTH, **JSON})
    assert response.status_code == 413


def test_prediction_runner_times_out_with_504() -> None:
    runner = PredictionRunner(max_concurrent=2, timeout_s=0.05)

    def slow(texts: object) -> list[str]:
        time.sleep(0.3)
        return ["late"]

    async def run() -> None:
        await runner.run(slow, ["x"])

    with pytest.raises(ApiError) as caught:
        anyio.run(run)
    assert caught.value.status_code == 504
    assert caught.value.code == "REQUEST_TIMEOUT"


def test_prediction_runner_counts_waiting_for_a_slot_towards_timeout() -> None:
    runner = PredictionRunner(max_concurrent=1, timeout_s=0.15)
    outcomes: list[str] = []

    def slow(texts: object) -> str:
        time.sleep(0.1)
        return "done"

    async def one() -> None:
        try:
            outcomes.append(await runner.run(slow, ["x"]))
        except ApiError as error:
            outcomes.append(error.code)

    async def run() -> None:
        async with anyio.create_task_group() as group:
            for _ in range(3):
                group.start_soon(one)

    anyio.run(run)
    assert outcomes.count("done") == 1
    assert outcomes.count("REQUEST_TIMEOUT") == 2


def test_prediction_runner_returns_result_in_time() -> None:
    runner = PredictionRunner(max_concurrent=1, timeout_s=5)

    async def run() -> list[int]:
        return await runner.run(lambda texts: [len(t) for t in texts], ["ab", "c"])

    assert anyio.run(run) == [2, 1]
