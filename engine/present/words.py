"""The words brm-advisor prints, in one place: statuses, values, "did you mean".

Two registers, on purpose: *terse* words for terminals and machine-like listings ("unmet",
``[] (none)``), and *prose* words for reports a client reads ("not met", "none"). Every
renderer, error and prompt takes its words from here, so the two registers cannot drift apart
from themselves.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

STATUS_TERSE: dict[str, tuple[str, str]] = {
    "level": ("attained", "not attained"),
    "criterion": ("met", "unmet"),
    "derived": ("holds", "does not hold"),
}
"""What a conclusion of each kind is called when true and when false, at a terminal."""

STATUS_PROSE: dict[str, tuple[str, str]] = {**STATUS_TERSE, "criterion": ("met", "not met")}
"""The same in reports: "not met" reads better in a sentence than "unmet"."""


def status(kind: str, value: bool, *, prose: bool = False) -> str:
    """``status("criterion", False)`` -> ``"unmet"`` (``"not met"`` with `prose`)."""
    words = (STATUS_PROSE if prose else STATUS_TERSE)[kind]
    return words[0] if value else words[1]


UNNAMED = "(unnamed organization)"
"""Who was assessed, when the facts do not say (a facts schema without ``organization``, or
an empty one)."""


def organization_name(name: str | None) -> str:
    """The organization assessed as a heading shows it: its name, or `UNNAMED`."""
    shown = " ".join(str(name or "").split())
    return shown or UNNAMED


def met_word(value: bool | None) -> str:
    """A criterion's state in a comparison, where it may be absent from one side."""
    return "absent" if value is None else status("criterion", value)


MOVED: dict[str, str] = {"up": "up", "down": "down", "same": "unchanged", "moved": "changed",
                         "new": "not rated before", "gone": "not rated after"}
"""How a dimension's level moved between two assessments (`DimensionChange.moved`)."""

UNIT_MOVED: dict[str, str] = {**MOVED, "new": "not assessed before",
                              "gone": "not assessed since"}
"""How a business unit's level moved between two engagements (`UnitChange.moved`)."""


def optional_text(value: Any) -> str | None:
    """A value read from YAML as text (a date read as a date, a number), or None when absent."""
    return None if value is None else str(value)


def plain(value: Any) -> str:
    """A value as YAML would spell it: ``true``/``false`` for booleans, else ``str``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def show_value(value: Any) -> str:
    """A fact's value at a terminal: ``(not given)``, ``true``, ``[a, b]``, ``[] (none)``."""
    if value is None:
        return "(not given)"
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]" if value else "[] (none)"
    return plain(value)


def quoted_answer(value: Any) -> str:
    """A respondent's answer quoted in a finding across units: a list as at a terminal
    (``[a, b]``, ``[] (none)``), ``yes``/``no`` for booleans, else ``str``."""
    if isinstance(value, list):
        return show_value(value)
    if isinstance(value, bool):
        return prose_value(value)
    return str(value)


def prose_value(value: Any) -> str:
    """A fact's value in a report: ``not given``, ``yes``/``no``, ``a, b``, ``none``."""
    if value is None:
        return "not given"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(map(str, value)) if value else "none"
    return str(value)


MAX_SHOWN = 60
"""Characters of a user's value echoed in an error message (the rest is elided)."""


def describe_value(value: Any) -> str:
    """What a value *is*, for an error message: ``'text'``, ``3``, ``a list of 2 items``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return plain(value)
    if isinstance(value, str):
        return repr(value if len(value) <= MAX_SHOWN else value[:MAX_SHOWN - 3] + "...")
    if isinstance(value, int):
        return _number(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list):
        return f"a list of {len(value)} item{'s' if len(value) != 1 else ''}"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _number(value: int) -> str:
    """An integer, shortened when it is too long to read (and to convert: Python refuses
    more than 4,300 digits)."""
    if value.bit_length() > 200:
        return f"a whole number of about {int(value.bit_length() * 0.30103)} digits"
    return repr(value)


def suggest(word: Any, choices: Iterable[Any]) -> str | None:
    """The closest of `choices` to `word`, if one is close enough to be a likely typo."""
    if not isinstance(word, str):
        return None
    pool = [str(choice) for choice in choices]
    lowered = {choice.lower(): choice for choice in pool}
    if word.lower() in lowered and lowered[word.lower()] != word:
        return lowered[word.lower()]
    matches = difflib.get_close_matches(word, pool, n=1, cutoff=0.6)
    if matches:
        return matches[0]
    if len(word) >= 3:  # an abbreviation: "comms" for "communication"
        starts = [c for c in pool if c.lower().startswith(word.lower()[:4])]
        if len(starts) == 1:
            return starts[0]
    if len(word) >= 4:  # a part of the name: "partner" for "strategic_partner"
        within = [c for c in pool if word.lower() in c.lower()]
        if len(within) == 1:
            return within[0]
    return None


def did_you_mean(suggestion: str | None) -> str:
    """`` (did you mean 'x'?)`` after a message, or nothing."""
    return f" (did you mean {suggestion!r}?)" if suggestion else ""


def allowed_and_hint(allowed: str | None, suggestion: str | None) -> str:
    """``; allowed: a, b (did you mean 'a'?)``: the tail every problem message ends with."""
    text = f"; allowed: {allowed}" if allowed else ""
    return text + did_you_mean(suggestion)


def plural(count: int, singular: str, many: str | None = None) -> str:
    """``1 problem``, ``2 problems``."""
    return f"{count} {singular if count == 1 else many or singular + 's'}"
