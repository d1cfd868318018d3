"""Fixtures of the auth tests: cheap argon2, the web app's fixtures (the Microsoft sign-in tests
drive the app over HTTP) and the fake identity platform."""

from tests.auth.quick_hashes import _quick_password_hashes  # noqa: F401 (autouse fixture)
from tests.web.conftest import anonymous, app, base_url, fake, people, signed_in  # noqa: F401
