"""The verifiable log speaks the standards, as tools dsledger did not write read them: inclusion
and consistency proofs exactly as RFC 9162 §2.1.3–2.1.4 lay them out (checked by the RFC's own
verification steps and by Go's ``sumdb/tlog``), and checkpoints as C2SP signed notes that Go's
``sumdb/note`` opens with the published verifier key."""

from __future__ import annotations

from datetime import UTC, datetime
from hashlib import sha256
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from api.app import create_app
from audit import rfc9162
from audit.checkpoint import NoteError, open_checkpoint
from audit.tiles import Tile
from dsledger.demo import demo_catalogue, load_demo
from dsledger.runtime import Runtime
from projections.merkle_log import StoredRecord
from tests.api.test_audit_routes import ok, publish, record_services
from tests.audit import rfc9162_text
from tests.audit.go_tlog import go_check
from tests.principals import AUDITOR, bearer

AT = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def _mth(leaves: list[bytes]) -> bytes:
    """MTH straight from §2.1.1's definition."""
    if not leaves:
        return sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = rfc9162.split(len(leaves))
    return rfc9162.node_hash(_mth(leaves[:k]), _mth(leaves[k:]))


class _Tree:
    """Every complete perfect subtree of a list of leaves, as the Merkle log view stores them."""

    def __init__(self, count: int) -> None:
        self.leaves = [rfc9162.leaf_hash(f"entry {i}".encode()) for i in range(count)]
        self.nodes: dict[tuple[int, int], bytes] = {}
        level_hashes = self.leaves
        level = 0
        while level_hashes:
            self.nodes.update({(level, i): h for i, h in enumerate(level_hashes)})
            level_hashes = [rfc9162.node_hash(level_hashes[i], level_hashes[i + 1])
                            for i in range(0, len(level_hashes) - 1, 2)]
            level += 1

    def hashes(self, ranges: list[tuple[int, int]]) -> list[bytes]:
        return [rfc9162.range_hash(lo, hi, self.nodes) for lo, hi in ranges]


def test_every_proof_of_every_small_tree_verifies_by_the_rfc_and_by_go_and_equals_gos() -> None:
    tree = _Tree(40)
    inclusions, consistencies = [], []
    for size in range(1, 41):
        root = _mth(tree.leaves[:size])
        assert rfc9162.range_hash(0, size, tree.nodes) == root
        for index in range(size):
            path = tree.hashes(rfc9162.inclusion_ranges(index, size))
            assert rfc9162_text.verify_inclusion(index, size, tree.leaves[index], path, root)
            inclusions.append({"index": index, "size": size, "leaf_hash": tree.leaves[index].hex(),
                               "path": [h.hex() for h in path], "root": root.hex()})
        for first in range(1, size + 1):
            path = tree.hashes(rfc9162.consistency_ranges(first, size))
            assert rfc9162_text.verify_consistency(first, size, _mth(tree.leaves[:first]), root,
                                                   path), (first, size)
            consistencies.append({"first": first, "second": size,
                                  "first_root": _mth(tree.leaves[:first]).hex(),
                                  "second_root": root.hex(), "path": [h.hex() for h in path]})
    answer = go_check({"leaves": [leaf.hex() for leaf in tree.leaves], "inclusions": inclusions,
                       "consistencies": consistencies})
    assert answer["roots"] == [_mth(tree.leaves[:n]).hex() for n in range(1, 41)]
    for sent, got in zip(inclusions, answer["inclusions"], strict=True):
        assert got["error"] == "" and got["go_path"] == sent["path"], sent
    for sent, got in zip(consistencies, answer["consistencies"], strict=True):
        assert got["error"] == "" and got["go_path"] == sent["path"], sent


@pytest.mark.parametrize(("first", "second", "length"), [(3072, 3394, 3), (2048, 2560, 1),
                                                         (3394, 3394, 0)])
def test_a_consistency_proof_has_the_rfcs_length(first: int, second: int, length: int) -> None:
    tree = _Tree(second)
    path = tree.hashes(rfc9162.consistency_ranges(first, second))
    assert len(path) == length
    first_root, second_root = _mth(tree.leaves[:first]), _mth(tree.leaves[:second])
    assert rfc9162_text.verify_consistency(first, second, first_root, second_root, path)
    assert rfc9162.verify_consistency(first, second, first_root, second_root, path)
    answer = go_check({"leaves": [], "inclusions": [], "consistencies": [
        {"first": first, "second": second, "first_root": first_root.hex(),
         "second_root": second_root.hex(), "path": [h.hex() for h in path]}]})
    assert answer["consistencies"][0]["error"] == ""


def test_a_wrong_proof_fails_in_both_verifiers() -> None:
    tree = _Tree(13)
    root = _mth(tree.leaves)
    path = tree.hashes(rfc9162.inclusion_ranges(5, 13))
    wrong = [path[0], *path[2:]]
    assert not rfc9162_text.verify_inclusion(5, 13, tree.leaves[5], wrong, root)
    assert not rfc9162.verify_inclusion(5, 13, tree.leaves[5], wrong, root)
    assert not rfc9162.verify_inclusion(6, 13, tree.leaves[5], path, root)
    consistency = tree.hashes(rfc9162.consistency_ranges(6, 13))
    swapped = [consistency[1], consistency[0], *consistency[2:]]
    old = _mth(tree.leaves[:6])
    assert not rfc9162_text.verify_consistency(6, 13, old, root, swapped)
    assert not rfc9162.verify_consistency(6, 13, old, root, swapped)
    answer = go_check({"leaves": [], "inclusions": [
        {"index": 5, "size": 13, "leaf_hash": tree.leaves[5].hex(),
         "path": [h.hex() for h in wrong], "root": root.hex()}], "consistencies": [
        {"first": 6, "second": 13, "first_root": old.hex(), "second_root": root.hex(),
         "path": [h.hex() for h in swapped]}]})
    assert answer["inclusions"][0]["error"] and answer["consistencies"][0]["error"]


def _heads(client: TestClient[Any]) -> list[dict[str, Any]]:
    heads = []
    for batch in range(4):
        record_services(client, 10 * batch + 1, batch + 1)
        heads.append(publish(client))
    return heads


def test_the_ledgers_checkpoints_open_with_gos_note_package(client: TestClient[Any]) -> None:
    heads = _heads(client)
    verifier = client.get("/audit/checkpoint/verifier-key")
    assert verifier.status_code == 200 and verifier.headers["content-type"].startswith("text/plain")
    notes = [client.get(f"/audit/checkpoints/{head['tree_size']}").text for head in heads]
    latest = client.get("/audit/checkpoint")
    assert latest.status_code == 200 and latest.text == notes[-1] == heads[-1]["checkpoint"]
    answer = go_check({"verifier_key": verifier.text.strip(), "checkpoints": notes,
                       "leaves": [], "inclusions": [], "consistencies": []})
    for head, opened in zip(heads, answer["checkpoints"], strict=True):
        assert opened["error"] == ""
        assert opened["origin"] == "localhost/dsledger"
        assert opened["size"] == head["tree_size"] and opened["root"] == head["root_hash"]
        # The signed time is the published one, byte for byte.
        assert opened["extra"] == f"dsledger-issued-at {head['issued_at']}\n"
        assert open_checkpoint(head["checkpoint"], verifier.text).size == head["tree_size"]
    forged = notes[-1].replace(f"\n{heads[-1]['tree_size']}\n", f"\n{heads[-1]['tree_size'] + 1}\n")
    refused = go_check({"verifier_key": verifier.text.strip(), "checkpoints": [forged],
                        "leaves": [], "inclusions": [], "consistencies": []})
    assert "invalid signature" in refused["checkpoints"][0]["error"]
    with pytest.raises(NoteError):
        open_checkpoint(forged, verifier.text)


def test_the_ledgers_proofs_verify_by_the_rfc_and_by_go(client: TestClient[Any],
                                                        runtime: Runtime) -> None:
    heads = _heads(client)
    last = heads[-1]
    rows = runtime.ledger.recorder.select_notifications(start=1, limit=1000)
    leaves = [StoredRecord.of(row).leaf_hash() for row in rows]
    assert len(leaves) == last["tree_size"]
    inclusions = []
    for head in heads:
        for row in rows[: head["tree_size"]]:
            body = ok(client.get("/audit/proofs/inclusion", headers=bearer(AUDITOR),
                                 params={"sequence": row.id, "tree_size": head["tree_size"]}))
            path = [bytes.fromhex(h) for h in body["inclusion_path"]]
            leaf = bytes.fromhex(body["leaf_hash"])
            assert leaf == leaves[body["leaf_index"]]
            assert rfc9162_text.verify_inclusion(body["leaf_index"], head["tree_size"], leaf, path,
                                                 bytes.fromhex(head["root_hash"]))
            inclusions.append({"index": body["leaf_index"], "size": head["tree_size"],
                               "leaf_hash": body["leaf_hash"], "path": body["inclusion_path"],
                               "root": head["root_hash"]})
    consistencies = []
    for earlier in heads:
        for later in heads:
            if earlier["tree_size"] > later["tree_size"]:
                continue
            body = ok(client.get("/audit/proofs/consistency", params={
                "first": earlier["tree_size"], "second": later["tree_size"]}))
            path = [bytes.fromhex(h) for h in body["consistency_path"]]
            assert rfc9162_text.verify_consistency(
                earlier["tree_size"], later["tree_size"], bytes.fromhex(earlier["root_hash"]),
                bytes.fromhex(later["root_hash"]), path)
            if earlier is later:
                assert path == [], "RFC 9162: the proof between equal sizes is empty"
            consistencies.append({"first": earlier["tree_size"], "second": later["tree_size"],
                                  "first_root": earlier["root_hash"],
                                  "second_root": later["root_hash"],
                                  "path": body["consistency_path"]})
    answer = go_check({"leaves": [leaf.hex() for leaf in leaves], "inclusions": inclusions,
                       "consistencies": consistencies})
    assert answer["roots"][-1] == last["root_hash"]
    for sent, got in zip(inclusions, answer["inclusions"], strict=True):
        assert got["error"] == "" and got["go_path"] == sent["path"]
    for sent, got in zip(consistencies, answer["consistencies"], strict=True):
        assert got["error"] == "" and got["go_path"] == sent["path"]


def test_the_log_is_served_as_c2sp_tiles_that_gos_tile_reader_proves_against_the_checkpoint(
        runtime: Runtime, tmp_path: Path) -> None:
    """More than 256 events, so the tiles have a second level and full and partial tiles both."""
    load_demo(runtime.ledger, services=demo_catalogue()[:150], at=AT)
    runtime.projector.catch_up()
    head = runtime.tree_heads.publish(AT)
    assert head is not None and head.tree_size > 300
    with TestClient(app=create_app(runtime, run_projector=False)) as client:
        assert client.get("/audit/tlog/checkpoint").text == head.checkpoint
        size = head.tree_size
        for level in range(4):
            hashes = size >> (8 * level)
            widths = [256] * (hashes // 256) + ([hashes % 256] if hashes % 256 else [])
            for number, width in enumerate(widths):
                path = Tile(level, number, width).path()
                response = client.get(f"/audit/tlog/{path}")
                assert response.status_code == 200, path
                assert len(response.content) == 32 * width
                (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
                (tmp_path / path).write_bytes(response.content)
        for wrong in ("tile/0/x000/001", "tile/0/001.p/256", "tile/9/000", "tile/0/999",
                      "tile/entries/000"):
            refused = client.get(f"/audit/tlog/{wrong}")
            assert refused.status_code == 404 and refused.json()["rule"] == "audit.tile-not-found"
        indexes = [0, 255, 256, size - 1]
        paths = {index: [bytes.fromhex(h) for h in ok(client.get(
            "/audit/proofs/inclusion", headers=bearer(AUDITOR),
            params={"sequence": index + 1}))["inclusion_path"]] for index in indexes}
    answer = go_check({"leaves": [], "inclusions": [], "consistencies": [], "tiles": {
        "dir": str(tmp_path), "tree_size": size, "tree_root": head.root_hash,
        "indexes": indexes}})
    assert answer["tiles"]["error"] == ""
    assert answer["tiles"]["root"] == head.root_hash
    assert answer["tiles"]["proofs"] == [[h.hex() for h in paths[i]] for i in indexes]
    # A tile with one hash changed no longer proves against the checkpoint. (The tile changed is
    # one the root is computed from: x/mod 0.7.0's reader checks those against the root first.)
    upper = Tile(1, 0, size >> 8)
    tile = tmp_path / upper.path()
    tile.write_bytes(b"\xff" * 32 + tile.read_bytes()[32:])
    tampered = go_check({"leaves": [], "inclusions": [], "consistencies": [], "tiles": {
        "dir": str(tmp_path), "tree_size": size, "tree_root": head.root_hash, "indexes": [0]}})
    assert "inconsistent tile" in tampered["tiles"]["error"], tampered


def test_a_verifier_key_whose_base64_holds_a_plus_still_opens_its_notes() -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from audit.checkpoint import Checkpoint, sign_checkpoint, verifier_key

    key = next(k for k in iter(Ed25519PrivateKey.generate, None)
               if "+" in verifier_key("example.org/log", k.public_key()).split("+", 2)[2])
    note = sign_checkpoint(Checkpoint("example.org/log", 3, b"\x07" * 32), "example.org/log", key)
    assert open_checkpoint(note, verifier_key("example.org/log", key.public_key())).size == 3
