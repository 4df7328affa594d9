"""The workshop's store (brm serve): units being answered, saved answer by answer, never
silently overwritten by another browser."""

from __future__ import annotations

import sqlite3

import pytest

from brm_advisor.engine import ConflictError, History, NotFoundError, Workshop
from brm_advisor.engine.portfolio.workshop import with_answer


@pytest.fixture
def workshop(tmp_path):
    with History(tmp_path / "h.sqlite") as history:
        yield Workshop(history)


def test_a_unit_is_created_answered_and_read_back(workshop):
    draft = workshop.create("Acme  Corp", "Retail", "merlyn-brm")
    assert (draft.organization, draft.business_unit, draft.version) == ("Acme Corp", "Retail", 1)
    assert draft.facts == {"organization": "Acme Corp", "business_unit": "Retail"}
    after = workshop.answer(draft.id, "engagement.mode", "advisory", 1, None)
    assert after.version == 2 and after.facts["engagement"] == {"mode": "advisory"}
    assert workshop.drafts("Acme Corp") == [after]
    assert workshop.organizations() == ["Acme Corp"]


def test_another_browser_s_answer_to_the_same_question_is_never_overwritten(workshop):
    draft = workshop.create("Acme", "Retail", "merlyn-brm")
    workshop.answer(draft.id, "engagement.mode", "advisory", 1, None)  # browser A
    with pytest.raises(ConflictError) as raised:  # browser B saw version 1, mode unanswered
        workshop.answer(draft.id, "engagement.mode", "reactive", 1, None)
    error = raised.value
    assert (error.path, error.yours, error.theirs, error.version) == (
        "engagement.mode", "reactive", "advisory", 2)
    assert workshop.draft(draft.id).facts["engagement"]["mode"] == "advisory"


def test_answers_to_other_questions_meanwhile_are_merged(workshop):
    draft = workshop.create("Acme", "Retail", "merlyn-brm")
    workshop.answer(draft.id, "engagement.mode", "advisory", 1, None)  # browser A
    after = workshop.answer(draft.id, "measures", ["satisfaction"], 1, None)  # B, stale
    assert after.version == 3
    assert after.facts["engagement"]["mode"] == "advisory"
    assert after.facts["measures"] == ["satisfaction"]


def test_an_answer_removed_takes_its_empty_group_along():
    facts = {"organization": "A", "brm": {"formal_role": True}}
    assert with_answer(facts, "brm.formal_role", None) == {"organization": "A"}
    assert facts == {"organization": "A", "brm": {"formal_role": True}}  # not changed


def test_unknown_units_and_duplicates_are_clear_errors(workshop):
    with pytest.raises(NotFoundError, match="no unit '#99'"):
        workshop.draft(99)
    with pytest.raises(NotFoundError):
        workshop.answer(99, "engagement.mode", "advisory", 1, None)
    workshop.create("Acme", "Retail", "merlyn-brm")
    with pytest.raises(ConflictError):
        workshop.create("Acme", "Retail", "merlyn-brm")


def test_a_history_of_schema_3_gains_the_workshop(tmp_path):
    path = tmp_path / "old.sqlite"
    with History(path) as history:
        history._db.execute("DROP TABLE workshop_units")
        history._db.execute("UPDATE schema_version SET version = 3")
    with History(path) as history:
        assert Workshop(history).drafts() == []
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT version FROM schema_version").fetchone() == (4,)


def test_a_unit_s_facts_for_a_pack_without_a_business_unit_field(workshop):
    draft = workshop.create("Acme", "Retail", "brmi-relationship")
    assert draft.facts_for({"organization": None}) == {"organization": "Acme"}
    assert draft.facts_for({"organization": None, "business_unit": None}) == draft.facts
