"""The HTTP service (`clausewise serve`, the `serve` extra): the CLI's commands as JSON endpoints.

Modules, each owning one thing: `app` (the app factory), `registry` (the contracts loaded, checked and planned
once at start), `routes` (the JSON endpoints and the plain functions behind them), `problems` (RFC 9457
problem+json), `limits` (the settings: body size, time limit, batch rows, token, CORS), `runner` (evaluation in
a bounded pool of threads, with a deadline), `wire` (request bodies in, exact JSON out: amounts as decimal
strings), `requestlog` (one structured log line per request).

Nothing here is imported by the rest of clausewise: FastAPI is needed only by this package.
"""
