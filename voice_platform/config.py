"""The one settings object. Every knob is an environment variable (see `.env.example`)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Platform settings, read from the environment and an optional `.env` file."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        case_sensitive=False,
    )

    environment: Literal["development", "test", "production"] = Field(
        default="development", description="Deployment kind; production tightens checks."
    )
    data_dir: Path = Field(
        default=PROJECT_ROOT / ".data",
        description="Where the embedded PostgreSQL and Redis keep their data.",
    )
    host: str = Field(default="127.0.0.1", description="Address the app listens on.")
    port: int = Field(default=3000, ge=1, le=65535, description="Port for the UI and /api.")
    public_base_url: str = Field(
        default="",
        description="The URL callers and Twilio reach the app at; defaults to http://HOST:PORT.",
    )

    database_url: str = Field(
        default="",
        description=(
            "PostgreSQL URL of the schema owner (migrations, platform work). "
            "Empty: start the embedded PostgreSQL under DATA_DIR."
        ),
    )
    database_app_url: str = Field(
        default="",
        description=(
            "PostgreSQL URL the app uses for tenant work: a role without BYPASSRLS. "
            "Empty: DATABASE_URL with the user replaced by DATABASE_APP_ROLE."
        ),
    )
    database_app_role: str = Field(
        default="voice_app",
        pattern=r"^[a-z_][a-z0-9_]{0,62}$",
        description="Name of the login role for tenant work, created by the migrations.",
    )
    database_app_password: SecretStr = Field(
        default=SecretStr(""),
        description="Password set on DATABASE_APP_ROLE by the migrations (empty: none).",
    )
    database_pool_size: int = Field(default=5, ge=1, le=100, description="Connections per pool.")

    redis_url: str = Field(
        default="", description="Redis URL. Empty: start the embedded Redis under DATA_DIR."
    )

    secret_key: SecretStr = Field(
        default=SecretStr("dev-insecure-change-me"),
        description="Signs tokens; must be set to a long random value in production.",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated origins allowed to call /api from a browser.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="Log level of the app and the worker."
    )
    log_json: bool = Field(default=False, description="Write logs as JSON lines.")

    worker_heartbeat_seconds: int = Field(
        default=30, ge=1, le=3600, description="How often the worker writes its heartbeat."
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("database_url", "database_app_url")
    @classmethod
    def _check_postgres_url(cls, value: str) -> str:
        if value and not value.startswith(
            ("postgresql://", "postgresql+psycopg://", "postgres://")
        ):
            raise ValueError("must be a postgresql:// URL")
        return value

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: str) -> str:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be a redis://, rediss:// or unix:// URL")
        return value

    @property
    def base_url(self) -> str:
        return self.public_base_url.rstrip("/") or f"http://{self.host}:{self.port}"

    @property
    def behind_tls(self) -> bool:
        return self.base_url.startswith("https://")


@lru_cache
def get_settings() -> Settings:
    return Settings()
