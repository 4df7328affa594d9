"""The fast inference path equals the plain one: result for result, trace step for trace step,
byte for byte, error for error (speed itself is measured by bench/bench.py, never here).

`Advisor.assess` keeps one engine session, asserts conclusions decided together as one fact and
reads the result off precomputed tables; `reference.assess_reference` runs a fresh session per
assessment, asserts each conclusion alone as it is decided and builds the result by walking the
pack. Both run the same compiled ruleset."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import Any

import durable_rules_engine
import pytest

from brm_advisor.engine import Advisor, EngineError, RunawayError, resolve_pack
from brm_advisor.engine.inference.durable_adapter import (
    Chain,
    ConflictingConclusions,
    DurableRuleset,
)
from brm_advisor.engine.inference.reference import assess_reference
from brm_advisor.engine.packs.discovery import shipped_packs
from brm_advisor.engine.present.text import render_json

PACKS = [ref.id for ref in shipped_packs()]


def random_facts(pack: Any, rng: random.Random, count: int) -> Iterator[dict[str, Any]]:
    """Valid facts for any pack: every testable field drawn from what its schema allows (or
    left out when optional); documents the schema refuses are skipped."""
    made = 0
    while made < count:
        data = pack.fields.placeholder_document()
        for path, field in pack.fact_paths.items():
            if path.startswith("respondent."):  # who answered: a pair, drawn apart it fails
                continue
            value = _draw(field, rng)
            if value is _ABSENT:
                if not field.required:
                    _remove(data, path.split("."))
                continue
            _place(data, path.split("."), value)
        data["organization"] = f"Org {made}"
        yield data
        made += 1


_ABSENT = object()


def _draw(field: Any, rng: random.Random) -> Any:
    if not field.required and rng.random() < 0.25:
        return _ABSENT
    if field.kind == "list":
        return [item for item in field.choices if rng.random() < 0.5]
    if field.choices:
        return rng.choice(field.choices)
    if field.kind == "boolean":
        return rng.random() < 0.5
    if field.kind in ("integer", "number"):
        low = int(field.minimum if field.minimum is not None else 0)
        high = int(field.maximum if field.maximum is not None else 10)
        return rng.randint(low, min(high, low + 10))
    return _ABSENT


def _place(data: dict[str, Any], parts: list[str], value: Any) -> None:
    for part in parts[:-1]:
        data = data.setdefault(part, {})
    data[parts[-1]] = value


def _remove(data: dict[str, Any], parts: list[str]) -> None:
    for part in parts[:-1]:
        data = data.get(part, {})
    data.pop(parts[-1], None)


def samples(advisor: Advisor, count: int, seed: int) -> list[Any]:
    rng = random.Random(seed)
    found = []
    for data in random_facts(advisor.pack, rng, count * 2):
        try:
            found.append(advisor.reader.from_data(data))
        except Exception:  # noqa: BLE001 - a draw the schema refuses (e.g. a dependency)
            continue
        if len(found) == count:
            break
    return found


@pytest.fixture(scope="module", params=PACKS)
def pack_advisor(request: Any) -> Iterator[Advisor]:
    with Advisor(resolve_pack(request.param)) as advisor:
        yield advisor


def test_fast_and_reference_paths_give_the_same_results(pack_advisor):
    advisor = pack_advisor
    levels = [None] + [level.id for level in advisor.pack.levels]
    facts = samples(advisor, 400, seed=14)
    assert len(facts) > 300
    for index, item in enumerate(facts):
        target = levels[index % len(levels)]
        fast = advisor.assess(item, target)
        plain = assess_reference(advisor, item, target)
        assert fast == plain, item.data
        assert render_json(fast) == render_json(plain)  # the trace too, in the same order


def test_the_encoder_builds_the_fact_and_values_the_plain_way(pack_advisor):
    advisor = pack_advisor
    compiled = advisor.compiled
    for index, item in enumerate(samples(advisor, 200, seed=7)):
        text, values = advisor._tables.encode(item.data, index % 5)
        encoded = compiled.encode(item.data, index % 5)
        assert text == json.dumps(encoded)  # the same keys, in the same order
        assert values == compiled.decode_all(encoded)


def test_the_engines_order_is_replayed_exactly(pack_advisor):
    """The trace's order is the engine's when each conclusion is asserted alone: worked out
    from the rules that fired by sorting (when no rule fired before what it joins) or by
    replaying the engine's choices; both agree with the reference run."""
    advisor = pack_advisor
    tables = advisor._tables
    for item in samples(advisor, 150, seed=41):
        target = advisor.level_ref(item.target_level) if item.target_level else None
        dimensions = {key: ref.rank for key, ref in advisor.dimension_targets(target).items()}
        text, _ = tables.encode(item.data, target.rank if target else 0, dimensions)
        fired = advisor._ruleset.infer(text, tables.chain, max_firings=advisor.max_firings)
        expected = [step.engine_rule for step in assess_reference(advisor, item).trace]
        assert [tables.chain.names[rule] for rule in tables.firsts(fired)] == expected
        assert [tables.chain.names[rule] for rule in tables._replayed(fired)] == expected
        shuffled = list(fired)
        random.Random(len(fired)).shuffle(shuffled)  # whatever order the waves came in
        assert tables._replayed(shuffled) == tables.firsts(fired)


def test_the_kept_session_is_empty_after_every_assessment(advisor, base_facts):
    facts = advisor.reader.from_data(base_facts)
    for _ in range(50):
        advisor.assess(facts)
    ruleset = advisor._ruleset
    assert json.loads(durable_rules_engine.get_facts(ruleset._handle, ruleset._kept[0])) == []


def test_the_trace_is_built_on_first_read_and_equals_its_tuple(advisor, base_facts):
    facts = advisor.reader.from_data(base_facts)
    diagnosis = advisor.assess(facts)
    assert diagnosis.trace._steps is None  # nothing built yet
    steps = tuple(diagnosis.trace)
    assert diagnosis.trace == steps and steps == diagnosis.trace
    assert diagnosis._replace(trace=steps) == diagnosis
    for hashed in (steps, diagnosis.trace):  # lists of values inside: hashed alike, not at all
        with pytest.raises(TypeError):
            hash(hashed)
    assert len(diagnosis.trace) == len(steps) and diagnosis.trace[-1] == steps[-1]


@pytest.mark.parametrize("firings", [1, 5, 29])
def test_a_run_away_assessment_fails_as_the_reference_path_does(seed_pack, base_facts, firings):
    with Advisor(seed_pack, max_firings=firings) as advisor:
        facts = advisor.reader.from_data(base_facts)
        with pytest.raises(RunawayError) as fast:
            advisor.assess(facts)
        with pytest.raises(RunawayError) as plain:
            assess_reference(advisor, facts)
        assert (str(fast.value), fast.value.rules) == (str(plain.value), plain.value.rules)
        ruleset = advisor._ruleset
        assert json.loads(durable_rules_engine.get_facts(ruleset._handle, ruleset._kept[0])) == []
        advisor.max_firings = 1000  # and the kept session is usable again
        assert advisor.assess(facts) == assess_reference(advisor, facts)


# --- the adapter's fast path --------------------------------------------------------------

def _chain(rules: dict[str, tuple[str, bool, tuple[str, str] | None]]) -> Chain:
    """rule name -> (conclusion, value, (fact type, key and value) or None)."""
    names = list(rules)
    conclusions = list(dict.fromkeys(conclusion for conclusion, _, _ in rules.values()))
    return Chain({name: index for index, name in enumerate(names)}, names,
                 [conclusions.index(rules[name][0]) for name in names],
                 [rules[name][1] for name in names], [rules[name][2] for name in names])


CHAINED = {
    "a": {"all": [{"m": {"$and": [{"t": "facts"}, {"x": 1}]}}], "pri": 1},
    "b": {"all": [{"m": {"$and": [{"t": "facts"}, {"y": 1}]}}], "pri": 1},
    "c": {"all": [{"m_0": {"$and": [{"t": "d"}, {"c0": True}]}},
                  {"m_1": {"$and": [{"t": "d"}, {"c1": True}]}}], "pri": 2, "dist": 0},
    "e": {"all": [{"m": {"$and": [{"t": "d"}, {"c2": True}]}}], "pri": 3},
}
CHAIN = _chain({"a": ("A", True, ("d", '"c0":true')), "b": ("B", True, ("d", '"c1":true')),
                "c": ("C", True, ("d", '"c2":true')), "e": ("E", True, None)})


def test_infer_chains_conclusions_asserted_together_to_the_fixpoint():
    ruleset = DurableRuleset("waves", CHAINED)
    for _ in range(3):  # the kept session is emptied after each run
        fired = ruleset.infer('{"t":"facts","x":1,"y":1}', CHAIN, max_firings=10)
        assert [CHAIN.names[rule] for rule in fired] == ["a", "b", "c", "e"]
        assert [CHAIN.names[rule] for rule in
                ruleset.infer('{"t":"facts","x":1}', CHAIN, max_firings=10)] == ["a"]
    assert json.loads(durable_rules_engine.get_facts(ruleset._handle, ruleset._kept[0])) == []
    ruleset.close()


def test_infer_stops_a_conclusion_decided_both_ways_and_stays_usable():
    definition = {"yes": {"all": [{"m": {"$and": [{"t": "facts"}, {"x": 1}]}}]},
                  "no": {"all": [{"m": {"$and": [{"t": "facts"}, {"y": 1}]}}]}}
    chain = _chain({"yes": ("A", True, ("d", '"c0":true')),
                    "no": ("A", False, ("d", '"c0":false'))})
    ruleset = DurableRuleset("both", definition)
    with pytest.raises(ConflictingConclusions) as caught:
        ruleset.infer('{"t":"facts","x":1,"y":1}', chain, max_firings=10)
    assert {chain.names[caught.value.first], chain.names[caught.value.second]} == {"yes", "no"}
    assert isinstance(caught.value, EngineError)
    assert [chain.names[r] for r in ruleset.infer('{"t":"facts","y":1}', chain,
                                                  max_firings=10)] == ["no"]
    ruleset.close()


def test_infer_and_run_share_a_ruleset_without_sharing_sessions():
    ruleset = DurableRuleset("shared", CHAINED)
    fired: list[str] = []

    def on_fire(activation: Any) -> list[str]:
        fired.append(activation.rule)
        return [{"a": '{"t":"d","id":"c0","c0":true}',
                 "b": '{"t":"d","id":"c1","c1":true}'}.get(activation.rule, '{"t":"z"}')]

    for _ in range(3):
        fired.clear()
        ruleset.run({"t": "facts", "x": 1, "y": 1}, on_fire, max_firings=10)
        assert fired == ["a", "b", "c"]  # c's conclusion was not asserted: e cannot fire
        assert len(ruleset.infer('{"t":"facts","x":1,"y":1}', CHAIN, max_firings=10)) == 4
    ruleset.close()


def test_a_session_in_which_no_action_ran_is_kept_not_deleted(advisor):
    """The engine leaves a new session's action context uninitialized: deleting a session in
    which no action ran frees a garbage pointer (seen aborting the process at once on the seed
    pack's ruleset). `run` keeps such a session, empty, for the next run instead."""
    ruleset = advisor._ruleset
    before = ruleset._sessions
    for _ in range(300):
        assert ruleset.run({"t": "nothing matches this"}, lambda _: (), max_firings=10) == 0
    assert ruleset._sessions <= before + 1
