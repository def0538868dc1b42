"""Checkpoints in the C2SP tlog-checkpoint format, signed as C2SP signed notes with Ed25519.

A checkpoint is the text

    <origin>\\n
    <tree size, decimal>\\n
    <root hash, base64>\\n
    <extension lines>\\n

and a signed note adds an empty line and one line per signature,
``— <key name> <base64(key hash ‖ Ed25519 signature)>``, where the key hash is the first four bytes
of SHA-256(key name ‖ "\\n" ‖ 0x01 ‖ public key). The verifier key is published as
``<key name>+<key hash, 8 hex digits>+<base64(0x01 ‖ public key)>``. Those are the formats Go's
``golang.org/x/mod/sumdb/note`` reads, and witnesses and monitors expect.

The ledger adds one extension line, ``dsledger-issued-at <time>``, the moment it signed, written
exactly as the JSON tree heads publish it.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ED25519 = 0x01
"""The signature type byte of an Ed25519 note key."""
ISSUED_AT = "dsledger-issued-at"
SIGNATURE_PREFIX = "\u2014 "
_NAME = re.compile(r"^[^\s+]+$")


class NoteError(ValueError):
    """The text is not a checkpoint signed by the expected key."""


def published_time(moment: datetime) -> str:
    """A time as the API publishes it (msgspec's RFC 3339 form), so the signed text and the JSON
    field are the same bytes."""
    text: str = msgspec.json.decode(msgspec.json.encode(moment))
    return text


def raw_public_key(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_hash(name: str, public_key: Ed25519PublicKey) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519]) + raw_public_key(public_key)
                          ).digest()[:4]


def verifier_key(name: str, public_key: Ed25519PublicKey) -> str:
    """The key in note verifier-key form, for ``note.NewVerifier`` and for :func:`open_checkpoint`."""
    _require_name(name)
    encoded = base64.b64encode(bytes([ED25519]) + raw_public_key(public_key)).decode()
    return f"{name}+{key_hash(name, public_key).hex()}+{encoded}"


def parse_verifier_key(text: str) -> tuple[str, Ed25519PublicKey]:
    parts = text.strip().split("+", 2)  # the base64 key may itself hold "+"
    if len(parts) != 3 or not _NAME.match(parts[0]):
        raise NoteError("a verifier key is <name>+<8 hex digits>+<base64 key>")
    name, hash_hex, encoded = parts
    try:
        raw = base64.b64decode(encoded, validate=True)
        if len(raw) != 33 or raw[0] != ED25519:
            raise NoteError("the verifier key is not an Ed25519 note key")
        public_key = Ed25519PublicKey.from_public_bytes(raw[1:])
    except ValueError as error:
        raise NoteError(f"the verifier key does not decode: {error}") from error
    if key_hash(name, public_key).hex() != hash_hex.lower():
        raise NoteError("the verifier key's hash does not match its name and key")
    return name, public_key


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    issued_at: str | None = None
    """The ``dsledger-issued-at`` extension line's value, as signed."""

    def body(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode()]
        if self.issued_at is not None:
            lines.append(f"{ISSUED_AT} {self.issued_at}")
        return "".join(f"{line}\n" for line in lines)


def sign_checkpoint(checkpoint: Checkpoint, name: str, key: Ed25519PrivateKey) -> str:
    """The signed note: the checkpoint, an empty line, and the signature line."""
    return sign_note(checkpoint.body(), name, key)


def sign_note(body: str, name: str, key: Ed25519PrivateKey) -> str:
    """Any text of non-empty lines, each ending in a newline, signed as a C2SP note."""
    _require_name(name)
    if not body.endswith("\n") or "\n\n" in body:
        raise ValueError("a note's text is non-empty lines, each ending with a newline")
    signature = key.sign(body.encode())
    stamp = base64.b64encode(key_hash(name, key.public_key()) + signature).decode()
    return f"{body}\n{SIGNATURE_PREFIX}{name} {stamp}\n"


def note_signature(note: str) -> bytes:
    """The Ed25519 signature of a note this module signed (the first signature line's)."""
    _, signatures = _split(note)
    return signatures[0][2]


def open_checkpoint(note: str, verifier: str) -> Checkpoint:
    """The checkpoint a note carries, once a signature by ``verifier`` is found valid on it."""
    name, public_key = parse_verifier_key(verifier)
    return parse_body(open_note(note, name, public_key))


def open_note(note: str, name: str, public_key: Ed25519PublicKey) -> str:
    """The text of a note, once a signature by ``name`` with ``public_key`` is found valid on it."""
    body, signatures = _split(note)
    wanted = key_hash(name, public_key)
    for signer, hash_, signature in signatures:
        if signer == name and hash_ == wanted:
            try:
                public_key.verify(signature, body.encode())
            except InvalidSignature as error:
                raise NoteError(f"the signature of {name} does not verify") from error
            return body
    raise NoteError(f"the note carries no signature by {name}")


def signer_of(note: str) -> str:
    """The key name of a note's first signature (which key to check it with is the reader's
    choice; this only says whose name it carries)."""
    _, signatures = _split(note)
    return signatures[0][0]


def parse_body(body: str) -> Checkpoint:
    lines = body.split("\n")
    if len(lines) < 4 or lines[-1] != "" or any(not line for line in lines[:-1]):
        raise NoteError("a checkpoint is an origin, a size and a root hash, one per line")
    origin, size_text, root_text, *extensions = lines[:-1]
    if not size_text.isascii() or not size_text.isdecimal() or (
            size_text != "0" and size_text.startswith("0")):
        raise NoteError("the tree size must be a decimal number without leading zeros")
    try:
        root = base64.b64decode(root_text, validate=True)
    except ValueError as error:
        raise NoteError("the root hash is not base64") from error
    if len(root) != 32:
        raise NoteError("the root hash is not 32 bytes")
    issued_at = None
    for line in extensions:
        key, _, value = line.partition(" ")
        if key == ISSUED_AT:
            issued_at = value
    return Checkpoint(origin=origin, size=int(size_text), root=root, issued_at=issued_at)


def _split(note: str) -> tuple[str, list[tuple[str, bytes, bytes]]]:
    body, separator, rest = note.rpartition("\n\n")
    if not separator or not rest.endswith("\n"):
        raise NoteError("a signed note is its text, an empty line and its signature lines")
    signatures: list[tuple[str, bytes, bytes]] = []
    for line in rest[:-1].split("\n"):
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteError("a signature line starts with an em dash and a space")
        name, _, encoded = line[len(SIGNATURE_PREFIX):].partition(" ")
        try:
            raw = base64.b64decode(encoded, validate=True)
        except ValueError as error:
            raise NoteError("a signature is not base64") from error
        if len(raw) < 5:
            raise NoteError("a signature is too short")
        signatures.append((name, raw[:4], raw[4:]))
    return body + "\n", signatures


def _require_name(name: str) -> None:
    if not _NAME.match(name):
        raise ValueError(f"a note key name has no spaces or '+': {name!r}")
