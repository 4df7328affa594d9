"""The one module that knows durable-rules.

It drives the engine's C core (``durable_rules_engine``) directly, synchronously, in the
caller's thread. That avoids what ``durable.lang``/``durable.engine`` bring and we do not want:
the process-wide host and ruleset registry (no unregister, "already registered" on a second
load), two timer threads (seen to segfault under session churn), a lease of 10 s on actions,
actions' exceptions swallowed into session state, and JSON round trips of the state after
every action. What it keeps from the engine is the part we build on: the RETE network that
matches facts, joins them and schedules activations, with forward chaining to a fixpoint.

What the engine can carry is `ENGINE_LIMITS`, read by the compiler. The engine's quirks
handled here (each pinned by a test in ``tests/test_durable_adapter.py``):

- a ruleset holds at most 1024 live sessions; every session is deleted in a ``finally``, so an
  assessment leaves none behind whatever happens;
- asserting a fact no rule matches answers "not handled" and an identical fact "observed":
  both are normal results here, not errors;
- an ``$or`` whose branches both hold fires its rule twice: callers get every activation and
  decide (the assessor keeps the first per conclusion);
- a session id is unique per run of a ruleset; the ruleset is freed when closed;
- a fact the engine refuses (e.g. too many keys: error 302) is an `EngineError`, even when it
  was the first of its session and so left no session behind to delete.
"""

from __future__ import annotations

import contextlib
import json
import threading
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

import durable_rules_engine as _engine

from ..errors import EngineError, RunawayError


class Limits(NamedTuple):
    """What one durable-rules 2.0.28 ruleset carries, each bound kept below where the engine
    was seen to fail. The compiler decides how a pack stays within them and refuses a pack that
    cannot; each failure is pinned by a test in ``tests/test_durable_adapter.py`` or recorded in
    ``DURABLE_RULES.md``."""

    nested_connectives: int = 13
    """``$and``/``$or`` nodes below the top of one leg's expression (one test of one fact).
    14 worked; at 15 the engine refuses the whole ruleset when it is created (error 113)."""
    tests_per_field: int = 400
    """Distinct values one field is tested for equality with, across the ruleset: each is a
    branch of one node of the engine's network. 511 worked; at 512 the first fact asserted hangs
    forever, and past about 600 creating the ruleset hangs (jruizgit/rules#312)."""
    tests_per_node: int = 400
    """Distinct tests that follow one same test in the engine's network (its alpha nodes: each
    test of a leg follows the one before it; the alternatives of an ``$or`` all follow the test
    before the ``$or``), whatever fields they test: the node keeps them in a table of 512
    slots (``NEXT_BUCKET_LENGTH``), and near full it hangs as ``tests_per_field`` says."""
    alternatives_per_node: int = 100
    """``$nex`` tests and ends of ``$or`` alternatives that follow one same test: a table of
    128 (``NEXT_LIST_LENGTH``). Past it the engine reads and writes beyond the table: it refuses
    the ruleset (error 107) or corrupts its memory. A fact that reaches that test also visits
    every alternative at once, on a stack of 64 (see ``pending_tests``)."""
    rules_per_node: int = 200
    """Rules whose leg ends at one same test (e.g. every rule joining ``criterion X is met``):
    a table of 256 (``BETA_LIST_LENGTH``). Past it the engine refuses the ruleset (error 108)
    or, reading and writing beyond the table, corrupts its memory."""
    facts_per_rule: int = 16
    """Facts one rule joins (its legs). A rule of 17 fails when its 17th fact arrives, during
    an assessment (error 304, ``MAX_MESSAGE_FRAMES``)."""
    fact_keys: int = 200
    """Keys of the one fact asserted per assessment (input values, list flags and counts, and
    the engine's own keys). 253 worked; a fact of 254 keys or more is refused when it is
    asserted (error 302)."""
    rules: int = 2000
    """Rules in one ruleset. No failure was seen at this size: a bound on what one pack may
    cost to create and to run, not a cliff of the engine."""
    sessions: int = 1024
    """Live sessions of one ruleset: the 1025th raises ``MemoryError`` and the ruleset stays
    broken. Not a limit for packs: `DurableRuleset.run` deletes its session when it ends, so at
    most one is live at a time."""
    pending_tests: int = 64
    """Tests a fact has passed whose followers are still to visit (``MAX_STACK_SIZE``): past it
    the fact is refused (error 303). It depends on the facts, so the compiler does not check it;
    the shipped packs' networks, counting every test as passed, stay at 56 at most."""


ENGINE_LIMITS = Limits()
"""The limits the compiler keeps every compiled pack within."""


class Activation:
    """One rule activation: the rule's name at once, the matched facts parsed on demand
    (a caller that ignores a repeated activation never pays for parsing it)."""

    __slots__ = ("rule", "_text", "_facts")

    def __init__(self, text: str) -> None:
        # the engine serializes one activation as {"<rule>": {"<leg>": fact, ...}}
        self.rule = text[2:text.index('"', 2)]
        self._text = text
        self._facts: Mapping[str, Mapping[str, Any]] | None = None

    @property
    def facts(self) -> Mapping[str, Mapping[str, Any]]:
        """The facts matched, by leg name (``m``, or ``m_0``, ``m_1``... for a join)."""
        if self._facts is None:
            self._facts = json.loads(self._text)[self.rule]
        return self._facts


OnFire = Callable[[Activation], Iterable[str]]
"""Called for each activation; returns the facts to assert, each as JSON object text."""

_NOT_HANDLED = 1
_OBSERVED = 2


class DurableRuleset:
    """One ruleset definition loaded into the engine, run one session at a time."""

    def __init__(self, name: str, definition: Mapping[str, Any]) -> None:
        text = json.dumps(definition, ensure_ascii=False, sort_keys=True)
        try:
            self._handle: int = _engine.create_ruleset(name, text)
        except _engine.error as error:
            raise EngineError(f"the engine refused the compiled ruleset {name!r}: {error}"
                              ) from None
        self.name = name
        self._lock = threading.Lock()
        self._sessions = 0
        self._finalizer = weakref.finalize(self, _delete_ruleset, self._handle)

    def close(self) -> None:
        """Free the engine's ruleset now (it is also freed when this object is collected)."""
        self._finalizer()

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive

    def run(self, fact: Mapping[str, Any], on_fire: OnFire, *, max_firings: int) -> int:
        """Assert `fact` in a new session and chain to the fixpoint; returns the firings.

        Facts returned by `on_fire` (JSON object text, e.g. ``'{"t":"d","v":true}'``) are
        asserted in the same session as they come. More than
        `max_firings` activations stop the run with a `RunawayError` naming the busiest rules.
        The session is deleted whatever happens.
        """
        if self.closed:
            raise EngineError(f"the ruleset {self.name!r} is closed")
        with self._lock:
            self._sessions += 1
            sid = str(self._sessions)
            try:
                fired = self._run(sid, fact, on_fire, max_firings)
            except BaseException:
                # a first fact the engine refused left no session to delete: keep its error
                with contextlib.suppress(_engine.error):
                    _engine.delete_state(self._handle, sid)
                raise
            try:
                _engine.delete_state(self._handle, sid)
            except _engine.error as error:
                raise EngineError(f"the engine could not delete a session: {error}") from None
            return fired

    def _run(self, sid: str, fact: Mapping[str, Any], on_fire: OnFire, max_firings: int) -> int:
        handle = self._handle
        code, state = self._assert(sid, fact)
        if code == _NOT_HANDLED:
            return 0
        fired: Counter[str] = Counter()
        total = 0
        result = _engine.start_action_for_state(handle, state)
        pending = result[1] if result else None
        try:
            prefix = '{"sid":"' + sid + '",'
            while pending:
                activation = Activation(pending)
                fired[activation.rule] += 1
                total += 1
                if total > max_firings:
                    busiest = tuple(name for name, _ in fired.most_common(5))
                    raise RunawayError(
                        f"the assessment fired more than {max_firings} rules and was "
                        "stopped; the pack's rules keep triggering each other", busiest)
                for derived in on_fire(activation):
                    self._assert_text(prefix + derived[1:])
                pending = _engine.complete_and_start_action(handle, state)
        except BaseException:
            _engine.abandon_action(handle, state)
            raise
        return total

    def _assert(self, sid: str, fact: Mapping[str, Any]) -> tuple[int, int]:
        payload = dict(fact)
        payload["sid"] = sid
        return self._assert_text(json.dumps(payload))

    def _assert_text(self, text: str) -> tuple[int, int]:
        try:
            code, state = _engine.assert_fact(self._handle, text)
        except _engine.error as error:
            raise EngineError(f"the engine refused a fact: {error}") from None
        if code not in (0, _NOT_HANDLED, _OBSERVED):
            raise EngineError(f"the engine answered code {code} to a fact")
        return code, state


def _delete_ruleset(handle: int) -> None:
    with contextlib.suppress(Exception):  # at exit or collection there is nobody to tell
        _engine.delete_ruleset(handle)
