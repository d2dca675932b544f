"""The one place that talks to durable-rules.

`DurableEngine` registers compiled rulesets and runs one fact through a ruleset,
returning the ids of the rules that fired. It handles the engine's traps:

- each evaluation uses a fresh session id, and its state is deleted afterwards
  (durable keeps state per session until deleted);
- facts, not events, so every rule sees the answers;
- "no rule matched" (`MessageNotHandledException`) is a normal, empty result;
- an exception inside an action is stored in the session state, not raised:
  we read the state and raise `EngineError` ourselves;
- a ruleset name can be registered once per host, so names carry the
  catalogue version and re-registering the same name is a no-op;
- `Host` mutates the definition it gets: it receives a deep copy;
- `Host` starts background dispatch timers that could run our actions on
  another thread mid-evaluation; this engine is synchronous, so they are off;
- a rule with `$or` fires once per matching branch: fired ids are a set;
- a fact that matches no rule corrupts the engine when its state is deleted
  (segfault after some thousands): the compiler adds a catch-all rule, whose
  action does nothing, so every fact is handled.

The C core holds the GIL; a lock serialises calls from threads. Scale with processes.
"""

from __future__ import annotations

import contextlib
import copy
import threading
import uuid
from typing import Any

from durable.engine import Host, MessageNotHandledException

from app.rules.compiler import ACTION_PREFIX, SEEN_ACTION, CompiledRuleset


class EngineError(RuntimeError):
    """The engine failed while evaluating (an action raised, or the state is corrupt)."""


class _SynchronousHost(Host):
    """A Host whose actions record which rule fired into a per-session collector."""

    def __init__(self) -> None:
        self.collectors: dict[str, set[str]] = {}
        super().__init__()

    def _run(self) -> None:
        """Do not start durable's background dispatch timers; we drive it synchronously."""

    def get_action(self, action_name: str):
        if action_name == SEEN_ACTION:
            return _ignore
        if not action_name.startswith(ACTION_PREFIX):
            raise EngineError(f"unknown action {action_name!r}")
        rule_id = action_name[len(ACTION_PREFIX) :]

        def record(c) -> None:
            self.collectors[c.m["sid"]].add(rule_id)

        return record


def _ignore(c) -> None:
    """Action of the catch-all rule: the fact was seen; nothing to record."""


class DurableEngine:
    """Registers compiled rulesets and evaluates answers against them."""

    def __init__(self) -> None:
        self._host = _SynchronousHost()
        self._compiled: dict[str, CompiledRuleset] = {}
        self._lock = threading.Lock()

    def ensure_registered(self, name: str, compiled: CompiledRuleset) -> None:
        """Register a ruleset under `name` once; later calls with the same name are no-ops."""
        with self._lock:
            if name in self._compiled:
                return
            self._host.register_rulesets({name: copy.deepcopy(compiled.definition)})
            self._compiled[name] = compiled

    def is_registered(self, name: str) -> bool:
        return name in self._compiled

    def fire(self, name: str, answers: dict[str, Any]) -> set[str]:
        """Assert the answers as one fact in a fresh session; return the ids of fired rules."""
        compiled = self._compiled[name]
        sid = uuid.uuid4().hex
        fact = compiled.build_fact(answers, fact_id=uuid.uuid4().hex, sid=sid)
        with self._lock:
            self._host.collectors[sid] = set()
            try:
                with contextlib.suppress(MessageNotHandledException):  # nothing matched: a normal, empty result
                    self._host.assert_fact(name, fact)
                state = self._host.get_state(name, sid)
                if "exception" in state:
                    raise EngineError(f"regel-actie faalde: {state['exception']}")
                return self._host.collectors[sid]
            finally:
                self._host.collectors.pop(sid, None)
                self._host.delete_state(name, sid)

    def session_state(self, name: str, sid: str) -> dict[str, Any] | None:
        """The engine's stored state for a session, or None when it is gone (durable error 309)."""
        with self._lock:
            try:
                return self._host.get_state(name, sid)
            except Exception as exc:  # durable raises its own C-level error type
                if "309" in str(exc):
                    return None
                raise

    def live_sessions(self) -> int:
        """How many evaluations are in flight (should be 0 between calls)."""
        return len(self._host.collectors)
