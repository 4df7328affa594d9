"""`brm serve`: the workshop in the browser and the HTTP API, on uvicorn (a production ASGI
server), over the history database.

The web stack (Starlette, uvicorn, brm_advisor.web) is imported only when the command runs, so
that every other command starts as fast as before. The port is bound here, before the server
starts, so that a port in use is a clear message (exit 2) and not a log line; uvicorn is then
handed the bound socket. Ctrl-C (SIGINT) and SIGTERM stop the server gracefully (requests in
flight are finished, within SHUTDOWN_SECONDS) and the command ends with exit status 0.
"""

from __future__ import annotations

import errno
import signal
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from urllib.parse import quote

import click

from brm_advisor.cli.common import EXIT_ENGINE, EXIT_USAGE, db_option, fail, handle_errors

SHUTDOWN_SECONDS = 5
"""How long a stopping server waits for requests in flight before closing them."""
_STOPPING = (signal.SIGINT, signal.SIGTERM)
_WILDCARD = ("0.0.0.0", "::", "")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but loopback (127.0.0.1, ::1, localhost) "
                   "requires a token on every request.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0: any free port; the address printed says which).")
@db_option
@click.option("--pack", "pack_ref", metavar="ID|PATH", default=None,
              help="The default rule pack: the id of an installed or shipped pack, or a folder "
                   "holding pack.yaml (default: merlyn-brm). Clients name packs by id only.")
@click.option("--token", envvar="BRM_TOKEN", default=None, metavar="TOKEN",
              help="Require this token on every request (also from $BRM_TOKEN). Off loopback "
                   "one is generated when none is given.")
@handle_errors
def serve(host: str, port: int, db: Path | None, pack_ref: str | None,
          token: str | None) -> None:
    """Serve the workshop in the browser and the HTTP API (/api/v1) until Ctrl-C.

    It listens on loopback unless --host says otherwise; it prints the address to open (with
    ?token=... when a token is required: open it once, the browser keeps the token).
    """
    listener = _listen(host, port)
    with listener, _noted_signals() as stops:
        import uvicorn

        from brm_advisor.web.app import create_app
        from brm_advisor.web.config import WebConfig

        config = WebConfig.for_host(host, db=db, pack=pack_ref, token=token)
        app = create_app(config)
        services = app.state.services
        services.advisor()  # the default pack compiled now: a pack that is not valid fails here
        history = services.db_path  # and a database that cannot be opened
        bound = listener.getsockname()[1]
        click.echo(f"brm serve: the workshop is at {_url(host, bound, config.token)}")
        if host in _WILDCARD:
            click.echo(f"  (on this machine: {_url('127.0.0.1', bound, config.token)})")
        click.echo(f"  history: {history}\n  press Ctrl-C to stop")
        server = uvicorn.Server(uvicorn.Config(
            app, host=host, port=bound, log_level="warning", access_log=False,
            proxy_headers=False, server_header=False, ws="none", lifespan="on",
            timeout_graceful_shutdown=SHUTDOWN_SECONDS))
        if not stops:
            server.run(sockets=[listener])
    if not server.started and not stops:
        fail("error: the server could not start (see the messages above)", EXIT_ENGINE)
    click.echo("brm serve: stopped")


def _listen(host: str, port: int) -> socket.socket:
    """A socket bound to host:port and listening (exit 2, saying why, when it cannot be)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    except socket.gaierror as error:
        fail(f"error: cannot listen on {host!r}: {error.strerror}", EXIT_USAGE)
    listener = socket.socket(family, kind, proto)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # not a live listener's
        if family == socket.AF_INET6:
            listener.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        listener.bind(address)
        listener.listen(2048)
    except OSError as error:
        listener.close()
        if error.errno == errno.EADDRINUSE:
            fail(f"error: port {port} is in use on {host}: another server listens there (maybe "
                 "another brm serve); stop it, or choose another port with --port", EXIT_USAGE)
        fail(f"error: cannot listen on {host} port {port}: {error.strerror}", EXIT_USAGE)
    return listener


def _url(host: str, port: int, token: str | None) -> str:
    name = f"[{host}]" if ":" in host else host
    return f"http://{name}:{port}/" + (f"?token={quote(token, safe='')}" if token else "")


@contextmanager
def _noted_signals() -> Iterator[list[int]]:
    """SIGINT and SIGTERM noted (in the list yielded) instead of ending the process while the
    server starts and after it stops. uvicorn handles them while it serves, then raises them
    again for whoever handled them before: here, this note, so that a stop by signal is a
    clean end (exit 0), not a KeyboardInterrupt or a death by SIGTERM."""
    noted: list[int] = []

    def note(signum: int, frame: FrameType | None) -> None:
        noted.append(signum)

    previous = {sig: signal.signal(sig, note) for sig in _STOPPING}
    try:
        yield noted
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sys.stdout.flush()
