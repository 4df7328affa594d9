"""The portfolio library the CLI is a thin face of: BatchOutput (the output and the history kept
in step, in transactions of a chunk), the history's timeline and listing, snapshots for
comparisons, and which output would overwrite an input."""

from __future__ import annotations

import io
import json
import shutil

import pytest

from brm_advisor.engine import EngineError, HistoryError
from brm_advisor.engine.inputs.records import Record, read_records
from brm_advisor.engine.portfolio.batch import (
    BatchOutput,
    assess_all,
    batch_id,
    overwritten_input,
)
from brm_advisor.engine.portfolio.compare import compare, load_snapshot, saved_number
from brm_advisor.engine.portfolio.history import History

from conftest import ROOT

EXAMPLES = ROOT / "examples"
ACME = {"organization": "Acme Corp", "brm": {"formal_role": True},
        "engagement": {"mode": "order_taking", "prioritization": "first_come",
                       "lifecycle": ["planning", "delivery"]},
        "measures": ["satisfaction", "service_levels"]}


class SmallChunks(BatchOutput):
    CHUNK = 2


def outcomes(advisor, count: int, invalid_at: int | None = None):
    records = [Record(f"r:{i}", {**ACME, "organization": f"Org {i}"}) if i != invalid_at
               else Record(f"r:{i}", {"organization": ""}) for i in range(count)]
    return list(assess_all(advisor.pack, records, advisor=advisor, keep=True))


def test_valid_assessments_are_saved_a_chunk_at_a_time_after_being_written(tmp_path, advisor):
    stream = io.StringIO()
    with History(tmp_path / "h.sqlite") as history, \
            SmallChunks(stream, history, "b") as out:
        seen = []
        for outcome in outcomes(advisor, 5, invalid_at=1):
            out.write(outcome)
            seen.append((out.written, out.saved))
        assert seen == [(1, 0), (2, 0), (3, 2), (4, 2), (5, 4)]
    assert out.saved == 4 and out.summary.invalid == 1  # the last one saved at the end
    assert len(stream.getvalue().splitlines()) == 5
    with History(tmp_path / "h.sqlite") as history:
        assert [s.source for s in history.assessments()] == ["r:0", "r:2", "r:3", "r:4"]


@pytest.mark.parametrize("stop", [KeyboardInterrupt, EngineError])
def test_a_stopped_batch_keeps_and_saves_what_it_wrote(tmp_path, advisor, stop):
    path, db = tmp_path / "out.csv", tmp_path / "h.sqlite"
    path.write_text("old\n")
    results = outcomes(advisor, 3)
    with History(db) as history, pytest.raises(stop), SmallChunks(path, history, "b") as out:
        for outcome in results:
            out.write(outcome)
        raise stop("stop")
    assert len(path.read_text().splitlines()) == 4  # the header and three rows
    with History(db) as history:
        assert len(history.assessments()) == 3 == out.saved


def test_a_failed_batch_leaves_the_old_file_and_saves_nothing_more(tmp_path, advisor):
    path, db = tmp_path / "out.jsonl", tmp_path / "h.sqlite"
    path.write_text("old\n")
    with History(db) as history, pytest.raises(OSError), SmallChunks(path, history, "b") as out:
        for outcome in outcomes(advisor, 3):
            out.write(outcome)
        raise OSError(28, "No space left on device")
    assert path.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.sqlite", "out.jsonl"]
    with History(db) as history:  # the first chunk was saved (and written) before the failure
        assert len(history.assessments()) == 2 == out.saved


def test_a_read_only_history_is_refused_before_anything_is_written(tmp_path):
    db = tmp_path / "h.sqlite"
    History(db).close()
    out = tmp_path / "out.jsonl"
    with History(db, read_only=True) as history:
        with pytest.raises(HistoryError, match="is read-only"), BatchOutput(out, history):
            pass
        with pytest.raises(HistoryError, match="1 assessment could not be saved"):
            history.save_many([({}, {}, "x")])
    assert not out.exists()


def test_the_timeline_and_the_listing(tmp_path, advisor):
    with History(tmp_path / "h.sqlite") as history:
        for outcome in outcomes(advisor, 2):
            history.save_many([(outcome.facts, outcome.result, outcome.source)])
        listed = history.assessments()
        timeline = history.timeline("Org 1")
        with pytest.raises(HistoryError, match="did you mean 'Org 1'"):
            history.timeline("org 1")
    assert timeline.trend == "single" and [s.id for s in timeline.assessments] == [2]
    assert timeline.to_dict()["assessments"][0]["level"]["id"] == "order_taker"
    assert [item.summary()["id"] for item in listed] == [1, 2]


def test_snapshots_from_files_and_from_the_history(tmp_path, advisor):
    db = tmp_path / "h.sqlite"
    facts = advisor.read(EXAMPLES / "acme.yaml")
    with History(db) as history:
        history.save(facts.data, advisor.assess(facts), "acme.yaml")
    saved = load_snapshot(advisor, "#1", db)
    fresh = load_snapshot(advisor, str(EXAMPLES / "initech-advisor.json"), db)
    piped = load_snapshot(advisor, "-", db, io.BytesIO((EXAMPLES / "acme.yaml").read_bytes()))
    assert load_snapshot(advisor, "nothing-here", db) is None
    assert saved is not None and fresh is not None and piped is not None
    assert saved.label == "#1" and piped.label == "-"
    assert compare(advisor, saved, piped).facts_changed == ()
    assert compare(advisor, saved, fresh).overall.level_after["id"] == "advisor"
    assert [saved_number(r) for r in ("#12", "12", "#x", "１２")] == [12, 12, None, None]


def test_which_output_would_overwrite_an_input(tmp_path):
    folder = tmp_path / "orgs"
    folder.mkdir()
    shutil.copy(EXAMPLES / "acme.yaml", folder / "acme.yaml")
    lines = tmp_path / "orgs.jsonl"
    lines.write_text(json.dumps(ACME) + "\n")
    inputs = [str(folder), str(lines), "-"]
    assert overwritten_input(lines, inputs) == str(lines)
    assert overwritten_input(folder / "acme.yaml", inputs) == str(folder)
    assert overwritten_input(folder / "new.yaml", inputs) is None  # not there yet: not read
    assert overwritten_input(tmp_path / "out.jsonl", inputs) is None
    assert batch_id(inputs) == f"{folder} {lines} -"
    records = list(read_records(inputs[:2], {}))
    assert [r.source for r in records] == [str(folder / "acme.yaml"), f"{lines}:1"]


def test_an_input_that_cannot_be_opened_is_one_invalid_record_not_the_end(tmp_path):
    lines = tmp_path / "orgs.jsonl"
    lines.write_text(json.dumps(ACME) + "\n")
    gone = tmp_path / "gone.csv"  # deleted after the command checked it, say
    first, second = read_records([str(gone), str(lines)], {})
    assert first.source == str(gone) and first.issues[0].code == "unreadable"
    assert "cannot be read: No such file or directory" in first.issues[0].message
    assert second.data == ACME
