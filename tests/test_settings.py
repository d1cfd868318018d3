"""Every setting is documented, and secrets never show."""

from __future__ import annotations

from pathlib import Path

from odoobridge.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def names() -> list[str]:
    return [Settings.variable(name) for name in Settings.model_fields]


def test_every_setting_is_in_the_readme_and_env_example() -> None:
    readme = (ROOT / "README.md").read_text()
    example = (ROOT / ".env.example").read_text()
    missing_readme = [n for n in names() if f"| `{n}` |" not in readme]
    missing_example = [n for n in names() if n not in example]
    assert missing_readme == []
    assert missing_example == []


def test_public_view_redacts_every_secret() -> None:
    settings = Settings(
        _env_file=None,
        DATABASE_URL="postgresql+psycopg://store:Store-Pw-1@db/ob",
        ODOO_PROD_DSN="postgresql+psycopg://reader:Reader-Pw-2@odoo/prod",
        AZURE_CLIENT_SECRET="Azure-Secret-3",
        ODOOBRIDGE_SECRET_KEY="k" * 40,
    )
    shown = " ".join(str(v) for v in settings.public_view().values())
    for secret in ("Store-Pw-1", "Reader-Pw-2", "Azure-Secret-3", "k" * 40):
        assert secret not in shown
    assert "postgresql+psycopg://reader:***@odoo/prod" in shown
