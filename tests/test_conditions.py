"""The condition language's logic: negation, exclusive alternatives and branching keep meaning."""

from __future__ import annotations

import itertools

from hypothesis import example, given, settings
from hypothesis import strategies as st

from brm_advisor.engine.packs.conditions import (
    All,
    AnyOf,
    AtLeast,
    Const,
    Not,
    Ref,
    branches,
    exclusive,
    exclusive_size,
    expanded_size,
    negation_normal_form,
    simplify,
)

NAMES = ["a", "b", "c", "d"]
refs = st.builds(Ref, st.just("derived"), st.sampled_from(NAMES), st.booleans())


@st.composite
def counts(draw, inner):
    items = draw(st.lists(inner, min_size=1, max_size=4))
    return AtLeast(draw(st.integers(1, len(items))), tuple(items))


conditions = st.recursive(
    st.one_of(refs, st.builds(Const, st.booleans())),
    lambda inner: st.one_of(
        st.builds(lambda items: All(tuple(items)), st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda items: AnyOf(tuple(items)), st.lists(inner, min_size=1, max_size=3)),
        st.builds(Not, inner), counts(inner)),
    max_leaves=8)


def holds(condition, world) -> bool:
    if isinstance(condition, Ref):
        return world[condition.id] == condition.value
    if isinstance(condition, Const):
        return condition.value
    if isinstance(condition, Not):
        return not holds(condition.item, world)
    if isinstance(condition, All):
        return all(holds(item, world) for item in condition.items)
    if isinstance(condition, AtLeast):
        return sum(holds(item, world) for item in condition.items) >= condition.least
    return any(holds(item, world) for item in condition.items)


def worlds():
    for values in itertools.product([True, False], repeat=len(NAMES)):
        yield dict(zip(NAMES, values, strict=True))


def branch_holds(branch, world) -> bool:
    assert branch.test is None  # only references here
    return all(world[ref.id] == ref.value for ref in branch.refs)


@settings(max_examples=300, deadline=None)
@given(conditions)
def test_normal_forms_keep_the_meaning(condition):
    normal = simplify(negation_normal_form(condition))
    negated = negation_normal_form(condition, negate=True)
    for world in worlds():
        assert holds(normal, world) == holds(condition, world)
        assert holds(negated, world) == (not holds(condition, world))
        assert holds(exclusive(normal), world) == holds(condition, world)


@settings(max_examples=300, deadline=None)
@given(conditions)
@example(Not(AtLeast(2, (Ref("derived", "a", False), AtLeast(1, (
    Ref("derived", "a"), Ref("derived", "b", False))), Ref("derived", "a", False)))))
def test_exclusive_branches_fire_exactly_once_when_the_condition_holds(condition):
    # as the compiler writes them: exclusive, and a count's parts (and their negations) too
    alternatives = branches(exclusive(simplify(negation_normal_form(condition))), limit=10_000,
                            form=exclusive)
    for world in worlds():
        firing = sum(branch_holds(branch, world) for branch in alternatives)
        assert firing == (1 if holds(condition, world) else 0)


@settings(max_examples=300, deadline=None)
@given(conditions)
def test_the_size_of_exclusive_alternatives_is_known_before_they_are_built(condition):
    normal = simplify(negation_normal_form(condition))
    assert expanded_size(exclusive(normal)) <= exclusive_size(normal)


def test_the_size_of_deeply_nested_alternatives_is_computed_without_building_them():
    condition: All | AnyOf = AnyOf((Ref("derived", "a"), Ref("derived", "b")))
    for depth in range(60):
        pair = (condition, Ref("derived", f"x{depth}"), Ref("derived", f"y{depth}"))
        condition = All(pair) if depth % 2 else AnyOf(pair)
    assert expanded_size(condition) == 183
    assert exclusive_size(condition) > 10 ** 12  # exclusive() would never finish


def test_contradictory_branches_are_dropped():
    condition = All((Ref("derived", "a"), AnyOf((Ref("derived", "a", False),
                                                  Ref("derived", "b")))))
    assert branches(condition) == (branches(All((Ref("derived", "a"),
                                                 Ref("derived", "b"))))[0],)


def test_all_and_any_of_the_same_items_differ():
    items = (Ref("derived", "a"), Ref("derived", "b"))
    assert All(items) != AnyOf(items)
    assert Const(True) != Not(Const(True))


def test_a_count_and_its_negation_are_counts():
    items = tuple(Ref("derived", name) for name in NAMES)
    assert negation_normal_form(AtLeast(3, items), negate=True) == AtLeast(
        2, tuple(item.negate() for item in items))
    assert simplify(AtLeast(1, items)) == AnyOf(items)
    assert simplify(AtLeast(4, items)) == All(items)
    assert simplify(AtLeast(2, (Const(True), *items[:2]))) == AnyOf(items[:2])
    assert simplify(AtLeast(3, (Const(False), *items[:2]))) == Const(False)


def test_a_count_is_written_out_as_one_alternative_per_way_its_first_items_hold():
    items = tuple(Ref("derived", name) for name in NAMES)
    alternatives = branches(AtLeast(2, items), limit=1000)
    assert len(alternatives) == 6  # C(4, 2): the first two that hold
    for world in worlds():
        firing = sum(branch_holds(branch, world) for branch in alternatives)
        assert firing == (1 if sum(world.values()) >= 2 else 0)
