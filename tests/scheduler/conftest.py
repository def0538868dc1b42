"""The procurement suite's small catalogue, for the scheduler's contracts."""

from tests.procurement.conftest import catalogue, reader

__all__ = ["catalogue", "reader"]
