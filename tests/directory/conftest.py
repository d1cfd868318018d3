"""The fake identity platform and its fixtures (see tests/fakes/identity_fixtures.py)."""

from tests.fakes.identity_fixtures import clock, fake, graph, live_settings  # noqa: F401
