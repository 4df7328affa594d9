"""Real servers for tests: `brm serve` run by the installed `brm` as a subprocess, on a free
port, its printed lines read with bounded waits, stopped in a `finally` (terminate, then kill
after a bounded wait). Clients connect to 127.0.0.1 only."""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from installed import BRM

START_SECONDS = 60.0
"""At most this long for a server to print its address (a cold start compiles the pack)."""
STOP_SECONDS = 15.0
"""At most this long for a server to end after SIGTERM or SIGINT (then it is killed)."""
_ADDRESS = re.compile(r"the workshop is at (http://\S+)")


def free_port() -> int:
    """A port nothing listens on now (bound to port 0 and released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Served:
    """A `brm serve` process: its printed address, port and token, and its output so far."""

    def __init__(self, args: list[str], env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            [BRM, "serve", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, **(env or {})})
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._readers = [threading.Thread(target=self._read, args=(stream, into), daemon=True)
                         for stream, into in ((self.process.stdout, self.stdout),
                                              (self.process.stderr, self.stderr))]
        for reader in self._readers:
            reader.start()
        try:
            self.url = self._address()
        except BaseException:
            self.stop()
            raise
        parts = urlsplit(self.url)
        self.port = int(parts.port or 0)
        self.token = parse_qs(parts.query).get("token", [None])[0]
        self.base = f"http://127.0.0.1:{self.port}"
        """Where a test connects (loopback, whatever the server listens on)."""

    def _read(self, stream: object, into: list[str]) -> None:
        for line in stream:  # type: ignore[attr-defined]
            into.append(line)
            if into is self.stdout:
                self._lines.put(line)
        if into is self.stdout:
            self._lines.put(None)

    def _address(self) -> str:
        """The address printed, once the whole banner is (it ends with how to stop)."""
        address = None
        while True:
            try:
                line = self._lines.get(timeout=START_SECONDS)
            except queue.Empty:
                raise AssertionError(f"no address printed within {START_SECONDS:g} s: "
                                     f"{self.output()}") from None
            if line is None:
                self.process.wait(timeout=STOP_SECONDS)
                raise AssertionError(f"brm serve ended ({self.process.returncode}) before "
                                     f"serving: {self.output()}")
            found = _ADDRESS.search(line)
            address = found.group(1) if found and address is None else address
            if "Ctrl-C" in line and address is not None:
                return address

    def output(self) -> str:
        return "stdout: " + "".join(self.stdout) + "\nstderr: " + "".join(self.stderr)

    def signal(self, number: int) -> int:
        """Send `number`; the exit status once the process ended (bounded wait)."""
        self.process.send_signal(number)
        return self.process.wait(timeout=STOP_SECONDS)

    def stop(self) -> None:
        """Terminate (kill when it does not end in time); nothing is left running."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_SECONDS)
        for reader in self._readers:  # the pipes' ends: read to the end, then closed
            reader.join(timeout=STOP_SECONDS)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


@contextmanager
def served(db: Path, *args: str, host: str = "127.0.0.1",
           env: dict[str, str] | None = None) -> Iterator[Served]:
    """`brm serve --host HOST --port FREE --db DB ARGS...`, stopped on the way out."""
    server = Served(["--host", host, "--port", str(free_port()), "--db", str(db), *args], env)
    try:
        yield server
    finally:
        server.stop()
