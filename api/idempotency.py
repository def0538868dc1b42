"""``Idempotency-Key`` on POST: a retried request gets the first answer and records nothing twice.

The key is scoped to the principal that sent it. The first request claims the key before it runs
(a concurrent twin gets 409 while it runs); its answer is stored unless the server failed (5xx),
in which case the claim is released so the retry can run. The same key with a different request
is refused. A claim left by a process that died mid-request is taken over after
``STALE_CLAIM``; by then the command either committed — and the aggregate's own rules refuse
doing it again — or it did not. Keys are kept for ``DSLEDGER_IDEMPOTENCY_TTL_HOURS`` (24 by
default); the leading scheduler forgets older ones (``dsledger/retention.py``).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio.to_thread
from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from api.problems import problem_body
from domain import rules
from domain.rules import RuleViolation
from projections.tables import idempotency_keys

HEADER = b"idempotency-key"
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
    def __init__(self, db: Engine) -> None:
        self.db = db

    def claim(self, scope_key: str, fingerprint: str) -> tuple[str, Any]:
        table = idempotency_keys
        now = datetime.now(UTC)
        try:
            with self.db.begin() as conn:
                conn.execute(insert(table).values(scope_key=scope_key, fingerprint=fingerprint,
                                                  completed=False, created_at=now))
            return "new", None
        except IntegrityError:
            pass
        with self.db.begin() as conn:
            row = conn.execute(select(table).where(table.c.scope_key == scope_key)).one_or_none()
            if row is None:
                return self.claim(scope_key, fingerprint)
            if row.fingerprint != fingerprint:
                return "mismatch", None
            if row.completed:
                return "replay", row
            created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
            if now - created > STALE_CLAIM:
                conn.execute(update(table).where(table.c.scope_key == scope_key)
                             .values(created_at=now))
                return "new", None
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


def idempotency_middleware(db: Engine) -> Any:
    store = _Store(db)

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
            outcome, row = await anyio.to_thread.run_sync(store.claim, scope_key, fingerprint)
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
