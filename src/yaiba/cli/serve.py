"""``yaiba serve``: score posts over HTTP (yaiba's batch endpoint and Perspective API's AnalyzeComment).

Starlette and uvicorn are imported only when the command runs (``pip install 'yaiba[serve]'``).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from yaiba.cli.common import EXIT_OK, UsageError, load_model, probability, with_threshold
from yaiba.errors import YaibaError
from yaiba.model import Model

DEFAULTS = {
    "host": "127.0.0.1",
    "port": 8000,
    "workers": 1,
    "threads": 2,
    "max_body_bytes": 1_048_576,
    "max_posts": 1000,
    "body_timeout": 30.0,
    "shutdown_timeout": 30.0,
}


def add_commands(sub: Any) -> None:  # sub: argparse._SubParsersAction
    """Add ``serve`` to the parser."""
    s = sub.add_parser(
        "serve",
        help="score posts over HTTP: POST /v1/score, Perspective's /v1alpha1/comments:analyze (needs yaiba[serve])",
        description="Serve the model over HTTP. Endpoints: POST /v1/score, POST /v1alpha1/comments:analyze, "
        "GET /healthz, GET /v1/model. No authentication: keep it on 127.0.0.1 or behind a proxy that checks callers. "
        "SIGTERM or Ctrl-C stops it after answering the requests in flight (exit 0).",
    )
    s.add_argument("--model", metavar="PATH", help="model file (default: the shipped model)")
    s.add_argument("--host", default=DEFAULTS["host"], help="address to listen on (default: %(default)s)")
    s.add_argument(
        "--port", type=int, default=DEFAULTS["port"], help="TCP port; 0 picks a free one (default: %(default)s)"
    )
    s.add_argument(
        "--workers",
        type=int,
        default=DEFAULTS["workers"],
        metavar="N",
        help="worker processes, each with its own copy of the model; about one per core (default: %(default)s)",
    )
    s.add_argument(
        "--threads",
        type=int,
        default=DEFAULTS["threads"],
        metavar="N",
        help="scoring threads per worker; a long request does not hold up short ones (default: %(default)s)",
    )
    s.add_argument(
        "--max-body-bytes",
        type=int,
        default=DEFAULTS["max_body_bytes"],
        metavar="BYTES",
        help="largest request body accepted, HTTP 413 above (default: %(default)s)",
    )
    s.add_argument(
        "--max-posts",
        type=int,
        default=DEFAULTS["max_posts"],
        metavar="N",
        help="most posts in one /v1/score request, HTTP 413 above (default: %(default)s)",
    )
    s.add_argument(
        "--threshold",
        type=probability,
        help="label a post attack when P(attack) >= this (default: the model's threshold)",
    )
    s.add_argument(
        "--body-timeout",
        type=float,
        default=DEFAULTS["body_timeout"],
        metavar="SECONDS",
        help="time a client has to send its whole request body, HTTP 408 after (default: %(default)s)",
    )
    s.add_argument(
        "--shutdown-timeout",
        type=float,
        default=DEFAULTS["shutdown_timeout"],
        metavar="SECONDS",
        help="on SIGTERM/SIGINT, how long requests in flight may take to finish (default: %(default)s)",
    )
    s.add_argument(
        "--access-log",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="log every request on stderr (default: off)",
    )


def serve(args: argparse.Namespace) -> int:
    """``yaiba serve``: listen until SIGTERM or SIGINT, then exit 0."""
    for name, low in (("workers", 1), ("threads", 1), ("max_body_bytes", 1), ("max_posts", 1), ("port", 0)):
        if getattr(args, name) < low:
            raise UsageError(f"--{name.replace('_', '-')} must be >= {low}")
    if args.port > 65535:
        raise UsageError("--port must be <= 65535")
    for name in ("body_timeout", "shutdown_timeout"):
        if not getattr(args, name) > 0:
            raise UsageError(f"--{name.replace('_', '-')} must be > 0")
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401

        from yaiba.serve import runner
        from yaiba.serve.settings import ServeSettings
    except ImportError as exc:
        raise YaibaError(
            f"serve needs Starlette and uvicorn ({exc.name or exc} is missing): pip install 'yaiba[serve]'"
        ) from None
    settings = ServeSettings(
        model=args.model,
        threshold=args.threshold,
        max_body_bytes=args.max_body_bytes,
        max_posts=args.max_posts,
        threads=args.threads,
        body_timeout=args.body_timeout,
    )
    # a bad model file fails here, before listening; with several workers each loads its own
    model: Model | None = with_threshold(load_model(args.model), args.threshold)
    if args.workers > 1:
        model = None
    try:
        sock = runner.bind(args.host, args.port)
    except OSError as exc:
        raise YaibaError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host

    def ready() -> None:
        print(
            f"yaiba serve: listening on http://{shown}:{port} ({args.workers} worker(s), {args.threads} thread(s) each)",
            file=sys.stderr,
            flush=True,
        )

    with sock:
        stopped_by = runner.run(
            settings,
            sock,
            workers=args.workers,
            shutdown_timeout=args.shutdown_timeout,
            access_log=args.access_log,
            model=model,
            on_ready=ready,
        )
    print(f"yaiba serve: stopped{f' ({stopped_by})' if stopped_by else ''}", file=sys.stderr, flush=True)
    return EXIT_OK


HANDLERS = {"serve": serve}
