"""Record audit entries. Only ids, statuses and action names: never applicants' personal data.

Every entry records what the BIO (8.15.01) asks: action, object, result, origin, actor and a
time with time zone. Entries form a hash chain (8.15.05/06): each entry's hash covers its own
fields and the previous entry's hash, so `flask audit verify` can prove the trail unaltered.
Writers take the chain's head row with an UPDATE, which serialises them on both databases.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import select, update

from app.db import db, utcnow
from app.models import AuditChain, AuditEntry
from app.transaction import keep_on_rollback

GENESIS = "0" * 64


def record(
    action: str,
    scan_id: int | None = None,
    user=None,
    *,
    object: str = "",
    result: str = "ok",
    **detail: Any,
) -> None:
    """Add an audit entry to the current transaction (it is committed with the operation it records).

    An entry of a refused or failed action (`result` other than "ok") is also kept aside: when the
    transaction rolls back, `app.transaction.rollback` writes it again, so the refusal stays on record.
    """
    who = user if user is not None else _current_user()
    fields = {
        "at": utcnow(),
        "user_id": getattr(who, "id", None),
        "user_email": getattr(who, "email", "") or detail.pop("email", ""),
        "action": action,
        "scan_id": scan_id,
        "detail": detail,
        "object": (object or _object_of(scan_id, detail))[:120],
        "result": result,
        "origin": _origin(),
    }
    append(dict(fields))
    if result != "ok":
        keep_on_rollback(fields)


def append(fields: dict[str, Any]) -> None:
    """Write one entry with these fields at the head of the chain (its place and hash taken now)."""
    entry = AuditEntry(**fields)
    seq, previous = _advance_head()
    entry.seq = seq
    entry.prev_hash = previous
    entry.hash = entry_hash(entry)
    db.session.execute(update(AuditChain).where(AuditChain.id == 1).values(last_hash=entry.hash))
    db.session.add(entry)


def _object_of(scan_id: int | None, detail: dict[str, Any]) -> str:
    """The object an entry is about when the caller did not name it: the scan, else the portfolio."""
    if scan_id is not None:
        return f"scan {scan_id}"
    if detail.get("portfolio") is not None:
        return f"portfolio {detail['portfolio']}"
    return ""


def _current_user():
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user
    return None


def _origin() -> str:
    """The client address of the request (not X-Forwarded-For, which the client chooses).

    "systeem" outside a request: a command (`flask …`) or a background job on the server itself.
    """
    if not has_request_context():
        return "systeem"
    return (request.remote_addr or "")[:64]


def _advance_head() -> tuple[int, str]:
    """Take the next position in the chain and the previous hash, atomically (the row stays locked)."""
    row = db.session.execute(
        update(AuditChain)
        .where(AuditChain.id == 1)
        .values(seq=AuditChain.seq + 1)
        .returning(AuditChain.seq, AuditChain.last_hash)
    ).first()
    if row is None:  # a database created before the chain existed: start it
        db.session.add(AuditChain(id=1, seq=1, last_hash=GENESIS))
        db.session.flush()
        return 1, GENESIS
    return row.seq, row.last_hash or GENESIS


def _moment(at: dt.datetime) -> str:
    aware = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
    return aware.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def entry_hash(entry: Any) -> str:
    """SHA-256 over every field of the entry and the previous hash (stable text form on both databases)."""
    fields = [
        entry.seq,
        _moment(entry.at),
        entry.user_id,
        entry.user_email or "",
        entry.action,
        entry.scan_id,
        entry.object or "",
        entry.result or "",
        entry.origin or "",
        entry.detail or {},
        entry.prev_hash,
    ]
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Verdict:
    checked: int
    fault: str | None = None  # Dutch, names the row


def verify() -> Verdict:
    """Walk the chain in order; the first entry whose hash or link does not match is named."""
    previous = GENESIS
    expected_seq = 1
    count = 0
    for entry in db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.asc().nulls_first(), AuditEntry.id)):
        if entry.seq != expected_seq:
            return Verdict(
                count,
                f"Auditregel {entry.id}: volgnummer {entry.seq}, verwacht {expected_seq} "
                "(een regel is verwijderd, toegevoegd of verplaatst).",
            )
        if entry.prev_hash != previous:
            return Verdict(
                count, f"Auditregel {entry.id} (nr. {entry.seq}): de verwijzing naar de vorige regel klopt niet."
            )
        if entry_hash(entry) != entry.hash:
            return Verdict(count, f"Auditregel {entry.id} (nr. {entry.seq}): de inhoud is gewijzigd na het vastleggen.")
        previous = entry.hash
        expected_seq += 1
        count += 1
    head = db.session.get(AuditChain, 1)
    if head is not None and (head.seq != count or (count and head.last_hash != previous)):
        return Verdict(
            count, f"De laatste {head.seq - count} auditregel(s) ontbreken (de keten eindigt bij nr. {count})."
        )
    return Verdict(count)
