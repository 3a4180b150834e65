"""Latency and throughput of the HTTP service under fixed arrival rates (asyncio + httpx).

Single-record requests (``POST /v1/triage``) are sent open-loop: request *i* of a step starts at
``i / rate`` seconds whatever happened to earlier ones, so a slow server cannot slow the arrivals
down and hide its queueing (latency is measured from the scheduled start). Each rate runs for
``--duration`` seconds. Then the batch endpoint (``POST /v1/triage/batch``) is driven closed-loop
by ``--batch-concurrency`` clients for ``--batch-requests`` requests of ``--batch-size`` records.
Every step is bounded in count and time and the script stops by itself.

Against a running server (only on 127.0.0.1)::

    .venv/bin/python bench/bench_service.py --url http://127.0.0.1:8000 --api-key KEY

or let the script start ``triage serve`` on a free port with a throw-away key, then stop it::

    .venv/bin/python bench/bench_service.py --serve-model artifacts/default-model --workers 2

Texts come from ``--source`` (a JSONL file with ``text`` fields), else
``datasets/corpus/test.jsonl`` when present, else the request examples in ``service.schemas``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import httpx

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench._common import read_texts  # noqa: E402  (needs REPO_ROOT on sys.path)

READY_TIMEOUT_S = 180
MAX_TEXTS = 5000


@dataclass
class Step:
    """Outcome of one step: latencies (s) of successful requests and counts of the rest."""

    name: str
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    records_per_request: int = 1

    def add_error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1

    def row(self) -> str:
        ok = len(self.latencies)
        ordered = sorted(self.latencies)

        def pct(p: float) -> str:
            if not ordered:
                return "-"
            return f"{ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000:.1f}"

        rate = ok / self.seconds if self.seconds else 0.0
        errors = ",".join(f"{k}:{v}" for k, v in sorted(self.errors.items())) or "0"
        return (
            f"{self.name:<28} {ok:>6} {pct(0.50):>8} {pct(0.95):>8} {pct(0.99):>8} "
            f"{rate:>8.1f} {rate * self.records_per_request:>9.1f}  {errors}"
        )


HEADER = (
    f"{'step':<28} {'ok':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
    f"{'req/s':>8} {'records/s':>9}  errors"
)


def load_texts(source: Path | None) -> tuple[list[str], str]:
    """Texts to send and where they came from."""
    path = source or REPO_ROOT / "datasets" / "corpus" / "test.jsonl"
    if path.is_file():
        texts = read_texts(path, MAX_TEXTS)
        if texts:
            return texts, str(path)
    from service.schemas import EXAMPLE_TEXTS

    return list(EXAMPLE_TEXTS), "service.schemas.EXAMPLE_TEXTS"


async def _send(
    client: httpx.AsyncClient, path: str, body: object, step: Step, began: float
) -> None:
    try:
        response = await client.post(path, json=body)
    except httpx.TimeoutException:
        step.add_error("timeout")
        return
    except httpx.TransportError:
        step.add_error("transport")
        return
    if response.status_code == 200:
        step.latencies.append(time.perf_counter() - began)
    else:
        step.add_error(str(response.status_code))


async def open_loop(
    client: httpx.AsyncClient, texts: Sequence[str], rate: float, duration: float, cap: int
) -> Step:
    """Single-record requests at ``rate`` per second for ``duration`` seconds."""
    step = Step(f"single @ {rate:g}/s")
    count = max(1, int(rate * duration))
    in_flight: set[asyncio.Task[None]] = set()
    start = time.perf_counter()
    for i in range(count):
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if len(in_flight) >= cap:
            # The server is far behind; skip rather than grow without bound.
            step.add_error("client_cap")
            continue
        body = {"id": i, "text": texts[i % len(texts)]}
        task = asyncio.create_task(_send(client, "/v1/triage", body, step, scheduled))
        in_flight.add(task)
        task.add_done_callback(in_flight.discard)
    if in_flight:
        await asyncio.wait(in_flight)
    step.seconds = time.perf_counter() - start
    return step


async def closed_loop_batches(
    client: httpx.AsyncClient, texts: Sequence[str], size: int, requests: int, concurrency: int
) -> Step:
    """``requests`` batch requests of ``size`` records from ``concurrency`` clients."""
    step = Step(f"batch of {size} x{concurrency}", records_per_request=size)
    queue = list(range(requests))

    async def worker() -> None:
        while queue:
            n = queue.pop()
            records = [
                {"id": f"{n}-{j}", "text": texts[(n * size + j) % len(texts)]} for j in range(size)
            ]
            await _send(client, "/v1/triage/batch", {"records": records}, step, time.perf_counter())

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    step.seconds = time.perf_counter() - start
    return step


async def run(args: argparse.Namespace, base_url: str, api_key: str) -> int:
    texts, origin = load_texts(args.source)
    print(f"server: {base_url}; texts: {len(texts)} from {origin}")
    limits = httpx.Limits(max_connections=args.cap, max_keepalive_connections=args.cap)
    async with httpx.AsyncClient(
        base_url=base_url,
        headers={"X-API-Key": api_key},
        timeout=args.timeout,
        limits=limits,
    ) as client:
        version = (await client.get("/readyz")).json().get("model_version")
        print(f"model: {version}")
        for _ in range(args.warmup):
            await client.post("/v1/triage", json={"text": texts[0]})
        print()
        print(HEADER)
        for rate in args.rates:
            print((await open_loop(client, texts, rate, args.duration, args.cap)).row(), flush=True)
        if args.batch_requests:
            step = await closed_loop_batches(
                client, texts, args.batch_size, args.batch_requests, args.batch_concurrency
            )
            print(step.row())
    return 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def served(model: Path, workers: int) -> Iterator[tuple[str, str]]:
    """Start ``triage serve`` on a free local port with a throw-away key; stop it afterwards."""
    port = _free_port()
    key = secrets.token_hex(24)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
    env["TRIAGE_AUTH__API_KEYS"] = json.dumps({"bench": key})
    env["TRIAGE_LOG_LEVEL"] = "WARNING"
    env["PYTHONPATH"] = str(REPO_ROOT)
    command = [
        sys.executable,
        "-c",
        "from service.cli import app; app(prog_name='triage')",
        "serve",
        "--model",
        str(model.resolve()),
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:
            if process.poll() is not None:
                raise SystemExit(f"triage serve exited with status {process.returncode}")
            if time.monotonic() > deadline:
                raise SystemExit(f"triage serve not ready within {READY_TIMEOUT_S} s")
            try:
                if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        yield base, key
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, run the steps, print the table; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="server base URL")
    parser.add_argument(
        "--api-key", default=os.environ.get("TRIAGE_BENCH_API_KEY"), help="API key to send"
    )
    parser.add_argument("--serve-model", type=Path, default=None, help="start a server on this")
    parser.add_argument("--workers", type=int, default=1, help="workers for --serve-model")
    parser.add_argument("--rates", type=float, nargs="+", default=[5, 20, 50], help="requests/s")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per rate")
    parser.add_argument("--cap", type=int, default=64, help="most requests in flight")
    parser.add_argument("--timeout", type=float, default=30.0, help="client timeout per request")
    parser.add_argument("--warmup", type=int, default=5, help="requests before measuring")
    parser.add_argument("--batch-size", type=int, default=32, help="records per batch request")
    parser.add_argument("--batch-requests", type=int, default=50, help="batch requests (0: none)")
    parser.add_argument("--batch-concurrency", type=int, default=2, help="batch clients")
    parser.add_argument("--source", type=Path, default=None, help="JSONL file with 'text' fields")
    args = parser.parse_args(argv)

    if args.serve_model is not None:
        with served(args.serve_model, args.workers) as (base, key):
            return asyncio.run(run(args, base, key))
    if urlparse(args.url).hostname not in {"127.0.0.1", "localhost"}:
        print("error: this benchmark only targets a server on 127.0.0.1", file=sys.stderr)
        return 2
    if not args.api_key:
        print("error: pass --api-key or set TRIAGE_BENCH_API_KEY", file=sys.stderr)
        return 2
    return asyncio.run(run(args, args.url, args.api_key))


if __name__ == "__main__":
    sys.exit(main())
