"""Configuration from the environment: which database, where the data lives, the signing secret.

SQLite (one file under the data directory) is the default; a ``postgresql://`` URL switches the
event store and every view to PostgreSQL and nothing else changes.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import unquote, urlsplit

import msgspec
from eventsourcing.utils import get_topic

from dsledger.group_commit import GroupCommitApplicationRecorder

DEFAULT_DATA_DIR = Path("var")


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    database_url: str
    data_dir: Path
    jwt_secret: str
    signing_key_path: Path | None = None
    """The Ed25519 key that signs tree heads (PEM, PKCS#8); None: ``signing-key.pem`` beside the
    data, generated on first use for development."""
    tree_head_interval: float = 60.0
    idempotency_ttl_hours: float = 24.0
    """How long a POST's Idempotency-Key and its first answer are kept: a retry within it gets the
    first answer; after it, the key is forgotten and the same key runs as a new request."""
    host: str = "127.0.0.1"
    port: int = 8000
    run_projector: bool = True
    group_commit: bool = True
    """PostgreSQL only: concurrent commands share one transaction and one COMMIT, in one global
    order (``dsledger/group_commit.py``, ``docs/group-commit.md``); off, the library's recorder."""
    projection_batch_size: int = 2000
    pool_idle: int = 2
    """PostgreSQL connections the event store's pool opens at start and keeps. The library opens
    its pool's minimum eagerly, so a generous minimum times every process (API workers,
    projection worker, schedulers) exhausts the server's ``max_connections`` before any load."""
    pool_max: int = 10
    """The most connections each of a process's two pools (event store, views) opens under load;
    beyond it a request waits for a free connection instead of failing."""
    aggregate_cache: int = 1000
    """How many aggregates each process keeps in memory between commands (0: none). A load still
    reads the events recorded since the cached version, by any process, so the cache never
    serves a stale state; it saves decoding and replaying the rest."""
    search_cache: int = 512
    """How many catalogue searches each process keeps the latest answer of (0: none). An answer
    is served only while the catalogue view is still at the position it was read at."""
    public_url: str | None = None
    """The service's public base URL (behind a proxy); None: the URL each request came in on.
    Published links (the OCDS extension's) are absolute from it."""
    ocds_contact_name: str = "dsledger operator"
    ocds_contact_email: str = "ocds@localhost"
    """Who answers questions about the OCDS extension (its ``contactPoint``); set it before
    publishing."""
    log_origin: str = "localhost/dsledger"
    """The checkpoint origin (C2SP tlog-checkpoint) and the name of the key that signs them: a
    schema-less URL naming this ledger's log, unique to it; the default is for development."""
    ocds_prefix: str = "ocds-dsledger"
    """The OCDS ocid prefix; the default is for development only — register a real one with the Open
    Contracting Partnership before publishing."""

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        data_dir = Path(env.get("DSLEDGER_DATA_DIR", str(DEFAULT_DATA_DIR))).resolve()
        database_url = env.get("DSLEDGER_DATABASE_URL") or f"sqlite:///{data_dir / 'dsledger.sqlite3'}"
        return cls(
            database_url=database_url,
            data_dir=data_dir,
            jwt_secret=env.get("DSLEDGER_JWT_SECRET") or _development_secret(data_dir),
            host=env.get("DSLEDGER_HOST", "127.0.0.1"),
            port=int(env.get("DSLEDGER_PORT", "8000")),
            run_projector=_enabled(env, "DSLEDGER_RUN_PROJECTOR"),
            group_commit=_enabled(env, "DSLEDGER_GROUP_COMMIT"),
            projection_batch_size=int(env.get("DSLEDGER_PROJECTION_BATCH_SIZE", "2000")),
            pool_idle=int(env.get("DSLEDGER_POOL_IDLE", "2")),
            pool_max=int(env.get("DSLEDGER_POOL_MAX", "10")),
            aggregate_cache=int(env.get("DSLEDGER_AGGREGATE_CACHE", "1000")),
            search_cache=int(env.get("DSLEDGER_SEARCH_CACHE", "512")),
            signing_key_path=(Path(env["DSLEDGER_SIGNING_KEY"]).resolve()
                              if env.get("DSLEDGER_SIGNING_KEY") else None),
            tree_head_interval=float(env.get("DSLEDGER_TREE_HEAD_INTERVAL", "60")),
            idempotency_ttl_hours=float(env.get("DSLEDGER_IDEMPOTENCY_TTL_HOURS", "24")),
            ocds_prefix=env.get("DSLEDGER_OCDS_PREFIX") or "ocds-dsledger",
            log_origin=env.get("DSLEDGER_LOG_ORIGIN") or "localhost/dsledger",
            public_url=env.get("DSLEDGER_PUBLIC_URL") or None,
            ocds_contact_name=env.get("DSLEDGER_OCDS_CONTACT_NAME") or "dsledger operator",
            ocds_contact_email=env.get("DSLEDGER_OCDS_CONTACT_EMAIL") or "ocds@localhost",
        )

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgresql://", "postgres://"))

    @property
    def sqlite_path(self) -> Path:
        return Path(self.database_url.removeprefix("sqlite:///"))

    def ledger_env(self) -> dict[str, str]:
        """The eventsourcing library's settings for this database, with the library's own recorders
        (the benchmarks' stock-library baseline runs on exactly these)."""
        if not self.is_postgres:
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(self.sqlite_path),
                "SQLITE_LOCK_TIMEOUT": "30",
            }
        url = urlsplit(self.database_url)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": url.path.lstrip("/"),
            "POSTGRES_HOST": url.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(url.port or 5432),
            "POSTGRES_USER": unquote(url.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(url.password or ""),
            "POSTGRES_POOL_SIZE": str(self.pool_idle),
            "POSTGRES_MAX_OVERFLOW": str(max(self.pool_max - self.pool_idle, 0)),
            "POSTGRES_LOCK_TIMEOUT": "10",
            # Never POSTGRES_ENABLE_DB_FUNCTIONS: with it the library silently drops tracking rows.
        }

    def ledger_recorder_env(self) -> dict[str, str]:
        """What the ledger runs on: ``ledger_env`` with the aggregate cache, and on PostgreSQL the
        group-commit recorder unless it is switched off (chosen through the library's
        APPLICATION_RECORDER_TOPIC)."""
        env = self.ledger_env()
        if self.aggregate_cache > 0:
            env["AGGREGATE_CACHE_MAXSIZE"] = str(self.aggregate_cache)
        if self.is_postgres and self.group_commit:
            env["APPLICATION_RECORDER_TOPIC"] = get_topic(GroupCommitApplicationRecorder)
        return env

    @property
    def signing_key_file(self) -> Path:
        return self.signing_key_path or self.data_dir / "signing-key.pem"

    def sqlalchemy_url(self) -> str:
        if self.is_postgres:
            rest = self.database_url.split("://", 1)[1]
            return f"postgresql+psycopg://{rest}"
        return f"sqlite:///{self.sqlite_path}"

    def libpq_dsn(self) -> str:
        """For the LISTEN connection, which psycopg opens directly."""
        return self.database_url.replace("postgres://", "postgresql://", 1)


def _enabled(env: dict[str, str], key: str) -> bool:
    """A yes/no switch that is on unless set to 0, no or false."""
    return env.get(key, "yes").lower() not in {"0", "no", "false"}


def _development_secret(data_dir: Path) -> str:
    """A signing secret for development, generated once and kept beside the data."""
    path = data_dir / "jwt-secret"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.write_text(secret)
    path.chmod(0o600)
    return secret
