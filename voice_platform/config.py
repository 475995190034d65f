"""The one settings object. Every knob is an environment variable (see `.env.example`)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET_KEY = "dev-insecure-secret-key-change-me-in-production"  # noqa: S105  (refused in production)


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
        default=SecretStr(DEV_SECRET_KEY),
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

    access_token_minutes: int = Field(
        default=15, ge=1, le=1440, description="Lifetime of an access token (JWT)."
    )
    refresh_token_days: int = Field(
        default=30, ge=1, le=365, description="Lifetime of a refresh token (a log-in session)."
    )
    password_reset_minutes: int = Field(
        default=60, ge=5, le=1440, description="How long a password-reset link works."
    )
    invitation_days: int = Field(
        default=7, ge=1, le=60, description="How long an invitation works."
    )
    impersonation_max_minutes: int = Field(
        default=60, ge=5, le=480, description="Longest a staff impersonation may last."
    )
    login_max_failures: int = Field(
        default=5, ge=1, le=100, description="Failed log-ins in a row before a lockout."
    )
    login_lockout_seconds: int = Field(
        default=900, ge=1, le=86400, description="How long a lockout lasts."
    )
    login_attempts_per_ip_per_minute: int = Field(
        default=30, ge=1, le=10000, description="Log-in attempts one address may make a minute."
    )
    smtp_host: str = Field(default="", description="SMTP server; empty: email goes to the outbox.")
    smtp_port: int = Field(default=587, ge=1, le=65535, description="SMTP port.")
    smtp_username: str = Field(default="", description="SMTP user (empty: no log-in).")
    smtp_password: SecretStr = Field(default=SecretStr(""), description="SMTP password.")
    smtp_starttls: bool = Field(
        default=True, description="Upgrade the SMTP connection with STARTTLS."
    )
    email_from: str = Field(
        default="Voice Platform <no-reply@localhost>", description="Sender of every email."
    )
    seed_demo: bool = Field(
        default=True,
        description="`up` adds a demo tenant, its owner and a staff user if there are no tenants.",
    )
    seed_demo_calls: int = Field(
        default=2000,
        ge=0,
        le=100_000,
        description="Made-up calls `up` writes for the demo tenant when it creates it (0: none).",
    )

    llm_api_key: SecretStr = Field(
        default=SecretStr(""),
        description="Key of an OpenAI-compatible API; empty: the local models (offline).",
    )
    llm_base_url: str = Field(
        default="", description="Base URL of the OpenAI-compatible API (empty: OpenAI's)."
    )
    llm_embedding_model: str = Field(
        default="text-embedding-3-small", description="Embedding model of that API."
    )
    llm_chat_model: str = Field(
        default="gpt-4o-mini",
        description="Chat model of that API; it must support Structured Outputs (JSON Schema).",
    )
    llm_timeout_seconds: float = Field(
        default=30.0, gt=0, le=600, description="Timeout of one call to that API."
    )

    kb_extraction_concurrency: int = Field(
        default=4, ge=1, le=64, description="Calls to the chat model at once when reading a site."
    )
    kb_extraction_batch_chars: int = Field(
        default=12_000,
        ge=1_000,
        le=200_000,
        description="Characters of page text sent to the chat model in one call.",
    )
    llm_prompt_cost_per_million: float = Field(
        default=0.15, ge=0, description="USD per million prompt tokens, for usage records."
    )
    llm_completion_cost_per_million: float = Field(
        default=0.60, ge=0, description="USD per million completion tokens, for usage records."
    )

    twilio_account_sid: str = Field(
        default="", description="Twilio account SID; empty: sandbox phone numbers (offline)."
    )
    twilio_auth_token: SecretStr = Field(
        default=SecretStr(""), description="Twilio auth token (also verifies its webhooks)."
    )
    twilio_api_base_url: str = Field(
        default="", description="Twilio API host to call instead of api.twilio.com (tests)."
    )
    elevenlabs_api_key: SecretStr = Field(
        default=SecretStr(""),
        description="ElevenLabs API key; empty: the built-in sandbox voices (offline).",
    )
    elevenlabs_base_url: str = Field(
        default="", description="ElevenLabs API base URL (empty: ElevenLabs' own)."
    )

    call_silence_seconds: float = Field(
        default=10.0,
        gt=0,
        le=120,
        description="Seconds of caller silence before the agent asks if they are still there.",
    )
    call_transfer_timeout_seconds: int = Field(
        default=20, ge=5, le=120, description="Seconds a transfer rings before taking a message."
    )
    call_cost_per_minute: float = Field(
        default=0.10,
        ge=0,
        le=100,
        description="What a minute of calls costs on this platform (phone, voice and model), "
        "in the business's currency: the ROI view's platform cost unless a business sets its own.",
    )

    crawl_allow_private_networks: bool = Field(
        default=False,
        description="Let the crawler read private and loopback addresses (tests, intranets).",
    )
    crawl_max_pages: int = Field(default=50, ge=1, le=5000, description="Pages read per site.")
    crawl_max_depth: int = Field(default=4, ge=0, le=20, description="Clicks from the start page.")
    crawl_max_bytes_per_page: int = Field(
        default=2_000_000, ge=10_000, le=50_000_000, description="Bigger pages are skipped."
    )
    crawl_timeout_seconds: float = Field(
        default=60.0, gt=0, le=3600, description="Time for one whole site."
    )
    crawl_concurrency_per_host: int = Field(
        default=4, ge=1, le=32, description="Requests at once to one site."
    )

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

    @model_validator(mode="after")
    def _production_needs_a_secret(self) -> Settings:
        key = self.secret_key.get_secret_value()
        if self.environment == "production" and (key == DEV_SECRET_KEY or len(key) < 32):
            raise ValueError(
                "SECRET_KEY must be a random value of 32 characters or more in production"
            )
        return self

    @property
    def base_url(self) -> str:
        return self.public_base_url.rstrip("/") or f"http://{self.host}:{self.port}"

    @property
    def behind_tls(self) -> bool:
        return self.base_url.startswith("https://")


@lru_cache
def get_settings() -> Settings:
    return Settings()
