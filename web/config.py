"""What a server is started with."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import NamedTuple

LOOPBACK = ("127.0.0.1", "::1", "localhost")
MAX_BODY = 1024 * 1024
"""Bytes of a request body (a facts document is at most 1 MiB, as on the command line)."""


class WebConfig(NamedTuple):
    """A server's settings. `token`: required on every request when set (always, for an
    address other than loopback: `for_host` makes one up when none is given)."""

    db: Path | None = None  # the history database (None: the user's default)
    pack: str | None = None  # the default pack id (None: the shipped default)
    token: str | None = None
    max_body: int = MAX_BODY

    @classmethod
    def for_host(cls, host: str, *, db: Path | None = None, pack: str | None = None,
                 token: str | None = None) -> WebConfig:
        """Settings for a server listening on `host`: a token is required off loopback (one
        is generated when none is given)."""
        if token is None and host not in LOOPBACK:
            token = secrets.token_urlsafe(24)
        return cls(db, pack, token)
