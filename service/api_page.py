"""The call-taker page (``GET /``), the review queue (``GET /review``) and their scripts and style.

Plain files, no build step and nothing from other origins: the Content-Security-Policy allows
scripts, styles and requests to this origin only, and no inline script.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Final

from fastapi import APIRouter
from fastapi.responses import Response

STATIC_DIR: Final = Path(__file__).resolve().parent / "static"

CONTENT_SECURITY_POLICY: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)

PAGE_HEADERS: Final = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-cache",
}

PAGE_FILES: Final = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/review": ("review.html", "text/html; charset=utf-8"),
    "/static/common.js": ("common.js", "text/javascript; charset=utf-8"),
    "/static/app.js": ("app.js", "text/javascript; charset=utf-8"),
    "/static/review.js": ("review.js", "text/javascript; charset=utf-8"),
    "/static/app.css": ("app.css", "text/css; charset=utf-8"),
}
"""URL path -> (file in ``service/static``, media type). Nothing else there is served."""

router = APIRouter(include_in_schema=False)


@functools.cache
def _content(name: str) -> bytes:
    return (STATIC_DIR / name).read_bytes()


def _route(name: str, media_type: str) -> Callable[[], Awaitable[Response]]:
    async def serve_file() -> Response:
        return Response(_content(name), media_type=media_type, headers=PAGE_HEADERS)

    serve_file.__name__ = f"page_{name.replace('.', '_')}"
    return serve_file


for _path, (_name, _media_type) in PAGE_FILES.items():
    router.add_api_route(_path, _route(_name, _media_type), methods=["GET"])
