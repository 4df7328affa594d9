"""The installed `brm` under test: the one beside this Python (the environment pytest runs in),
else the first on PATH."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

_BESIDE = Path(sys.executable).parent / "brm"
BRM = str(_BESIDE) if _BESIDE.exists() else (shutil.which("brm") or "brm")
