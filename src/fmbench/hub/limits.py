"""Request limits enforced before routing, authentication or parsing: body size, path characters.

Two unauthenticated 1 GiB requests once took the hub from 198 MB to 3.3 GB: ``POST /login``
read the whole body before its 4 KiB check, and the review endpoint parsed JSON before it
checked the token. This ASGI middleware reads a body only up to the route's limit: a declared
``Content-Length`` above it is answered 413 before a byte is read; a chunked body is counted
while it streams and cut off at the limit. Whatever reaches a route is at most that large.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fmbench.bounded import has_control_chars

KiB = 1024
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def route_limit(method: str, path: str, submission_limit: int) -> int:
    """The largest body a route accepts (bytes)."""
    if method == "POST" and path.rstrip("/") == "/api/submissions":
        return submission_limit
    if path.startswith("/login"):
        return 4 * KiB
    if path.endswith("/review"):
        return 16 * KiB
    return 64 * KiB


async def _reply(send: Callable, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    def __init__(self, app: Any, *, submission_limit: int) -> None:
        self.app = app
        self.submission_limit = submission_limit

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "http" and has_control_chars(scope.get("path", "")):
            # e.g. NUL in an id: PostgreSQL cannot even look it up (it once answered 500)
            await _reply(send, 400, "path: control characters are not allowed")
            return
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        limit = route_limit(scope["method"], scope["path"], self.submission_limit)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            if not declared.isdigit():
                await _reply(send, 400, "Content-Length: not a number")
                return
            if int(declared) > limit:
                await _reply(send, 413,
                             f"body: {int(declared)} bytes exceeds this route's limit of {limit} bytes")
                return
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            size += len(message.get("body", b""))
            if size > limit:
                await _reply(send, 413, f"body: exceeds this route's limit of {limit} bytes")
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> dict:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
