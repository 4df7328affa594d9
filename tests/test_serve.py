"""`brm serve` as users run it: the installed `brm` started as a real server (uvicorn) on a free
port of 127.0.0.1, driven over HTTP, stopped by signal; and the CLI's cold start without the web
stack. Every wait is bounded (see served.py)."""

from __future__ import annotations

import json
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import httpx
import pytest
import yaml
from served import STOP_SECONDS, Served, free_port, served

from conftest import ACME
from installed import BRM

pytestmark = pytest.mark.installed
TIMEOUT = 30.0
"""Seconds an HTTP request to a test server may take (a bound, not a measure)."""


def acme() -> dict[str, object]:
    """examples/acme.yaml as the JSON a client posts."""
    return dict(yaml.safe_load(Path(ACME).read_text(encoding="utf-8")))


def client(base: str, **kwargs: object) -> httpx.Client:
    return httpx.Client(base_url=base, timeout=TIMEOUT, **kwargs)  # type: ignore[arg-type]


def test_the_cli_does_not_import_the_web_stack():
    """`brm assess`'s cold start is unaffected: importing the CLI (every command registered,
    serve included) loads neither Starlette nor uvicorn nor the web package."""
    code = ("import sys, brm_advisor.cli.main; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('starlette', 'uvicorn', 'httptools', 'uvloop', 'multipart', 'python_multipart') "
            "or m.startswith('brm_advisor.web')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, check=True)
    assert result.stdout.strip() == "[]"
    help_text = subprocess.run([BRM, "serve", "--help"], capture_output=True, text=True,
                               timeout=120)
    assert help_text.returncode == 0 and "--port" in help_text.stdout


def test_it_serves_the_pages_and_the_api(tmp_path):
    with served(tmp_path / "history.sqlite") as server, client(server.base) as http:
        assert server.url == f"http://127.0.0.1:{server.port}/"  # loopback: no token
        assert server.token is None
        page = http.get("/")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "<html" in page.text.lower()
        assert "default-src 'none'" in page.headers["content-security-policy"]
        packs = http.get("/api/v1/packs")
        assert packs.status_code == 200
        listed = packs.json()
        assert listed["default"] == "merlyn-brm"
        assert {"demand-supply", "merlyn-brm"} <= {pack["id"] for pack in listed["packs"]}
        facts = acme()
        answer = http.post("/api/v1/assess", json=facts)
        assert answer.status_code == 200, answer.text
        expected = subprocess.run([BRM, "assess", ACME, "--format", "json"],
                                  capture_output=True, text=True, timeout=120, check=True)
        assert answer.json()["level"] == json.loads(expected.stdout)["level"]
    assert str(tmp_path / "history.sqlite") in "".join(server.stdout)


def test_port_zero_takes_a_free_port_and_prints_it(tmp_path):
    server = Served(["--port", "0", "--db", str(tmp_path / "h.sqlite")])
    try:
        assert server.port not in (0, 8000)
        with client(server.base) as http:
            assert http.get("/api/v1/packs").status_code == 200
    finally:
        server.stop()


def test_a_port_in_use_is_refused_with_a_message_and_exit_2(tmp_path):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [BRM, "serve", "--port", str(port), "--db", str(tmp_path / "h.sqlite")],
            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert f"port {port} is in use" in result.stderr
    assert "--port" in result.stderr  # what to do about it
    assert "Traceback" not in result.stderr
    assert result.stdout == ""  # no address printed for a server that is not there


def test_an_unknown_pack_is_refused_before_listening(tmp_path):
    port = free_port()
    result = subprocess.run(
        [BRM, "serve", "--port", str(port), "--pack", "merlyn-brn",
         "--db", str(tmp_path / "h.sqlite")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "merlyn-brn" in result.stderr and "merlyn-brm" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_signal_stops_the_server_cleanly_with_exit_0(tmp_path, stop):
    with served(tmp_path / "h.sqlite") as server:
        with client(server.base) as http:  # a keep-alive connection left open
            assert http.get("/api/v1/packs").status_code == 200
            status = server.signal(stop)  # bounded: STOP_SECONDS
        assert status == 0, server.output()
    assert "stopped" in "".join(server.stdout)
    assert "Traceback" not in "".join(server.stderr)
    with socket.socket() as probe:  # the port is free again (for a new listener)
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", server.port))


def test_off_loopback_a_token_is_generated_printed_and_required(tmp_path):
    with served(tmp_path / "h.sqlite", host="0.0.0.0") as server:
        assert server.token and len(server.token) >= 24
        assert f"?token={server.token}" in server.url
        assert f"http://127.0.0.1:{server.port}/?token={server.token}" in "".join(server.stdout)
        with client(server.base) as http:
            refused = http.get("/api/v1/packs")
            assert refused.status_code == 401
            assert refused.headers["content-type"].startswith("application/problem+json")
            assert http.get("/").status_code == 401
            wrong = http.get("/api/v1/packs", headers={"Authorization": "Bearer nope"})
            assert wrong.status_code == 401
            bearer = {"Authorization": f"Bearer {server.token}"}
            assert http.get("/api/v1/packs", headers=bearer).status_code == 200
            facts = acme()
            assert http.post("/api/v1/assess", json=facts).status_code == 401
            assert http.post("/api/v1/assess", json=facts, headers=bearer).status_code == 200
        with client(server.base) as browser:  # the printed address, opened once
            opened = browser.get(f"/?token={server.token}", follow_redirects=True)
            assert opened.status_code == 200
            assert "token" not in str(opened.url)  # the token left the address bar
            assert browser.get("/api/v1/packs").status_code == 200  # by its cookie


def test_a_token_given_is_required_on_loopback_too(tmp_path):
    with served(tmp_path / "h.sqlite", env={"BRM_TOKEN": "s3cret-token"}) as server:
        assert server.token == "s3cret-token"
        with client(server.base) as http:
            assert http.get("/api/v1/packs").status_code == 401
            assert http.get("/api/v1/packs", headers={
                "Authorization": "Bearer s3cret-token"}).status_code == 200


# --- kill -9 in the middle of a stream of answers -------------------------------------------

STREAMED = {"notes": "note {}", "assessor": "Assessor {}", "respondent.name": "Respondent {}",
            "brm.head_count": "{}"}
"""One client per question, each posting its own values (so each answer can be found)."""


class Unit(NamedTuple):
    """A unit being answered, and how its answers are posted: as the page's script posts
    them (a form field, the CSRF token) or to the API (JSON)."""

    way: str  # "page" or "api"
    id: int
    csrf: str
    cookies: httpx.Cookies

    @classmethod
    def start(cls, http: httpx.Client, way: str) -> Unit:
        http.get("/")
        csrf = http.cookies["brm_csrf"]
        names = {"organization": "Acme Corp", "business_unit": "Retail", "pack": "merlyn-brm"}
        if way == "api":
            made = http.post("/api/v1/workshop/units", json=names)
            assert made.status_code == 201, made.text
            return cls(way, int(made.json()["unit"]["id"]), csrf, http.cookies)
        made = http.post("/units", data={**names, "csrf": csrf})
        assert made.status_code == 303, made.text
        return cls(way, int(made.headers["location"].rsplit("/", 1)[1]), csrf, http.cookies)

    def post(self, http: httpx.Client, path: str, value: str, base: str | None) -> int:
        """One answer (`base`: the value last acknowledged); the status."""
        if self.way == "api":
            return http.post(f"/api/v1/workshop/units/{self.id}/answers", json={
                "path": path, "value": _typed(path, value), "version": 1,
                "base": _typed(path, base)}).status_code
        return http.post(f"/units/{self.id}/answers", headers={
            "HX-Request": "true", "HX-Trigger-Name": path, "X-CSRF-Token": self.csrf}, data={
            path: value, f"_version:{path}": "1",
            f"_base:{path}": json.dumps(_typed(path, base))}).status_code


def _typed(path: str, text: str | None) -> object:
    return int(text) if text is not None and path == "brm.head_count" else text


class Stream:
    """One client's answers to one question, posted one after the other (each against the
    value last acknowledged); the last acknowledged (200) and the one in flight."""

    def __init__(self, base: str, unit: Unit, path: str) -> None:
        self.base, self.unit, self.path = base, unit, path
        self.acked: str | None = None
        self.in_flight: str | None = None
        self.count = 0

    def run(self, stop: threading.Event, limit: int) -> None:
        with client(self.base, cookies=self.unit.cookies) as http:
            for number in range(1, limit + 1):
                if stop.is_set():
                    return
                self.in_flight = STREAMED[self.path].format(number)
                try:
                    status = self.unit.post(http, self.path, self.in_flight, self.acked)
                except httpx.TransportError:
                    return  # the server is gone
                if status != 200:
                    raise AssertionError(f"{self.path}: status {status}")
                self.acked, self.in_flight = self.in_flight, None
                self.count += 1


@pytest.mark.parametrize("way", ["page", "api"])
def test_kill_9_mid_stream_of_answers_keeps_every_acknowledged_one(tmp_path, way):
    db = tmp_path / "history.sqlite"
    with served(db) as server, client(server.base) as http:
        unit = Unit.start(http, way)
        streams = [Stream(server.base, unit, path) for path in STREAMED]
        stop = threading.Event()
        threads = [threading.Thread(target=s.run, args=(stop, 5000)) for s in streams]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 120
        while sum(s.count for s in streams) < 60 and time.monotonic() < deadline and all(
                t.is_alive() for t in threads):
            time.sleep(0.01)
        server.process.kill()  # SIGKILL, answers still streaming in
        server.process.wait(timeout=STOP_SECONDS)
        stop.set()
        for thread in threads:
            thread.join(timeout=TIMEOUT + 5)
        assert not any(t.is_alive() for t in threads)
    acknowledged = sum(s.count for s in streams)
    assert acknowledged >= 60
    with sqlite3.connect(db) as database:
        assert database.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        facts_text, version = database.execute(
            "SELECT facts, version FROM workshop_units WHERE id = ?", (unit.id,)).fetchone()
    facts = json.loads(facts_text)
    assert version >= 1 + acknowledged  # every acknowledged answer raised it once
    for stream in streams:
        kept = _at(facts, stream.path)
        # the last acknowledged answer, or the one in flight when the server died (saved,
        # its acknowledgement lost): never an older one
        assert stream.acked is not None
        assert kept in (stream.acked, stream.in_flight), (stream.path, kept, stream.acked)
    with served(db) as again, client(again.base) as http:  # the database opens and serves
        page = http.get(f"/units/{unit.id}")
        assert page.status_code == 200
        assert facts["notes"] in page.text


def _at(facts: dict[str, object], path: str) -> str | None:
    """The answer at a dotted path, as the text posted (None: no answer)."""
    value: object = facts
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return str(value)


def test_bad_requests_to_the_real_server_are_problems_without_a_trace(tmp_path):
    """Through uvicorn, not only the test client: a body over the limit (declared, or sent in
    chunks without a length), no JSON, the wrong type, an unknown unit: problem+json with
    the right status, and nothing saved."""
    megabytes = b"[" + b"1," * (1024 * 1024) + b"1]"

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(megabytes), 65536):
            yield megabytes[start:start + 65536]

    with served(tmp_path / "h.sqlite") as server, client(server.base) as http:
        answers = {
            413: [http.post("/api/v1/assess", content=megabytes,
                            headers={"Content-Type": "application/json"}),
                  http.post("/api/v1/assess", content=chunks(),
                            headers={"Content-Type": "application/json"})],
            400: [http.post("/api/v1/assess", content=b"{not json",
                            headers={"Content-Type": "application/json"})],
            415: [http.post("/api/v1/assess", content=b"organization=x",
                            headers={"Content-Type": "application/x-www-form-urlencoded"})],
            404: [http.get("/api/v1/workshop/units/999"),
                  http.post("/api/v1/workshop/units/999/answers", json={
                      "path": "notes", "value": "x", "version": 1})],
        }
        for status, responses in answers.items():
            for response in responses:
                assert response.status_code == status, (status, response.text[:300])
                assert response.headers["content-type"].startswith("application/problem+json")
                assert response.json()["status"] == status
                assert "Traceback" not in response.text
        assert answers[413][1].request.headers.get("transfer-encoding") == "chunked"
        assert http.get("/api/v1/workshop/units").json()["units"] == []  # nothing saved
        assert http.get("/api/v1/packs").status_code == 200  # and the server still serves
