"""The verifiable log on the wire: tree heads, the signing key and Merkle proofs."""

from __future__ import annotations

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
    hashing ``0x00 || record`` (see ``record_format``) to ``leaf_hash`` and running RFC 9162
    §2.1.3.2 with ``inclusion_path`` to the head's root (Go: ``tlog.CheckRecord``)."""

    sequence: int
    leaf_index: int
    """0-based, as RFC 9162 counts leaves."""
    tree_size: int
    aggregate_id: str
    version: int
    record_format: str
    leaf_hash: str
    tree_head: TreeHead
    inclusion_path: list[str]
    """RFC 9162 §2.1.3.1 PATH(leaf_index, D[tree_size]), hex, nearest the leaf first; the leaf
    itself is not part of it."""


class ConsistencyProofBody(msgspec.Struct, frozen=True, kw_only=True):
    """That the later head's log begins with exactly the earlier head's log (nothing changed,
    removed or reordered in between): RFC 9162 §2.1.4.2 with ``consistency_path`` (Go:
    ``tlog.CheckTree``)."""

    first: TreeHead
    second: TreeHead
    consistency_path: list[str]
    """RFC 9162 §2.1.4.1 PROOF(first, D[second]), hex; empty when the sizes are equal."""
