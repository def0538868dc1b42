"""The application layer: what the API and the pages ask of the read models, as SQL in one place.
It may import ``projections.tables`` and ``domain``; nothing here imports ``api``."""
