#!/usr/bin/env python3
"""Regenerate the golden files on purpose, after a deliberate change of the renderers or pack.

    python tests/regen_golden.py                      # every golden file
    python tests/regen_golden.py demand-supply-report.html demand-supply-report.md

Names given: only those files (the others are left as they are). Review the diff
(git diff tests/golden) before committing it.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_golden import CASES, GOLDEN, render  # noqa: E402


def main(names: list[str]) -> int:
    unknown = [name for name in names if name not in CASES]
    if unknown:
        print(f"unknown golden file(s): {', '.join(unknown)}; known: {', '.join(CASES)}",
              file=sys.stderr)
        return 2
    GOLDEN.mkdir(exist_ok=True)
    for name, args in CASES.items():
        if names and name not in names:
            continue
        (GOLDEN / name).write_text(render(args), encoding="utf-8")
        print(f"wrote {GOLDEN / name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
