"""One base error, and subclasses that carry where and what went wrong.

Library code raises these; only the CLI turns them into messages and exit codes.
Every problem found in one document is reported at once, as a tuple of `Issue`.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from .present.words import allowed_and_hint, suggest


class Issue(NamedTuple):
    """One problem in one document: where it is, what is wrong, what is allowed."""

    path: str
    """JSON path of the offending value, e.g. ``$.engagement.mode`` (``$``: the whole document)."""
    message: str
    """What is wrong, in words a consultant understands."""
    allowed: str | None = None
    """What would be accepted instead."""
    suggestion: str | None = None
    """A near miss among the allowed names ("did you mean")."""
    line: int | None = None
    """1-based line in the file, when known."""
    code: str = "invalid"
    """A stable, machine-readable kind of problem (``enum``, ``unknown-field``...)."""
    more: int = 0
    """On the last issue of a capped list (code ``more``): how many problems were left out."""

    def describe(self, source: str | None = None) -> str:
        """One line: ``file:line: $.path: message; allowed: ... (did you mean 'x'?)``."""
        where = []
        if source:
            where.append(source if self.line is None else f"{source}:{self.line}")
        elif self.line is not None:
            where.append(f"line {self.line}")
        where.append(self.path)
        return f"{': '.join(where)}: {self.message}" + allowed_and_hint(self.allowed,
                                                                        self.suggestion)

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "code": self.code,
            "message": self.message,
            "allowed": self.allowed,
            "suggestion": self.suggestion,
        }


class BrmError(Exception):
    """Base of every error brm-advisor raises on purpose."""


class IssuesError(BrmError):
    """A file that cannot be used, with every issue found in it at once."""

    def __init__(self, source: str, issues: tuple[Issue, ...]) -> None:
        self.source = source
        self.issues = issues
        super().__init__(self.describe())

    def describe(self) -> str:
        return "\n".join(issue.describe(self.source) for issue in self.issues)

    @property
    def total(self) -> int:
        """How many problems were found: those listed, and those a capped list left out."""
        return sum(issue.more or 1 for issue in self.issues)


class InputError(IssuesError):
    """A facts document that cannot be used."""


class DocumentError(InputError):
    """The file could not be read as one YAML or JSON mapping (syntax, encoding, size, tags...)."""


class FactsValidationError(InputError):
    """The document was read, but does not satisfy the facts schema."""


class EngagementError(InputError):
    """An engagement (a folder of units' facts, or an engagement file) that cannot be read as
    one: units of several organizations, a unit named twice, a file outside the folder... Every
    problem of the engagement at once; nothing is assessed."""


class PackError(IssuesError):
    """A rule pack that cannot be loaded or compiled."""


class PackNotFoundError(BrmError):
    """No rule pack at the path, or with the id, that was asked for."""

    def __init__(self, reference: str, known: tuple[str, ...]) -> None:
        self.reference = reference
        self.known = known
        hint = f"; known packs: {', '.join(known)}" if known else ""
        super().__init__(f"no rule pack found at or named {reference!r}{hint}")


class EngineError(BrmError):
    """The inference engine failed, or produced something that breaks the pack's invariants."""

    def __init__(self, message: str, rules: tuple[str, ...] = ()) -> None:
        self.rules = rules
        suffix = f" (rules: {', '.join(rules)})" if rules else ""
        super().__init__(message + suffix)


class RunawayError(EngineError):
    """An assessment fired more rules than the configured bound; the rules named kept firing."""


class UnknownLevelError(BrmError):
    """A level id (e.g. ``--target``) that the pack does not define; also a dimension, or a
    level of a dimension, that it does not define (`kind` says which)."""

    def __init__(self, level: str, known: tuple[str, ...], kind: str = "level") -> None:
        self.level = level
        self.known = known
        super().__init__(f"unknown {kind} {level!r}"
                         + allowed_and_hint(", ".join(known), suggest(level, known)))


class EditError(BrmError):
    """An edit of the facts (``PATH=VALUE``...) that names no field of the contract or a value
    the schema refuses. The message names the edit as written; front ends add their own words
    (the CLI: ``--set``)."""

    def __init__(self, edit: str, message: str, allowed: str | None = None,
                 suggestion: str | None = None) -> None:
        self.edit = edit
        self.allowed = allowed
        self.suggestion = suggestion
        self.message = message
        shown = edit if len(edit) <= 80 else edit[:77] + "..."
        super().__init__(f"{shown}: {message}" + allowed_and_hint(allowed, suggestion))


class HistoryError(BrmError):
    """The history database cannot be used (unreadable, from a newer brm-advisor...)."""


class NotFoundError(HistoryError):
    """A workshop record (an organization's unit being answered) that does not exist."""

    def __init__(self, kind: str, key: str, known: tuple[str, ...] = ()) -> None:
        self.kind = kind
        self.key = key
        self.known = known
        super().__init__(f"no {kind} {key!r}" + allowed_and_hint(
            ", ".join(known[:20]) if known else None, suggest(key, known)))


class ConflictError(HistoryError):
    """An answer saved over one given meanwhile by someone else (another browser): nothing is
    overwritten; both values are carried so the user can choose."""

    def __init__(self, path: str, yours: Any, theirs: Any, version: int) -> None:
        self.path = path
        self.yours = yours
        self.theirs = theirs
        self.version = version
        super().__init__(f"{path} was changed meanwhile (now {theirs!r}, yours {yours!r}; "
                         f"version {version}): nothing was overwritten")
