"""Refuse a request body larger than the judge keeps, before it is buffered.

Starlette reads a whole multipart body (spooling it) before the endpoint sees
it, so a cap checked in the endpoint comes after the cost. This ASGI layer
answers 413 from the declared ``Content-Length`` and, for a chunked body,
stops reading as soon as the bytes received pass the cap.
"""
from __future__ import annotations

import json

from starlette.exceptions import HTTPException

from ..intake import STORE_CAP

MAX_BODY = STORE_CAP + (1 << 20)  # the files the judge keeps, plus room for the multipart framing


class TooLarge(HTTPException):
    """An HTTPException, so FastAPI's body parsing lets it through (it turns other errors into 400)."""

    def __init__(self, cap: int):
        super().__init__(413, _message(cap))


def _message(cap: int) -> str:
    return f"the request body is larger than the judge accepts ({cap >> 20} MB)"


class BodyCap:
    def __init__(self, app, max_body: int = MAX_BODY):
        self.app, self.max_body = app, max_body

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            return await _refuse(send, self.max_body)
        seen = 0
        started = False

        async def capped_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise TooLarge(self.max_body)
            return message

        async def tracking_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, capped_receive, tracking_send)
        except TooLarge:
            if not started:
                await _refuse(send, self.max_body)


async def _refuse(send, cap: int) -> None:
    body = json.dumps({"error": _message(cap)}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
