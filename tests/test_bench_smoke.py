"""The benchmark harness runs end to end (``python -m bench.run --quick --tiny``) and writes a JSON
report in which every figure is a number standing beside a baseline measured in the same run. It
never asserts a speed: tiny sizes measure nothing worth comparing."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_DSN = os.environ.get("DSLEDGER_BENCH_PG") or os.environ.get(
    "DSLEDGER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
SELECTED = ("baseline_insert", "commands", "search", "audit")


def _postgres_reachable() -> bool:
    try:
        with psycopg.connect(PG_ADMIN_DSN, connect_timeout=3):
            return True
    except psycopg.Error:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true requires PostgreSQL at {PG_ADMIN_DSN}")
        return False


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("bench-results")
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--tiny", "--only", *SELECTED,
         "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert (out / "report.md").read_text().startswith("# dsledger benchmarks")
    document: dict[str, Any] = json.loads((out / "report.json").read_text())
    return document


def test_the_report_has_the_selected_benchmarks_and_their_baselines(report: dict[str, Any]) -> None:
    assert report["errors"] == []
    assert report["meta"]["mode"] == "tiny"
    ran = set(report["meta"]["benchmarks"])
    assert set(SELECTED) <= ran
    assert "baseline_library" in ran, "commands are compared with the stock library: it runs too"
    benchmarks = {figure["benchmark"] for figure in report["figures"]}
    assert set(SELECTED) <= benchmarks
    backends = {figure["backend"] for figure in report["figures"]}
    assert "sqlite" in backends
    if _postgres_reachable():
        assert "postgresql" in backends


def test_every_figure_is_a_number_beside_a_baseline_of_the_same_run(
    report: dict[str, Any],
) -> None:
    figures = {figure["key"]: figure for figure in report["figures"]}
    for key, figure in figures.items():
        assert _number(figure["value"]), key
        assert figure["runs"] and all(_number(run) for run in figure["runs"]), key
        if figure["baseline"]:
            continue
        assert figure["comparisons"], f"{key} has no baseline"
        for comparison in figure["comparisons"]:
            assert comparison["baseline"] in figures, comparison
            assert figures[comparison["baseline"]]["baseline"], comparison
            assert _number(comparison["value"]) and _number(comparison["ratio"]), comparison


def test_commands_stand_beside_both_write_baselines(report: dict[str, Any]) -> None:
    commands = [f for f in report["figures"] if f["benchmark"] == "commands"]
    assert {f["key"].rsplit(".", 1)[-1] for f in commands} == {
        "writers_1", "writers_4", "writers_16"}
    for figure in commands:
        against = {c["baseline"].split(".")[0] for c in figure["comparisons"]}
        assert against == {"baseline_insert", "baseline_library"}, figure["key"]


def test_search_reports_p50_and_p99_for_filters_and_keywords(report: dict[str, Any]) -> None:
    keys = {f["key"] for f in report["figures"] if f["benchmark"] == "search"}
    for backend in {f["backend"] for f in report["figures"] if f["benchmark"] == "search"}:
        for what in ("filters", "keywords", "primary_key"):
            for stat in ("p50", "p99"):
                assert f"search.{backend}.{what}_{stat}" in keys


def test_audit_reports_verify_and_proofs_beside_a_bare_read(report: dict[str, Any]) -> None:
    audit = {f["key"]: f for f in report["figures"] if f["benchmark"] == "audit"}
    for backend in {f["backend"] for f in audit.values()}:
        assert audit[f"audit.{backend}.read"]["baseline"]
        assert audit[f"audit.{backend}.node-read"]["baseline"]
        for what, baseline in (("build", "read"), ("verify", "read"),
                               ("inclusion-proof", "node-read")):
            compared = [c["baseline"] for c in audit[f"audit.{backend}.{what}"]["comparisons"]]
            assert compared == [f"audit.{backend}.{baseline}"]
