"""The procurement suite's small catalogue, for the API tests that need contracts."""

from tests.procurement.conftest import catalogue, reader

__all__ = ["catalogue", "reader"]
