from tests.fakes.identity_fixtures import clock, fake, live_settings  # noqa: F401
from tests.fakes.notify_fixtures import chat, receiver, smtp  # noqa: F401
