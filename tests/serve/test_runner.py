"""``yaiba serve`` as a process: graceful stop on SIGTERM/SIGINT (exit 0, requests in flight
answered), several workers, and one-line errors for what cannot start."""

from __future__ import annotations

import json
import signal
import socket
import time

import pytest

from yaiba.cli.main import main


def wait_until(check, what, timeout=120.0):
    """Poll ``check()`` until it is true (a deadline for a hung server, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"never: {what}")
        time.sleep(0.02)


def test_sigterm_lets_the_request_in_flight_finish_then_exits_0(start_server, raw_reply):
    s = start_server()
    body = json.dumps({"posts": ["お前なんか消えろ", "この采配は最悪。説明してほしい"]}).encode("ascii")
    with s.connect() as sock:
        sock.sendall(f"POST /v1/score HTTP/1.1\r\nHost: t\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body[:10])
        wait_until(lambda: s.get("/healthz").json()["requests_in_flight"] >= 1, "the request is in flight")
        s.proc.send_signal(signal.SIGTERM)
        wait_until(lambda: "Shutting down" in s.stderr(), "the server starts shutting down")
        sock.sendall(body[10:])
        reply = raw_reply(sock)
    assert reply.status == 200
    assert [r["label"] for r in reply.json()["results"]] == ["attack", "criticism"]
    assert s.stop() == 0
    assert "yaiba serve: stopped (SIGTERM)" in s.stderr()


def test_after_sigterm_no_new_connection_is_accepted(start_server):
    s = start_server()
    port = s.port
    assert s.stop(signal.SIGTERM) == 0
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGHUP])
def test_sigint_and_sighup_stop_one_worker_with_exit_0(start_server, signum):
    s = start_server()
    assert s.post("/v1/score", {"posts": ["w"]}).status == 200
    assert s.stop(signum) == 0
    assert f"yaiba serve: stopped ({signal.Signals(signum).name})" in s.stderr()


def test_two_workers_serve_and_stop_on_sigterm(start_server):
    s = start_server("--workers", "2", "--threads", "1")
    expected = s.post("/v1/score", {"posts": ["お前なんか消えろ"]}).json()
    for _ in range(8):  # spread over both workers by the kernel; every answer the same
        assert s.post("/v1/score", {"posts": ["お前なんか消えろ"]}).json() == expected
    assert s.stop(signal.SIGTERM) == 0


def test_usage_errors_exit_2(capsys):
    for argv in (
        ["serve", "--workers", "0"],
        ["serve", "--threads", "0"],
        ["serve", "--max-posts", "0"],
        ["serve", "--max-body-bytes", "0"],
        ["serve", "--port", "70000"],
        ["serve", "--body-timeout", "0"],
        ["serve", "--threshold", "2"],
    ):
        assert main(argv) == 2, argv
    assert "--workers must be >= 1" in capsys.readouterr().err


def test_a_missing_model_or_a_taken_port_is_one_line_and_exit_1(capsys, tmp_path):
    assert main(["serve", "--model", str(tmp_path / "nope.npz"), "--port", "0"]) == 1
    assert "nope.npz" in capsys.readouterr().err
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        assert main(["serve", "--port", str(taken.getsockname()[1])]) == 1
    err = capsys.readouterr().err
    assert "cannot listen on 127.0.0.1" in err and len(err.strip().splitlines()) == 1


def test_help_shows_every_default(capsys):
    with pytest.raises(SystemExit):
        from yaiba.cli.main import parser

        parser().parse_args(["serve", "--help"])
    out = capsys.readouterr().out
    for option in ("--model", "--host", "--port", "--workers", "--threads", "--max-body-bytes", "--max-posts"):
        assert option in out
    assert out.count("default") >= 11


def test_sighup_replaces_the_workers_which_load_the_model_file_again(start_server, tmp_path):
    import yaiba

    path = tmp_path / "model.npz"
    model = yaiba.load()
    model.save(path)
    s = start_server("--workers", "2", "--threads", "1", "--model", str(path))
    assert s.get("/v1/model").json()["thresholds"] == {"attack": 0.5}
    model.with_thresholds({"attack": 0.9}).save(path)  # a new model at the same path
    s.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: s.stderr().count("Application startup complete") >= 4, "two new workers start")
    wait_until(lambda: "Terminated child process" in s.stderr(), "an old worker stops")
    wait_until(
        lambda: all(s.get("/v1/model").json()["thresholds"] == {"attack": 0.9} for _ in range(6)),
        "every worker serves the new model",
    )
    assert s.stop() == 0
