"""The ``http`` executor against a real HTTP server on localhost."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from conveyor.pipelines.executors.arguments import ArgumentError
from conveyor.pipelines.executors.http import HttpExecutor, UnexpectedResponseError
from tests.support.executors import step_run


class Recorder(BaseHTTPRequestHandler):
    """Records each request; the path chooses the answer: /status/NNN, /slow, anything else 200 with an echo."""

    seen: list[dict[str, Any]]

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        self.server.seen.append(  # type: ignore[attr-defined]
            {"method": self.command, "path": self.path, "body": body, "token": self.headers.get("X-Token")}
        )
        status = 200
        if self.path.startswith("/status/"):
            status = int(self.path.split("/")[2])
        if self.path == "/slow":
            time.sleep(1.5)
        payload = json.dumps({"method": self.command, "path": self.path, "body": body}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = _answer  # noqa: N815  (the names http.server dispatches to)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    httpd.seen = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = sa.create_engine("sqlite://")
    yield engine
    engine.dispose()


def url(server: ThreadingHTTPServer, path: str) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


def test_a_post_with_json_headers_and_params(server: ThreadingHTTPServer, engine: Engine) -> None:
    arguments = {
        "url": url(server, "/cache/flush"),
        "method": "post",
        "json": {"types": ["full_page"], "images": 3},
        "headers": {"X-Token": "secret"},
        "params": {"store": "default"},
    }
    run, log = step_run(engine, arguments)
    outcome = HttpExecutor().process(run)
    seen = server.seen  # type: ignore[attr-defined]
    assert seen == [
        {
            "method": "POST",
            "path": "/cache/flush?store=default",
            "body": '{"types":["full_page"],"images":3}',
            "token": "secret",
        }
    ]
    assert outcome.status == "success"
    assert outcome.output.startswith("200 OK\n")
    assert json.loads(outcome.output.split("\n", 1)[1])["method"] == "POST"
    assert log.lines == [f"POST {arguments['url']}"]


def test_a_status_outside_2xx_fails_the_attempt(server: ThreadingHTTPServer, engine: Engine) -> None:
    run, _ = step_run(engine, {"url": url(server, "/status/503")})
    with pytest.raises(UnexpectedResponseError, match=r"answered 503, expected 2xx: \{\"method\": \"GET\""):
        HttpExecutor().process(run)


def test_expect_names_the_accepted_statuses(server: ThreadingHTTPServer, engine: Engine) -> None:
    run, _ = step_run(engine, {"url": url(server, "/status/404"), "method": "DELETE", "expect": [204, 404]})
    assert HttpExecutor().process(run).output.startswith("404 Not Found")
    run, _ = step_run(engine, {"url": url(server, "/status/200"), "expect": 201})
    with pytest.raises(UnexpectedResponseError, match="answered 200, expected 201"):
        HttpExecutor().process(run)


def test_no_answer_within_the_timeout_fails_quickly(server: ThreadingHTTPServer, engine: Engine) -> None:
    run, _ = step_run(engine, {"url": url(server, "/slow"), "timeout": 0.3})
    started = time.monotonic()
    with pytest.raises(UnexpectedResponseError, match=r"no answer within 0.3s \(ReadTimeout\)"):
        HttpExecutor().process(run)
    assert time.monotonic() - started < 2


def test_a_refused_connection_fails_the_attempt(engine: Engine) -> None:
    run, _ = step_run(engine, {"url": "http://127.0.0.1:9/nothing-listens-here", "timeout": 2})
    with pytest.raises(UnexpectedResponseError, match="ConnectError"):
        HttpExecutor().process(run)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({}, "argument 'url' is required"),
        ({"url": "ftp://example.com/"}, "argument 'url' must be an http:// or https:// URL"),
        ({"url": "http://x/", "method": "BREW"}, "argument 'method' must be one of"),
        ({"url": "http://x/", "expect": "200"}, "argument 'expect' must be an HTTP status"),
        ({"url": "http://x/", "expect": [200, 700]}, "argument 'expect' must be an HTTP status"),
        ({"url": "http://x/", "headers": "X: 1"}, "argument 'headers' must be a mapping"),
    ],
)
def test_bad_arguments_are_named(engine: Engine, arguments: dict[str, Any], message: str) -> None:
    run, _ = step_run(engine, arguments, name="notify")
    with pytest.raises(ArgumentError, match=f"step 'notify' \\(http\\): {message}"):
        HttpExecutor().process(run)
