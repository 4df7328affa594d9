"""A headless Chromium, when one is installed: HTML reports to PDF. Nothing is downloaded;
without Chromium the caller says how to install one.

The page printed is a report whose every user and pack string is escaped and whose
Content-Security-Policy forbids scripts and every load but inline styles and data: images; the
browser is the second line of defence. It runs with a fresh profile, offline, and inside its
own sandbox: ``--no-sandbox`` is passed only where the sandbox cannot work, namely

- as root, where Chromium refuses to start with its sandbox (it expects the sandbox to drop
  privileges that root should not have started with; containers often run as root), and
- where Chromium reports "No usable sandbox" (user namespaces disabled and no setuid helper);
  the print is then tried once more without it.

Chromium prints to a temporary file; the PDF replaces an existing one only once complete, so a
failed print leaves the previous PDF as it was.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ..errors import BrmError
from ..files import write_bytes

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
HOW_TO_GET = ("no headless Chromium was found; install one (on Debian or Ubuntu: "
              "apt-get install chromium) and run again; the HTML report is complete without it")
# quiet, offline, isolated: no first-run, sync, updates or background connections
FLAGS = ("--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--mute-audio")
NO_SANDBOX = "--no-sandbox"
SANDBOX_UNAVAILABLE = "No usable sandbox"  # what Chromium prints when it cannot sandbox
TIMEOUT = 90.0


class BrowserError(BrmError):
    """Chromium is missing, or failed on a page."""


def find_chromium() -> str | None:
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def sandbox_flags() -> tuple[str, ...]:
    """``--no-sandbox`` as root (Chromium will not start sandboxed as root), else nothing."""
    geteuid = getattr(os, "geteuid", None)  # not on Windows, where the sandbox needs no root
    return (NO_SANDBOX,) if geteuid is not None and geteuid() == 0 else ()


def run_chromium(arguments: Sequence[str], timeout: float = TIMEOUT
                 ) -> subprocess.CompletedProcess[str]:
    """Run the headless Chromium once with a fresh profile, sandboxed where it can be."""
    binary = find_chromium()
    if binary is None:
        raise BrowserError(HOW_TO_GET)
    sandbox = sandbox_flags()
    result = _run_once(binary, sandbox, arguments, timeout)
    if result.returncode != 0 and not sandbox and SANDBOX_UNAVAILABLE in result.stderr:
        result = _run_once(binary, (NO_SANDBOX,), arguments, timeout)
    if result.returncode != 0:
        raise BrowserError(f"Chromium failed ({result.returncode}): {result.stderr[-400:]}")
    return result


def _run_once(binary: str, sandbox: Sequence[str], arguments: Sequence[str],
              timeout: float) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="brm-chromium-") as profile:
        try:
            return subprocess.run([binary, *FLAGS, *sandbox, f"--user-data-dir={profile}",
                                   *arguments], capture_output=True, text=True,
                                  timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise BrowserError(f"Chromium did not finish within {timeout:.0f} s") from None


def print_pdf(html: Path, pdf: Path) -> None:
    """Print an HTML file to PDF (A4 or Letter as the page's CSS asks); `pdf` is replaced only
    by a complete PDF."""
    with tempfile.TemporaryDirectory(prefix="brm-pdf-") as folder:
        printed = Path(folder) / "report.pdf"
        run_chromium(["--no-pdf-header-footer", f"--print-to-pdf={printed}",
                      html.resolve().as_uri()])
        data = printed.read_bytes() if printed.is_file() else b""
    if not data.startswith(b"%PDF"):
        raise BrowserError(f"Chromium wrote no PDF for {pdf}; {pdf} was left as it was")
    write_bytes(pdf, data)
