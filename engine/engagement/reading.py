"""Reading an engagement: one organization, several business units, each answered by one or
more respondents, with evidence.

Two forms, both a folder:

- **a folder of facts files** (``*.yaml``, ``*.yml``, ``*.json``, not its subfolders): every
  file is one respondent's answers for one unit, named by its ``business_unit``; several files
  for one unit are its respondents, each naming itself in ``respondent: {name, role}``
  (``role``: business, it, brm or other). Every file names the same ``organization``.
- **an engagement file**, ``engagement.yaml`` in the folder (or any file given by its path
  whose top level holds ``units:`` and no field of the facts schema's), listing the units::

      organization: First National Bank
      assessed_on: "2026-11-20"       # optional: the date of every unit that gives none
      assessor: A. Consultant         # optional
      units:
        - name: Retail banking
          file: retail.yaml           # one respondent's facts, relative to this file
        - name: Corporate banking
          respondents:
            - {name: Ana Ruiz, role: business, file: corporate-business.yaml}
            - {name: Ben Ode, role: it, facts: {...}}   # or the facts inline
          evidence: {unit: Visited the BRM team on 2026-11-18}

Problems that make the engagement ambiguous (files of several organizations, a unit named
twice, a file listed under a unit it does not name, the same respondent twice, a path outside
the folder) refuse the whole engagement with every problem at once (`EngagementError`); a unit
whose own facts are invalid is set aside with its problems (`BrokenUnit`) and the others are
still assessed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from ..errors import EngagementError, InputError, Issue
from ..inputs.documents import Document, read_document
from ..inputs.facts import Facts, FactsReader
from ..inputs.paths import json_path
from ..inputs.records import ENGAGEMENT_FILE
from ..packs.fields import FieldTable
from ..present.words import optional_text, suggest
from ..team.roster import TEAM_LIST, team_issues
from .combine import Combined, Respondent, combine
from .evidence import Evidence, evidence_problems, read_evidence

ROLES = ("business", "it", "brm", "other")
"""Who a respondent is: someone of the business, of IT, a BRM, or another role."""
MAX_FILES = 1000
"""An engagement folder holding more facts files than this is refused (a batch is for that)."""
_SUFFIXES = (".yaml", ".yml", ".json")
_KEYS = {"organization", "assessed_on", "assessor", "notes", "units", "target_level", "brms"}


class UnitFacts(NamedTuple):
    """One business unit, ready to assess: its respondents' answers combined and validated."""

    name: str
    facts: Facts
    respondents: tuple[Respondent, ...]
    combined: tuple[Combined, ...]  # how each tested field several respondents gave was kept
    evidence: tuple[Evidence, ...]


class BrokenUnit(NamedTuple):
    """A unit whose facts cannot be used, with why: it is reported, the others assessed."""

    name: str
    error: InputError


class UnknownUnitError(EngagementError):
    """A unit asked of an engagement that holds none of that name (or none named at all):
    carries the units it holds (`known`, assessed ones first) and the nearest to the name
    asked (`suggestion`). Its one issue says the same (``allowed``, ``suggestion``)."""

    def __init__(self, source: str, unit: str | None, known: tuple[str, ...]) -> None:
        self.unit = unit
        self.known = known
        self.suggestion = suggest(unit, known) if unit else None
        said = "no unit named" if unit is None else f"no unit {unit!r} in it"
        super().__init__(source, (Issue("$", said, allowed=", ".join(known),
                                        suggestion=self.suggestion),))


class Engagement(NamedTuple):
    organization: str
    source: str  # the folder or the engagement file
    units: tuple[UnitFacts, ...]
    broken: tuple[BrokenUnit, ...] = ()
    assessed_on: str | None = None
    assessor: str | None = None
    target_level: str | None = None

    def unit(self, name: str | None) -> UnitFacts:
        """The unit named `name`. Raises its own error (an `InputError`) when its facts cannot
        be used, and `UnknownUnitError` when the engagement holds no unit of that name."""
        for unit in self.units:
            if unit.name == name:
                return unit
        for broken in self.broken:
            if broken.name == name:
                raise broken.error
        known = (*(unit.name for unit in self.units), *(broken.name for broken in self.broken))
        raise UnknownUnitError(self.source, name, known)


def is_engagement(path: str | Path) -> bool:
    """Whether `path` names an engagement: a folder, or a file named ``engagement.yaml``."""
    target = Path(path)
    return target.is_dir() or target.name == ENGAGEMENT_FILE


def read_engagement(path: str | Path, reader: FactsReader, fields: FieldTable) -> Engagement:
    """The engagement in a folder (its ``engagement.yaml``, or its facts files) or in an
    engagement file. Raises `EngagementError` with every problem of an ambiguous one."""
    target = Path(path)
    if target.is_dir() and not (target / ENGAGEMENT_FILE).exists():
        return _Folder(target, reader, fields).read()
    file = target / ENGAGEMENT_FILE if target.is_dir() else target
    return _EngagementFile(file, reader, fields).read()


class _Pending(NamedTuple):
    """A respondent's answers before they are checked: where, who, the data."""

    where: str  # the file, or the engagement file's entry
    name: str | None
    role: str | None
    data: Any
    document: Document | None
    evidence: tuple[Evidence, ...] = ()


class _Reader:
    """What both forms share: the problems found, each respondent checked, units assembled."""

    def __init__(self, source: Path, reader: FactsReader, fields: FieldTable) -> None:
        self.source = source
        self.reader = reader
        self.fields = fields
        self.issues: list[Issue] = []

    def problem(self, message: str, where: tuple[str | int, ...] = (), *,
                line: int | None = None, document: Document | None = None,
                allowed: str | None = None, suggestion: str | None = None,
                code: str = "engagement") -> None:
        """Note a problem at `where`; its line is looked up in `document` only now (finding
        lines costs a second reading of the text: a sound engagement never pays it)."""
        if line is None and document is not None:
            line = document.line_of(list(where))
        self.issues.append(Issue(json_path(where), message, allowed=allowed,
                                 suggestion=suggestion, line=line, code=code))

    def fail(self) -> EngagementError:
        return EngagementError(str(self.source), tuple(self.issues))

    def respondent_part(self, document: Document, where: str) -> tuple[str | None, str | None]:
        """The ``respondent: {name, role}`` a facts file names itself with, checked."""
        data = document.data
        given = data.get("respondent") if isinstance(data, Mapping) else None
        if given is None:
            return None, None
        if not isinstance(given, Mapping) or not isinstance(given.get("name"), str):
            self.problem(f"{where}: respondent is {{name, role}}", ("respondent",),
                         document=document, allowed="a name, and a role: " + ", ".join(ROLES),
                         code="type")
            return None, None
        return given["name"], self.role(given.get("role"), where, ("respondent", "role"),
                                        document)

    def role(self, role: Any, where: str, path: tuple[str | int, ...],
             document: Document | None) -> str | None:
        if role is None:
            return None
        if role in ROLES:
            return str(role)
        self.problem(f"{where}: {role!r} is not a respondent's role", path, document=document,
                     allowed=", ".join(ROLES),
                     suggestion=suggest(role, ROLES) if isinstance(role, str) else None,
                     code="enum")
        return None

    def unit(self, name: str, pending: Sequence[_Pending], organization: str,
             extra: Mapping[str, Any], unit_evidence: tuple[Evidence, ...],
             team: Sequence[Mapping[str, Any]] = ()) -> UnitFacts | BrokenUnit:
        """A unit from its respondents: each validated, then their answers combined; the
        engagement's BRMs serving the unit (`team`) become its BRMs unless its facts list
        their own."""
        respondents: list[Respondent] = []
        problems: list[Issue] = []
        for index, item in enumerate(pending):
            try:
                facts = self._checked(item, organization, name, extra)
            except InputError as error:
                problems += [issue._replace(message=f"{error.source}: {issue.message}")
                             for issue in error.issues]
                continue
            respondents.append(Respondent(item.name or f"respondent {index + 1}", item.role,
                                          item.where, facts.data))
        if problems:
            return BrokenUnit(name, InputError(f"unit {name!r}", tuple(problems)))
        data, combined = combine(respondents, self.fields)
        serving = [brm for brm in team if name in (brm.get("units") or ())]
        if serving and not data.get(TEAM_LIST):
            data[TEAM_LIST] = serving
        try:
            facts = self.reader.from_data(data, f"{self.source} unit {name!r}", owned=True)
        except InputError as error:  # pragma: no cover - combined valid answers stay valid
            return BrokenUnit(name, error)
        evidence = unit_evidence + tuple(e for item in pending for e in item.evidence)
        return UnitFacts(name, facts, tuple(respondents), combined, evidence)

    def _checked(self, item: _Pending, organization: str, unit: str,
                 extra: Mapping[str, Any]) -> Facts:
        data = dict(item.data) if isinstance(item.data, Mapping) else item.data
        if isinstance(data, dict):
            data.pop("respondent", None)
            if "evidence" not in self.fields:  # kept beside the facts, not in them
                data.pop("evidence", None)
            for key, value in extra.items():  # the engagement's own date, assessor...
                if key in self.fields and key not in data:
                    data[key] = value
            data.setdefault("organization", organization)
            if "business_unit" in self.fields:
                data.setdefault("business_unit", unit)
        if item.document is not None:
            return self.reader.check(item.document._replace(data=data))
        return self.reader.from_data(data, item.where)

    def _team_units(self, item: _Pending, units: Sequence[str]) -> None:
        """A unit file's BRMs may serve only units of the engagement."""
        document = item.document
        for issue in team_issues(item.data, units, None):
            if issue.code == "unknown-unit":
                parts = [int(p) if p.isdigit() else p
                         for p in issue.path.replace("[", ".").replace("]", "").split(".")[1:]]
                self.issues.append(issue._replace(
                    message=f"{item.where}: {issue.message}",
                    line=document.line_of(parts) if document is not None else None))

    def evidence_of(self, data: Any, where: str, path: tuple[str | int, ...],
                    document: Document | None, given_by: str | None) -> tuple[Evidence, ...]:
        """Evidence given beside the facts, checked here (a facts schema that defines
        ``evidence`` checks its own)."""
        if data is None:
            return ()
        for inner, message in evidence_problems(data):
            self.problem(f"{where}: {message}", (*path, *inner),
                         document=document,
                         code="evidence")
        return read_evidence(data, given_by)


    def facts_evidence(self, data: Any, where: str, document: Document | None,
                       given_by: str | None) -> tuple[Evidence, ...]:
        """The evidence a respondent's facts carry."""
        if not isinstance(data, Mapping):
            return ()
        if "evidence" in self.fields:
            return read_evidence(data.get("evidence"), given_by)
        return self.evidence_of(data.get("evidence"), where, ("evidence",), document, given_by)


class _Folder(_Reader):
    """A folder of facts files, one per respondent and unit."""

    def read(self) -> Engagement:
        files = sorted(p for p in self.source.iterdir() if p.suffix in _SUFFIXES)[:MAX_FILES + 1]
        if len(files) > MAX_FILES:
            self.problem(f"the folder holds more than {MAX_FILES} facts files", code="too-large",
                         allowed="an engagement of at most that many; a batch is for more")
            raise self.fail()
        if not files:
            self.problem("the folder holds no facts files (*.yaml, *.yml, *.json) and no "
                         f"{ENGAGEMENT_FILE}", code="empty")
            raise self.fail()
        documents = [read_document(path) for path in files]  # unreadable: its own error
        units: dict[str, list[_Pending]] = {}
        organizations: dict[str, list[str]] = {}
        for path, document in zip(files, documents, strict=True):
            self._sort(path, document, units, organizations)
        organization = self._one_organization(organizations)
        self._no_respondent_twice(units)
        for pending in units.values():
            for item in pending:
                self._team_units(item, list(units))
        if self.issues:
            raise self.fail()
        built = [self.unit(name, pending, organization, {}, ())
                 for name, pending in units.items()]
        return _engagement(organization, str(self.source), built, None, None, None)

    def _sort(self, path: Path, document: Document, units: dict[str, list[_Pending]],
              organizations: dict[str, list[str]]) -> None:
        data = document.data
        where = path.name
        if not isinstance(data, Mapping):
            self.problem(f"{where}: a facts file is a mapping", line=1, code="type")
            return
        unit = data.get("business_unit")
        if not isinstance(unit, str) or not unit.strip():
            self.problem(f"{where}: names no business_unit; in an engagement folder every "
                         "file is one unit's answers", ("business_unit",), line=1,
                         allowed=f"a business_unit, or an {ENGAGEMENT_FILE} listing the units",
                         code="required")
            return
        organization = data.get("organization")
        if isinstance(organization, str):
            organizations.setdefault(organization, []).append(where)
        name, role = self.respondent_part(document, where)
        units.setdefault(unit, []).append(_Pending(where, name, role, data, document,
                                                   self.facts_evidence(data, where, document,
                                                                       name)))

    def _one_organization(self, organizations: Mapping[str, list[str]]) -> str:
        if len(organizations) == 1:
            return next(iter(organizations))
        if not organizations:
            self.problem("no file names the organization", ("organization",), code="required")
            return ""
        first, *others = sorted(organizations, key=lambda name: -len(organizations[name]))
        for other in others:
            self.problem(f"{', '.join(organizations[other])} name(s) the organization "
                         f"{other!r}, the other files {first!r}: an engagement is one "
                         "organization", ("organization",), allowed=first,
                         code="other-organization")
        return first

    def _no_respondent_twice(self, units: Mapping[str, list[_Pending]]) -> None:
        for unit, pending in units.items():
            if len(pending) > 1 and any(item.name is None for item in pending):
                unnamed = [item.where for item in pending if item.name is None]
                self.problem(f"unit {unit!r} has {len(pending)} files, and "
                             f"{', '.join(unnamed)} do(es) not say whose answers they are",
                             ("respondent",), allowed="respondent: {name, role} in each file",
                             code="respondent")
            seen: dict[str, str] = {}
            for item in pending:
                if item.name is not None and item.name in seen:
                    self.problem(f"{item.where} and {seen[item.name]} both answer for unit "
                                 f"{unit!r} as {item.name!r}", ("respondent", "name"),
                                 code="duplicate-respondent")
                elif item.name is not None:
                    seen[item.name] = item.where


class _EngagementFile(_Reader):
    """An engagement file listing the units, their respondents' files or inline facts."""

    _resolved: Path | None = None

    def read(self) -> Engagement:
        document = read_document(self.source)
        data = document.data
        if not isinstance(data, Mapping) or not isinstance(data.get("units"), list) or not (
                data["units"]):
            self.problem("an engagement file lists its units: `units: [{name, file}, ...]`",
                         ("units",), line=1, code="required")
            raise self.fail()
        for key in data:
            if key not in _KEYS:
                self.problem(f"unknown key {key!r} of an engagement file", (key,),
                             line=document.line_of([key], key=True), allowed=", ".join(
                                 sorted(_KEYS)), suggestion=suggest(key, sorted(_KEYS)),
                             code="unknown-field")
        organization = data.get("organization")
        if not isinstance(organization, str) or not organization.strip():
            self.problem("an engagement file names its organization", ("organization",),
                         line=1, code="required")
            organization = ""
        extra = {key: data[key] for key in ("assessed_on", "assessor") if key in data}
        listed = [self._unit(index, item, document, organization)
                  for index, item in enumerate(data["units"])]
        self._names_once(listed, document)
        team = self._team(data, document, [name for name, _, _ in listed if name])
        if self.issues:
            raise self.fail()
        built = [self.unit(name, pending, organization, extra, evidence, team)
                 for name, pending, evidence in listed if name]
        target = data.get("target_level")
        return _engagement(organization, str(self.source), built, optional_text(data.get(
            "assessed_on")), optional_text(data.get("assessor")), target if isinstance(target, str)
            else None)

    def _team(self, data: Mapping[str, Any], document: Document, units: Sequence[str]
              ) -> list[Mapping[str, Any]]:
        """The engagement's BRMs (``brms:``, each serving some of its units), checked as the
        facts schema checks a unit's, and against the engagement's units."""
        team = data.get(TEAM_LIST)
        if team is None:
            return []
        if TEAM_LIST not in self.fields:
            self.problem("the pack's facts do not list BRMs", (TEAM_LIST,),
                         document=document, code="unknown-field")
            return []

        def line_of(parts: list[str | int], is_key: bool = False) -> int | None:
            return document.line_of(parts, key=is_key)
        probe = {TEAM_LIST: team}
        found = [issue for issue in self.reader.validator.issues(probe, line_of)
                 if issue.path.startswith(f"$.{TEAM_LIST}")]
        found += team_issues(probe, units, line_of)
        self.issues.extend(found)
        return [brm for brm in team if isinstance(brm, Mapping)] if not found else []

    def _unit(self, index: int, item: Any, document: Document, organization: str
              ) -> tuple[str, list[_Pending], tuple[Evidence, ...]]:
        where: tuple[str | int, ...] = ("units", index)
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str) or not (
                item["name"].strip()):
            self.problem("a unit is {name, file | facts | respondents}", where,
                         document=document, code="required")
            return "", [], ()
        name = item["name"]
        unknown = set(item) - {"name", "file", "facts", "respondents", "evidence"}
        for key in sorted(unknown):
            self.problem(f"unknown key {key!r} of a unit", (*where, key), document=document,
                         allowed="name, file, facts, respondents, evidence",
                         suggestion=suggest(key, ["file", "facts", "respondents", "evidence"]),
                         code="unknown-field")
        entries = item.get("respondents")
        if entries is None:
            entries = [{key: item[key] for key in ("file", "facts") if key in item}]
        elif not isinstance(entries, list) or not entries:
            self.problem(f"unit {name!r}: respondents is a list", (*where, "respondents"),
                         document=document, code="type")
            entries = []
        pending = [self._respondent(entry, (*where, "respondents", number), document,
                                    name, organization)
                   for number, entry in enumerate(entries)]
        evidence = self.evidence_of(item.get("evidence"), f"unit {name!r}",
                                    (*where, "evidence"), document, None)
        return name, [p for p in pending if p is not None], evidence

    def _respondent(self, entry: Any, where: tuple[str | int, ...], document: Document,
                    unit: str, organization: str) -> _Pending | None:
        if not isinstance(entry, Mapping) or ("file" in entry) == ("facts" in entry):
            self.problem(f"unit {unit!r}: each respondent gives a file or inline facts "
                         "(one of them)", where, document=document, allowed="file: PATH, or "
                         "facts: {...}", code="required")
            return None
        name = entry.get("name")
        role = self.role(entry.get("role"), f"unit {unit!r}", (*where, "role"), document)
        if "facts" in entry:
            where_text = f"{self.source.name} unit {unit!r}"
            return _Pending(where_text, name, role, entry["facts"], None,
                            self.facts_evidence(entry["facts"], where_text, None, name))
        path = self._inside(entry["file"], (*where, "file"), document)
        if path is None:
            return None
        try:
            facts_document = read_document(path)
        except InputError as error:
            self.issues += [issue._replace(message=f"{path.name}: {issue.message}")
                            for issue in error.issues]
            return None
        own_name, own_role = self.respondent_part(facts_document, path.name)
        data = facts_document.data
        if isinstance(data, Mapping):
            self._same_unit(data, unit, organization, path.name, (*where, "file"), document)
        who = name or own_name
        return _Pending(path.name, who, role or own_role, data, facts_document,
                        self.facts_evidence(data, path.name, facts_document, who))


    def _inside(self, given: Any, where: tuple[str | int, ...], document: Document
                ) -> Path | None:
        folder = self.source.parent
        if not isinstance(given, str) or not given.strip():
            self.problem("a respondent's file is a path relative to the engagement file",
                         where, document=document, code="type")
            return None
        path = folder / given
        try:
            inside = path.resolve().is_relative_to(self._root())
        except (OSError, RuntimeError):
            inside = False
        if not inside:
            self.problem(f"{given!r} leads outside the engagement's folder", where,
                         document=document, allowed="a file inside " + str(folder),
                         code="outside-folder")
            return None
        if not path.is_file():
            self.problem(f"{given!r} is not a file in {folder}", where, document=document,
                         code="missing-file")
            return None
        return path

    def _root(self) -> Path:
        """The engagement's folder, resolved once."""
        if self._resolved is None:
            self._resolved = self.source.parent.resolve()
        return self._resolved

    def _same_unit(self, data: Mapping[str, Any], unit: str, organization: str, name: str,
                   where: tuple[str | int, ...], document: Document) -> None:
        own_unit, own_organization = data.get("business_unit"), data.get("organization")
        if isinstance(own_unit, str) and own_unit != unit:
            self.problem(f"{name} answers for the unit {own_unit!r}, but is listed under "
                         f"{unit!r}", where, document=document, allowed=unit,
                         code="other-unit")
        if isinstance(own_organization, str) and organization and own_organization != (
                organization):
            self.problem(f"{name} names the organization {own_organization!r}, not "
                         f"{organization!r}", where, document=document, allowed=organization,
                         code="other-organization")

    def _names_once(self, listed: Sequence[tuple[str, list[_Pending], Any]],
                    document: Document) -> None:
        seen: dict[str, int] = {}
        for index, (name, pending, _) in enumerate(listed):
            if not name:
                continue
            if name in seen:
                self.problem(f"two units are named {name!r} (units[{seen[name]}] and "
                             f"units[{index}])", ("units", index, "name"),
                             line=document.line_of(["units", index, "name"]),
                             code="duplicate-unit")
            seen.setdefault(name, index)
            names = [p.name for p in pending if p.name is not None]
            for twice in sorted({n for n in names if names.count(n) > 1}):
                self.problem(f"unit {name!r}: {twice!r} answers twice", ("units", index),
                             line=document.line_of(["units", index]),
                             code="duplicate-respondent")
            if len(pending) > 1 and len(names) < len(pending):
                self.problem(f"unit {name!r} has {len(pending)} respondents: name each",
                             ("units", index, "respondents"),
                             line=document.line_of(["units", index]), code="respondent")


def _engagement(organization: str, source: str, built: Sequence[UnitFacts | BrokenUnit],
                assessed_on: str | None, assessor: str | None, target: str | None
                ) -> Engagement:
    return Engagement(organization, source,
                      tuple(unit for unit in built if isinstance(unit, UnitFacts)),
                      tuple(unit for unit in built if isinstance(unit, BrokenUnit)),
                      assessed_on, assessor, target)
