"""RFC 9162's own verification algorithms, written here step by step from the RFC's text
(§2.1.3.2 and §2.1.4.2), so the tests check the ledger's proofs against the standard rather than
against the ledger's own code (``audit.rfc9162`` verifies by another formulation, the recursion)."""

from __future__ import annotations

from collections.abc import Sequence
from hashlib import sha256


def _hash(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right).digest()


def verify_inclusion(leaf_index: int, tree_size: int, leaf_hash: bytes,
                     inclusion_path: Sequence[bytes], root_hash: bytes) -> bool:
    """§2.1.3.2, steps 1 to 5."""
    if leaf_index >= tree_size:  # 1
        return False
    fn, sn = leaf_index, tree_size - 1  # 2
    r = leaf_hash  # 3
    for p in inclusion_path:  # 4
        if sn == 0:  # 4a
            return False
        if fn & 1 or fn == sn:  # 4b
            r = _hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:  # 4c
            r = _hash(r, p)
        fn, sn = fn >> 1, sn >> 1  # 4d
    return sn == 0 and r == root_hash  # 5


def verify_consistency(first: int, second: int, first_hash: bytes, second_hash: bytes,
                       consistency_path: Sequence[bytes]) -> bool:
    """§2.1.4.2, steps 1 to 7. (For first = second the RFC's proof is empty and the two roots
    must simply be equal; step 1 is for the other cases.)"""
    if first == second:
        return not consistency_path and first_hash == second_hash
    path = list(consistency_path)
    if not path:  # 1
        return False
    if first & (first - 1) == 0:  # 2: first is an exact power of 2
        path.insert(0, first_hash)
    fn, sn = first - 1, second - 1  # 3
    while fn & 1:  # 4
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]  # 5
    for c in path[1:]:  # 6
        if sn == 0:  # 6a
            return False
        if fn & 1 or fn == sn:  # 6b
            fr, sr = _hash(c, fr), _hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:  # 6c
            sr = _hash(sr, c)
        fn, sn = fn >> 1, sn >> 1  # 6d
    return fr == first_hash and sr == second_hash and sn == 0  # 7
