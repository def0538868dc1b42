"""The ``dsledger`` command line: serve, migrate, rebuild, demo, token."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from uuid import UUID

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from domain import rules
from domain.actor import KOREA, Role, utc_now
from domain.rules import RuleViolation
from dsledger.background import background_work
from dsledger.runtime import Runtime
from dsledger.settings import Settings
from dsledger.verify import VerifyReport
from scheduler.clock import ControllableClock

if TYPE_CHECKING:
    # The demo modules load only when a demo is asked for (see _load_demo).
    from dsledger.demo_contracts import DemoContracts
    from scheduler.runner import DeadlineScheduler

console = Console(stderr=True, soft_wrap=True)


@contextmanager
def progress_bar(description: str) -> Iterator[Callable[[int, int], None]]:
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=console) as progress:
        task = progress.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield update


def _runtime(now: datetime | None = None) -> Runtime:
    return _started(Settings.from_env(), ControllableClock(now) if now else utc_now)


def _started(settings: Settings, clock: Callable[[], datetime]) -> Runtime:
    """The runtime, or a clear exit when its clock would go back before the log's newest event."""
    try:
        return Runtime(settings, clock=clock)
    except RuleViolation as refusal:
        if refusal.rule is not rules.CLOCK_BEFORE_LOG:
            raise
        raise click.ClickException(f"{refusal.message_en}\n{refusal.message_ko}") from refusal


NOW = click.option("--now", type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
                   default=None, help="Start the ledger's clock at this Korean date/time (a "
                   "demo); an operator can then move it forward with POST /system/clock.")


def _korean(now: datetime | None) -> datetime | None:
    return None if now is None else now.replace(tzinfo=KOREA)


@click.group(help="dsledger: the ledger of digital-service usage contracts. The database comes "
                  "from DSLEDGER_DATABASE_URL (default: SQLite under DSLEDGER_DATA_DIR=./var).")
@click.pass_context
def main(context: click.Context) -> None:
    # libpq names every PostgreSQL connection after the command that opened it, so an operator
    # can tell API, projection worker and scheduler apart in pg_stat_activity.
    os.environ.setdefault("PGAPPNAME", f"dsledger-{context.invoked_subcommand or 'cli'}")


@main.command(help="Bring the read-model schema up to date (the service also does this on start).")
def migrate() -> None:
    runtime = _runtime()  # migrates on construction
    console.print(f"migrated {runtime.settings.sqlalchemy_url().split('@')[-1]}")
    runtime.close()


@main.command(help="Rebuild every view from the first event of the log.")
@click.option("--processes", type=click.IntRange(1, 64), default=None,
              help="Replay into groups of views in this many processes (default: one per core "
                   "on PostgreSQL for a log of 50,000 events or more, else one).")
def rebuild(processes: int | None) -> None:
    from dsledger.rebuild import rebuild as rebuild_views

    runtime = _runtime()
    try:
        with progress_bar("rebuilding views") as update:
            applied = rebuild_views(runtime, processes, update)
        console.print(f"rebuilt views to position {runtime.projector.position()} "
                      f"({applied} event applications)")
        # A view that cannot apply an event stops there and the others finish; the rebuild is
        # not done, and a script running it must know which event to look at.
        failures = runtime.projector.failures()
        for failure in failures:
            console.print(f"view {failure.view} FAILED at position {failure.position}: "
                          f"{failure.event_type} {failure.originator_id} "
                          f"v{failure.originator_version}: {failure.error_class}: "
                          f"{failure.error_message}", markup=False, highlight=False)
    finally:
        runtime.close()
    if failures:
        raise SystemExit(1)


def _load_demo(runtime: Runtime) -> DemoContracts:
    from dsledger.demo import load_demo
    from dsledger.demo_contracts import load_demo_contracts

    with progress_bar("recording the demo catalogue") as update:
        recorded = load_demo(runtime.ledger, at=runtime.now(), progress=update)
    # The procurements' searches run against the catalogue view, so it is projected first.
    with progress_bar("projecting") as update:
        runtime.projector.catch_up(update)
    contracts = load_demo_contracts(runtime, at=runtime.now())
    runtime.projector.catch_up()
    # Sign the log as the demo leaves it, so an auditor's first look finds every event under a
    # signed tree head instead of waiting for the scheduler's next one.
    runtime.tree_heads.publish(runtime.now())
    console.print(f"demo catalogue: {recorded} services newly recorded; demo procurements: "
                  f"{contracts.recorded} newly recorded ({len(contracts.contracts)} contracts, "
                  f"{len(contracts.open_procurements)} still open)")
    return contracts


@main.command(help="Record the demo catalogue, then demo procurements and contracts, through the "
                   "same commands operators, agency officers and providers use.")
def demo() -> None:
    runtime = _runtime()
    _load_demo(runtime)
    runtime.close()


@main.command(help="Issue a signed bearer token for a role (and its agency or provider).")
@click.option("--role", type=click.Choice(["operator", "agency", "provider", "auditor"]),
              required=True)
@click.option("--sub", "principal_id", required=True, help="Who: a person's or system's id.")
@click.option("--agency", "agency_id", help="The agency an agency token acts for.")
@click.option("--provider", "provider_id", help="The provider a provider token acts for.")
@click.option("--hours", default=12, show_default=True, help="How long the token is valid.")
def token(role: str, principal_id: str, agency_id: str | None, provider_id: str | None,
          hours: int) -> None:
    from api.auth import Principal, issue_token

    settings = Settings.from_env()
    principal = Principal(principal_id=principal_id, role=Role(role), agency_id=agency_id,
                          provider_id=provider_id)
    try:
        click.echo(issue_token(settings.jwt_secret, principal, timedelta(hours=hours)))
    except ValueError as error:
        raise click.UsageError(str(error)) from error


@main.command(help="Recompute the verifiable log from the stored events and report the first place "
                   "it breaks (exit code 0 only when everything holds).")
@click.option("--trusted-heads", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Tree heads you kept: the body of GET /audit/tree-heads or "
                   "/audit/tree-heads/latest, or checkpoint notes from GET /audit/checkpoint; "
                   "each must match.")
@click.option("--public-key", help="Hex of the Ed25519 key that must have signed every head "
              "(GET /audit/public-key). Default: the configured signing key's own.")
@click.option("--pack", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Verify an evidence pack or history bundle (JSON) on its own, without the "
                   "database; pass --public-key to check it against a key you trust.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def verify(trusted_heads: Path | None, public_key: str | None, pack: Path | None,
           as_json: bool) -> None:
    import msgspec

    if pack is not None:
        _verify_pack(pack, public_key, as_json)

    from domain.ledger import Ledger
    from dsledger.runtime import make_engine
    from dsledger.tree_heads import public_key_from_hex, read_public_key
    from dsledger.verify import Verifier, load_trusted_heads

    settings = Settings.from_env()
    key = (public_key_from_hex(public_key) if public_key
           else read_public_key(settings.signing_key_file))
    if key is None:
        raise click.UsageError("no signing key is configured here: pass --public-key")
    ledger = Ledger(env=settings.ledger_env())
    db = make_engine(settings)
    try:
        heads = load_trusted_heads(trusted_heads, key) if trusted_heads else []
    except (ValueError, msgspec.DecodeError) as error:
        raise click.UsageError(f"{trusted_heads} holds no tree heads the ledger publishes: "
                               f"{error}") from error
    report = Verifier(ledger.recorder, db, key, heads).run()
    ledger.close()
    db.dispose()
    if as_json:
        click.echo(msgspec.json.encode(report).decode())
    else:
        _print_report(report)
    raise SystemExit(0 if report.ok else 1)


def _verify_pack(path: Path, public_key: str | None, as_json: bool) -> None:
    import msgspec

    from dsledger.evidence import Bundle, verify_bundle

    try:
        bundle = msgspec.json.decode(path.read_bytes(), type=Bundle)
    except msgspec.DecodeError as error:
        raise click.UsageError(f"{path} is not a dsledger bundle: {error}") from error
    problems = verify_bundle(bundle, public_key)
    if as_json:
        click.echo(msgspec.json.encode({"ok": not problems, "events": len(bundle.events),
                                        "tree_size": bundle.tree_head.tree_size,
                                        "problems": problems}).decode())
    else:
        console.print(f"{bundle.kind.value} {bundle.subject_id}: {len(bundle.events)} events "
                      f"against the signed tree head of size {bundle.tree_head.tree_size}")
        if public_key is None:
            console.print("[yellow]no --public-key: checked against the key the pack carries[/]")
        for problem in problems:
            where = f"sequence {problem.sequence}" if problem.sequence is not None else "pack"
            console.print(f"[red]{where}[/]: {problem.detail}")
        if not problems:
            console.print("[green]verified[/]: every cited event is in the signed log")
    raise SystemExit(0 if not problems else 1)


def _print_report(report: VerifyReport) -> None:
    console.print(f"{report.events} events read, {report.logged} in the Merkle log, "
                  f"{report.heads_checked} signed tree heads checked; root {report.root}")
    if report.ok:
        console.print("[green]verified[/]: every event matches the log and every tree head")
        return
    for problem in report.problems:
        where = f"sequence {problem.sequence}" if problem.sequence is not None else "tree head"
        aggregate = (f" (aggregate {problem.aggregate_id} v{problem.version})"
                     if problem.aggregate_id else "")
        console.print(f"[red]{problem.kind}[/] at {where}{aggregate}: {problem.detail}")


@main.command(help="Export a contract's whole history (or a procurement's evidence pack) as a "
                   "self-verifying bundle: JSON, and a PDF for an evidence pack.")
@click.argument("aggregate_id", type=click.UUID)
@click.option("--evidence", is_flag=True, help="AGGREGATE_ID is a procurement: its evidence pack.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the JSON (the PDF goes beside it).")
def export(aggregate_id: UUID, evidence: bool, out: Path) -> None:
    import msgspec

    from domain.rules import RuleViolation
    from dsledger.evidence import BundleKind, build_bundle

    runtime = _runtime()
    try:
        runtime.projector.catch_up()
        kind = BundleKind.PROCUREMENT_EVIDENCE if evidence else BundleKind.CONTRACT_HISTORY
        try:
            bundle = build_bundle(runtime, kind, aggregate_id)
        except RuleViolation as refusal:
            raise click.ClickException(refusal.message_en) from refusal
        out.write_bytes(msgspec.json.format(msgspec.json.encode(bundle)))
        console.print(f"{len(bundle.events)} events against the tree head of size "
                      f"{bundle.tree_head.tree_size}: {out}")
        if evidence:
            from dsledger.evidence_pdf import render_pdf

            pdf = out.with_suffix(".pdf")
            pdf.write_bytes(render_pdf(bundle))
            console.print(f"printable: {pdf}")
    finally:
        runtime.close()


@main.command(help="Run the projection engine alone: a worker beside API processes started with "
                   "--no-projector (several may run; each batch is claimed by one).")
def project() -> None:
    runtime = _runtime()
    try:
        with background_work(runtime, projector=True, scheduler=None):
            console.print(f"projecting from position {runtime.projector.position()}")
            _until_stopped()
    finally:
        runtime.close()


@main.command(help="Run the deadline scheduler alone (one leads; others wait to take over).")
@NOW
@click.option("--interval", default=5.0, show_default=True, help="Seconds between sweeps.")
@click.option("--once", is_flag=True, help="Sweep once, print what fired, and exit.")
def scheduler(now: datetime | None, interval: float, once: bool) -> None:
    from scheduler.runner import DeadlineScheduler

    runtime = _runtime(_korean(now))
    deadline_scheduler = DeadlineScheduler(runtime, interval_seconds=interval)
    if once:
        report = deadline_scheduler.tick()
        if report is None:
            console.print("another scheduler leads; nothing swept")
        else:
            console.print(f"fired {len(report.fired)}, void {len(report.void)}, "
                          f"retry {len(report.retry)}")
        deadline_scheduler.stop()
        runtime.close()
        return
    try:
        with background_work(runtime, projector=True, scheduler=deadline_scheduler):
            console.print(f"scheduler sweeping every {interval}s "
                          f"(clock: {runtime.now().isoformat()})")
            _until_stopped()
    finally:
        runtime.close()


def _until_stopped() -> None:
    """Block until SIGTERM or Ctrl-C."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass


@main.command(help="Run the HTTP API (and the projection engine and the scheduler).")
@click.option("--host", default=None, help="Default: DSLEDGER_HOST or 127.0.0.1.")
@click.option("--port", default=None, type=int, help="Default: DSLEDGER_PORT or 8000.")
@click.option("--demo/--no-demo", "with_demo", default=False,
              help="Load the demo catalogue, procurements and contracts first (skipping what is "
                   "already recorded); the "
                   "clock becomes movable by the operator.")
@click.option("--projector/--no-projector", default=True,
              help="Run the projection engine in this process.")
@click.option("--scheduler/--no-scheduler", "with_scheduler", default=True,
              help="Run the deadline scheduler in this process.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="API processes sharing the port (e.g. one per core). Above 1, this process "
                   "supervises them and runs the projection engine and the scheduler (unless "
                   "--no-projector/--no-scheduler); the workers only serve the API.")
@click.option("--access-log/--no-access-log", default=True, show_default=True,
              help="Log one line per request (uvicorn's access log).")
@NOW
def serve(host: str | None, port: int | None, with_demo: bool, projector: bool,
          with_scheduler: bool, workers: int, access_log: bool, now: datetime | None) -> None:
    import uvicorn

    from api.app import create_app
    from dsledger.asgi import freeze_startup_objects
    from scheduler.runner import DeadlineScheduler

    controllable = with_demo or now is not None
    if workers > 1 and controllable:
        # A movable clock lives in one process's memory: each worker would keep its own time.
        raise click.UsageError("--workers above 1 needs the machine's clock: a demo clock "
                               "(--demo, --now) cannot be shared between worker processes")
    settings = Settings.from_env()
    runtime = _started(settings, ControllableClock(_korean(now)) if controllable else utc_now)
    demo_contracts = _load_demo(runtime) if with_demo else None
    host = host or settings.host
    port = port or settings.port
    base = f"http://{host}:{port}"
    console.print(f"[bold]dsledger[/] on {'PostgreSQL' if settings.is_postgres else 'SQLite'} "
                  f"({settings.sqlalchemy_url().split('@')[-1]})"
                  + (f", {workers} API worker processes" if workers > 1 else ""))
    console.print(f"API:      {base}/")
    console.print(f"OpenAPI:  {base}/schema  (JSON: {base}/schema/openapi.json)")
    console.print(f"Web:      {base}/web/catalogue  (sign in at {base}/web/sign-in with a token)")
    # uvicorn refuses a raw non-ASCII URL: the example is pasted as printed, so it goes encoded.
    console.print(f"Try:      curl -G '{base}/catalogue/pages/saas/services' "
                  "--data-urlencode 'keywords=전자결재'")
    console.print("Tokens:   dsledger token --role operator --sub nia-officer-1")
    if demo_contracts is not None and demo_contracts.contracts:
        console.print(f"Contract: {base}/web/contracts/{demo_contracts.featured}/timeline  "
                      f"(disclosures: {base}/web/disclosures, obligations: {base}/web/obligations)")
        console.print("          dsledger token --role auditor --sub auditor-1")
        console.print("          dsledger token --role agency --sub kim.jiwon@seoul.go.kr "
                      "--agency AG-SEOUL")
    if demo_contracts is not None and demo_contracts.ceasing_service is not None:
        # The cessation story (Decree art. 19(2)): notice on the public entry, the NHIS contract
        # at risk with its data-return deadline on NHIS's obligations board.
        console.print(f"Ceasing:  {base}/catalogue/services/{demo_contracts.ceasing_service}  "
                      "(a provider ending its GPU business; NHIS's board: dsledger token --role "
                      "agency --sub choi.yuna@nhis.or.kr --agency AG-NHIS)")
    deadline_scheduler = DeadlineScheduler(runtime) if with_scheduler else None
    if workers > 1:
        _serve_workers(runtime, host, port, workers, access_log, projector, deadline_scheduler)
        return
    app = create_app(runtime, run_projector=projector, scheduler=deadline_scheduler)
    freeze_startup_objects()
    try:
        uvicorn.run(app, host=host, port=port, log_level="info", access_log=access_log)
    finally:
        runtime.close()


def _serve_workers(runtime: Runtime, host: str, port: int, workers: int, access_log: bool,
                   projector: bool, deadline_scheduler: DeadlineScheduler | None) -> None:
    """uvicorn's supervisor runs the API-only workers (``dsledger.asgi``) on one port; this
    process runs the projection engine and the scheduler beside it, once for all of them."""
    import uvicorn

    try:
        with background_work(runtime, projector=projector, scheduler=deadline_scheduler):
            uvicorn.run("dsledger.asgi:api_worker", factory=True, host=host, port=port,
                        workers=workers, log_level="info", access_log=access_log)
    finally:
        runtime.close()


if __name__ == "__main__":
    main()
