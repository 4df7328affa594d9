#!/usr/bin/env python3
"""Regenerate the golden files on purpose, after a deliberate change of the renderers or pack.

    python tests/regen_golden.py

Review the diff (git diff tests/golden) before committing it.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_golden import CASES, GOLDEN, render  # noqa: E402


def main() -> int:
    GOLDEN.mkdir(exist_ok=True)
    for name, args in CASES.items():
        (GOLDEN / name).write_text(render(args), encoding="utf-8")
        print(f"wrote {GOLDEN / name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
