"""Catalogue search latency with 20,000 services (tiny and quick modes say their size): the annex
search (``search_catalogue``, first page of 20, as the API calls it: a pooled connection per
query) for a seeded sample of filter combinations on every page, and separately with keywords.

Baseline, same run and database: one service's row by primary key (``service_row``) through the same
pool — the floor of any read.
"""

from __future__ import annotations

import enum
import random
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import msgspec
from sqlalchemy import Engine

from bench.catalogue_data import load_catalogue
from bench.context import Context
from bench.core import Figure, Target, median, percentile
from domain.search import ANNEX, SearchConditions, SearchPage
from projections.catalogue_search import search_catalogue, service_row

NAME = "search"
NEEDS: tuple[str, ...] = ()
P99_TARGET_MS = 20.0
KEYWORDS = ("클라우드", "보안", "GPU", "전자결재", "데이터 분석", "컨테이너", "민원 상담", "스토리지",
            "ERP", "마이그레이션", "스마트시티", "화상회의")


def key(backend: str, what: str) -> str:
    return f"{NAME}.{backend}.{what}"


def filter_combinations(per_page: int, seed: int = 7) -> list[SearchConditions]:
    """For each page: no filter, every offered filter alone (one value), and ``per_page`` random
    combinations of the page's filters with random non-empty value sets."""
    rng = random.Random(seed)
    combos: list[SearchConditions] = []
    for page in SearchPage:
        offered = ANNEX[page]
        combos.append(SearchConditions(page=page))
        for flt, values in offered.items():
            combos.append(_conditions(page, {flt.value: _one(rng, values)}))
        for _ in range(per_page):
            chosen: dict[str, Any] = {}
            for flt, values in offered.items():
                if rng.random() < 0.4:
                    chosen[flt.value] = _some(rng, values)
            combos.append(_conditions(page, chosen))
    return combos


def keyword_queries(per_page: int, seed: int = 11) -> list[SearchConditions]:
    rng = random.Random(seed)
    queries = []
    for page in SearchPage:
        for _ in range(max(2, per_page // 4)):
            chosen: dict[str, Any] = {"keywords": rng.choice(KEYWORDS)}
            flt, values = rng.choice(list(ANNEX[page].items()))
            if rng.random() < 0.5:
                chosen[flt.value] = _one(rng, values)
            queries.append(_conditions(page, chosen))
    return queries


def _one(rng: random.Random, values: frozenset[enum.Enum] | None) -> Any:
    if values is None:
        return True
    return [rng.choice(sorted(v.value for v in values))]


def _some(rng: random.Random, values: frozenset[enum.Enum] | None) -> Any:
    if values is None:
        return True
    pool = sorted(v.value for v in values)
    return rng.sample(pool, rng.randint(1, min(2, len(pool))))


def _conditions(page: SearchPage, chosen: dict[str, Any]) -> SearchConditions:
    return msgspec.convert({"page": page.value, **chosen}, SearchConditions)


def run(ctx: Context) -> None:
    sizes = ctx.sizes
    combos = filter_combinations(sizes.search_queries_per_page)
    keywords = keyword_queries(sizes.search_queries_per_page)
    for backend in ctx.dbs.backends:
        with ctx.dbs.runtime(backend) as runtime:
            loaded = load_catalogue(runtime, sizes.search_services, sizes.search_verify_sample)
            ctx.log(f"{backend}: {loaded.services:,} services in the catalogue view "
                    f"({loaded.projected} projected by the engine and checked, the rest in bulk)")
            rng = random.Random(3)
            ids = rng.sample(loaded.service_ids, min(len(loaded.service_ids), 100))
            measures = _measures(runtime.db, ids, combos, keywords)
            # Warm the pool, the statement caches and the buffers with a few of each, untimed.
            for warm in _measures(runtime.db, ids[:20], combos[::5], keywords[::3]).values():
                warm()
            runs: dict[str, list[list[float]]] = {name: [] for name in measures}
            for _ in range(sizes.runs):
                for name, measure in measures.items():
                    runs[name].append(measure())
            size = (f"{loaded.services:,} services; per run: {len(combos)} filter combinations "
                    f"(6 pages), {len(keywords)} keyword queries, {len(ids)} primary-key reads")
            for stat in ("p50", "p99"):
                q = 50 if stat == "p50" else 99
                per_run = {name: [percentile(r, q) * 1000 for r in lists]
                           for name, lists in runs.items()}
                ctx.results.add(Figure(
                    key=key(backend, f"primary_key_{stat}"), benchmark=NAME, backend=backend,
                    baseline=True, label=f"read one row by primary key, {backend}, {stat}",
                    unit="ms", value=median(per_run["primary_key"]),
                    runs=per_run["primary_key"], size=size, higher_is_better=False))
                for name, text in (("filters", "annex filters"), ("keywords", "keywords")):
                    figure = Figure(
                        key=key(backend, f"{name}_{stat}"), benchmark=NAME, backend=backend,
                        label=f"catalogue search, {text}, {backend}, {stat}", unit="ms",
                        value=median(per_run[name]), runs=per_run[name], size=size,
                        higher_is_better=False)
                    if stat == "p99":
                        figure.target = _target(loaded.services, figure.value)
                    ctx.results.add(figure, compare_to=[key(backend, f"primary_key_{stat}")])


def _measures(db: Engine, ids: list[str], combos: list[SearchConditions],
              keywords: list[SearchConditions]) -> dict[str, Callable[[], list[float]]]:
    by_key = [partial(service_row, service_id=i) for i in ids]
    filters = [partial(search_catalogue, conditions=c, limit=20) for c in combos]
    worded = [partial(search_catalogue, conditions=c, limit=20) for c in keywords]
    return {"primary_key": partial(_timed, db, by_key), "filters": partial(_timed, db, filters),
            "keywords": partial(_timed, db, worded)}


def _target(services: int, p99_ms: float) -> Target:
    text = f"p99 ≤ {P99_TARGET_MS:g} ms with 20,000 services"
    if services < 20_000:
        return Target(text=f"{text} (not judged: {services:,} services measured)", met=None)
    return Target(text=text, met=p99_ms <= P99_TARGET_MS)


def _timed(db: Engine, queries: Sequence[Callable[..., object]]) -> list[float]:
    """Each query on a connection from the pool, as one API request does; seconds each."""
    order = list(range(len(queries)))
    random.Random(len(queries)).shuffle(order)
    latencies = []
    for index in order:
        began = time.perf_counter()
        with db.connect() as conn:
            queries[index](conn)
        latencies.append(time.perf_counter() - began)
    return latencies
