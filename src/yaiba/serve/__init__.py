"""``yaiba serve``: yaiba as an HTTP service (needs ``pip install 'yaiba[serve]'``: Starlette, uvicorn).

Endpoints:

- ``POST /v1/score``: yaiba's batch endpoint (:mod:`yaiba.serve.native`).
- ``POST /v1alpha1/comments:analyze``: Perspective API's AnalyzeComment (:mod:`yaiba.serve.perspective`).
- ``GET /healthz``: liveness, with the number of requests being scored.
- ``GET /v1/model``: yaiba version, classes, kinds, thresholds, limits and the model's training summary.

:func:`create_app` builds the ASGI application (for tests, or to mount under another
server); :func:`yaiba.serve.runner.run` serves it on uvicorn with graceful shutdown.
"""

from __future__ import annotations

from yaiba.serve.app import create_app
from yaiba.serve.settings import ServeSettings
from yaiba.serve.wire import RequestError

__all__ = ["RequestError", "ServeSettings", "create_app"]
