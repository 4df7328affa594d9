"""Compiled packs, kept (placeholder: compiles)."""

from __future__ import annotations

from ..packs.model import RulePack
from .compiler import CompiledPack, compile_pack


def compiled_pack(pack: RulePack) -> CompiledPack:
    return compile_pack(pack)
