"""Numbers the engine's JSON parser cannot read as Python writes them (``1e-05``, ``1e+16``)
are written so it can, in the input facts and in the rules' thresholds alike."""

from __future__ import annotations

import json
import math
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from brm_advisor.engine import Advisor, load_pack
from brm_advisor.engine.inference import engine_json

SCHEMA = {"type": "object", "additionalProperties": False, "required": ["organization", "x"],
          "properties": {"organization": {"type": "string"}, "x": {"type": "number"}}}
PACK = """pack:
  id: tiny
  name: Tiny
  version: 0.1.0
  description: d
  facts_schema: facts.json
  sources: [{{id: own, title: Own}}]
levels:
  - {{id: low, name: Low, summary: s, source: own}}
  - {{id: high, name: High, summary: s, source: own}}
criteria:
  - {{id: high.x, level: high, text: t, source: own, when: {{fact: x, at_least: {threshold}}}}}
recommendations:
  - {{id: rec.high, level: high, addresses: [high.x], action: a, source: own}}
"""
FLOATS = st.floats(allow_nan=False, allow_infinity=False)


@given(FLOATS)
@example(1e-05)
@example(1e16)
@example(5e-324)
def test_a_float_is_written_as_the_same_number_with_a_decimal_point(value):
    text = engine_json.dumps({"x": value, "s": "1e5 stays text"})
    assert json.loads(text) == {"x": value, "s": "1e5 stays text"}
    written = text.split(":")[1].split(",")[0]
    assert "e" not in written or "." in written.split("e")[0]


def advisor_for(folder: Path, threshold: float) -> Advisor:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pack.yaml").write_text(PACK.format(threshold=repr(threshold)))
    (folder / "facts.json").write_text(json.dumps(SCHEMA))
    return Advisor(load_pack(folder))


@settings(max_examples=60, deadline=None)
@given(threshold=FLOATS, value=FLOATS)
@example(threshold=0.0, value=1e-05)
@example(threshold=1e-05, value=0.00001)
@example(threshold=1e16, value=1e-300)
@example(threshold=-5e-324, value=5e-324)
def test_the_engine_compares_any_finite_numbers_as_python_does(tmp_path_factory, threshold,
                                                               value):
    folder = tmp_path_factory.mktemp("tiny")
    with advisor_for(folder, threshold) as advisor:
        diagnosis = advisor.assess(advisor.reader.from_data({"organization": "X",
                                                             "x": value}))
    assert math.isfinite(value)
    assert diagnosis.criterion("high.x").met is (value >= threshold)


def test_a_yaml_number_with_an_exponent_is_a_number_as_in_json(tmp_path):
    from brm_advisor.engine.inputs.documents import read_document

    path = tmp_path / "n.yaml"
    path.write_text("a: 1e-05\nb: 2E+3\nc: 1.5e3\nd: e5\ne: 1e\n")
    assert read_document(path).data == {"a": 1e-05, "b": 2000.0, "c": 1500.0, "d": "e5",
                                        "e": "1e"}


def test_the_reference_path_reads_such_numbers_too(tmp_path):
    from brm_advisor.engine.inference.reference import assess_reference

    with advisor_for(tmp_path / "ref", 1e-05) as advisor:
        for value in (1e-05, 5e-324, 1e16, 0.0):
            facts = advisor.reader.from_data({"organization": "X", "x": value})
            assert assess_reference(advisor, facts) == advisor.assess(facts)
            assert advisor.assess(facts).criterion("high.x").met is (value >= 1e-05)
