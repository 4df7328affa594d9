"""The file an interview saves its answers in, after every answer: a facts document (every
field it held is kept), plus one reserved top-level mapping, ``interview:``, that holds what the
interview knows about itself as data::

    organization: Acme Corp
    ...
    interview:
      pack: merlyn-brm
      version: 1.0.0
      skipped: [target_level]
      not_asked: [engagement.lifecycle]

An interview that asks for the BRMs (``--team``) also keeps where their questions stopped:
``team: brms[1].competencies.communication`` (the question to ask next, by the BRM's place in
the list) or ``team: done`` once the list is complete; a BRM's questions skipped are listed in
``skipped`` with the others (``brms[0].role``).

The comment lines at the top say what is still open, for people; they are never read back.
Files saved by earlier versions of brm (which kept the interview's notes in comment lines, and
no ``interview:`` mapping) are still read: their header and notes are recognized.

The facts reader is not expected to know the reserved key: `facts_part` sets it aside before
the facts are validated.
"""

from __future__ import annotations

import errno
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from ..errors import BrmError, DocumentError, Issue
from ..files import atomic_output
from ..inputs.documents import Document, read_document
from ..inputs.paths import json_path
from ..present.words import suggest

INTERVIEW_KEY = "interview"
"""The reserved top-level key of a saved interview: not a fact."""

RECORD_FIELDS = ("pack", "version", "skipped", "not_asked", "team")

_LEGACY_HEADER = re.compile(r"# brm interview for pack (\S+) (\S+)\s*$")


class InterviewRecord(NamedTuple):
    """What an interview keeps about itself in its file: the pack it was made with, and the
    questions answered by no value: skipped by the user (not asked again), or not asked
    because they could not change the diagnosis (quick mode; the target at the top level).
    Those not asked stay unanswered, never filled in: --resume without --quick asks them.
    `team`: where the BRMs' questions stopped (None: the interview does not ask for them)."""

    pack: str
    version: str
    skipped: tuple[str, ...] = ()
    not_asked: tuple[str, ...] = ()
    team: str | None = None

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"pack": self.pack, "version": self.version,
                                "skipped": list(self.skipped),
                                "not_asked": list(self.not_asked)}
        if self.team is not None:
            data["team"] = self.team
        return data


class SavedFile(NamedTuple):
    """A file read to continue an interview: its facts and, when an interview wrote it, the
    interview's record."""

    source: str
    facts: Mapping[str, Any]  # every field of the document, the `interview` mapping set aside
    record: InterviewRecord | None  # None: the file was not written by an interview

    @property
    def by_interview(self) -> bool:
        """Whether an interview wrote the file (so it may be saved over without asking)."""
        return self.record is not None


class SaveError(BrmError):
    """The answers cannot be saved at `path`; `reason` says why (the file is read-only, the
    folder does not exist...)."""

    def __init__(self, path: Path, reason: str, *, read_only: bool = False) -> None:
        self.path = path
        self.reason = reason
        self.read_only = read_only
        super().__init__(f"{reason}; the answers could not be saved there")


# --- reading ----------------------------------------------------------------------------------

def facts_part(data: Mapping[str, Any]) -> dict[str, Any]:
    """The facts of a saved interview: the document without the reserved `interview` key."""
    return {key: value for key, value in data.items() if key != INTERVIEW_KEY}


def load(path: Path) -> SavedFile:
    """A file to continue: one saved by an interview (this version's or an earlier one), or any
    facts file. Raises `DocumentError` for a file that is not a mapping, or whose `interview`
    mapping is not one an interview writes (every problem at once)."""
    document = read_document(path)
    data = document.data
    if data is not None and not isinstance(data, Mapping):
        raise DocumentError(document.source, (Issue(
            "$", "holds no answers: it is not a mapping",
            allowed="a facts file saved by brm interview", code="type"),))
    data = data or {}
    if INTERVIEW_KEY in data:
        record: InterviewRecord | None = _record(data[INTERVIEW_KEY], document)
    else:
        record = _legacy_record(document.text)
    return SavedFile(document.source, facts_part(data), record)


def _record(value: Any, document: Document) -> InterviewRecord:
    issues = _record_issues(value, document)
    if issues:
        raise DocumentError(document.source, tuple(issues))
    return InterviewRecord(value["pack"], str(value["version"]),
                           tuple(value.get("skipped") or ()), tuple(value.get("not_asked") or ()),
                           value.get("team"))


def _record_issues(value: Any, document: Document) -> list[Issue]:
    """Every way the `interview` mapping differs from what an interview writes."""
    if not isinstance(value, Mapping):
        return [_record_issue(document, None, "is not a mapping", _ALLOWED_RECORD)]
    issues = [_record_issue(document, str(key), "is not a field of the interview's record",
                            ", ".join(RECORD_FIELDS), suggest(str(key), RECORD_FIELDS),
                            key_line=True)
              for key in value if key not in RECORD_FIELDS]
    issues += [_record_issue(document, key, "is missing or not a name",
                             "the pack's id and version, as brm interview writes them")
               for key in ("pack", "version")
               if not isinstance(value.get(key), str) or not value[key].strip()]
    issues += [_record_issue(document, key, "is not a list of fact paths",
                             "a list of dotted paths, e.g. [target_level]")
               for key in ("skipped", "not_asked") if not _is_path_list(value.get(key))]
    team = value.get("team")
    if team is not None and (not isinstance(team, str) or not team.strip()):
        issues.append(_record_issue(document, "team", "is not where the BRMs' questions stopped",
                                    "a BRM question's path (brms[1].role), or done"))
    return issues


def _is_path_list(value: Any) -> bool:
    return value is None or (isinstance(value, list) and all(isinstance(p, str) for p in value))


def _record_issue(document: Document, key: str | None, message: str, allowed: str,
                  suggestion: str | None = None, *, key_line: bool = False) -> Issue:
    parts = [INTERVIEW_KEY] + ([key] if key is not None else [])
    return Issue(json_path(parts), message, allowed=allowed, suggestion=suggestion,
                 line=document.line_of(parts, key=key_line),
                 code="unknown-field" if key_line else "type")


_ALLOWED_RECORD = "a mapping with pack, version, skipped and not_asked, as brm interview writes it"


def _legacy_record(text: str) -> InterviewRecord | None:
    """The record of a file saved by an earlier brm, read from its header comments (the first
    line names the pack; ``# skipped: a, b`` and ``# not asked (...): a, b`` lines list the
    rest). None when the file does not start with that header."""
    lines = text.splitlines()
    header = _LEGACY_HEADER.match(lines[0]) if lines else None
    if header is None:
        return None
    skipped: list[str] = []
    not_asked: list[str] = []
    for line in lines[1:]:
        if not line.startswith("#"):
            break  # the header ends where the document starts
        if line.startswith("# skipped"):
            skipped = _listed(line)
        elif line.startswith("# not asked"):
            not_asked = _listed(line)
    return InterviewRecord(header.group(1), header.group(2), tuple(skipped), tuple(not_asked))


def _listed(line: str) -> list[str]:
    """The paths after the last ``: `` of a legacy note (none when the line lists none)."""
    _, colon, listed = line.rpartition(": ")
    return [p.strip() for p in listed.split(",") if p.strip()] if colon else []


# --- writing ----------------------------------------------------------------------------------

def render(path: Path, facts: Mapping[str, Any], record: InterviewRecord,
           still_open: Sequence[str], continue_with: str | None = None) -> str:
    """The saved file's text: YAML with a header saying what is still open (and, while
    something is, how to continue: `continue_with`, as the front end that saves says it), or
    JSON (without comments) when the file's name ends in ``.json``."""
    document = {**facts_part(facts), INTERVIEW_KEY: record.to_data()}
    if path.suffix.lower() == ".json":
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    import yaml

    header = [f"# brm interview for pack {record.pack} {record.version}"]
    if still_open:
        header.append(f"# still open: {', '.join(still_open)}")
        if continue_with is not None:
            header.append(f"# continue with: {continue_with}")
    else:
        header.append("# complete")
    body: str = yaml.safe_dump(document, sort_keys=False, allow_unicode=True,
                               default_flow_style=False, width=100)
    return "\n".join(header) + "\n" + body


def save(path: Path, facts: Mapping[str, Any], record: InterviewRecord,
         still_open: Sequence[str], continue_with: str | None = None) -> None:
    """Write the file atomically (a crash leaves the old file or the new, never half of one),
    keeping its mode; a read-only file raises `PermissionError` and is left as it was."""
    text = render(path, facts, record, still_open, continue_with)
    with atomic_output(path) as stream:
        stream.write(text)


class _DryRun(Exception):
    pass


def check_can_save(path: Path) -> None:
    """Raise `SaveError` now if saving at `path` would fail (a read-only file, a folder that
    does not exist or cannot be written), so that no answer is given in vain. Nothing is
    changed: the check is a save abandoned before anything is written."""
    try:
        with atomic_output(path):
            raise _DryRun
    except _DryRun:
        return
    except FileNotFoundError:
        raise SaveError(path, f"{path.parent}: No such file or directory") from None
    except PermissionError as error:
        if path.exists() and error.errno == errno.EACCES and error.filename == str(path):
            raise SaveError(path, f"{path} is read-only (it was left as it was)",
                            read_only=True) from None
        raise SaveError(path, f"{path.parent}: the folder cannot be written") from None
    except OSError as error:
        raise SaveError(path, f"{path}: {error.strerror or error}") from None
