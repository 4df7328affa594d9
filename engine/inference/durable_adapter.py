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
  was the first of its session and so left no session behind to delete;
- a session's action context is not initialized when the engine creates the session: deleting
  a session in which no action was ever started frees a garbage pointer and aborts the process
  ("free(): invalid pointer"). A session is deleted only after an action ran in it;
- retracting a fact from a session that does not exist creates that session;
- a fact refused part way (e.g. error 303, too many tests pending) may have been stored, with
  the activations it completed: it is retracted before the session is used again;
- retracting the facts of an activation that was started and not completed corrupts the
  session (the next run crashed): a run's facts are retracted only when no activation is
  started, otherwise the session is given up (never used again, never deleted);
- sessions given up stay in the engine: they count towards its 1024, and a ruleset refuses
  to start one more (`EngineError`) well before the engine would fail (see `Limits.sessions`).

Two ways to run, one semantics (tests/test_speed_inference.py holds them equal):

- `DurableRuleset.run`: a session per run, deleted after; any callback decides what to assert.
  The reference path, and what the adapter's tests pin.
- `DurableRuleset.infer`: the fast path. One session is kept for the life of the ruleset (making
  and deleting a session costs the engine as much as the whole inference: it allocates state
  for every node of the network; measured on the shipped packs, a session per run made `infer`
  2.4 to 4.5 times slower), and every fact a run asserted is retracted when it ends, so each
  run starts from an empty session. What to assert is a table (`Chain`), not a callback. The
  kept session is also renewed (deleted, a new one started) every `KEPT_SESSION_RUNS` runs,
  and whenever a run ends in a way that may leave it unsound, so no state the engine keeps
  for it outlives a bounded number of runs.

Lifetimes (pinned by the stress test in ``tests/test_durable_adapter.py`` and
``bench/stress_durable.py``): the engine keys nothing by ruleset name (a name is stored in the
ruleset and only passed to callbacks we do not set), so rulesets of one name coexist; each
ruleset is a handle into a process-wide table that hands freed handles out again only after
about 131,000 other rulesets; freeing a ruleset (after its kept session, deleted when an
action ran in it) frees its network and its table of sessions and never reads what the other
sessions hold; the engine copies every fact it stores, so no Python string needs to outlive a
call. All calls happen under the ruleset's lock, in the caller's thread, and the binding never
releases the interpreter lock: calls into the engine never overlap.
"""

from __future__ import annotations

import contextlib
import json
import threading
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import durable_rules_engine as _engine

from ..errors import EngineError, RunawayError
from . import engine_json


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
    most one is live at a time, and `infer` keeps one; a session the adapter had to give up
    (it could not be emptied nor deleted) stays live, and a ruleset holding 1000 refuses to
    start another (`EngineError`)."""
    pending_tests: int = 64
    """Tests a fact has passed whose followers are still to visit (``MAX_STACK_SIZE``): past it
    the fact is refused (error 303). It depends on the facts, so the compiler does not check it;
    the shipped packs' networks, counting every test as passed, stay at 56 at most."""


ENGINE_LIMITS = Limits()
"""The limits the compiler keeps every compiled pack within."""

KEPT_SESSION_RUNS = 1000
"""Runs of `DurableRuleset.infer` after which its kept session is deleted and a new one
started: whatever the engine would keep by mistake from a run lives a bounded time (a new
session costs about one run, so this costs a thousandth of the runs)."""

_SESSION_MARGIN = 24
"""A ruleset refuses to start a session when this few are left before the engine's limit."""

_WAVE_KEYS = ENGINE_LIMITS.fact_keys - 4
"""Conclusions asserted in one fact at most (with its ``t``, ``id`` and ``sid``)."""


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


class Chain(NamedTuple):
    """How a compiled ruleset's conclusions chain, as tables (the fast path's protocol).

    Each engine rule has a number. When a rule fires and the conclusion it decides was not
    decided yet in this run, its conclusion is asserted (when later rules refer to it). A later
    activation deciding the same conclusion the same way is a second way to it, and asserts
    nothing; the other way is a conflict (`ConflictingConclusions`)."""

    numbers: Mapping[str, int]
    """Engine rule name -> its number."""
    names: Sequence[str]
    """Number -> engine rule name."""
    conclusion: Sequence[int]
    """Number -> the conclusion the rule decides (a number)."""
    value: Sequence[bool]
    """Number -> the way the rule decides it."""
    asserts: Sequence[tuple[str, str] | None]
    """Number -> how its conclusion is asserted: the type of fact (``criterion``) and the
    conclusion as one key and value of it (JSON text, ``"c7":true``); None when nothing is."""


class ConflictingConclusions(EngineError):
    """Two activations decided one conclusion both ways: `first` and `second` are rule numbers
    (in the `Chain`); the run was stopped at the second."""

    def __init__(self, first: int, second: int) -> None:
        super().__init__("a conclusion was decided both ways")
        self.first = first
        self.second = second

_NOT_HANDLED = 1
_OBSERVED = 2


class DurableRuleset:
    """One ruleset definition loaded into the engine, run one session at a time."""

    def __init__(self, name: str, definition: Mapping[str, Any] | str) -> None:
        """`definition`: the rules, or their JSON text (as `compiler.ruleset_text` makes it)."""
        text = (definition if isinstance(definition, str)
                else engine_json.dumps(definition, ensure_ascii=False, sort_keys=True))
        try:
            self._handle: int = _engine.create_ruleset(name, text)
        except _engine.error as error:
            raise EngineError(f"the engine refused the compiled ruleset {name!r}: {error}"
                              ) from None
        self.name = name
        self._lock = threading.Lock()
        self._sessions = 0  # sessions started, to name the next one
        self._live = 0  # sessions started and not deleted: the engine's count
        self._spare: str | None = None  # a session of `run` in which no action ran (kept)
        # the session `infer` keeps: [sid or None, whether an action ever ran in it]
        self._kept: list[Any] = [None, False]
        self._runs = 0  # runs of `infer` in the kept session
        self._started = False  # an activation of `infer` is started and not yet completed
        self._finalizer = weakref.finalize(self, _delete_ruleset, self._handle, self._kept)
        self._finalizer.atexit = False  # at exit the process's memory goes at once: no engine
        # call is made while the interpreter shuts down

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
        The session is deleted whatever happens (one in which no action ran cannot be: it
        holds no fact of ours, and the next run uses it).
        """
        if self.closed:
            raise EngineError(f"the ruleset {self.name!r} is closed")
        with self._lock:
            if self._spare is None:
                sid = self._new_sid("")
            else:
                sid, self._spare = self._spare, None
            started = [False, True]  # whether an action ran in it; whether it is empty
            try:
                fired = self._run(sid, fact, on_fire, max_firings, started)
            except BaseException:
                with contextlib.suppress(Exception):
                    self._end_session(sid, *started)
                raise
            try:
                self._end_session(sid, *started)
            except _engine.error as error:
                raise EngineError(f"the engine could not delete a session: {error}") from None
            return fired

    def _new_sid(self, prefix: str) -> str:
        """A name for a new session, or `EngineError` when the ruleset has too many live."""
        if self._live >= ENGINE_LIMITS.sessions - _SESSION_MARGIN:
            raise EngineError(f"the ruleset {self.name!r} holds {self._live} sessions the "
                              "engine could not delete; it takes no more (create it again)")
        self._sessions += 1
        self._live += 1
        return f"{prefix}{self._sessions}"

    def _delete_session(self, sid: str) -> None:
        _engine.delete_state(self._handle, sid)
        self._live -= 1

    def _end_session(self, sid: str, started: bool, empty: bool = True) -> None:
        if started:
            self._delete_session(sid)
        elif empty:  # never deleted (see the module's notes): empty, the next run takes it
            self._spare = sid
        # else given up: it holds a fact and cannot be deleted

    def _run(self, sid: str, fact: Mapping[str, Any], on_fire: OnFire, max_firings: int,
             started: list[bool]) -> int:
        handle = self._handle
        payload = dict(fact)
        payload["sid"] = sid
        first = engine_json.dumps(payload)
        try:
            code, state = self._assert_text(first)
        except EngineError as refused:  # refused part way, it may be stored: take it back
            started[1] = _taken_back(handle, first, str(refused))
            raise
        if code == _NOT_HANDLED:
            return 0
        fired: Counter[str] = Counter()
        total = 0
        result = _engine.start_action_for_state(handle, state)
        if not result:  # stored, but no rule complete: take it back, the session stays empty
            started[1] = False
            _engine.retract_fact(handle, first)
            started[1] = True
            return 0
        started[0] = True
        pending = result[1]
        try:
            prefix = '{"sid":"' + sid + '",'
            while pending:
                activation = Activation(pending)
                fired[activation.rule] += 1
                total += 1
                if total > max_firings:
                    raise _runaway(max_firings, fired.elements())
                for derived in on_fire(activation):
                    self._assert_text(prefix + derived[1:])
                pending = _engine.complete_and_start_action(handle, state)
        except BaseException:
            _engine.abandon_action(handle, state)
            raise
        return total

    def _assert_text(self, text: str) -> tuple[int, int]:
        try:
            code, state = _engine.assert_fact(self._handle, text)
        except _engine.error as error:
            raise EngineError(f"the engine refused a fact: {error}") from None
        if code not in (0, _NOT_HANDLED, _OBSERVED):
            raise EngineError(f"the engine answered code {code} to a fact")
        return code, state


    # the fast path -----------------------------------------------------------------------

    def infer(self, fact: str, chain: Chain, *, max_firings: int) -> list[int]:
        """Assert `fact` (JSON object text, without ``sid``) in the kept session and chain to
        the fixpoint as `chain` says; returns the numbers of the rules that fired, in the
        order they fired.

        The conclusions decided while the engine has activations to run are asserted together
        when it has none left, one fact per type (each holding them as keys): the engine then
        fires what they enable, and so on to the fixpoint. The rules that fire are the ones
        that would fire with each conclusion asserted alone as soon as decided (`run`, with
        `compiler.EngineRule.conclusion`); only their order differs. Every fact asserted is
        retracted before it returns, whatever happens, so the session is empty again for the
        next run. More than `max_firings` activations stop the run with a `RunawayError`; a
        conclusion decided both ways stops it with `ConflictingConclusions`."""
        if self.closed:
            raise EngineError(f"the ruleset {self.name!r} is closed")
        with self._lock:
            if self._runs >= KEPT_SESSION_RUNS and self._kept[1]:  # (else it cannot be deleted)
                self._drop_kept()
            asserted: list[str] = []  # every fact this run asserted, even one refused
            self._started = False
            try:
                prefix, code, state = self._assert_first(fact, asserted)
                if code == _NOT_HANDLED:  # stored nowhere: nothing to retract
                    asserted.clear()
                    return []
                return self._chain(prefix, state, chain, max_firings, asserted)
            finally:
                self._runs += 1
                self._retract(asserted)

    def _assert_first(self, fact: str, asserted: list[str]) -> tuple[str, int, int]:
        """The kept session's ``sid`` prefix, and the engine's answer to the first fact."""
        for _ in range(2):
            if self._kept[0] is None:
                self._kept[:] = [self._new_sid("kept-"), False]
                self._runs = 0
            prefix = '{"sid":"' + self._kept[0] + '",'
            asserted.append(prefix + fact[1:])
            code, state = self._assert_text(asserted[-1])
            if code != _OBSERVED:
                return prefix, code, state
            asserted.clear()  # not asserted by this run: the session is not empty
            self._drop_kept()  # it still held this very fact: never trusted again
        raise EngineError("the engine kept a fact from an earlier assessment")

    def _chain(self, prefix: str, state: int, chain: Chain, max_firings: int,
               asserted: list[str]) -> list[int]:
        fired: list[int] = []
        decided: dict[int, int] = {}  # conclusion -> the rule that decided it
        wave = 0
        result = _engine.start_action_for_state(self._handle, state)
        while result:
            self._started = True
            self._kept[1] = True  # an action ran in it: its context is set, it can be deleted
            found = self._drain(result[1], state, chain, max_firings, fired, decided)
            if not found:
                break
            wave += 1
            for kind, fragments in found.items():
                for start in range(0, len(fragments), _WAVE_KEYS):
                    text = (f'{prefix}"id":"#{wave}.{kind}.{start}","t":"{kind}",'
                            + ",".join(fragments[start:start + _WAVE_KEYS]) + "}")
                    asserted.append(text)
                    self._assert_text(text)
            result = _engine.start_action_for_state(self._handle, state)
        return fired

    def _drain(self, pending: str | None, state: int, chain: Chain, max_firings: int,
               fired: list[int], decided: dict[int, int]) -> dict[str, list[str]]:
        """Run the activations the engine has; the conclusions to assert next, by type."""
        handle, complete, numbers = self._handle, _engine.complete_and_start_action, chain.numbers
        start = len(fired)
        try:
            while pending:
                fired.append(numbers[pending[2:pending.index('"', 2)]])
                pending = complete(handle, state)
                if len(fired) > max_firings:
                    raise _runaway(max_firings, [chain.names[number] for number in fired])
        except BaseException:
            self._finish(state)
            raise
        self._started = False  # the engine had no activation left: none is started
        conclusion, asserts = chain.conclusion, chain.asserts
        found: dict[str, list[str]] = {}
        for rule in fired[start:]:
            key = conclusion[rule]
            earlier = decided.get(key)
            if earlier is None:
                decided[key] = rule
                fact = asserts[rule]
                if fact is not None:
                    found.setdefault(fact[0], []).append(fact[1])
            elif chain.value[earlier] != chain.value[rule]:
                raise ConflictingConclusions(earlier, rule)
        return found

    def _finish(self, state: int) -> None:
        """Complete every activation still pending, acting on none (nothing more is asserted,
        so they are finite). An activation abandoned instead stays in the session as being
        run: retracting its facts then leaves the session corrupt (the next run crashes)."""
        try:
            while _engine.complete_and_start_action(self._handle, state):
                pass
        except BaseException as error:
            with contextlib.suppress(Exception):
                _engine.abandon_action(self._handle, state)
            self._kept[:] = [None, False]  # never used again, nor deleted: it is not sound
            if not isinstance(error, Exception):
                raise
        self._started = False

    def _retract(self, asserted: list[str]) -> None:
        """Retract every fact a run asserted (with what it derived, and the activations still
        pending); a session that cannot be emptied is dropped."""
        if self._kept[0] is None or not asserted:  # dropped during the run, or nothing to do
            return
        if self._started:  # an activation is still started: retracting would corrupt it
            self._kept[:] = [None, False]  # never used again, nor deleted: it is not sound
            return
        try:
            _engine.retract_facts(self._handle, "[" + ",".join(asserted) + "]")
        except BaseException as error:
            self._kept[:] = [None, False]  # never used again, nor deleted: it is not sound
            if not isinstance(error, Exception):
                raise

    def _drop_kept(self) -> None:
        """Stop using the kept session (sound, but not empty); delete it when that is safe (an
        action ran in it)."""
        sid, started = self._kept
        self._kept[:] = [None, False]
        if sid is not None and started:
            with contextlib.suppress(Exception):
                self._delete_session(sid)


def _runaway(max_firings: int, fired: Iterable[str]) -> RunawayError:
    busiest = tuple(name for name, _ in Counter(fired).most_common(5))
    return RunawayError(f"the assessment fired more than {max_firings} rules and was stopped; "
                        "the pack's rules keep triggering each other", busiest)


def _taken_back(handle: int, fact: str, refusal: str) -> bool:
    """Retract a fact the engine refused with `refusal`; whether the session is known empty.
    A fact refused as it was read (its JSON, too many keys) is refused the same way again,
    and was stored nowhere."""
    try:
        _engine.retract_fact(handle, fact)
    except Exception as error:  # noqa: BLE001 - any failure: the session is not known empty
        return str(error).rsplit(":", 1)[-1] == refusal.rsplit(":", 1)[-1]
    return True


def _delete_ruleset(handle: int, kept: list[Any]) -> None:
    with contextlib.suppress(Exception):  # at exit or collection there is nobody to tell
        if kept[0] is not None and kept[1]:
            _engine.delete_state(handle, kept[0])
        _engine.delete_ruleset(handle)
