"""The engine's behaviours we rely on, and its quirks we work around: each pinned here, so that
a change of engine shows up at once (the limits themselves: ENGINE_LIMITS in
engine/inference/durable_adapter.py)."""

from __future__ import annotations

import gc
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import durable_rules_engine as _engine
import pytest

from brm_advisor.engine import Advisor, EngineError, RunawayError, resolve_pack
from brm_advisor.engine.inference import durable_adapter
from brm_advisor.engine.inference.durable_adapter import ENGINE_LIMITS, Chain, DurableRuleset


def collect(ruleset: DurableRuleset, fact: dict[str, Any], derive=None, max_firings=100):
    fired: list[tuple[str, dict]] = []

    def on_fire(activation):
        fired.append((activation.rule, dict(activation.facts)))
        if derive is None:
            return ()
        return [json.dumps(fact) for fact in derive(activation.rule, activation.facts)]

    ruleset.run(fact, on_fire, max_firings=max_firings)
    return fired


def rules(**definitions: Any) -> dict[str, Any]:
    return {name: {"all": legs} for name, legs in definitions.items()}


def test_facts_chain_to_a_fixpoint_inside_one_run():
    ruleset = DurableRuleset("chain", rules(
        a=[{"m": {"$and": [{"t": "facts"}, {"x": 1}]}}],
        b=[{"m": {"$and": [{"t": "d"}, {"id": "a"}]}}],
        c=[{"m_0": {"$and": [{"t": "d"}, {"id": "b"}]}},
           {"m_1": {"$and": [{"t": "facts"}, {"x": 1}]}}]))
    fired = collect(ruleset, {"t": "facts", "x": 1},
                    lambda name, m: [{"t": "d", "id": name}] if name != "c" else [])
    assert [name for name, _ in fired] == ["a", "b", "c"]
    assert set(fired[2][1]) == {"m_0", "m_1"}  # a join names each matched fact by its leg


def test_a_fact_no_rule_matches_is_not_an_error():
    ruleset = DurableRuleset("unmatched", rules(a=[{"m": {"t": "other"}}]))
    assert collect(ruleset, {"t": "facts"}) == []


def test_an_or_whose_branches_both_hold_fires_twice():
    ruleset = DurableRuleset("or", rules(
        a=[{"m": {"$and": [{"t": "facts"}, {"$or": [{"x": 1}, {"y": 1}]}]}}]))
    assert [n for n, _ in collect(ruleset, {"t": "facts", "x": 1, "y": 1})] == ["a", "a"]


def test_comparisons_on_a_missing_field_never_match():
    ruleset = DurableRuleset("missing", rules(
        eq=[{"m": {"$and": [{"t": "facts"}, {"x": 3}]}}],
        neq=[{"m": {"$and": [{"t": "facts"}, {"$neq": {"x": 3}}]}}],
        lt=[{"m": {"$and": [{"t": "facts"}, {"$lt": {"x": 3}}]}}],
        gte=[{"m": {"$and": [{"t": "facts"}, {"$gte": {"x": 3}}]}}],
        nex=[{"m": {"$and": [{"t": "facts"}, {"$nex": {"x": 1}}]}}]))
    assert [n for n, _ in collect(ruleset, {"t": "facts"})] == ["nex"]
    assert sorted(n for n, _ in collect(ruleset, {"t": "facts", "x": 2})) == ["lt", "neq"]


def test_nested_paths_and_flags():
    ruleset = DurableRuleset("nested", rules(
        has=[{"m": {"$and": [{"t": "facts"}, {"$ex": {"ms.a": 1}}]}}],
        hasnt=[{"m": {"$and": [{"t": "facts"}, {"$nex": {"ms.a": 1}}]}}],
        mode=[{"m": {"$and": [{"t": "facts"}, {"e.mode": "advisory"}]}}]))
    assert sorted(n for n, _ in collect(ruleset, {"t": "facts", "ms": {"a": 1},
                                                  "e": {"mode": "advisory"}})) == ["has", "mode"]
    assert [n for n, _ in collect(ruleset, {"t": "facts", "ms": {}})] == ["hasnt"]


def test_true_matches_one_which_is_why_only_validated_booleans_reach_it():
    ruleset = DurableRuleset("bool", rules(t=[{"m": {"$and": [{"t": "facts"}, {"v": True}]}}]))
    assert len(collect(ruleset, {"t": "facts", "v": 1})) == 1
    assert collect(ruleset, {"t": "facts", "v": False}) == []


def test_thousands_of_sessions_in_one_ruleset_past_the_1024_cliff():
    ruleset = DurableRuleset("churn", rules(a=[{"m": {"t": "facts"}}]))
    for index in range(3000):
        assert len(collect(ruleset, {"t": "facts", "n": index})) == 1


def test_an_error_in_an_action_leaves_the_ruleset_usable():
    ruleset = DurableRuleset("boom", rules(a=[{"m": {"t": "facts"}}]))

    def explode(activation):
        raise ValueError("boom")

    for _ in range(1100):  # more than the session cliff: every failed session was deleted
        with pytest.raises(ValueError):
            ruleset.run({"t": "facts"}, explode, max_firings=10)
    assert len(collect(ruleset, {"t": "facts"})) == 1


def test_runaway_rules_are_stopped_with_their_names():
    ruleset = DurableRuleset("loop", rules(
        grow=[{"m": {"$and": [{"t": "n"}, {"$lt": {"i": 100000}}]}}]))

    def grow(activation):
        return [json.dumps({"t": "n", "i": activation.facts["m"]["i"] + 1})]

    with pytest.raises(RunawayError) as caught:
        ruleset.run({"t": "n", "i": 0}, grow, max_firings=50)
    assert caught.value.rules == ("grow",)
    assert len(collect(ruleset, {"t": "n", "i": 99999}, max_firings=5)) == 1


def test_same_name_twice_and_closing():
    first = DurableRuleset("twin", rules(a=[{"m": {"t": "facts"}}]))
    second = DurableRuleset("twin", rules(b=[{"m": {"t": "facts"}}]))
    assert [n for n, _ in collect(first, {"t": "facts"})] == ["a"]
    assert [n for n, _ in collect(second, {"t": "facts"})] == ["b"]
    first.close()
    assert first.closed
    with pytest.raises(EngineError):
        collect(first, {"t": "facts"})
    assert [n for n, _ in collect(second, {"t": "facts"})] == ["b"]


def test_a_definition_the_engine_refuses_is_an_engine_error():
    with pytest.raises(EngineError):
        DurableRuleset("bad", {"a": {"all": [{"m": {"$nosuchop": {"x": 1}}}]}})


def test_two_packs_and_the_same_pack_twice_in_one_process(base_facts):
    pack = resolve_pack()
    with Advisor(pack) as one, Advisor(resolve_pack()) as two:
        first = one.assess(one.reader.from_data(base_facts))
        second = two.assess(two.reader.from_data(base_facts))
        assert first == second
    with Advisor(pack) as three:  # and again after both were closed
        assert three.assess(three.reader.from_data(base_facts)) == first


def test_many_assessments_with_flat_memory(advisor, base_facts):
    facts = advisor.reader.from_data(base_facts)
    for _ in range(2000):
        advisor.assess(facts)
    gc.collect()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(20000):
        advisor.assess(facts)
    gc.collect()
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 5, f"peak memory grew {grown_mb:.1f} MB over 20,000 assessments"


def test_the_engine_refuses_a_test_with_too_many_nested_connectives():
    def nested(count: int) -> dict[str, Any]:  # one $or of `count` $and: count + 1 connectives
        alternatives = [{"$and": [{f"a{i}": 1}, {f"b{i}": 1}]} for i in range(count)]
        return {"r": {"all": [{"m": {"$and": [{"t": "facts"}, {"$or": alternatives}]}}]}}

    limit = ENGINE_LIMITS.nested_connectives
    DurableRuleset("within", nested(limit - 1)).close()  # at the limit: accepted
    DurableRuleset("margin", nested(13)).close()  # 14 worked too: the limit keeps a margin
    with pytest.raises(EngineError, match="113"):
        DurableRuleset("beyond", nested(14))  # 15 nested and/or: error 113


def test_a_fact_of_254_keys_is_refused_and_the_limit_stays_below():
    ruleset = DurableRuleset("keys", rules(r=[{"m": {"$and": [{"t": "facts"}, {"a0": 1}]}}]))
    within = {"t": "facts", **{f"a{i}": 1 for i in range(ENGINE_LIMITS.fact_keys - 2)}}
    assert [name for name, _ in collect(ruleset, within)] == ["r"]  # + sid: the limit's keys
    beyond = {"t": "facts", **{f"a{i}": 1 for i in range(252)}}  # + sid: 254 keys
    with pytest.raises(EngineError, match="302"):
        collect(ruleset, beyond)
    ruleset.close()


def test_the_limits_are_the_adapters_and_the_compiler_reads_them():
    from brm_advisor.engine.inference import compiler

    assert ENGINE_LIMITS.fact_keys < 254 and ENGINE_LIMITS.tests_per_field < 512
    assert ENGINE_LIMITS.nested_connectives < 15
    assert compiler.ENGINE_LIMITS is ENGINE_LIMITS
    assert not [name for name in vars(compiler) if name in (
        "MAX_NESTED_CONNECTIVES", "MAX_ENGINE_RULES", "MAX_FACT_KEYS", "MAX_CHOICES_PER_SLOT")]


def test_the_compiler_stays_within_the_nesting_limit():
    from brm_advisor.engine.inference.compiler import _legs, _nested_connectives, compile_pack

    compiled = compile_pack(resolve_pack())
    assert max(_nested_connectives(leg) for rule in compiled.definition.values()
               for leg in _legs(rule)) <= ENGINE_LIMITS.nested_connectives


def test_what_one_test_of_the_network_carries_as_the_compiler_counts_it():
    from brm_advisor.engine.inference.compiler import _Network

    def same_leg(count: int) -> dict[str, Any]:  # every rule ends at the same test
        return rules(**{f"r{i}": [{"m": {"$and": [{"t": "facts"}, {"a": 1}]}}]
                        for i in range(count)})

    def shared_alternative(count: int) -> dict[str, Any]:  # every $or ends one branch at b=1
        return rules(**{f"r{i}": [{"m": {"$and": [{"t": "facts"}, {"$or": [
            {"b": 1}, {f"a{i}": 1}]}]}}] for i in range(count)})

    # Full tables hold 256 and 128: the engine accepts them. Past them it reads (and writes)
    # beyond its table: refused with error 108 or 107 when the memory after it is not zero,
    # corrupted otherwise. Only the compiler's counts, below the tables, are pinned here.
    assert max(_Network(same_leg(256)).rules.values()) == 256
    DurableRuleset("rules-256", same_leg(256)).close()
    assert max(_Network(shared_alternative(128)).alternatives.values()) == 128
    DurableRuleset("alternatives-128", shared_alternative(128)).close()
    assert ENGINE_LIMITS.rules_per_node < 256 and ENGINE_LIMITS.alternatives_per_node < 128
    assert ENGINE_LIMITS.tests_per_node < 512


def test_a_rule_joins_at_most_16_facts():
    def joining(count: int) -> DurableRuleset:
        legs = [{f"m_{i}": {"$and": [{"t": "c"}, {"id": f"c{i}"}]}} for i in range(count)]
        return DurableRuleset(f"join-{count}", rules(go=[{"m": {"t": "go"}}], r=legs))

    def run(ruleset: DurableRuleset, count: int) -> list[str]:
        facts = [json.dumps({"t": "c", "id": f"c{i}"}) for i in range(count)]
        fired = collect(ruleset, {"t": "go"},
                        derive=lambda rule, _: [json.loads(f) for f in facts] if rule == "go"
                        else [])
        return [name for name, _ in fired]

    limit = ENGINE_LIMITS.facts_per_rule
    assert run(joining(limit), limit) == ["go", "r"]
    with pytest.raises(EngineError, match="304"):
        run(joining(limit + 1), limit + 1)


def test_the_shipped_packs_stay_well_within_the_network_limits():
    from brm_advisor.engine.inference.compiler import _Network, compile_pack
    from brm_advisor.engine.packs.discovery import shipped_packs

    for ref in shipped_packs():
        network = _Network(compile_pack(resolve_pack(ref.location)).definition)
        assert max(map(len, network.follow.values())) < ENGINE_LIMITS.tests_per_node // 4
        assert max(network.alternatives.values()) < ENGINE_LIMITS.alternatives_per_node // 4
        assert max(network.rules.values()) < ENGINE_LIMITS.rules_per_node // 4


# --- lifetimes: sessions kept across runs, rulesets of one name, freeing ----------------------

def _chain_of(rules_: dict[str, tuple[int, tuple[str, str] | None]]) -> Chain:
    """rule name -> (conclusion number, what asserting it asserts); every rule decides True."""
    names = list(rules_)
    return Chain({name: i for i, name in enumerate(names)}, names,
                 [rules_[n][0] for n in names], [True] * len(names), [rules_[n][1] for n in names])


WAVES = {
    "a": {"all": [{"m": {"$and": [{"t": "facts"}, {"x": 1}]}}], "pri": 1},
    "b": {"all": [{"m": {"$and": [{"t": "facts"}, {"y": 1}]}}], "pri": 1},
    "c": {"all": [{"m_0": {"$and": [{"t": "d"}, {"c0": True}]}},
                  {"m_1": {"$and": [{"t": "d"}, {"c1": True}]}}], "pri": 2, "dist": 0},
    "e": {"all": [{"m": {"$and": [{"t": "d"}, {"c2": True}]}}], "pri": 3},
}
WAVES_CHAIN = _chain_of({"a": (0, ("d", '"c0":true')), "b": (1, ("d", '"c1":true')),
                         "c": (2, ("d", '"c2":true')), "e": (3, None)})
WAVES_EXPECTED = {'{"t":"facts","x":1,"y":1}': ["a", "b", "c", "e"],
                  '{"t":"facts","x":1}': ["a"], '{"t":"facts","y":1}': ["b"],
                  '{"t":"facts","x":2}': []}


def _kept_facts(ruleset: DurableRuleset) -> list[Any]:
    return json.loads(_engine.get_facts(ruleset._handle, ruleset._kept[0]))


def _crowded() -> DurableRuleset:
    """A fact with x, y and k0..k69 (in that order) passes 70 tests after the one on y: the
    engine stores it, fires `a` on x, then refuses it (error 303, too many tests pending)."""
    definition = rules(a=[{"m": {"x": 1}}])
    definition.update(rules(**{f"b{i}": [{"m": {"$and": [{"y": 1}, {f"k{i}": 1}]}}]
                               for i in range(70)}))
    return DurableRuleset("crowded", definition)


CROWDED = '{"y":1,"x":1,' + ",".join(f'"k{i}":1' for i in range(70)) + "}"


def test_a_first_fact_refused_part_way_is_taken_back_by_infer():
    ruleset = _crowded()
    chain = _chain_of({"a": (0, None), **{f"b{i}": (i + 1, None) for i in range(70)}})
    with pytest.raises(EngineError, match="303"):
        ruleset.infer(CROWDED, chain, max_firings=500)
    assert _kept_facts(ruleset) == []  # it was stored, with `a` to fire: both taken back
    assert [chain.names[r] for r in ruleset.infer('{"x":1}', chain, max_firings=500)] == ["a"]
    ruleset.close()


def test_a_first_fact_refused_part_way_is_taken_back_by_run():
    ruleset = _crowded()
    with pytest.raises(EngineError, match="303"):
        collect(ruleset, json.loads(CROWDED), max_firings=500)
    # the session in which no action ran is used again: it must hold nothing of the refused fact
    assert [name for name, _ in collect(ruleset, {"x": 1})] == ["a"]
    ruleset.close()


def test_the_kept_session_is_renewed_after_a_bounded_number_of_runs(monkeypatch):
    monkeypatch.setattr(durable_adapter, "KEPT_SESSION_RUNS", 5)
    ruleset = DurableRuleset("renewed", WAVES)
    sessions = set()
    for _ in range(12):
        fired = ruleset.infer('{"t":"facts","x":1,"y":1}', WAVES_CHAIN, max_firings=10)
        assert [WAVES_CHAIN.names[r] for r in fired] == ["a", "b", "c", "e"]
        sessions.add(ruleset._kept[0])
    assert len(sessions) == 3 and ruleset._live == 1  # each renewal deleted the one before
    ruleset.close()


def test_a_ruleset_refuses_a_session_before_the_engine_would_fail():
    ruleset = DurableRuleset("crowded-sessions", WAVES)
    ruleset._live = ENGINE_LIMITS.sessions - 24  # as if that many had been given up
    with pytest.raises(EngineError, match="sessions"):
        ruleset.infer('{"t":"facts","x":1}', WAVES_CHAIN, max_firings=10)
    with pytest.raises(EngineError, match="sessions"):
        collect(ruleset, {"t": "facts", "x": 1})
    ruleset.close()


def test_rulesets_of_one_name_and_of_others_live_and_die_in_any_order():
    """Many rulesets, of the same name and of others, alive at once, used (both paths),
    closed, left to the collector and collected in a random order; each keeps answering as
    it should. Bounded in count and time."""
    rng = random.Random(7)
    names = ["stress-same", "stress-same", "stress-other"]
    live: list[DurableRuleset] = []
    deadline = time.monotonic() + 8
    for step in range(1500):
        if time.monotonic() > deadline:
            break
        op = rng.random()
        if op < 0.15 or not live:
            live.append(DurableRuleset(rng.choice(names), WAVES))
        elif op < 0.6:
            fact = rng.choice(list(WAVES_EXPECTED))
            fired = rng.choice(live).infer(fact, WAVES_CHAIN, max_firings=10)
            assert [WAVES_CHAIN.names[r] for r in fired] == WAVES_EXPECTED[fact], step
        elif op < 0.7:
            assert [n for n, _ in collect(rng.choice(live), {"t": "facts", "x": 1})] == ["a"]
        elif op < 0.8:
            live.pop(rng.randrange(len(live))).close()
        elif op < 0.9:
            live.pop(rng.randrange(len(live)))  # to the collector
        else:
            gc.collect()
    for ruleset in live:
        assert _kept_facts(ruleset) == [] if ruleset._kept[0] else True
        assert ruleset._live <= 2  # the kept session and a spare of `run`: none left behind
    live.clear()
    gc.collect()


def test_advisors_of_the_same_and_other_packs_under_stress_do_not_crash():
    """bench/stress_durable.py in a process of its own, under faulthandler: Advisors of the
    shipped packs (two of one pack alive at once, one closed while another of its ruleset's
    name is used) assessing, searching and linting, closed or collected in a random order.
    A segmentation fault fails this test with the engine's stack instead of the suite."""
    script = Path(__file__).resolve().parents[1] / "bench" / "stress_durable.py"
    done = subprocess.run([sys.executable, "-X", "faulthandler", str(script), "--seconds", "8",
                           "--seed", "2"], capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "created=" in done.stdout
