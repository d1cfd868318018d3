from tests.fakes.notify_fixtures import chat, receiver, smtp  # noqa: F401
