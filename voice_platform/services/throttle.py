"""Log-in throttling and lockout, kept in Redis so every app process shares them."""

from __future__ import annotations

from functools import lru_cache

import redis

from voice_platform.config import Settings
from voice_platform.services.errors import RateLimited

PREFIX = "voice_platform:login"


@lru_cache
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=3, socket_connect_timeout=3)


def client(settings: Settings) -> redis.Redis:
    if not settings.redis_url:
        raise RuntimeError("REDIS_URL is not set")
    return _client(settings.redis_url)


def _minutes(seconds: int) -> str:
    minutes = max(1, round(seconds / 60))
    return f"{minutes} minute" + ("s" if minutes != 1 else "")


def check_allowed(settings: Settings, *, email: str, ip: str | None) -> None:
    """Raise RateLimited while the account is locked or the address sends too many tries."""
    r = client(settings)
    locked_for = r.ttl(f"{PREFIX}:lock:{email}")
    if isinstance(locked_for, int) and locked_for > 0:
        raise RateLimited(
            f"Too many failed log-ins: this account is locked for {_minutes(locked_for)}. "
            "Resetting the password unlocks it.",
            retry_after=locked_for,
        )
    if ip:
        key = f"{PREFIX}:ip:{ip}"
        attempts = r.incr(key)
        if attempts == 1:
            r.expire(key, 60)
        if int(attempts) > settings.login_attempts_per_ip_per_minute:  # type: ignore[arg-type]
            raise RateLimited(
                "Too many log-in attempts from your address; wait a minute", retry_after=60
            )


RESETS_PER_EMAIL = 3
RESET_WINDOW_SECONDS = 900
RESETS_PER_IP_PER_MINUTE = 10


def allow_reset_email(settings: Settings, *, email: str, ip: str | None) -> bool:
    """Whether to send another reset email: a few per account per window, so the form
    cannot flood an inbox; an address asking too often is refused outright."""
    r = client(settings)
    if ip:
        ip_key = f"{PREFIX}:reset-ip:{ip}"
        asked = int(r.incr(ip_key))  # type: ignore[arg-type]
        if asked == 1:
            r.expire(ip_key, 60)
        if asked > RESETS_PER_IP_PER_MINUTE:
            raise RateLimited(
                "Too many reset requests from your address; wait a minute", retry_after=60
            )
    key = f"{PREFIX}:reset:{email}"
    sent = int(r.incr(key))  # type: ignore[arg-type]
    if sent == 1:
        r.expire(key, RESET_WINDOW_SECONDS)
    return sent <= RESETS_PER_EMAIL


def record_failure(settings: Settings, *, email: str) -> None:
    r = client(settings)
    key = f"{PREFIX}:fail:{email}"
    failures = int(r.incr(key))  # type: ignore[arg-type]
    r.expire(key, settings.login_lockout_seconds)
    if failures >= settings.login_max_failures:
        r.set(f"{PREFIX}:lock:{email}", "1", ex=settings.login_lockout_seconds)
        r.delete(key)


def clear(settings: Settings, *, email: str) -> None:
    """Forget failures and lift any lockout (after a good log-in or a password reset)."""
    client(settings).delete(f"{PREFIX}:fail:{email}", f"{PREFIX}:lock:{email}")
