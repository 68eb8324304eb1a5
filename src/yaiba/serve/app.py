"""The ASGI application of ``yaiba serve`` (Starlette): routes, request limits, scoring threads.

The event loop only moves bytes: it reads a body (bounded in size and time), hands it to a
scoring thread that decodes, checks, scores and encodes it, and writes the bytes back. A
request being scored never stops the loop from accepting, reading and answering others.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from yaiba.metadata import __version__
from yaiba.model import Model
from yaiba.serve import native, perspective
from yaiba.serve.settings import ServeSettings
from yaiba.serve.wire import RequestError, decode, encode, error_body

JSON = "application/json"
DRAIN_BYTES = 16 * 1_048_576
"""A body over the limit is still read (and dropped) up to this many bytes, so that the client
sees the 413 answer instead of a reset connection; a larger declared body is refused unread."""
WARM_UP = ["監督の采配は最悪。説明してほしい", "お前なんか消えろ"]


class Service:
    """One worker's model, attribute table, scoring threads and counters."""

    def __init__(self, settings: ServeSettings, model: Model) -> None:
        self.settings = settings
        self.model = model
        self.attributes = perspective.attributes(model)
        self.executor: ThreadPoolExecutor | None = None
        self.in_flight = 0  # requests between their first byte read and their answer
        self.scoring = 0  # requests on a scoring thread right now
        self.served = 0
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the scoring threads, each with its MeCab tagger built (no slow first request)."""
        n = self.settings.threads
        self.executor = ThreadPoolExecutor(max_workers=n, thread_name_prefix="yaiba-score")
        barrier = threading.Barrier(n)

        def warm() -> None:
            self.model.predict_batch(WARM_UP)
            barrier.wait(timeout=60)  # each task holds its thread until all n threads exist

        for f in [self.executor.submit(warm) for _ in range(n)]:
            f.result()

    def stop(self) -> None:
        """Let running scoring finish, then end the threads."""
        if self.executor is not None:
            self.executor.shutdown(wait=True)
            self.executor = None

    async def run(self, work: Callable[[bytes], bytes], body: bytes) -> bytes:
        """``work(body)`` on a scoring thread; the loop stays free meanwhile."""
        if self.executor is None:
            raise RequestError(503, "the service is not running")
        return await asyncio.get_running_loop().run_in_executor(self.executor, self._counted, work, body)

    def _counted(self, work: Callable[[bytes], bytes], body: bytes) -> bytes:
        with self._lock:
            self.scoring += 1
        try:
            return work(body)
        finally:
            with self._lock:
                self.scoring -= 1

    # -- endpoint bodies (run on a scoring thread) ------------------------------------------
    def score(self, body: bytes) -> bytes:
        request = native.parse(decode(body), self.settings.max_posts)
        return encode(native.score(self.model, request))

    def analyze(self, body: bytes) -> bytes:
        request = perspective.parse(decode(body), self.attributes)
        return encode(perspective.analyze(self.model, self.attributes, request))

    def describe_model(self) -> dict[str, Any]:
        model = self.model
        return {
            "yaiba": __version__,
            "classes": list(model.classes_),
            "proba_columns": list(model.proba_columns),
            "positive_class": model.positive_class,
            "kinds": list(model.kinds_),
            "thresholds": dict(model.thresholds),
            "perspective_attributes": {
                name: {"class": a.cls} if a.cls else {"kinds": list(a.kinds)} for name, a in self.attributes.items()
            },
            "limits": {
                "max_body_bytes": self.settings.max_body_bytes,
                "max_posts": self.settings.max_posts,
                "body_timeout_seconds": self.settings.body_timeout,
            },
            "info": model.info,
        }


async def read_body(request: Request, limit: int, timeout: float) -> bytes:
    """The request body, at most ``limit`` bytes, within ``timeout`` seconds; else RequestError 413/408."""
    declared = request.headers.get("content-length")
    size = int(declared) if declared is not None and declared.isdigit() else None
    too_large = RequestError(
        413,
        f"the request body is larger than {limit} bytes (yaiba serve --max-body-bytes); send fewer or shorter posts",
        close=True,
    )
    if size is not None and size > limit:
        waiting = request.headers.get("expect", "").lower() == "100-continue"
        if waiting or size > DRAIN_BYTES:
            raise too_large  # the client has not sent the body (or it is too large to read): answer now
    chunks: list[bytes] = []
    received = 0
    try:
        with anyio.fail_after(timeout):
            async for chunk in request.stream():
                received += len(chunk)
                if received <= limit:
                    chunks.append(chunk)
                elif received > DRAIN_BYTES:
                    break
    except TimeoutError:
        raise RequestError(
            408,
            f"the request body did not arrive within {timeout:g} seconds (yaiba serve --body-timeout)",
            close=True,
        ) from None
    if received > limit:
        raise too_large
    return b"".join(chunks)


def create_app(settings: ServeSettings | None = None, model: Model | None = None) -> Starlette:
    """The Starlette application serving ``model`` (default: the one ``settings`` names).

    Parameters
    ----------
    settings : ServeSettings, optional
        Model and limits (default: :class:`ServeSettings` defaults: the shipped model).
    model : Model, optional
        An already loaded model; ``settings.model`` and ``settings.threshold`` are then not used.

    Examples
    --------
    Serve the shipped model with your own limits on uvicorn (``yaiba serve`` does this, with
    graceful shutdown and ``--workers``):

    >>> import uvicorn
    >>> from yaiba.serve import ServeSettings, create_app
    >>> app = create_app(ServeSettings(max_posts=100))
    >>> uvicorn.run(app, host="127.0.0.1", port=8000)  # doctest: +SKIP
    """
    settings = settings or ServeSettings()
    service = Service(settings, model if model is not None else settings.load_model())

    async def scoring(request: Request, work: Callable[[bytes], bytes]) -> Response:
        service.in_flight += 1
        try:
            body = await read_body(request, settings.max_body_bytes, settings.body_timeout)
            payload = await service.run(work, body)
            service.served += 1
            return Response(payload, media_type=JSON)
        except RequestError as exc:
            headers = {"connection": "close"} if exc.close else None
            return Response(exc.body(), status_code=exc.code, media_type=JSON, headers=headers)
        except ClientDisconnect:  # nobody to answer
            return Response(status_code=400)
        finally:
            service.in_flight -= 1

    async def score(request: Request) -> Response:
        return await scoring(request, service.score)

    async def analyze(request: Request) -> Response:
        return await scoring(request, service.analyze)

    async def healthz(request: Request) -> Response:
        return Response(
            encode(
                {
                    "status": "ok",
                    "requests_in_flight": service.in_flight,
                    "scoring_now": service.scoring,
                    "requests_served": service.served,
                }
            ),
            media_type=JSON,
        )

    async def model_info(request: Request) -> Response:
        return Response(encode(service.describe_model()), media_type=JSON)

    async def http_error(request: Request, exc: Exception) -> Response:
        code = exc.status_code if isinstance(exc, HTTPException) else 500
        message = {
            404: f"no such endpoint: {request.url.path} (see GET /v1/model; POST /v1/score, POST /v1alpha1/comments:analyze)",
            405: f"{request.method} is not allowed on {request.url.path}",
        }.get(code, "internal error")
        headers = getattr(exc, "headers", None)
        return Response(error_body(code, message), status_code=code, media_type=JSON, headers=headers)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await anyio.to_thread.run_sync(service.start)
        try:
            yield
        finally:
            await anyio.to_thread.run_sync(service.stop)

    app = Starlette(
        routes=[
            Route("/v1/score", score, methods=["POST"]),
            Route("/v1alpha1/comments:analyze", analyze, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/v1/model", model_info, methods=["GET"]),
        ],
        exception_handlers={HTTPException: http_error, Exception: http_error},
        lifespan=lifespan,
    )
    app.state.service = service
    return app


def app_from_environment() -> Starlette:
    """:func:`create_app` with the settings in ``$YAIBA_SERVE_SETTINGS`` (each worker of ``--workers N``)."""
    return create_app(ServeSettings.from_environment())


__all__ = ["DRAIN_BYTES", "Service", "app_from_environment", "create_app", "read_body"]
