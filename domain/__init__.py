"""The dsledger domain: aggregates, value types and the rule catalogue.

Nothing in here imports the web framework or a database driver.
"""
