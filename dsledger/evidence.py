"""Self-verifying bundles: a procurement's evidence pack and a contract's full history.

A bundle carries every event of its aggregate exactly as stored (the bytes, base64), each with its
RFC 9162 inclusion proof against one signed tree head, the head itself and the key that signed it.
Whoever receives it can check, with no access to the ledger, that every cited event is the one the
ledger logged at that position and that the ledger signed that log (``dsledger verify --pack``).
The readable sections (requirements, searches, quotes, evaluation, award…) are folded from those
same events.
"""

from __future__ import annotations

import base64
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Any
from uuid import UUID

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from eventsourcing.persistence import StoredEvent
from sqlalchemy import func, select

from audit import rfc9162
from audit.checkpoint import NoteError, open_note, signer_of
from domain import rules
from domain.rules import refuse
from dsledger.runtime import Runtime
from dsledger.tree_heads import TreeHead, public_key_bytes, public_key_from_hex, verify_signature
from projections import contracts as contract_records
from projections import procurements as procurement_records
from projections.merkle_log import RECORD_FORMAT, StoredRecord, StoredTree
from projections.tables import merkle_leaves

BUNDLE_FORMAT = "dsledger-bundle-v2"
"""v2: inclusion proofs are RFC 9162 audit paths (v1 carried pymerkle's serialised proofs)."""


class BundleKind(StrEnum):
    PROCUREMENT_EVIDENCE = "procurement-evidence"
    CONTRACT_HISTORY = "contract-history"


class CitedEvent(msgspec.Struct, frozen=True, kw_only=True):
    sequence: int
    leaf_index: int
    aggregate_id: str
    version: int
    topic: str
    type: str
    at: str
    actor: str
    role: str
    correlation_id: str
    data: dict[str, Any]
    """The event's attributes, decoded for reading; ``state`` is what the proof covers."""
    state: str
    """Base64 of the stored bytes."""
    leaf_hash: str
    inclusion_path: list[str]
    """RFC 9162 §2.1.3.1 PATH(leaf_index, D[tree_size]) of the pack's tree head, hex, nearest the
    leaf first."""


STATEMENT_FORMAT = "dsledger-aggregate-statement-v1"


def statement_text(aggregate_id: str, last_version: int, tree_size: int) -> str:
    """What the ledger signs into a pack: the aggregate's last version in the cited tree, so a pack
    that leaves out any event, even the last, no longer adds up."""
    return (f"{STATEMENT_FORMAT}\naggregate {aggregate_id}\nlast-version {last_version}\n"
            f"tree-size {tree_size}\n")


class Bundle(msgspec.Struct, frozen=True, kw_only=True):
    format: str
    kind: BundleKind
    subject_id: str
    generated_at: datetime
    record_format: str
    tree_head: TreeHead
    public_key: str
    """Hex of the signing key as the ledger gave it; verify against a key you trust."""
    sections: dict[str, Any]
    events: list[CitedEvent]
    statement: str
    """A note signed by the log's key (C2SP signed-note form): :func:`statement_text` for this
    aggregate, its last version and the head's tree size."""


def build_bundle(runtime: Runtime, kind: BundleKind, aggregate_id: UUID,
                 wait: float = 30.0) -> Bundle:
    """Sign the log as it now stands and cite every event of the aggregate against that head.
    An event that no longer decodes or no longer matches its Merkle leaf is refused by name
    (``history.event-unreadable``, ``history.event-altered``): a bundle never leaves it out."""
    if not runtime.ledger.recorder.select_events(aggregate_id, limit=1):
        refuse(rules.HISTORY_NOT_FOUND, "aggregate_id", aggregate_id=str(aggregate_id))
    projector = runtime.projector
    if not projector.wait_for(projector.head(), timeout=wait):
        refuse(rules.HISTORY_LOG_BEHIND, position=projector.position(), head=projector.head())
    head = runtime.tree_heads.publish(runtime.now())
    assert head is not None
    # Cite exactly the versions inside the signed tree: one recorded meanwhile waits for the next
    # pack, and the signed statement names the last version the head covers.
    with runtime.db.connect() as conn:
        last_version = conn.execute(select(func.max(merkle_leaves.c.originator_version)).where(
            merkle_leaves.c.originator_id == str(aggregate_id),
            merkle_leaves.c.leaf_index < head.tree_size)).scalar_one()
    if last_version is None:
        refuse(rules.HISTORY_LOG_BEHIND, position=projector.position(), head=projector.head())
    stored = list(runtime.ledger.recorder.select_events(aggregate_id, lte=int(last_version)))
    cited: list[CitedEvent] = []
    decoded: list[Any] = []
    with runtime.db.connect() as conn:
        tree = StoredTree(conn)
        positions = {int(row.originator_version): (int(row.sequence), int(row.leaf_index))
                     for row in conn.execute(select(merkle_leaves).where(
                         merkle_leaves.c.originator_id == str(aggregate_id)))}
        for item in stored:
            sequence, leaf_index = positions[item.originator_version]
            where: dict[str, Any] = {"aggregate_id": str(aggregate_id),
                                     "version": item.originator_version,
                                     "sequence": sequence}
            record = StoredRecord(sequence, aggregate_id, item.originator_version, item.topic,
                                  bytes(item.state))
            logged = tree.leaf_hash(leaf_index)
            if logged != record.leaf_hash():
                refuse(rules.HISTORY_EVENT_ALTERED, **where)
            try:
                event: Any = runtime.ledger.mapper.to_domain_event(item)
            except Exception:
                # Whatever the decoder trips on: a fact about the log, not a server error.
                refuse(rules.HISTORY_EVENT_UNREADABLE, **where)
            decoded.append(event)
            path = tree.inclusion_proof(leaf_index, head.tree_size)
            cited.append(CitedEvent(
                sequence=sequence, leaf_index=leaf_index, aggregate_id=str(aggregate_id),
                version=item.originator_version, topic=item.topic, type=type(event).__name__,
                at=event.timestamp.isoformat(), actor=event.actor.principal_id,
                role=event.actor.role.value, correlation_id=event.correlation_id,
                data=procurement_records.event_data(event),
                state=base64.b64encode(bytes(item.state)).decode(), leaf_hash=logged.hex(),
                inclusion_path=[node.hex() for node in path]))
    return Bundle(format=BUNDLE_FORMAT, kind=kind, subject_id=str(aggregate_id),
                  generated_at=runtime.now(), record_format=RECORD_FORMAT, tree_head=head,
                  public_key=public_key_bytes(runtime.tree_heads.public_key).hex(),
                  sections=_sections(kind, decoded), events=cited,
                  statement=runtime.tree_heads.sign(statement_text(
                      str(aggregate_id), int(last_version), head.tree_size)))


def _sections(kind: BundleKind, events: list[Any]) -> dict[str, Any]:
    """The readable record, folded from the cited events by the views' own pure folds."""
    first, rest = events[0], events[1:]
    if kind is BundleKind.PROCUREMENT_EVIDENCE:
        record = procurement_records.empty_record(first)
        for event in rest:
            procurement_records.fold(record, type(event).__name__, event)
        return record
    record = contract_records.empty_record(first)
    for event in rest:
        contract_records.fold(record, type(event).__name__, event)
    return record


class BundleProblem(msgspec.Struct, frozen=True):
    sequence: int | None
    detail: str


def verify_bundle(bundle: Bundle, trusted_key: str | None = None) -> list[BundleProblem]:
    """Everything a bundle claims, checked from the bundle alone (and a key you trust): the head
    and the statement are signed by the key; the events are exactly versions 1 to the signed last
    version, each the stored bytes the log holds at its position (inclusion proof); and what the
    pack shows to be read (each event's type, time, actor and data, and the sections a PDF prints)
    is what those bytes say, decoded here again. Nothing readable is trusted as given."""
    problems: list[BundleProblem] = []
    key_hex = trusted_key or bundle.public_key
    try:
        key = public_key_from_hex(key_hex)
    except ValueError:
        return [BundleProblem(None, "the public key is not a 32-byte Ed25519 key in hex")]
    if not verify_signature(bundle.tree_head, key):
        problems.append(BundleProblem(None, f"the tree head of size {bundle.tree_head.tree_size} "
                                            "is not signed by the key"))
    if bundle.format != BUNDLE_FORMAT:
        return [*problems, BundleProblem(None, f"the pack is {bundle.format!r}; this verifier "
                                               f"reads {BUNDLE_FORMAT!r} (ask for a new pack)")]
    if bundle.record_format != RECORD_FORMAT:
        problems.append(BundleProblem(None, f"unknown record format {bundle.record_format!r}"))
    last_version = _signed_last_version(bundle, key, problems)
    root = bytes.fromhex(bundle.tree_head.root_hash)
    decoded: list[Any] = []
    for expected_version, cited in enumerate(bundle.events, start=1):
        if cited.version != expected_version or cited.aggregate_id != bundle.subject_id:
            problems.append(BundleProblem(cited.sequence, f"expected version {expected_version} "
                                                          f"of {bundle.subject_id} here"))
        try:
            record = StoredRecord(cited.sequence, UUID(cited.aggregate_id), cited.version,
                                  cited.topic, base64.b64decode(cited.state, validate=True))
        except ValueError:
            problems.append(BundleProblem(cited.sequence, "the event's stored bytes are not "
                                                          "valid base64"))
            continue
        leaf = record.leaf_hash()
        if leaf.hex() != cited.leaf_hash:
            problems.append(BundleProblem(cited.sequence, "the event's stored bytes do not hash "
                                                          "to its leaf"))
        try:
            path = [bytes.fromhex(node) for node in cited.inclusion_path]
        except ValueError:
            path = []
        if not rfc9162.verify_inclusion(cited.leaf_index, bundle.tree_head.tree_size, leaf, path,
                                        root):
            problems.append(BundleProblem(cited.sequence, "the inclusion proof does not lead to "
                                                          "the tree head's root"))
        event = _decoded(record)
        if event is None:
            problems.append(BundleProblem(cited.sequence, "the event's stored bytes do not decode"))
            continue
        decoded.append(event)
        shown = _readable(event, record)
        edited = sorted(name for name, value in shown.items()
                        if _plain(getattr(cited, name)) != _plain(value))
        if edited:
            problems.append(BundleProblem(cited.sequence, "what the pack shows differs from the "
                                                          f"stored event: {', '.join(edited)}"))
    if last_version is not None and len(bundle.events) != last_version:
        cited_versions = {cited.version for cited in bundle.events}
        missing = [v for v in range(1, last_version + 1) if v not in cited_versions]
        problems.append(BundleProblem(None, f"the ledger signed {last_version} events of "
                                            f"{bundle.subject_id}; the pack cites "
                                            f"{len(bundle.events)} (missing versions "
                                            f"{', '.join(map(str, missing)) or 'none'})"))
    if decoded and len(decoded) == len(bundle.events):
        recomputed = _sections(bundle.kind, decoded)
        edited = sorted(name for name in set(recomputed) | set(bundle.sections)
                        if _plain(recomputed.get(name)) != _plain(bundle.sections.get(name)))
        if edited:
            problems.append(BundleProblem(None, "the sections differ from what the cited events "
                                                f"say: {', '.join(edited)}"))
    return problems


def _signed_last_version(bundle: Bundle, key: Ed25519PublicKey,
                         problems: list[BundleProblem]) -> int | None:
    try:
        text = open_note(bundle.statement, signer_of(bundle.statement), key)
    except NoteError as error:
        problems.append(BundleProblem(None, f"the pack's statement is not signed by the key: "
                                            f"{error}"))
        return None
    lines = dict(line.split(" ", 1) for line in text.splitlines()[1:] if " " in line)
    if (not text.startswith(STATEMENT_FORMAT + "\n")
            or lines.get("aggregate") != bundle.subject_id
            or lines.get("tree-size") != str(bundle.tree_head.tree_size)
            or not lines.get("last-version", "").isdecimal()):
        problems.append(BundleProblem(None, "the signed statement is about another aggregate or "
                                            "another tree head"))
        return None
    return int(lines["last-version"])


def _readable(event: Any, record: StoredRecord) -> dict[str, Any]:
    """What a cited event shows for reading, derived from its stored bytes alone."""
    return {"type": type(event).__name__, "at": event.timestamp.isoformat(),
            "actor": event.actor.principal_id, "role": event.actor.role.value,
            "correlation_id": event.correlation_id, "topic": record.topic,
            "data": procurement_records.event_data(event)}


def _plain(value: Any) -> Any:
    """As JSON has it: a pack travels as JSON, so compare what survives the trip."""
    return msgspec.json.decode(msgspec.json.encode(value))


@cache
def _decoder() -> Any:
    """The ledger's own event mapper (its transcodings), on no database: a pack is verified
    without one."""
    from domain.ledger import Ledger

    return Ledger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}).mapper


def _decoded(record: StoredRecord) -> Any:
    try:
        return _decoder().to_domain_event(StoredEvent(
            originator_id=record.originator_id, originator_version=record.version,
            topic=record.topic, state=record.state))
    except Exception:
        # Whatever the decoder trips on in forged bytes is a finding, not a crash.
        return None
