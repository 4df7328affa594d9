"""What a server's requests share: one advisor per pack (compiled once, on first use), and the
history database. Everything runs on the server's one event-loop thread (an assessment takes
well under a millisecond), so the engine and SQLite are never used from two threads at once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from brm_advisor.engine import (
    Advisor,
    History,
    PackNotFoundError,
    PackRef,
    available_packs,
    find_pack,
    load_pack,
)

from .config import WebConfig


class Services:
    """Advisors by pack id and the history database's path; closed with the server."""

    def __init__(self, config: WebConfig) -> None:
        self.config = config
        default = find_pack(config.pack)  # the operator's choice: an id or a folder
        self.default_pack = default.id
        self.packs: dict[str, PackRef] = {ref.id: ref for ref in available_packs()}
        self.packs[default.id] = default
        self._advisors: dict[str, Advisor] = {}

    def advisor(self, pack_id: str | None = None) -> Advisor:
        """The advisor of a pack known by id (clients never name a path); the default pack
        when None. `PackNotFoundError` for an unknown id."""
        ident = pack_id or self.default_pack
        ref = self.packs.get(ident)
        if ref is None:
            raise PackNotFoundError(ident, tuple(sorted(self.packs)))
        advisor = self._advisors.get(ident)
        if advisor is None:
            advisor = self._advisors[ident] = Advisor(load_pack(ref.location))
        return advisor

    @contextmanager
    def history(self) -> Iterator[History]:
        """The history database, opened for one request."""
        with History(self.config.db) as history:
            yield history

    @property
    def db_path(self) -> Path:
        with self.history() as history:
            return history.path

    def close(self) -> None:
        for advisor in self._advisors.values():
            advisor.close()
        self._advisors.clear()

