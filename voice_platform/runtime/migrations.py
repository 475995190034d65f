"""Apply the Alembic migrations: the only way the schema changes."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, pool

from voice_platform.config import PROJECT_ROOT
from voice_platform.db import sqlalchemy_url


def alembic_config() -> Config:
    return Config(str(PROJECT_ROOT / "alembic.ini"))


def alembic_config_for(url: str | None) -> Config:
    config = alembic_config()
    if url:
        config.attributes["url"] = sqlalchemy_url(url)
    return config


def upgrade(revision: str = "head", *, url: str | None = None) -> None:
    """Upgrade the database at `url` (default: DATABASE_URL) to `revision`."""
    command.upgrade(alembic_config_for(url), revision)


def downgrade(revision: str, *, url: str | None = None) -> None:
    command.downgrade(alembic_config_for(url), revision)


def pending(url: str) -> list[str]:
    """Revisions not yet applied to the database at `url` (owner URL, psycopg driver)."""
    script = ScriptDirectory.from_config(alembic_config())
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    engine.dispose()
    heads = script.get_heads()
    if set(heads) <= current:
        return []
    return [
        rev.revision for rev in script.iterate_revisions(tuple(heads), tuple(current) or "base")
    ]
