"""Database engines and the two ways into them.

- `tenant_session(tenant_id)`: the everyday path. It connects as the application role (no
  superuser, no BYPASSRLS) and sets `app.tenant_id` for the transaction, so PostgreSQL's
  row-level security only ever shows that tenant's rows.
- `platform_session(reason)`: the narrow path for work that must cross tenants (routing a
  call by its number, staff tools, rollups). It connects as the schema owner, whose policies
  see every row, and each use is logged with its reason.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import structlog
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine

from voice_platform.config import Settings, get_settings

log = structlog.get_logger(__name__)

TENANT_SETTING = "app.tenant_id"


def sqlalchemy_url(url: str) -> str:
    """Point a postgresql:// URL at the psycopg (v3) driver."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def owner_url(settings: Settings) -> str:
    if not settings.database_url:
        raise RuntimeError(
            "DATABASE_URL is not set: run `voice-platform up`, which starts the embedded "
            "PostgreSQL, or set DATABASE_URL to your server"
        )
    return sqlalchemy_url(settings.database_url)


def app_url(settings: Settings) -> str:
    """The URL of the application role: explicit, or derived from the owner's URL."""
    if settings.database_app_url:
        return sqlalchemy_url(settings.database_app_url)
    password = settings.database_app_password.get_secret_value() or None
    return (
        make_url(owner_url(settings))
        .set(username=settings.database_app_role, password=password)
        .render_as_string(hide_password=False)
    )


def _engine(url: str, settings: Settings) -> Engine:
    return create_engine(
        url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_pool_size,
        pool_pre_ping=True,
        connect_args={"connect_timeout": 5},
    )


@lru_cache
def owner_engine() -> Engine:
    settings = get_settings()
    return _engine(owner_url(settings), settings)


@lru_cache
def app_engine() -> Engine:
    settings = get_settings()
    return _engine(app_url(settings), settings)


def dispose_engines() -> None:
    """Close every pooled connection and forget the engines (settings may have changed)."""
    for cached in (owner_engine, app_engine):
        if cached.cache_info().currsize:
            cached().dispose()
        cached.cache_clear()


@contextmanager
def tenant_session(tenant_id: uuid.UUID) -> Iterator[Session]:
    """A transaction that can see and change only `tenant_id`'s rows.

    Commits when the block ends normally, rolls back on an exception.
    """
    if not isinstance(tenant_id, uuid.UUID):
        raise TypeError("tenant_id must be a UUID")
    with Session(app_engine(), expire_on_commit=False) as session, session.begin():
        session.execute(
            text("SELECT set_config(:name, :value, true)"),
            {"name": TENANT_SETTING, "value": str(tenant_id)},
        )
        yield session


@contextmanager
def platform_session(reason: str) -> Iterator[Session]:
    """A transaction across all tenants, for the few platform jobs that need one."""
    if not reason.strip():
        raise ValueError("platform_session needs a reason")
    log.info("platform_session", reason=reason)
    with Session(owner_engine(), expire_on_commit=False) as session, session.begin():
        yield session
