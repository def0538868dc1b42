"""The verifiable log over HTTP: anyone may fetch the signing key, the signed tree heads and
consistency proofs between them (they are hashes and signatures, nothing more); inclusion proofs,
which name an event's aggregate, are for auditors. Operators and auditors may ask for a fresh head
(signing what is already recorded changes nothing in the ledger)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.params import Parameter, QueryParameter

from api.commands import runtime_of
from api.schemas.audit import ConsistencyProofBody, InclusionProofBody, PublicKey, TreeHeadList
from audit.tiles import parse_tile_path
from domain import rules
from domain.rules import refuse
from dsledger.runtime import Runtime
from dsledger.tree_heads import TreeHead, public_key_bytes
from dsledger.verify import Verifier, VerifyReport
from projections.merkle_log import RECORD_FORMAT, StoredTree

Req = Request[Any, Any, Any]
Size = Annotated[int, Parameter(ge=1, le=10**12)]


def verify_log(runtime: Runtime) -> VerifyReport:
    """Recompute the whole verifiable log from the stored events, as ``dsledger verify`` does."""
    return Verifier(runtime.ledger.recorder, runtime.db, runtime.tree_heads.public_key).run()


NOTE_MEDIA_TYPE = "text/plain; charset=utf-8"


def _note(head: TreeHead) -> str:
    if head.checkpoint is None:
        # Signed before checkpoints existed: its signature covers another text.
        refuse(rules.AUDIT_TREE_HEAD_NOT_FOUND, "tree_size", tree_size=head.tree_size)
    return head.checkpoint


def _head(request: Req, size: int | None, field: str) -> TreeHead:
    log = runtime_of(request.app.state).tree_heads
    head = log.latest() if size is None else log.at(size)
    if head is None:
        refuse(rules.AUDIT_TREE_HEAD_NOT_FOUND, field, tree_size=size or "latest")
    return head


class AuditController(Controller):
    path = "/audit"
    tags = ["audit"]

    @get("/public-key", sync_to_thread=False,
         summary="The Ed25519 key that signs tree heads")
    def public_key(self, request: Req) -> PublicKey:
        log = runtime_of(request.app.state).tree_heads
        return PublicKey(algorithm="Ed25519", key_id=log.key_id,
                         public_key=public_key_bytes(log.public_key).hex())

    @get("/tree-heads", sync_to_thread=True, summary="Signed tree heads, oldest first")
    def tree_heads(self, request: Req, limit: Annotated[int, Parameter(ge=1, le=1000)] = 100,
                   offset: Annotated[int, Parameter(ge=0, le=1_000_000)] = 0) -> TreeHeadList:
        log = runtime_of(request.app.state).tree_heads
        heads = log.all(limit=limit, offset=offset)
        return TreeHeadList(total=log.count(), limit=limit, offset=offset, items=heads)

    @get("/tree-heads/latest", sync_to_thread=True, summary="The newest signed head")
    def latest(self, request: Req) -> TreeHead:
        return _head(request, None, "tree_size")

    @post("/tree-heads", sync_to_thread=True,
          status_code=201, summary="Sign the log as recorded up to now (operator, auditor)")
    def publish(self, request: Req) -> TreeHead:
        runtime = runtime_of(request.app.state)
        # Cover every event recorded before this request, not just what is projected already.
        runtime.projector.wait_for(runtime.projector.head(), timeout=5.0)
        head = runtime.tree_heads.publish(runtime.now())
        if head is None:
            refuse(rules.AUDIT_TREE_HEAD_NOT_FOUND, None, tree_size="(empty log)")
        return head

    @get("/verification", sync_to_thread=True,
         summary="Recompute the whole log from the stored events now, as dsledger verify does "
                 "(auditor)")
    def verification(self, request: Req) -> VerifyReport:
        return verify_log(runtime_of(request.app.state))

    @get("/proofs/inclusion", sync_to_thread=True,
         summary="Proof that an event is in a signed tree (auditor)")
    def inclusion(self, request: Req, sequence: Annotated[int, Parameter(ge=1, le=10**15)],
                  tree_size: Annotated[int | None, QueryParameter(ge=1, le=10**12)] = None,
                  ) -> InclusionProofBody:
        head = _head(request, tree_size, "tree_size")
        with runtime_of(request.app.state).db.connect() as conn:
            tree = StoredTree(conn)
            leaf = tree.leaf(sequence)
            if leaf is None or leaf.leaf_index >= head.tree_size:
                refuse(rules.AUDIT_EVENT_NOT_IN_TREE, "sequence", sequence=sequence,
                       tree_size=head.tree_size)
            path = tree.inclusion_proof(leaf.leaf_index, head.tree_size)
            return InclusionProofBody(
                sequence=sequence, leaf_index=leaf.leaf_index, tree_size=head.tree_size,
                aggregate_id=leaf.originator_id, version=leaf.version,
                record_format=RECORD_FORMAT, leaf_hash=tree.leaf_hash(leaf.leaf_index).hex(),
                tree_head=head, inclusion_path=[node.hex() for node in path])

    @get("/proofs/consistency", sync_to_thread=True,
         summary="Proof that a later signed tree extends an earlier one")
    def consistency(self, request: Req, first: Size, second: Size) -> ConsistencyProofBody:
        if first > second:
            refuse(rules.AUDIT_SIZES_REVERSED, "first", first=first, second=second)
        earlier = _head(request, first, "first")
        later = _head(request, second, "second")
        with runtime_of(request.app.state).db.connect() as conn:
            path = StoredTree(conn).consistency_proof(first, second)
        return ConsistencyProofBody(first=earlier, second=later,
                                    consistency_path=[node.hex() for node in path])

    @get("/checkpoint", sync_to_thread=True, media_type=NOTE_MEDIA_TYPE,
         summary="The newest signed head as a C2SP checkpoint (a signed note)")
    def checkpoint(self, request: Req) -> str:
        return _note(_head(request, None, "tree_size"))

    @get("/checkpoints/{tree_size:int}", sync_to_thread=True,
         media_type=NOTE_MEDIA_TYPE, summary="The signed head of this size as a C2SP checkpoint")
    def checkpoint_at(self, request: Req,
                      tree_size: Annotated[int, Parameter(ge=1, le=10**12)]) -> str:
        return _note(_head(request, tree_size, "tree_size"))

    @get("/checkpoint/verifier-key", sync_to_thread=False,
         media_type=NOTE_MEDIA_TYPE,
         summary="The key that signs checkpoints, in note verifier-key form")
    def verifier_key(self, request: Req) -> str:
        return runtime_of(request.app.state).tree_heads.verifier_key + "\n"

    @get("/tlog/checkpoint", sync_to_thread=True, media_type=NOTE_MEDIA_TYPE,
         summary="C2SP tlog-tiles: the newest checkpoint")
    def tlog_checkpoint(self, request: Req) -> str:
        return _note(_head(request, None, "tree_size"))

    @get("/tlog/tile/{tile_path:path}", sync_to_thread=True,
         media_type="application/octet-stream",
         summary="C2SP tlog-tiles: a hash tile, tile/<L>/<N>[.p/<W>] (entry bundles are not served)")
    def tlog_tile(self, request: Req, tile_path: str) -> Response[bytes]:
        tile = parse_tile_path(f"tile/{tile_path.lstrip('/')}")
        if tile is None:
            refuse(rules.AUDIT_TILE_NOT_FOUND, "tile_path", path=tile_path)
        with runtime_of(request.app.state).db.connect() as conn:
            data = StoredTree(conn).tile(tile.tree_level, tile.first, tile.width)
        if data is None:
            refuse(rules.AUDIT_TILE_NOT_FOUND, "tile_path", path=tile_path)
        # A tile never changes once the log holds it: a full one is final, and a partial one of a
        # given width always holds the same hashes.
        return Response(data, media_type="application/octet-stream",
                        headers={"Cache-Control": "public, max-age=31536000, immutable"})
