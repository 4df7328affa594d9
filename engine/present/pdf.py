"""A headless Chromium, when one is installed: HTML reports to PDF (and, for tests, to a
screenshot or the rendered DOM). Nothing is downloaded; without Chromium the caller says how
to install one."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import BrmError

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
HOW_TO_GET = ("no headless Chromium was found; install one (on Debian or Ubuntu: "
              "apt-get install chromium) and run again; the HTML report is complete without it")
# quiet, offline, isolated: no first-run, sync, updates or background connections
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--mute-audio")


class BrowserError(BrmError):
    """Chromium is missing, or failed on a page."""


def find_chromium() -> str | None:
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _run(arguments: list[str], timeout: float = 90) -> subprocess.CompletedProcess[str]:
    binary = find_chromium()
    if binary is None:
        raise BrowserError(HOW_TO_GET)
    with tempfile.TemporaryDirectory(prefix="brm-chromium-") as profile:
        try:
            result = subprocess.run([binary, *FLAGS, f"--user-data-dir={profile}", *arguments],
                                    capture_output=True, text=True, timeout=timeout,
                                    check=False)
        except subprocess.TimeoutExpired:
            raise BrowserError(f"Chromium did not finish within {timeout:.0f} s") from None
    if result.returncode != 0:
        raise BrowserError(f"Chromium failed ({result.returncode}): {result.stderr[-400:]}")
    return result


def print_pdf(html: Path, pdf: Path) -> None:
    """Print an HTML file to PDF (A4 or Letter as the page's CSS asks)."""
    _run(["--no-pdf-header-footer", f"--print-to-pdf={pdf.resolve()}",
          html.resolve().as_uri()])
    if not pdf.is_file() or pdf.stat().st_size == 0:
        raise BrowserError(f"Chromium wrote no PDF at {pdf}")


def screenshot(html: Path, png: Path, width: int = 1200, height: int = 1600) -> None:
    _run([f"--screenshot={png.resolve()}", f"--window-size={width},{height}",
          html.resolve().as_uri()])


def rendered_dom(html: Path) -> str:
    return _run(["--dump-dom", html.resolve().as_uri()]).stdout
