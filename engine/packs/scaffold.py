"""`brm packs new`: a working three-level pack, with tests, to start a framework from."""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import BrmError
from ..files import write_text
from .model import PACK_FILE

TEMPLATES = Path(__file__).resolve().parent / "scaffold"


class ScaffoldError(BrmError):
    """Scaffolding would overwrite files the user wrote (`existing`), or the id is unusable."""

    def __init__(self, message: str, existing: tuple[Path, ...] = ()) -> None:
        self.existing = existing
        super().__init__(message)


def pack_id_for(folder: Path) -> str:
    """The pack id a folder's name gives: lower case, runs of other characters a dash,
    ``pack-`` before one that does not start with a letter (``my-pack`` from nothing)."""
    pack_id = re.sub(r"[^a-z0-9-]+", "-", folder.resolve().name.lower()).strip("-") or "my-pack"
    return pack_id if pack_id[0].isalpha() else "pack-" + pack_id


def pack_name_for(folder: Path) -> str:
    """The pack name a folder's name gives: its dashes and underscores spaces."""
    return folder.resolve().name.replace("-", " ").replace("_", " ")


def scaffold(folder: Path, pack_id: str | None = None, name: str | None = None, *,
             force: bool = False) -> list[Path]:
    """Write a working three-level pack (with tests) into `folder`; returns the files written.
    The id and the name default to the folder's name's (`pack_id_for`, `pack_name_for`).

    Refuses to overwrite an existing pack.yaml or test file unless `force`.
    """
    pack_id = pack_id or pack_id_for(folder)
    name = name or pack_name_for(folder)
    if not re.fullmatch(r"[a-z][a-z0-9-]*", pack_id):
        raise ScaffoldError(f"{pack_id!r} is not a usable pack id (lower-case letters, digits "
                            "and dashes, starting with a letter)")
    targets = {folder / PACK_FILE: TEMPLATES / "pack.yaml.tmpl",
               folder / "tests" / "basic.yaml": TEMPLATES / "tests.yaml.tmpl"}
    existing = [path for path in targets if path.exists()]
    if existing and not force:
        raise ScaffoldError("would overwrite " + ", ".join(map(str, existing)),
                            tuple(existing))
    written = []
    for target, template in targets.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        text = template.read_text(encoding="utf-8")
        for key, value in (("{{id}}", pack_id), ("{{name}}", name), ("{{dir}}", str(folder))):
            text = text.replace(key, value)
        write_text(target, text)
        written.append(target)
    return written
