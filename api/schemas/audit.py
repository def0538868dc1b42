"""The verifiable log on the wire: tree heads, the signing key and Merkle proofs."""

from __future__ import annotations

from typing import Any

import msgspec

from dsledger.tree_heads import TreeHead


class PublicKey(msgspec.Struct, frozen=True):
    algorithm: str
    key_id: str
    """Hex SHA-256 of the raw key; every tree head names the key that signed it."""
    public_key: str
    """Hex of the raw 32-byte Ed25519 public key."""


class TreeHeadList(msgspec.Struct, frozen=True):
    total: int
    limit: int
    offset: int
    items: list[TreeHead]


class InclusionProofBody(msgspec.Struct, frozen=True, kw_only=True):
    """That the event at ``sequence`` is leaf ``leaf_index`` of the tree the head signed. Verify by
    hashing ``0x00 || record`` (see ``record_format``) to ``leaf_hash`` and folding ``proof`` to the
    head's root (RFC 9162; pymerkle's ``verify_inclusion`` does both halves)."""

    sequence: int
    leaf_index: int
    aggregate_id: str
    version: int
    record_format: str
    leaf_hash: str
    tree_head: TreeHead
    proof: dict[str, Any]


class ConsistencyProofBody(msgspec.Struct, frozen=True, kw_only=True):
    """That the later head's log begins with exactly the earlier head's log (nothing changed,
    removed or reordered in between)."""

    first: TreeHead
    second: TreeHead
    proof: dict[str, Any]
