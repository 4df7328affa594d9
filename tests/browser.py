"""Test-only helpers around the headless Chromium the product prints PDFs with: a screenshot
and the rendered DOM of a page, and a skip (or, on CI, a failure) when there is no Chromium."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from brm_advisor.engine.present.pdf import find_chromium, run_chromium


def chromium_or_skip() -> None:
    if find_chromium() is None:
        if os.environ.get("CI"):
            pytest.fail("CI installs Chromium (see .ci/run); none was found")
        pytest.skip("no headless Chromium on this machine")


def screenshot(html: Path, png: Path, width: int = 1200, height: int = 1600) -> None:
    run_chromium([f"--screenshot={png.resolve()}", f"--window-size={width},{height}",
                  html.resolve().as_uri()])


def rendered_dom(html: Path) -> str:
    return run_chromium(["--dump-dom", html.resolve().as_uri()]).stdout
