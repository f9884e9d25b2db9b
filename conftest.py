"""Loads the harness, one plugin (fixtures/plugin.py) that loads the rest (see docs/where-things-are.md)."""

pytest_plugins = ["fixtures.plugin"]
