"""The reports: ``report.json`` (every figure, its runs, its baselines and target) and ``report.md``
(the same, readable: each figure as ``value (ratio× baseline)``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.core import Figure, Results, fmt

TITLES = {
    "baseline_insert": "Baseline 1: raw INSERT + COMMIT",
    "baseline_library": "Baseline 2: stock eventsourcing Application.save",
    "commands": "Commands, domain level",
    "http_commands": "Commands over HTTP",
    "http_reads": "HTTP reads",
    "projection": "Projection: catch-up and rebuild",
    "search": "Catalogue search",
    "aggregate_load": "Loading an aggregate",
    "scheduler_tick": "Scheduler tick",
}


def write(out: Path, meta: dict[str, Any], results: Results, not_measured: list[str]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    document = {
        "meta": meta,
        "figures": [figure.as_json() for figure in results.figures.values()],
        "targets": [_target_row(f) for f in results.figures.values() if f.target is not None],
        "notes": results.notes,
        "not_measured": not_measured,
        "errors": results.errors,
    }
    (out / "report.json").write_text(json.dumps(document, indent=2, ensure_ascii=False,
                                                default=str) + "\n")
    (out / "report.md").write_text(markdown(meta, results, not_measured))


def _target_row(figure: Figure) -> dict[str, Any]:
    assert figure.target is not None
    return {"figure": figure.key, "target": figure.target.text, "value": figure.value,
            "unit": figure.unit, "met": figure.target.met}


def _versus(figure: Figure) -> str:
    if not figure.comparisons:
        return "baseline" if figure.baseline else "—"
    parts = [f"**{c.ratio:.2f}×** {c.label} ({fmt(c.value, c.unit)})" for c in figure.comparisons]
    return ("baseline; " if figure.baseline else "") + "<br>".join(parts)


def _met(met: bool | None) -> str:
    return {True: "met", False: "**not met**", None: "not judged"}[met]


def markdown(meta: dict[str, Any], results: Results, not_measured: list[str]) -> str:
    lines = [
        "# dsledger benchmarks",
        "",
        f"Mode **{meta['mode']}**: every figure is the median of {meta['runs']} runs (latency: the "
        f"median over runs of each run's p50/p99; a peak RSS is the maximum) and is shown as "
        f"`value (ratio× baseline)` against baselines measured in this same run on the same "
        f"database. Sizes are the sizes measured; nothing is extrapolated.",
        "",
        f"Machine: {meta['cpus']} CPUs, Python {meta['python']}, eventsourcing "
        f"{meta['eventsourcing']}, PostgreSQL {meta['postgres'].get('server_version', 'n/a')} "
        f"(fsync {meta['postgres'].get('fsync', '?')}, synchronous_commit "
        f"{meta['postgres'].get('synchronous_commit', '?')}), SQLite {meta['sqlite']}. "
        f"Started {meta['started']}, took {meta['duration_s']:.0f} s. "
        f"Benchmarks: {', '.join(meta['benchmarks'])}.",
        "",
    ]
    targets = [f for f in results.figures.values() if f.target is not None]
    if targets:
        lines += ["## Targets", "", "| target | figure | measured | status |",
                  "| --- | --- | --- | --- |"]
        for figure in targets:
            assert figure.target is not None
            lines.append(f"| {figure.target.text} | {figure.label} | "
                         f"{fmt(figure.value, figure.unit)} | {_met(figure.target.met)} |")
        lines.append("")
    for benchmark in dict.fromkeys(f.benchmark for f in results.figures.values()):
        lines += [f"## {TITLES.get(benchmark, benchmark)}", "",
                  "| figure | value | against (same run) | measured |",
                  "| --- | --- | --- | --- |"]
        for figure in results.figures.values():
            if figure.benchmark != benchmark:
                continue
            label = f"*{figure.label}*" if figure.baseline else figure.label
            size = figure.size + (f" — {figure.note}" if figure.note else "")
            lines.append(f"| {label} | {fmt(figure.value, figure.unit)} | {_versus(figure)} | "
                         f"{size} |")
        lines.append("")
    if results.notes:
        lines += ["## Notes", "", *[f"- {note}" for note in results.notes], ""]
    if not_measured:
        lines += ["## Not measured (yet)", "", *[f"- {item}" for item in not_measured], ""]
    if results.errors:
        lines += ["## Errors", ""]
        for error in results.errors:
            lines += [f"### {error['benchmark']}", "", "```", error["error"].rstrip(), "```", ""]
    return "\n".join(lines)
