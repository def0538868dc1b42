"""``dsledger rebuild`` replays the log into groups of views, each group in a process of its own:
the tables are the ones a rebuild in one process gives, every view is in exactly one group, and a
rebuild stopped half way is finished by any projection worker."""

from __future__ import annotations

import pytest

from dsledger.rebuild import OutOfTime, rebuild, view_groups
from dsledger.runtime import Runtime
from projections.catalogue_reader import CatalogueReader
from scheduler.clock import ControllableClock
from tests.procurement.conftest import catalogue, reader
from tests.projections.test_engine import every_view
from tests.scheduler.test_deadlines import a_year, clock, runtime

__all__ = ["catalogue", "clock", "reader", "runtime"]


def test_a_rebuild_in_group_processes_gives_the_tables_of_one_process(
    runtime: Runtime, clock: ControllableClock, reader: CatalogueReader,
    catalogue: dict[str, str],
) -> None:
    a_year(runtime, clock, reader, catalogue)
    runtime.projector.rebuild()
    in_one = every_view(runtime)
    assert in_one["contracts"] and in_one["deadlines"] and in_one["merkle_leaves"]
    assert rebuild(runtime, processes=3) > 0
    assert runtime.projector.position() == runtime.projector.head()
    assert every_view(runtime) == in_one


def test_every_view_is_in_exactly_one_group_and_the_groups_weigh_about_the_same(
    runtime: Runtime,
) -> None:
    views = runtime.projector.views
    for processes in (1, 2, 3, 8, 20):
        groups = view_groups(views, processes)
        assert len(groups) == min(processes, len(views))
        assert sorted(name for group in groups for name in group) == sorted(
            view.name for view in views)
        weight = {view.name: view.weight for view in views}
        weights = [sum(weight[name] for name in group) for group in groups]
        assert max(weights) - min(weights) <= max(weight.values())


def test_a_rebuild_out_of_time_is_finished_by_a_projection_worker(
    runtime: Runtime, clock: ControllableClock, reader: CatalogueReader,
    catalogue: dict[str, str],
) -> None:
    a_year(runtime, clock, reader, catalogue)
    runtime.projector.catch_up()
    built = every_view(runtime)
    with pytest.raises(OutOfTime):
        rebuild(runtime, processes=2, budget=1e-9, batch_size=5)
    assert runtime.projector.position() < runtime.projector.head()
    runtime.projector.catch_up()
    assert every_view(runtime) == built
