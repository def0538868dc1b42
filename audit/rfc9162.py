"""Merkle tree hashes, inclusion proofs and consistency proofs exactly as RFC 9162 §2.1 defines
them, over a store that keeps the root of every complete, aligned perfect subtree.

The proofs are lists of ranges ``[lo, hi)`` of leaves, in the RFC's order (the hash nearest the
leaf first); the caller reads the hashes those ranges need (:func:`nodes_of`) in one go and folds
them with :func:`range_hash`. Verification is the RFC's definition run backwards, the way its
proofs are built (the same recursion as Go's ``golang.org/x/mod/sumdb/tlog``), so a proof this
module accepts is one any RFC 9162 verifier accepts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from hashlib import sha256

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = sha256(b"").digest()

Range = tuple[int, int]
"""Leaves ``[lo, hi)``."""
NodeKey = tuple[int, int]
"""A perfect subtree as (level, index): leaves ``[index << level, (index + 1) << level)``."""


def leaf_hash(entry: bytes) -> bytes:
    return sha256(LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return sha256(NODE_PREFIX + left + right).digest()


def split(width: int) -> int:
    """RFC 9162's k: the largest power of two smaller than ``width`` (``width`` > 1)."""
    return 1 << ((width - 1).bit_length() - 1)


def perfect_subtrees(lo: int, hi: int) -> list[NodeKey]:
    """The aligned perfect subtrees that make up ``[lo, hi)``, left to right. Every range the RFC's
    recursion asks for starts at a multiple of a power of two at least as wide as its left part,
    so these are exactly the subtrees MTH splits it into."""
    keys: list[NodeKey] = []
    while lo < hi:
        level = min((lo & -lo).bit_length() - 1 if lo else 63, (hi - lo).bit_length() - 1)
        keys.append((level, lo >> level))
        lo += 1 << level
    return keys


def nodes_of(ranges: Sequence[Range]) -> set[NodeKey]:
    """Every stored node needed to hash these ranges."""
    return {key for lo, hi in ranges for key in perfect_subtrees(lo, hi)}


def range_hash(lo: int, hi: int, node: Callable[[int, int], bytes] | Mapping[NodeKey, bytes],
               ) -> bytes:
    """MTH(D[lo:hi]) from stored perfect subtrees: the rightmost first, each folded in on its
    left (the RFC splits at the largest power of two, so the left part is always whole)."""
    read = node.__getitem__ if isinstance(node, Mapping) else (lambda key: node(*key))
    keys = perfect_subtrees(lo, hi)
    if not keys:
        return EMPTY_ROOT
    value = read(keys[-1])
    for key in reversed(keys[:-1]):
        value = node_hash(read(key), value)
    return value


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """PATH(m, D[n]) (§2.1.3.1) as ranges, deepest first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    return _path(index, 0, size)


def _path(m: int, lo: int, hi: int) -> list[Range]:
    if hi - lo == 1:
        return []
    k = split(hi - lo)
    if m < lo + k:
        return [*_path(m, lo, lo + k), (lo + k, hi)]
    return [*_path(m, lo + k, hi), (lo, lo + k)]


def consistency_ranges(first: int, second: int) -> list[Range]:
    """PROOF(m, D[n]) = SUBPROOF(m, D[n], true) (§2.1.4.1) as ranges; empty when m = n."""
    if not 0 < first <= second:
        raise ValueError(f"no consistency proof from {first} to {second}")
    return _subproof(first, 0, second, True)


def _subproof(m: int, lo: int, hi: int, whole: bool) -> list[Range]:
    if m == hi:
        return [] if whole else [(lo, hi)]
    k = split(hi - lo)
    if m <= lo + k:
        return [*_subproof(m, lo, lo + k, whole), (lo + k, hi)]
    return [*_subproof(m, lo + k, hi, False), (lo, lo + k)]


def root_from_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes]) -> bytes | None:
    """The root a valid inclusion proof leads to, or None when the proof has the wrong shape."""
    if not 0 <= index < size:
        return None
    return _run_path(list(path), 0, size, index, leaf)


def _run_path(path: list[bytes], lo: int, hi: int, m: int, leaf: bytes) -> bytes | None:
    if hi - lo == 1:
        return None if path else leaf
    if not path:
        return None
    k, sibling = split(hi - lo), path.pop()
    if m < lo + k:
        below = _run_path(path, lo, lo + k, m, leaf)
        return None if below is None else node_hash(below, sibling)
    below = _run_path(path, lo + k, hi, m, leaf)
    return None if below is None else node_hash(sibling, below)


def verify_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes], root: bytes) -> bool:
    return root_from_inclusion(index, size, leaf, path) == root


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes,
                       path: Sequence[bytes]) -> bool:
    """That the tree of ``second`` leaves with ``second_root`` begins with the tree of ``first``
    leaves with ``first_root``."""
    if not 0 < first <= second:
        return False
    rebuilt = _run_subproof(list(path), 0, second, first, first_root)
    return rebuilt == (first_root, second_root)


def _run_subproof(path: list[bytes], lo: int, hi: int, m: int, old: bytes,
                  ) -> tuple[bytes, bytes] | None:
    """(MTH of the old tree's part in [lo, hi), MTH of [lo, hi)) from the proof's hashes."""
    if m == hi:
        if lo == 0:  # the whole old tree: the verifier knows its root already
            return None if path else (old, old)
        return (path[0], path[0]) if len(path) == 1 else None
    if not path:
        return None
    k, sibling = split(hi - lo), path.pop()
    if m <= lo + k:
        below = _run_subproof(path, lo, lo + k, m, old)
        return None if below is None else (below[0], node_hash(below[1], sibling))
    below = _run_subproof(path, lo + k, hi, m, old)
    if below is None:
        return None
    return node_hash(sibling, below[0]), node_hash(sibling, below[1])
