#!/usr/bin/env python3
"""`brm serve` under load (issue 13 point 7): concurrent clients posting assessments.

    python bench/web_load.py                       # a quick run: 5,000 requests, 50 clients
    python bench/web_load.py --requests 100000     # the long run: memory over 100,000 requests

It starts `brm serve` on 127.0.0.1 (a free port, a history database in a temporary folder),
then CLIENTS threads, each with its own keep-alive connection, post examples/acme.yaml as JSON to
/api/v1/assess until REQUESTS answers have come back (or --max-seconds have passed), and checks
every answer (status 200 and the diagnosis's level). It prints requests per second, latency
(p50, p90, p99, max), the errors (the run fails when there is any), and the server's resident
memory (RSS, from /proc) sampled as the run goes, to show it flat. Traffic goes to 127.0.0.1
only; the count, the clients and the time are bounded; the server is stopped at the end.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import NamedTuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
ACME = ROOT / "examples" / "acme.yaml"
START_SECONDS = 60.0
MAX_CLIENTS = 200
_ADDRESS = re.compile(r"http://127\.0\.0\.1:(\d+)/")


class Server(NamedTuple):
    process: subprocess.Popen[str]
    port: int


def start_server(folder: Path) -> Server:
    """`brm serve` on a free port of 127.0.0.1 (its printed address read within a bound)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "brm_advisor.cli", "serve", "--host", "127.0.0.1", "--port",
         "0", "--db", str(folder / "history.sqlite")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    found: list[int] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            match = _ADDRESS.search(line)
            if match and not found:
                found.append(int(match.group(1)))
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    deadline = time.monotonic() + START_SECONDS
    while not found and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if not found:
        stop_server(process)
        raise SystemExit(f"brm serve did not print its address within {START_SECONDS:g} s")
    return Server(process, found[0])


def stop_server(process: subprocess.Popen[str]) -> int:
    process.terminate()
    try:
        return process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait(timeout=15)


def rss_kib(pid: int) -> int:
    """The process's resident set size (KiB), from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Load:
    """What the clients share: the requests left, the latencies, the errors, RSS samples."""

    def __init__(self, total: int, deadline: float, expected_level: str) -> None:
        self.total = total
        self.deadline = deadline
        self.expected_level = expected_level
        self._tickets = itertools.count()
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.done = 0
        self.lock = threading.Lock()

    def ticket(self) -> bool:
        """Whether another request is due (the count and the time bounded)."""
        return next(self._tickets) < self.total and time.monotonic() < self.deadline

    def record(self, seconds: float, error: str | None) -> None:
        with self.lock:
            self.done += 1
            self.latencies.append(seconds)
            if error is not None:
                self.errors.append(error)


def client(port: int, body: bytes, load: Load) -> None:
    """One client: a keep-alive connection, requests until none is due."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
    try:
        while load.ticket():
            started = time.perf_counter()
            error = None
            try:
                connection.request("POST", "/api/v1/assess", body=body, headers=headers)
                response = connection.getresponse()
                answer = response.read()
                if response.status != 200:
                    error = f"status {response.status}: {answer[:200]!r}"
                elif json.loads(answer).get("level") != load.expected_level:
                    error = f"wrong level: {answer[:200]!r}"
            except (OSError, http.client.HTTPException, ValueError) as failure:
                error = f"{type(failure).__name__}: {failure}"
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            load.record(time.perf_counter() - started, error)
    finally:
        connection.close()


def sample_memory(pid: int, load: Load, samples: list[tuple[int, int]],
                  stop: threading.Event, every: float) -> None:
    """(requests done, RSS KiB) every `every` seconds until `stop`."""
    while not stop.wait(every):
        try:
            samples.append((load.done, rss_kib(pid)))
        except OSError:
            return


def percentile(ordered: list[float], fraction: float) -> float:
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def warm_up(port: int, body: bytes, count: int) -> str:
    """`count` sequential requests (the pack compiled, the caches filled); the level."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    level = ""
    try:
        for _ in range(count):
            connection.request("POST", "/api/v1/assess", body=body,
                               headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            answer = response.read()
            if response.status != 200:
                raise SystemExit(f"warm-up request failed: {response.status} {answer[:300]!r}")
            level = json.loads(answer)["level"]
    finally:
        connection.close()
    return level


def run(arguments: argparse.Namespace) -> int:
    body = json.dumps(yaml.safe_load(ACME.read_text(encoding="utf-8"))).encode()
    with tempfile.TemporaryDirectory(prefix="brm-web-load-") as folder:
        server = start_server(Path(folder))
        try:
            level = warm_up(server.port, body, arguments.warmup)
            rss_start = rss_kib(server.process.pid)
            load = Load(arguments.requests, time.monotonic() + arguments.max_seconds, level)
            samples: list[tuple[int, int]] = [(0, rss_start)]
            stop = threading.Event()
            sampler = threading.Thread(target=sample_memory, daemon=True, args=(
                server.process.pid, load, samples, stop, arguments.sample_seconds))
            clients = [threading.Thread(target=client, args=(server.port, body, load))
                       for _ in range(arguments.clients)]
            started = time.perf_counter()
            sampler.start()
            for thread in clients:
                thread.start()
            for thread in clients:
                thread.join(timeout=arguments.max_seconds + 60)
            elapsed = time.perf_counter() - started
            stop.set()
            sampler.join(timeout=5)
            samples.append((load.done, rss_kib(server.process.pid)))
        finally:
            status = stop_server(server.process)
    report(arguments, load, elapsed, samples, status)
    return 1 if load.errors or load.done < arguments.requests else 0


def report(arguments: argparse.Namespace, load: Load, elapsed: float,
           samples: list[tuple[int, int]], status: int) -> None:
    ordered = sorted(load.latencies)
    milliseconds = [1000 * percentile(ordered, f) for f in (0.5, 0.9, 0.99)] if ordered else []
    print(f"brm serve under load: {load.done} of {arguments.requests} requests "
          f"(POST /api/v1/assess, examples/acme.yaml), {arguments.clients} clients, "
          f"{elapsed:.1f} s")
    print(f"  throughput: {load.done / elapsed:,.0f} requests/s")
    if ordered:
        print(f"  latency: p50 {milliseconds[0]:.1f} ms, p90 {milliseconds[1]:.1f} ms, "
              f"p99 {milliseconds[2]:.1f} ms, max {1000 * ordered[-1]:.1f} ms, "
              f"mean {1000 * statistics.fmean(ordered):.1f} ms")
    print(f"  errors: {len(load.errors)}" + "".join(f"\n    {e}" for e in load.errors[:5]))
    rss = [kib for _, kib in samples]
    print(f"  server RSS: {rss[0] / 1024:.1f} MiB at the start (after {arguments.warmup} "
          f"warm-up requests), {rss[-1] / 1024:.1f} MiB at the end, "
          f"{max(rss) / 1024:.1f} MiB at most")
    step = max(1, len(samples) // 10)
    print("  RSS as the run went: " + ", ".join(
        f"{done:,}: {kib / 1024:.1f} MiB" for done, kib in samples[::step] + samples[-1:]))
    print(f"  server stopped with exit status {status}")


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=5000,
                        help="answers to wait for (default 5000; 100000 for the long run)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (50)")
    parser.add_argument("--warmup", type=int, default=200, help="requests before measuring")
    parser.add_argument("--max-seconds", type=float, default=1800.0,
                        help="stop sending after this long (default 1800)")
    parser.add_argument("--sample-seconds", type=float, default=1.0,
                        help="how often the server's RSS is read (default 1 s)")
    arguments = parser.parse_args(argv)
    if not 1 <= arguments.clients <= MAX_CLIENTS or arguments.requests < 1:
        parser.error(f"--clients is 1 to {MAX_CLIENTS}, --requests at least 1")
    return arguments


def main(argv: list[str] | None = None) -> int:
    return run(_arguments(argv))


if __name__ == "__main__":
    sys.exit(main())
