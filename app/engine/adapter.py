"""The one place that talks to durable-rules: a lean driver over its C core.

`DurableEngine` registers compiled scans (each a few small rulesets, see
`app.rules.compiler.compile_partitions`) and runs one answer set through them, returning
the ids of the rules that fired. It drives durable's C functions directly
(`durable_rules_engine`), not durable's Python `Host`: the Host builds a `Closure` per fired
rule, runs the action through its promise machinery and makes JSON round trips of the session
state (`json.loads`, `update_state`) for every firing — that was most of the cost of an
evaluation. Here, per fact and ruleset:

    assert_fact(handle, fact_json)            → the state the fact landed in
    start_action_for_state(handle, state)     → the first fired rule, as '{"<rule>":{"m":…}}'
    complete_and_start_action(handle, state)  → the next one, … until None
    delete_state(handle, sid)

and the rule name is read off the front of each message without parsing the rest.
It handles the engine's traps:

- each evaluation uses a fresh session id and fact id (unique per process; one for all the
  scan's rulesets, which keep their state apart), and its state is deleted afterwards in
  every ruleset (durable keeps state per session until deleted);
- facts, not events, so every rule sees the answers;
- every ruleset has a catch-all rule (`_seen`), so every fact is handled; a fact that
  matched nothing corrupted the engine after some thousands (see the compiler);
- a rule with `$or` fires once per matching branch: fired ids are a set;
- an engine error (a refused fact, a state error) raises `EngineError` with durable's
  error code; the session's state is deleted even then;
- a "duplicate" fact (durable's observed result) would silently lose firings: `EngineError`.

The C core holds the GIL; a lock serialises calls from threads. Scale with processes
(`app.engine.pool`), and isolate crashes of the C core with `app.engine.guard`.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
from typing import Any

import durable_rules_engine as _core

from app.engine.reference import Fired
from app.rules.compiler import SEEN_RULE, CompiledRuleset, CompiledScan

_OK, _NOT_HANDLED, _OBSERVED = 0, 1, 2
_SEEN_PREFIX = '{"' + SEEN_RULE + '":'


class EngineError(RuntimeError):
    """The engine failed while evaluating (a refused fact, a state error, a lost firing)."""

    def __init__(self, message: str, code: int | None = None):
        super().__init__(message)
        self.code = code


def _error_code(exc: Exception) -> int | None:
    """durable's numeric error code from its message ('…, error code: 303')."""
    text = str(exc)
    digits = text.rsplit(":", 1)[-1].strip()
    return int(digits) if digits.isdigit() else None


def _as_scan(compiled: CompiledRuleset | CompiledScan) -> CompiledScan:
    if isinstance(compiled, CompiledScan):
        return compiled
    return CompiledScan(parts=(compiled,), conditions={})


class DurableEngine:
    """Registers compiled scans and evaluates answers against them, in this process."""

    def __init__(self) -> None:
        self._scans: dict[str, CompiledScan] = {}
        self._handles: dict[str, tuple[tuple[int, CompiledRuleset], ...]] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._prefix = f"{os.getpid():x}-{id(self):x}-"
        self._live = 0

    def ensure_registered(self, name: str, compiled: CompiledRuleset | CompiledScan) -> None:
        """Register a scan's rulesets under `name` once; later calls with the same name are no-ops."""
        scan = _as_scan(compiled)
        with self._lock:
            if name in self._scans:
                return
            handles = []
            try:
                for index, part in enumerate(scan.parts):
                    handles.append((_core.create_ruleset(f"{name}#{index}", part.definition_json()), part))
            except _core.error as exc:
                for handle, _ in handles:
                    _core.delete_ruleset(handle)
                raise EngineError(f"ruleset {name} niet geregistreerd: {exc}", _error_code(exc)) from exc
            self._handles[name] = tuple(handles)
            self._scans[name] = scan

    def is_registered(self, name: str) -> bool:
        return name in self._scans

    def compiled(self, name: str) -> CompiledScan:
        """The compiled scan registered under `name` (for the reference fallback)."""
        return self._scans[name]

    def names(self) -> list[str]:
        return list(self._scans)

    def unregister(self, name: str) -> None:
        """Free a scan's rulesets in the C core (for generated catalogues in tests and benches)."""
        with self._lock:
            for handle, _ in self._handles.pop(name, ()):
                _core.delete_ruleset(handle)
            self._scans.pop(name, None)

    def close(self) -> None:
        """Free every ruleset of this engine in the C core (an engine per reproduction would keep them)."""
        for name in list(self._scans):
            self.unregister(name)

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()

    def fire(self, name: str, answers: dict[str, Any]) -> Fired:
        """Assert the answers as one fact per ruleset of the scan; return the ids of fired rules."""
        fired = Fired()
        handles = self._handles[name]
        with self._lock:
            self._fire_row(handles, answers, fired)
        return fired

    def fire_many(self, name: str, answer_sets: list[dict[str, Any]]) -> list[Fired]:
        """`fire` for many answer sets under one lock (for batches)."""
        handles = self._handles[name]
        results = []
        with self._lock:
            for answers in answer_sets:
                fired = Fired()
                self._fire_row(handles, answers, fired)
                results.append(fired)
        return results

    def _fire_row(self, handles, answers: dict[str, Any], fired: set[str]) -> None:
        """One answer set through every ruleset of a scan, under a fresh session id. Caller holds the lock.

        The rulesets keep their state apart, so one session id serves all of them; each ruleset's
        state of it is deleted afterwards, also when the engine failed.
        """
        sid = self._prefix + str(next(self._ids))
        self._live += 1
        try:
            for handle, part in handles:
                try:
                    self._fire_part(handle, part.fact_json(answers, sid, sid), fired)
                finally:
                    try:  # noqa: SIM105 (a try costs less than a suppress() per fact; this is the hot path)
                        _core.delete_state(handle, sid)
                    except _core.error:
                        pass  # nothing stored for it (the fact was refused)
        finally:
            self._live -= 1

    @staticmethod
    def _fire_part(handle: int, fact: str, fired: set[str]) -> None:
        """One fact through one ruleset; add the fired rule ids to `fired`."""
        try:
            code, state = _core.assert_fact(handle, fact)
            if code == _OBSERVED:
                raise EngineError("de engine zag het fact als dubbel; de uitkomst zou onvolledig zijn", code)
            if code != _OK:
                return  # not handled: impossible with the catch-all rule, and nothing fired
            result = _core.start_action_for_state(handle, state)
            message = result[1] if result else None
            while message:
                if not message.startswith(_SEEN_PREFIX):
                    fired.add(message[2 : message.index('"', 2)])
                message = _core.complete_and_start_action(handle, state)
        except _core.error as exc:
            raise EngineError(f"de engine faalde: {exc}", _error_code(exc)) from exc

    def session_state(self, name: str, sid: str) -> dict[str, Any] | None:
        """The engine's stored state of a session in the scan's first ruleset, or None when gone (309)."""
        import json

        handle = self._handles[name][0][0]
        with self._lock:
            try:
                return json.loads(_core.get_state(handle, sid))
            except _core.error as exc:
                if _error_code(exc) == 309:
                    return None
                raise

    def live_sessions(self) -> int:
        """How many evaluations are in flight (should be 0 between calls)."""
        return self._live
