"""What `brm packs list` and `brm packs show` tell about packs, as plain data (the CLI and the
web layer render it)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..analysis.dependencies import tested_paths
from ..errors import PackError
from .discovery import PackRef, available_packs, find_pack
from .loader import load_pack
from .model import Level, RulePack


def pack_listing(paths: Iterable[str | Path] = ()) -> list[dict[str, Any]]:
    """Every available pack (shipped, then installed), then the packs at `paths`: id,
    version, name, where it comes from and whether it loads."""
    return [_row(ref) for ref in [*available_packs(), *(find_pack(path) for path in paths)]]


def _row(ref: PackRef) -> dict[str, Any]:
    try:
        pack: RulePack | None = load_pack(ref.location)
    except PackError:
        pack = None
    return {"id": pack.id if pack else ref.id, "version": pack.version if pack else None,
            "name": pack.name if pack else None, "origin": ref.origin,
            "location": str(ref.location), "distribution": ref.distribution,
            "valid": pack is not None}


def pack_summary(pack: RulePack) -> dict[str, Any]:
    """A pack's levels and criteria, the facts it reads (and which its rules test), how many
    rules of each kind it holds, and its sources."""
    tested = tested_paths(pack)
    return {
        **levels_dict(pack),
        "facts": [{"path": f.path, "kind": f.kind, "required": f.required,
                   "choices": list(f.choices), "tested_by_rules": f.path in tested}
                  for f in pack.fact_paths.values()],
        "counts": {"derived": len(pack.derived), "criteria": len(pack.criteria),
                   "recommendations": len(pack.recommendations),
                   "findings": len(pack.findings)},
        "sources": [s._asdict() for s in pack.sources],
    }


def levels_dict(pack: RulePack) -> dict[str, Any]:
    """The pack's levels and criteria as JSON-ready data (for a pack with dimensions, each
    dimension's ladder too, and the roll-up)."""
    found: dict[str, Any] = {
        "pack": {"id": pack.id, "version": pack.version, "name": pack.name},
        "attainment": pack.attainment,
        "levels": _ladder(pack, pack.levels),
    }
    if pack.dimensions:
        found["rollup"] = pack.rollup
        found["dimensions"] = [{"id": d.id, "name": d.name, "summary": d.summary,
                                "source": d.source, "levels": _ladder(pack, d.levels)}
                               for d in pack.dimensions]
    return found


def _ladder(pack: RulePack, levels: Iterable[Level]) -> list[dict[str, Any]]:
    return [{"id": level.id, "rank": level.rank, "name": level.name, "summary": level.summary,
             "measures_of_success": level.measures_of_success, "source": level.source,
             "criteria": [{"id": c.id, "text": c.text, "source": c.source, "quote": c.quote}
                          for c in pack.criteria_of(level.id)]}
            for level in levels]
