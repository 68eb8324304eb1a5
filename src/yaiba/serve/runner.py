"""Run the service on uvicorn: one process, or a supervisor and ``workers`` processes.

SIGTERM and SIGINT (and, with one worker, SIGHUP) stop it gracefully: the listening socket closes, requests in flight are
answered (up to ``shutdown_timeout`` seconds), the scoring threads finish, and :func:`run`
returns the signal's name, so ``yaiba serve`` exits 0.
"""

from __future__ import annotations

import copy
import os
import signal
import socket
from collections.abc import Callable
from types import FrameType
from typing import Any

import uvicorn
from uvicorn.config import LOGGING_CONFIG
from uvicorn.supervisors import Multiprocess

from yaiba.model import Model
from yaiba.serve.app import create_app
from yaiba.serve.settings import ENVIRONMENT, ServeSettings

STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))
"""Signals that stop a one-worker server gracefully (with workers, SIGHUP restarts them instead)."""


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: a free port the system picks)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
        sock.set_inheritable(True)
    except OSError:
        sock.close()
        raise
    return sock


def run(
    settings: ServeSettings,
    sock: socket.socket,
    *,
    workers: int = 1,
    shutdown_timeout: float = 30.0,
    access_log: bool = False,
    log_level: str = "info",
    model: Model | None = None,
    on_ready: Callable[[], None] | None = None,
) -> str | None:
    """Serve on ``sock`` until a stop signal; returns the name of the signal that stopped it.

    With ``workers`` > 1 a supervisor starts that many processes, each loading the model and
    accepting on the shared socket (and restarting a worker that dies); SIGHUP restarts them,
    and the signal that stopped the supervisor is not reported (None). With one worker,
    ``model`` (if given) is served instead of loading the one ``settings`` names.
    """
    options: dict[str, Any] = {
        "lifespan": "on",
        "access_log": access_log,
        "log_level": log_level,
        "timeout_graceful_shutdown": max(1, round(shutdown_timeout)),
        "server_header": False,
        "log_config": _log_config(),
    }
    caught: list[int] = []
    if workers == 1:
        app = create_app(settings, model if model is not None else settings.load_model())
        server = uvicorn.Server(uvicorn.Config(app, **options))

        def note(signum: int, frame: FrameType | None) -> None:
            # uvicorn hands a signal it caught back to the handler it found: this one, which
            # records it instead of killing the process, so that the stop counts as a success
            caught.append(signum)
            server.should_exit = True

        with _handlers(STOP_SIGNALS, note):
            if on_ready is not None:
                on_ready()
            server.run(sockets=[sock])
        return signal.Signals(caught[0]).name if caught else None
    os.environ[ENVIRONMENT] = settings.to_json()
    config = uvicorn.Config("yaiba.serve.app:app_from_environment", factory=True, workers=workers, **options)
    saved = {signum: signal.getsignal(signum) for signum in _SUPERVISOR_SIGNALS}
    try:
        supervisor = Multiprocess(config, sockets=[sock])  # installs its own signal handlers
        if on_ready is not None:
            on_ready()
        supervisor.run()
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)
    return None


# the signals uvicorn's supervisor takes over (restored when it returns)
_SUPERVISOR_SIGNALS = tuple(
    getattr(signal, f"SIG{name}")
    for name in ("INT", "TERM", "BREAK", "HUP", "QUIT", "TTIN", "TTOU", "USR1", "USR2", "WINCH")
    if hasattr(signal, f"SIG{name}")
)


def _log_config() -> dict[str, Any]:
    """uvicorn's logging, with the access log on stderr too (stdout stays empty)."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["handlers"]["access"]["stream"] = "ext://sys.stderr"
    return config


class _handlers:
    """Install ``handler`` for ``signums`` for the duration of a ``with`` block."""

    def __init__(self, signums: tuple[int, ...], handler: Callable[[int, FrameType | None], None]) -> None:
        self.signums = signums
        self.handler = handler
        self.saved: dict[int, Any] = {}

    def __enter__(self) -> None:
        for signum in self.signums:
            self.saved[signum] = signal.signal(signum, self.handler)

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self.saved.items():
            signal.signal(signum, handler)


__all__ = ["STOP_SIGNALS", "bind", "run"]
