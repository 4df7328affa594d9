"""Finding rule packs: shipped with brm-advisor, installed as Python distributions, or a folder.

A distribution makes a pack available by declaring an entry point in the group
``brm_advisor.packs`` whose value names the package (or ``package:subfolder``) holding
``pack.yaml``. The package's folder is located without running any of its code.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import NamedTuple

from ..errors import PackNotFoundError
from . import resources
from .loader import load_pack, unsafe_file
from .model import PACK_FILE, RulePack

ENTRY_POINT_GROUP = "brm_advisor.packs"
DEFAULT_PACK = "merlyn-brm"
_HEAD_BYTES = 16 * 1024
"""How much of pack.yaml is read to find its id without loading it."""


class PackRef(NamedTuple):
    """Where a pack is, before it is loaded."""

    id: str
    origin: str  # "shipped" | "installed" | "path"
    location: Path  # the folder holding pack.yaml (for a path given by the user: that path)
    distribution: str | None = None


def shipped_packs() -> list[PackRef]:
    """The packs shipped with brm-advisor, by id."""
    found = []
    for folder in sorted(resources.rules_dir().iterdir()):
        pack_file = folder / PACK_FILE
        if pack_file.is_file():
            found.append(PackRef(declared_id(pack_file) or folder.name, "shipped", folder))
    return found


def installed_packs() -> list[PackRef]:
    """Packs that installed distributions declare under the ``brm_advisor.packs`` group."""
    from importlib.metadata import entry_points

    found = []
    for entry in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        folder = _entry_folder(entry.value)
        if folder is not None and (folder / PACK_FILE).is_file():
            dist = entry.dist.name if entry.dist is not None else None
            found.append(PackRef(declared_id(folder / PACK_FILE) or entry.name, "installed",
                                 folder, dist))
    return found


def _entry_folder(value: str) -> Path | None:
    """``package`` or ``package:sub/folder`` -> the folder, found without importing."""
    package, _, subfolder = value.partition(":")
    try:
        spec = importlib.util.find_spec(package.strip())
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    base = Path(next(iter(spec.submodule_search_locations)))
    folder = (base / subfolder.strip()).resolve() if subfolder.strip() else base
    return folder if folder.is_relative_to(base.resolve()) else None


def available_packs() -> list[PackRef]:
    """Shipped packs, then installed ones; an installed pack never hides a shipped id."""
    shipped = shipped_packs()
    ids = {ref.id for ref in shipped}
    return shipped + [ref for ref in installed_packs() if ref.id not in ids]


def declared_id(pack_file: Path) -> str | None:
    """The pack id from the file's ``id:`` line under ``pack:``, without loading the pack.

    Only the file's first lines are read, and only from a regular file inside its folder: a
    link to a device or a named pipe is never opened."""
    if unsafe_file(pack_file.parent, pack_file) is not None:
        return None
    try:
        with pack_file.open("rb") as handle:
            head = handle.read(_HEAD_BYTES)
    except OSError:
        return None
    lines = head.decode("utf-8", errors="replace").splitlines()[:60]
    for line in lines:
        match = re.match(r"\s+id:\s*['\"]?([a-z][a-z0-9-]*)['\"]?\s*$", line)
        if match:
            return match.group(1)
    return None


def find_pack(reference: str | Path | None = None) -> PackRef:
    """A pack by folder (or pack.yaml) path, by id among available packs, or the default."""
    if reference is None:
        reference = DEFAULT_PACK
    path = Path(reference)
    if path.exists():
        pack_file = path / PACK_FILE if path.is_dir() else path
        return PackRef(declared_id(pack_file) or path.stem, "path", path)
    shipped = shipped_packs()
    for ref in shipped:  # before scanning installed distributions, which costs start-up time
        if ref.id == str(reference):
            return ref
    available = available_packs()
    for ref in available:
        if ref.id == str(reference):
            return ref
    raise PackNotFoundError(str(reference), tuple(ref.id for ref in available))


def resolve_pack(reference: str | Path | None = None) -> RulePack:
    """Load a pack by path or id (the default pack when None)."""
    return load_pack(find_pack(reference).location)
