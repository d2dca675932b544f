"""Crash isolation: durable-rules runs in a supervised child process, the reference answers when it fails.

durable's C core can refuse a fact (error 303), lose its state, abort the process
(`munmap_chunk(): invalid pointer`) or spin for ever; in a web worker any of those would take
every gemeente's requests with it. `GuardedEngine` has the engine's interface
(`ensure_registered`, `fire`, `fire_many`) but keeps the C core in a child process that it
starts, feeds and watches:

- an engine error in the child (a refused fact, a state error) comes back as an error; the
  child lives on;
- a crash of the child (abort, segfault, killed) is seen as a closed pipe; a hang as no answer
  within `timeout` seconds, after which the child is killed. Either way the next call starts a
  fresh child and registers every ruleset again;
- the call that failed is answered by the plain-Python reference evaluator, which the
  differential tests prove exact; the result says so (`Fired.engine`, `Fired.note`), the
  failure is logged (ruleset and reason, never answers) and counted in `stats`. With
  `fallback=False` the call raises `EngineUnavailable` with a clear Dutch message instead.

The parent validates and explains; only the firing crosses the pipe (about 20 answers out,
a few rule ids back).
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections.abc import Callable
from typing import Any

from app.engine.adapter import DurableEngine, EngineError
from app.engine.reference import DURABLE, REFERENCE, Fired, ReferenceEngine
from app.rules.compiler import CompiledRuleset, CompiledScan

log = logging.getLogger(__name__)

START_TIMEOUT = 60.0


class EngineUnavailable(EngineError):
    """The engine failed and no fallback was allowed; the message is for the user (Dutch)."""


class _ChildFailed(Exception):
    def __init__(self, reason: str, restart: bool):
        super().__init__(reason)
        self.restart = restart


def _serve(conn, factory: Callable[[], Any]) -> None:
    """The child's loop: register and fire on request until the pipe closes."""
    engine = factory()
    while True:
        try:
            op, *args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if op == "register":
                engine.ensure_registered(*args)
                reply: Any = None
            elif op == "fire":
                reply = sorted(engine.fire(*args))
            elif op == "fire_many":
                reply = [sorted(fired) for fired in engine.fire_many(*args)]
            else:
                raise ValueError(f"onbekende opdracht {op!r}")
            conn.send(("ok", reply))
        except EngineError as exc:
            conn.send(("error", exc.code, str(exc)))
        except Exception as exc:
            conn.send(("error", None, f"{type(exc).__name__}: {exc}"))


class GuardedEngine:
    """durable-rules in a supervised child process, with the reference evaluator as fallback."""

    def __init__(
        self,
        factory: Callable[[], Any] = DurableEngine,
        timeout: float = 10.0,
        fallback: bool = True,
        start_method: str = "spawn",
    ):
        self._factory = factory
        self._timeout = timeout
        self._fallback = fallback
        self._context = multiprocessing.get_context(start_method)
        self._scans: dict[str, CompiledScan] = {}
        self._reference = ReferenceEngine()
        self._lock = threading.RLock()
        self._process = None
        self._conn = None
        self.stats = {"calls": 0, "fallbacks": 0, "starts": 0, "last_failure": ""}

    # --- the engine interface -------------------------------------------------------

    def ensure_registered(self, name: str, compiled: CompiledRuleset | CompiledScan) -> None:
        """Register a scan once, here (for the fallback) and in the child."""
        if not isinstance(compiled, CompiledScan):
            raise ValueError("GuardedEngine registreert een gecompileerde scan (compile_partitions)")
        with self._lock:
            if name in self._scans:
                return
            self._scans[name] = compiled
            self._reference.ensure_registered(name, compiled)
            if self._alive():
                try:
                    self._exchange(("register", name, compiled), self._timeout)
                except _ChildFailed as failure:
                    self._failed(name, failure)

    def is_registered(self, name: str) -> bool:
        return name in self._scans

    def compiled(self, name: str) -> CompiledScan:
        return self._scans[name]

    def fire(self, name: str, answers: dict[str, Any]) -> Fired:
        """The fired rule ids from durable in the child; the reference's on a failure (recorded)."""
        with self._lock:
            self.stats["calls"] += 1
            try:
                return Fired.by(self._call(("fire", name, answers)), DURABLE)
            except _ChildFailed as failure:
                note = self._failed(name, failure)
                return self._reference.fire(name, answers, note)

    def fire_many(self, name: str, answer_sets: list[dict[str, Any]]) -> list[Fired]:
        """`fire` for many answer sets in one exchange; on a failure, each set by the reference."""
        with self._lock:
            self.stats["calls"] += 1
            try:
                return [Fired.by(ids, DURABLE) for ids in self._call(("fire_many", name, answer_sets))]
            except _ChildFailed as failure:
                note = self._failed(name, failure)
                return [self._reference.fire(name, answers, note) for answers in answer_sets]

    def live_sessions(self) -> int:
        return 0  # the child deletes every session; nothing lives in this process

    def close(self) -> None:
        """Stop the child (it is a daemon, so it also ends with this process)."""
        with self._lock:
            self._stop()

    @property
    def child_pid(self) -> int | None:
        return self._process.pid if self._alive() else None

    # --- supervision ----------------------------------------------------------------

    def _alive(self) -> bool:
        return self._process is not None and self._process.is_alive()

    def _start(self) -> None:
        """Start a fresh child and register every known ruleset in it."""
        parent, child = self._context.Pipe()
        process = self._context.Process(target=_serve, args=(child, self._factory), daemon=True)
        process.start()
        child.close()
        self._process, self._conn = process, parent
        for name, compiled in self._scans.items():
            self._exchange(("register", name, compiled), START_TIMEOUT)

    def _stop(self) -> None:
        if self._conn is not None:
            self._conn.close()
        if self._process is not None:
            if self._process.is_alive():
                self._process.kill()
            self._process.join(timeout=5)
        self._process, self._conn = None, None

    def _call(self, message: tuple) -> Any:
        if not self._alive():
            self._stop()
            self.stats["starts"] += 1
            self._start()
        return self._exchange(message, self._timeout)

    def _exchange(self, message: tuple, timeout: float) -> Any:
        """Send one request and wait for its answer; a dead or silent child is a failure."""
        try:
            self._conn.send(message)
            if not self._conn.poll(timeout):
                self._stop()
                raise _ChildFailed(f"de engine gaf binnen {timeout:g} s geen antwoord (gestopt)", restart=True)
            reply = self._conn.recv()
        except (EOFError, OSError, BrokenPipeError) as exc:
            code = self._process.exitcode if self._process is not None else None
            if self._process is not None:
                self._process.join(timeout=5)
                code = self._process.exitcode
            raise _ChildFailed(f"het engine-proces stopte onverwacht (exitcode {code})", restart=True) from exc
        if reply[0] == "ok":
            return reply[1]
        _, code, text = reply
        raise _ChildFailed(f"{text}" + (f" (code {code})" if code is not None else ""), restart=False)

    def _failed(self, name: str, failure: _ChildFailed) -> str:
        """Record a failure; return the note for the result, or raise when no fallback is allowed."""
        self.stats["fallbacks"] += 1
        self.stats["last_failure"] = str(failure)
        log.warning("rule-engine faalde op ruleset %s: %s; de %s nam het over", name, failure, REFERENCE)
        if not self._fallback:
            raise EngineUnavailable(
                "De rule-engine is tijdelijk niet beschikbaar; probeer het later opnieuw. "
                f"(Technische reden: {failure})"
            )
        return f"durable-rules faalde ({failure}); de uitkomst komt van de {REFERENCE} (plain Python)"
