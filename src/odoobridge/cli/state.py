"""Settings and store, built once per command and only when a command needs them.

Settings (pydantic), the store (SQLAlchemy, Alembic) and logging are imported when first asked
for, not when the CLI starts: ``odoobridge --help`` must not pay for them (DESIGN.md rule 12).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from odoobridge.settings import Settings
    from odoobridge.store.engine import Store


class CliState:
    def __init__(self, settings: Settings | None = None) -> None:
        self._settings = settings
        self._store: Store | None = None

    def settings(self) -> Settings:
        if self._settings is None:
            from pydantic import ValidationError

            from odoobridge.logs import configure_logging
            from odoobridge.settings import Settings, invalid_setting

            try:
                self._settings = Settings()
            except ValidationError as exc:
                raise invalid_setting(exc) from None
            # On a terminal the answer is the output: only warnings are logged unless a level
            # is asked for (the server logs at ODOOBRIDGE_LOG_LEVEL, INFO by default).
            explicit = "log_level" in self._settings.model_fields_set
            configure_logging(
                self._settings.log_level if explicit else "WARNING",
                self._settings.log_format,
                self._settings.secret_values(),
            )
        return self._settings

    def store(self) -> Store:
        if self._store is None:
            from odoobridge.store.engine import Store

            self._store = Store(self.settings().store_url)
        return self._store

    def close(self) -> None:
        """Release the store's connections (called when the command ends)."""
        if self._store is not None:
            self._store.dispose()
            self._store = None

    def secrets(self) -> list[str]:
        return self._settings.secret_values() if self._settings is not None else []
