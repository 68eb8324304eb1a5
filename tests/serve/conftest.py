"""A real ``yaiba serve`` process on 127.0.0.1 (a port it picks itself), and an HTTP client
made of the standard library (``http.client`` for requests, ``socket`` for broken ones)."""

from __future__ import annotations

import csv
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import yaiba

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 180  # seconds: importing yaiba on a busy shared machine can take a while
THRESHOLD = 0.6  # the shared server runs with --threshold 0.6, so the flag is exercised


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Server:
    """``python -m yaiba serve --port 0 ARGS...`` until :meth:`stop`."""

    args: tuple[str, ...] = ()
    threshold: float | None = None
    last_stderr: str = ""
    proc: subprocess.Popen[bytes] = field(init=False)
    port: int = field(init=False)
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        fd, name = tempfile.mkstemp(prefix="yaiba-serve-", suffix=".log")
        self.log = Path(name)
        with os.fdopen(fd, "wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "yaiba", "serve", "--port", "0", *self.args],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
        deadline = time.monotonic() + START_TIMEOUT
        found = None
        while found is None:
            if self.proc.poll() is not None:
                raise AssertionError(f"yaiba serve exited with {self.proc.returncode}:\n{self.stderr()}")
            if time.monotonic() > deadline:
                self.proc.kill()
                raise AssertionError(f"yaiba serve did not start within {START_TIMEOUT} s:\n{self.stderr()}")
            found = re.search(r"listening on http://127\.0\.0\.1:(\d+)", self.stderr())
            if found is None:
                time.sleep(0.1)
        self.port = int(found.group(1))
        while True:  # the socket listens before the workers accept: wait until one answers
            try:
                if self.get("/healthz").status == 200:
                    break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"yaiba serve never answered /healthz:\n{self.stderr()}")
            time.sleep(0.1)

    def stderr(self) -> str:
        if not self.log.exists():
            return self.last_stderr
        return self.log.read_text(encoding="utf-8", errors="replace")

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> Reply:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
        finally:
            conn.close()

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post(self, path: str, value: Any = None, *, raw: bytes | None = None) -> Reply:
        body = raw if raw is not None else json.dumps(value).encode("ascii")  # ASCII: lone surrogates travel too
        return self.request("POST", path, body, {"Content-Type": "application/json"})

    def connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=120)

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 120) -> int:
        """Send ``signum``, wait for the exit code; :attr:`last_stderr` keeps what it wrote."""
        if self.proc.poll() is None:
            self.proc.send_signal(signum)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(
                f"yaiba serve did not stop on {signal.Signals(signum).name}:\n{self.stderr()}"
            ) from None
        finally:
            self.last_stderr = self.stderr()
            self.log.unlink(missing_ok=True)


def read_reply(sock: socket.socket) -> Reply:
    """One HTTP response from a raw socket (Content-Length bodies, as the service sends)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"connection closed before a full response: {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return Reply(status, headers, body[:length])


def examples() -> list[str]:
    with open(ROOT / "data" / "examples.csv", encoding="utf-8", newline="") as fh:
        return [row["text"] for row in csv.DictReader(fh)]


ODD_POSTS = [
    "",
    "   \n\u3000",
    "😀お前なんか消えろ。死ね！今日はいい天気😀",
    "ﾎﾞｹｗｗｗ",
    "\ud800 lone surrogate、\x00NUL",
    "「死ね。」って言われた。警察に相談します",
    "あ" * 5000,
]


@pytest.fixture(scope="session")
def server():
    """The shared server: a short body timeout, 256 KiB bodies at most, and --threshold 0.6."""
    s = Server(("--threshold", str(THRESHOLD), "--body-timeout", "3", "--max-body-bytes", "262144"))
    s.threshold = THRESHOLD
    yield s
    code = s.stop()
    assert code == 0, s.stderr()


@pytest.fixture
def start_server():
    """``start_server(*args)``: a server of the test's own, stopped (SIGKILL if need be) after it."""
    started: list[Server] = []

    def start(*args: str) -> Server:
        s = Server(tuple(args))
        started.append(s)
        return s

    yield start
    for s in started:
        if s.proc.poll() is None:
            s.proc.kill()
            s.proc.wait()
        s.log.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def posts() -> list[str]:
    """data/examples.csv, then :data:`ODD_POSTS`."""
    return examples() + ODD_POSTS


@pytest.fixture(scope="session")
def example_posts() -> list[str]:
    return examples()


@pytest.fixture(scope="session")
def raw_reply():
    """:func:`read_reply`: one response read from a raw socket."""
    return read_reply


@pytest.fixture(scope="session")
def model() -> yaiba.Model:
    """The model the shared server serves, in this process."""
    return yaiba.load().with_thresholds({"attack": THRESHOLD})
