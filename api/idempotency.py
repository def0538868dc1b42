"""``Idempotency-Key`` on POST: a retried request gets the first answer and records nothing twice.

The key is scoped to the principal that sent it. The first request claims the key before it runs
(a concurrent twin gets 409 while it runs); its answer is stored unless the server failed (5xx),
in which case the claim is released so the retry can run. The same key with a different request
is refused. Keys are kept for ``DSLEDGER_IDEMPOTENCY_TTL_HOURS`` (24 by default); the leading
scheduler forgets older ones (``dsledger/retention.py``).

A claim left by a process that died mid-request is taken over after ``STALE_CLAIM``. The process
may have died after its events committed and before its answer was stored, so the claim keeps the
request's trace: the correlation id its events carry (the client's ``X-Correlation-ID``, or one
given here and passed on to the command) and the log's head when it was claimed. The retry first
reads the log after that head for events under that id (``dsledger.request_trace``): if there are
any, it answers ``request.idempotency-recorded-unanswered`` (409, naming them) and records nothing;
if not, it runs under the same correlation id.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio.to_thread
from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from api.commands import CORRELATION_FORMAT, CORRELATION_HEADER, CORRELATION_STATE
from api.problems import problem_body
from domain import rules
from domain.ledger import Ledger
from domain.rules import RuleViolation
from dsledger.request_trace import RecordedEvent, recorded_under
from projections.tables import idempotency_keys

HEADER = b"idempotency-key"
_CORRELATION_HEADER = CORRELATION_HEADER.lower().encode()
STALE_CLAIM = timedelta(minutes=2)
_MAX_KEY = 200


# Raw ASGI: Litestar's TypedDicts do not let a middleware replay a request body.
Scope = dict[str, Any]
Message = dict[str, Any]
ASGIApp = Any
Receive = Any
Send = Any


def _scope_key(scope: Scope, key: str) -> str:
    user = scope.get("user")
    who = ("anonymous" if user is None else
           f"{user.role.value}:{user.principal_id}:{user.agency_id}:{user.provider_id}")
    return hashlib.sha256(f"{who}\n{key}".encode()).hexdigest()


class _Store:
    def __init__(self, db: Engine, ledger: Ledger) -> None:
        self.db = db
        self.ledger = ledger

    def claim(self, scope_key: str, fingerprint: str,
              correlation_id: str | None) -> tuple[str, Any]:
        """"new" (claimed, nothing run before), "taken_over" (a stale claim: the row says by
        whom and from where), "replay" (the row holds the answer), "mismatch" or "busy"."""
        table = idempotency_keys
        now = datetime.now(UTC)
        try:
            with self.db.begin() as conn:
                conn.execute(insert(table).values(
                    scope_key=scope_key, fingerprint=fingerprint, completed=False, created_at=now,
                    correlation_id=correlation_id,
                    log_position=self.ledger.recorder.max_notification_id() or 0))
            return "new", None
        except IntegrityError:
            pass
        with self.db.begin() as conn:
            row = conn.execute(select(table).where(table.c.scope_key == scope_key)).one_or_none()
            if row is None:
                return self.claim(scope_key, fingerprint, correlation_id)
            if row.fingerprint != fingerprint:
                return "mismatch", None
            if row.completed:
                return "replay", row
            created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
            if now - created > STALE_CLAIM:
                conn.execute(update(table).where(table.c.scope_key == scope_key)
                             .values(created_at=now))
                return "taken_over", row
            return "busy", None

    def complete(self, scope_key: str, status: int, headers: list[list[str]], body: bytes) -> None:
        with self.db.begin() as conn:
            conn.execute(update(idempotency_keys)
                         .where(idempotency_keys.c.scope_key == scope_key)
                         .values(completed=True, status_code=status, headers=headers, body=body))

    def release(self, scope_key: str) -> None:
        with self.db.begin() as conn:
            conn.execute(delete(idempotency_keys)
                         .where(idempotency_keys.c.scope_key == scope_key))


async def _respond(send: Send, status: int, headers: list[tuple[bytes, bytes]],
                   body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def _problem(send: Send, violation: RuleViolation) -> None:
    status, body = problem_body(violation)
    await _respond(send, status, [(b"content-type", b"application/problem+json")],
                   json.dumps(body, ensure_ascii=False).encode())


def _correlation_id(scope: Scope) -> str | None:
    """The client's correlation id if it is a valid one, a new one if it sent none, and None for
    an invalid one (the command will refuse it, and that answer is what the key keeps)."""
    sent = dict(scope["headers"]).get(_CORRELATION_HEADER)
    if sent is None:
        return f"idem-{uuid.uuid4()}"
    correlation_id = sent.decode("latin-1")
    return correlation_id if CORRELATION_FORMAT.match(correlation_id) else None


def _with_correlation_id(scope: Scope, correlation_id: str | None) -> Scope:
    """The command runs under this id (``api.commands.command_context`` prefers it to the
    header): a retry under the first attempt's, whatever the retry's own header says."""
    if correlation_id is None:
        return scope
    return {**scope, "state": {**scope.get("state", {}), CORRELATION_STATE: correlation_id}}


def _recorded_unanswered(recorded: list[RecordedEvent]) -> RuleViolation:
    last = recorded[-1]
    return RuleViolation(rules.IDEMPOTENCY_RECORDED_UNANSWERED, "Idempotency-Key",
                         count=len(recorded), event=last.event,
                         aggregate_id=str(last.aggregate_id), version=last.version,
                         position=last.position)


def idempotency_middleware(db: Engine, ledger: Ledger) -> Any:
    store = _Store(db, ledger)

    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http" or scope["method"] != "POST":
                await app(scope, receive, send)
                return
            raw = dict(scope["headers"]).get(HEADER)
            if raw is None:
                await app(scope, receive, send)
                return
            key = raw.decode("latin-1").strip()
            if not key or len(key) > _MAX_KEY or not key.isprintable():
                await _problem(send, RuleViolation(
                    rules.REQUEST_MALFORMED, "Idempotency-Key",
                    problem=f"Idempotency-Key must be 1-{_MAX_KEY} printable characters"))
                return
            chunks: list[bytes] = []
            while True:
                message = await receive()
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    break
            body = b"".join(chunks)
            fingerprint = hashlib.sha256(
                scope["path"].encode() + b"?" + scope.get("query_string", b"") + b"\n" + body
            ).hexdigest()
            scope_key = _scope_key(scope, key)
            correlation_id = _correlation_id(scope)
            outcome, row = await anyio.to_thread.run_sync(store.claim, scope_key, fingerprint,
                                                          correlation_id)
            if outcome == "mismatch":
                await _problem(send, RuleViolation(rules.IDEMPOTENCY_KEY_REUSED, "Idempotency-Key"))
                return
            if outcome == "busy":
                await _problem(send, RuleViolation(rules.IDEMPOTENCY_IN_PROGRESS,
                                                   "Idempotency-Key"))
                return
            if outcome == "replay":
                headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in row.headers]
                await _respond(send, row.status_code,
                               [*headers, (b"idempotent-replayed", b"true")], row.body)
                return
            if outcome == "taken_over" and row.correlation_id is not None:
                correlation_id = row.correlation_id
                recorded = await anyio.to_thread.run_sync(recorded_under, ledger, correlation_id,
                                                          row.log_position)
                if recorded:
                    status, problem = problem_body(_recorded_unanswered(recorded))
                    answer = json.dumps(problem, ensure_ascii=False).encode()
                    content_type = [["content-type", "application/problem+json"]]
                    await anyio.to_thread.run_sync(store.complete, scope_key, status,
                                                   content_type, answer)
                    await _respond(send, status, [(b"content-type", b"application/problem+json")],
                                   answer)
                    return
            scope = _with_correlation_id(scope, correlation_id)

            replayed = False

            async def replay_body() -> Message:
                nonlocal replayed
                if replayed:
                    return {"type": "http.disconnect"}
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}

            status = 500
            headers_out: list[list[str]] = []
            body_out: list[bytes] = []

            async def capture(message: Message) -> None:
                nonlocal status, headers_out
                if message["type"] == "http.response.start":
                    status = int(message["status"])
                    headers_out = [[k.decode("latin-1"), v.decode("latin-1")]
                                   for k, v in message.get("headers", [])
                                   if k.lower() != b"content-length"]
                elif message["type"] == "http.response.body":
                    body_out.append(message.get("body", b""))
                await send(message)

            try:
                await app(scope, replay_body, capture)
            except BaseException:
                await anyio.to_thread.run_sync(store.release, scope_key)
                raise
            if status >= 500:
                await anyio.to_thread.run_sync(store.release, scope_key)
            else:
                await anyio.to_thread.run_sync(store.complete, scope_key, status, headers_out,
                                               b"".join(body_out))

        return middleware

    return factory
