"""Loads the harness, one plugin (fixtures/plugin.py) that loads the rest (see docs/where-things-are.md).

An installed suite registers the same plugin, under the same name, through pyproject's pytest11 entry
point; pytest loads it once.  Naming it here keeps a checkout that was never installed working.
"""

pytest_plugins = ["fixtures.plugin"]
