"""One structured log line per request, on the logger 'clausewise.service' (the library sets up no handler:
`clausewise serve` does). A line is JSON: method, path, status, ms, contract; the request body only when
CLAUSEWISE_LOG_INPUTS=1 (never input values otherwise)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

LOG = logging.getLogger("clausewise.service")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class RequestLog:
    """ASGI middleware writing the line when the response is done (or the request failed)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        info: dict[str, Any] = scope.setdefault("clausewise", {})
        status = [500]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            line: dict[str, Any] = {"method": scope.get("method"), "path": scope.get("path"), "status": status[0],
                                    "ms": round((time.perf_counter() - start) * 1000, 1),
                                    "contract": info.get("contract")}
            if "body" in info:
                line["body"] = info["body"]
            LOG.info(json.dumps(line, ensure_ascii=False))
