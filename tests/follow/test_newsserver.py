"""The tests' news server: a client hanging up prints nothing, other errors still do."""

from __future__ import annotations

import socket
import struct
import threading
import time

import pytest

from .newsserver import NewsServer


def _request_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if "process_request_thread" in t.name]


def _wait_for_request_threads(timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while _request_threads() and time.monotonic() < end:
        time.sleep(0.02)
    assert not _request_threads()


def test_a_client_resetting_its_connection_prints_no_traceback(
    server: NewsServer, capfd: pytest.CaptureFixture[str]
) -> None:
    """A keep-alive client that closes with a reset (SO_LINGER 0, as a fetch abandoned
    with unread data does) while the server waits for its next request."""
    server.set("/a", "hello")
    with socket.create_connection(("127.0.0.1", server.httpd.server_address[1])) as sock:
        sock.sendall(b"GET /a HTTP/1.1\r\nHost: localhost\r\n\r\n")
        answer = b""
        while not answer.endswith(b"hello"):
            answer += sock.recv(4096)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    _wait_for_request_threads()
    assert answer.startswith(b"HTTP/1.1 200")
    assert "Traceback" not in capfd.readouterr().err


def test_other_errors_in_a_request_are_still_printed(
    server: NewsServer, capfd: pytest.CaptureFixture[str]
) -> None:
    def broken() -> bytes:
        raise ValueError("a broken route")

    server.set("/broken", broken)
    with socket.create_connection(("127.0.0.1", server.httpd.server_address[1])) as sock:
        sock.sendall(b"GET /broken HTTP/1.1\r\nHost: localhost\r\n\r\n")
        sock.settimeout(10)
        assert sock.recv(4096) == b""  # the request's thread failed: closed unanswered
    _wait_for_request_threads()
    err = capfd.readouterr().err
    assert "Traceback" in err and "ValueError: a broken route" in err
