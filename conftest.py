"""Loads the harness: the stack matrix, the actor fixtures and the report (see fixtures/)."""

pytest_plugins = ["fixtures.report", "fixtures.plugin", "fixtures.actors"]
