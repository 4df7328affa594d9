"""`brm serve` as users run it: the installed `brm` started as a real server (uvicorn) on a free
port of 127.0.0.1, driven over HTTP, stopped by signal; and the CLI's cold start without the web
stack. Every wait is bounded (see served.py)."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml
from served import Served, free_port, served

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
